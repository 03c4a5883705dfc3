//! One SIM: switch it on and off, label it, lock it to its device (each
//! keeping what it does not change); and through v2, one SIM's details in
//! four concurrent reads. Many SIMs at once are bulk jobs (`jobs::sims`).

use crate::api::generated::Client;
use crate::api::types::{self, SimUpdate, SimUpdateStatus};
#[cfg(feature = "v2")]
use crate::api::v2;
use crate::error::{During, Error, ErrorKind, Result};
use crate::model::{Iccid, IntoIccid};

/// SIMs changed by one `POST /v1/sims` at most.
pub const BULK_CHUNK: usize = 100;

impl Client {
    /// Enables one SIM, keeping its label and IMEI lock.
    pub async fn enable_sim(&self, iccid: impl IntoIccid) -> Result<()> {
        self.change_sim(iccid.into_iccid(), true, |u| {
            u.status = SimUpdateStatus::Enabled
        })
        .await
    }

    /// Disables one SIM, keeping its label and IMEI lock.
    pub async fn disable_sim(&self, iccid: impl IntoIccid) -> Result<()> {
        self.change_sim(iccid.into_iccid(), true, |u| {
            u.status = SimUpdateStatus::Disabled
        })
        .await
    }

    /// Sets one SIM's label, keeping its status and IMEI lock.
    pub async fn set_sim_label(&self, iccid: impl IntoIccid, label: &str) -> Result<()> {
        crate::transport::checks::label(label)
            .map_err(Error::invalid_input)
            .during("update_sim")?;
        let label = label.to_string();
        self.change_sim(iccid.into_iccid(), false, move |u| u.label = Some(label))
            .await
    }

    /// Locks one SIM to its current device (or unlocks it), keeping its status and label.
    pub async fn set_sim_imei_lock(&self, iccid: impl IntoIccid, locked: bool) -> Result<()> {
        self.change_sim(iccid.into_iccid(), false, move |u| u.imei_lock = locked)
            .await
    }

    /// The API's update replaces status and IMEI lock (an absent lock means
    /// unlocked), so a change starts from the SIM's current values. A status
    /// the documents do not list cannot be sent back: such a SIM is refused
    /// unless the change sets the status itself (`sets_status`), rather than
    /// being switched on or off as a side effect of a label.
    async fn current_update(&self, iccid: &str, sets_status: bool) -> Result<SimUpdate> {
        let sim = self.get_sim().iccid(iccid).send().await.during("get_sim")?;
        update_from(&sim, iccid, sets_status)
    }

    async fn change_sim(
        &self,
        iccid: Result<Iccid>,
        sets_status: bool,
        change: impl FnOnce(&mut SimUpdate),
    ) -> Result<()> {
        let iccid = iccid.during("update_sim")?;
        let mut update = self.current_update(iccid.as_str(), sets_status).await?;
        change(&mut update);
        self.update_sim()
            .iccid(&iccid)
            .body(update)
            .send()
            .await
            .during("update_sim")?;
        Ok(())
    }
}

/// The update that keeps what a SIM has: the API's update replaces status
/// and IMEI lock (an absent lock means unlocked), so a change starts from the
/// SIM's current values. A status the documents do not list cannot be sent
/// back: such a SIM is refused unless the change sets the status itself
/// (`sets_status`), rather than being switched on or off as a side effect.
pub(crate) fn update_from(sim: &types::Sim, iccid: &str, sets_status: bool) -> Result<SimUpdate> {
    let status = match &sim.status {
        Some(types::SimStatus::Disabled) => SimUpdateStatus::Disabled,
        Some(types::SimStatus::Enabled) | None => SimUpdateStatus::Enabled,
        Some(other) if sets_status => {
            tracing::debug!(iccid, status = %other, "replacing a status the documents do not list");
            SimUpdateStatus::Enabled
        }
        Some(other) => {
            // Refused before anything is sent: `InvalidInput`, not the API's word.
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "SIM {iccid} has the status {:?}, which the API's update cannot keep; \
                     nothing was changed (enable or disable it explicitly first)",
                    other.as_str()
                ),
            )
            .with_operation("update_sim"));
        }
    };
    Ok(SimUpdate {
        iccid: iccid.to_string(),
        status,
        imei_lock: sim.imei_lock.unwrap_or(false),
        label: sim.label.clone(),
    })
}

#[cfg(feature = "v2")]
impl v2::Client {
    /// A SIM with its connectivity (status, services, location, PDP
    /// contexts) and both quotas (thresholds and accumulated volume
    /// included), read with four calls made together.
    pub async fn sim_details(&self, iccid: impl IntoIccid) -> Result<SimDetails> {
        let iccid = iccid.into_iccid()?;
        let (sim, connectivity, data_quota, sms_quota) = futures_util::future::try_join4(
            async { Ok::<_, Error>(self.get_sim().iccid(&iccid).send().await?.into_inner()) },
            async {
                Ok(self
                    .get_sim_status()
                    .iccid(&iccid)
                    .send()
                    .await?
                    .into_inner())
            },
            async {
                Ok(self
                    .get_data_quota()
                    .iccid(&iccid)
                    .send()
                    .await?
                    .into_inner())
            },
            async {
                Ok(self
                    .get_sms_quota()
                    .iccid(&iccid)
                    .send()
                    .await?
                    .into_inner())
            },
        )
        .await?;
        Ok(SimDetails {
            sim,
            connectivity,
            data_quota,
            sms_quota,
        })
    }
}

/// What [`v2::Client::sim_details`] reads of one SIM.
#[cfg(feature = "v2")]
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct SimDetails {
    /// The SIM.
    pub sim: v2::types::Sim,
    /// Its connectivity now: status, services, location, PDP contexts.
    pub connectivity: v2::types::ConnectivityDetail,
    /// Its data quota, in MB.
    pub data_quota: v2::types::Quota,
    /// Its SMS quota, in messages.
    pub sms_quota: v2::types::Quota,
}

#[cfg(feature = "v2")]
impl SimDetails {
    /// The connectivity status (`ONLINE`, `ATTACHED`, `OFFLINE`, `BLOCKED`,
    /// or a value the documents do not list), if the API said it.
    pub fn status(&self) -> Option<&v2::types::ConnectivityStatusDescription> {
        self.connectivity.status.as_ref()?.description.as_ref()
    }
}
