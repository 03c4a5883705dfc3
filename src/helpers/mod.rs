//! Thin, typed conveniences for the everyday jobs: switch SIMs on and off,
//! label them, send an SMS, top up, read quotas and usage. Input is checked
//! before anything is sent; POSTs are never resent (see [`RetryPolicy`](crate::RetryPolicy)).

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::TryStreamExt;

use crate::bulk::{update_chunk, BulkChange, BulkReport, Runner};
use crate::error::{Error, ErrorKind, Result};
use crate::iccid::{iccid_list, Iccid, IntoIccid};
use crate::types::{self, SimUpdate, SimUpdateStatus};
use crate::{timestamp, Client};

/// SIMs changed by one `POST /v1/sims` at most.
pub const BULK_CHUNK: usize = 100;

/// How the API charges a top-up.
pub use crate::types::TopUpSimPaymentMethod as PaymentMethod;

/// A SIM's usage over a period: one row per day, and the API's `TOTAL` row.
#[derive(Clone, Debug)]
pub struct UsageReport {
    /// The days, in the order the API gave them.
    pub days: Vec<UsageDay>,
    /// The `TOTAL` row, when the API sent one.
    pub total: Option<types::UsageDay>,
}

/// One day of usage.
#[derive(Clone, Debug)]
pub struct UsageDay {
    /// The day (midnight UTC), parsed leniently; `None` if the API's date could not be read.
    pub date: Option<DateTime<Utc>>,
    /// The row as the API sent it.
    pub row: types::UsageDay,
}

impl UsageDay {
    /// Data used that day in MB (downlink plus uplink), if reported.
    pub fn data_mb(&self) -> Option<f64> {
        self.row.data.as_ref()?.volume.as_deref()?.parse().ok()
    }

    /// SMS sent and received that day, if reported.
    pub fn sms_count(&self) -> Option<f64> {
        self.row.sms.as_ref()?.volume.as_deref()?.parse().ok()
    }
}

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
        crate::checks::label(label)
            .map_err(|e| Error::invalid_input(e).with_operation("update_sim"))?;
        let label = label.to_string();
        self.change_sim(iccid.into_iccid(), false, move |u| u.label = Some(label))
            .await
    }

    /// Locks one SIM to its current device (or unlocks it), keeping its status and label.
    pub async fn set_sim_imei_lock(&self, iccid: impl IntoIccid, locked: bool) -> Result<()> {
        self.change_sim(iccid.into_iccid(), false, move |u| u.imei_lock = locked)
            .await
    }

    /// Enables many SIMs, keeping their labels and IMEI locks.
    pub async fn enable_sims<I>(&self, iccids: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        self.run_bulk(BulkChange::Enable, iccids).await
    }

    /// Disables many SIMs, keeping their labels and IMEI locks.
    pub async fn disable_sims<I>(&self, iccids: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        self.run_bulk(BulkChange::Disable, iccids).await
    }

    /// Labels many SIMs, each with its own label, keeping their status and IMEI locks.
    pub async fn set_sim_labels<S: AsRef<str>, L: AsRef<str>>(
        &self,
        labels: &[(S, L)],
    ) -> Result<()> {
        for (n, (_, label)) in labels.iter().enumerate() {
            crate::checks::label(label.as_ref()).map_err(|e| {
                Error::invalid_input(format!("item {}: {e}", n + 1)).with_operation("update_sims")
            })?;
        }
        let iccids = iccid_list(labels.iter().map(|(i, _)| i.as_ref()))
            .map_err(|e| e.with_operation("update_sims"))?;
        let wanted: std::collections::HashMap<String, String> = labels
            .iter()
            .map(|(i, l)| (i.as_ref().to_string(), l.as_ref().to_string()))
            .collect();
        let total = iccids.len();
        let items = self
            .current_updates(iccids, false, |u| {
                u.label = wanted.get(u.iccid.as_str()).cloned()
            })
            .await?;
        let report = BulkReport {
            total,
            ..BulkReport::default()
        };
        let report = Runner::default()
            .send_chunks(items, report, update_chunk(self.clone()))
            .await?;
        unknown_is_an_error(report, "update_sims")
    }

    /// Sets many SIMs' IMEI locks, keeping their status and labels.
    pub async fn set_sims_imei_lock<I>(&self, iccids: I, locked: bool) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        self.run_bulk(BulkChange::ImeiLock(locked), iccids).await
    }

    /// The API's update replaces status and IMEI lock (an absent lock means
    /// unlocked), so a change starts from the SIM's current values. A status
    /// the documents do not list cannot be sent back: such a SIM is refused
    /// unless the change sets the status itself (`sets_status`), rather than
    /// being switched on or off as a side effect of a label.
    async fn current_update(&self, iccid: &str, sets_status: bool) -> Result<SimUpdate> {
        let sim = self
            .get_sim()
            .iccid(iccid)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("get_sim"))?;
        update_from(&sim, iccid, sets_status)
    }

    async fn change_sim(
        &self,
        iccid: Result<Iccid>,
        sets_status: bool,
        change: impl FnOnce(&mut SimUpdate),
    ) -> Result<()> {
        let iccid = iccid.map_err(|e| e.with_operation("update_sim"))?;
        let mut update = self.current_update(iccid.as_str(), sets_status).await?;
        change(&mut update);
        self.update_sim()
            .iccid(&iccid)
            .body(update)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("update_sim"))?;
        Ok(())
    }

    /// Runs `change` on many SIMs as a bulk job without a journal; a chunk
    /// whose answer was lost makes the whole call an unknown outcome.
    async fn run_bulk<I>(&self, change: BulkChange, iccids: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        let report = self.bulk(change, iccids)?.run().await?;
        unknown_is_an_error(report, "update_sims")
    }

    /// Sends an SMS to the device holding the SIM. Sent once: never resent.
    ///
    /// `Ok(Some(id))` names the new SMS (from the `Location` header);
    /// `Ok(None)` means the API accepted it without saying its id (the
    /// documents declare no such header): the SMS was sent all the same, so
    /// do not send it again.
    pub async fn send_sms_text(
        &self,
        iccid: impl IntoIccid,
        message: types::SmsMessage,
    ) -> Result<Option<i64>> {
        let iccid = iccid
            .into_iccid()
            .map_err(|e| e.with_operation("send_sms"))?;
        crate::checks::sms(&message)
            .map_err(|e| Error::invalid_input(e).with_operation("send_sms"))?;
        let response = self
            .send_sms()
            .iccid(&iccid)
            .body(message)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("send_sms"))?;
        Ok(id_from_location(response.headers(), "send_sms"))
    }

    /// Tops up one SIM. Sent once: never resent.
    ///
    /// `Ok(Some(n))` is the number of the order it created (from the
    /// `Location` header); `Ok(None)` means the top-up was accepted without
    /// its order number: it was placed all the same, so do not repeat it.
    pub async fn top_up(
        &self,
        iccid: impl IntoIccid,
        payment: Option<PaymentMethod>,
    ) -> Result<Option<i64>> {
        let iccid = iccid
            .into_iccid()
            .map_err(|e| e.with_operation("top_up_sim"))?;
        let mut call = self.top_up_sim().iccid(iccid);
        if let Some(payment) = payment {
            call = call.payment_method(payment);
        }
        let response = call
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("top_up_sim"))?;
        Ok(id_from_location(response.headers(), "top_up_sim"))
    }

    /// Tops up many SIMs in one order. Sent once: never resent. The outcome
    /// reads as for [`Client::top_up`].
    pub async fn top_up_many<I>(
        &self,
        iccids: I,
        payment: Option<PaymentMethod>,
    ) -> Result<Option<i64>>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        let iccids = iccid_list(iccids).map_err(|e| e.with_operation("top_up_sims"))?;
        let body: Vec<String> = iccids.into_iter().map(String::from).collect();
        let mut call = self.top_up_sims().body(body);
        if let Some(payment) = payment {
            let method: types::TopUpSimsPaymentMethod =
                payment.to_string().parse().map_err(|_| {
                    Error::invalid_input(format!(
                        "payment method {payment} is not accepted for many SIMs"
                    ))
                })?;
            call = call.payment_method(method);
        }
        let response = call
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("top_up_sims"))?;
        Ok(id_from_location(response.headers(), "top_up_sims"))
    }

    /// Places an order. Sent once: never resent.
    ///
    /// `Ok(Some(n))` is its number, read from the `Location` header or, when
    /// the API answers with the order itself, from its body (a number or a
    /// string holding one); `Ok(None)` means the order was placed but the
    /// answer did not say its number.
    pub async fn place_order(&self, order: types::NewOrder) -> Result<Option<i64>> {
        if order.products.is_empty() {
            return Err(
                Error::invalid_input("the order lists no products").with_operation("create_order")
            );
        }
        let response = self
            .create_order()
            .body(order)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("create_order"))?;
        if let Some(number) = id_from_location(response.headers(), "create_order") {
            return Ok(Some(number));
        }
        // The order is placed: from here on nothing may turn into an error.
        let number = body_bytes(response.into_inner())
            .await
            .and_then(|b| serde_json::from_slice::<OrderNumber>(&b).ok())
            .and_then(|o| o.order_number)
            .map(crate::Lenient::into_inner);
        if number.is_none() {
            tracing::warn!("create_order: the order was placed; the answer did not say its number");
        }
        Ok(number)
    }

    /// Opens a service request with 1NCE support. Sent once: never resent.
    /// The subject must be one non-empty line, the text non-empty.
    pub async fn open_service_request(&self, request: types::NewServiceRequest) -> Result<()> {
        let refuse =
            |why: &str| Err(Error::invalid_input(why).with_operation("create_service_request"));
        match request.subject.as_deref().map(str::trim) {
            None | Some("") => return refuse("the subject is empty"),
            Some(subject) if subject.chars().any(char::is_control) => {
                return refuse("the subject must be one line without control characters")
            }
            Some(_) => {}
        }
        if request.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return refuse("the text is empty");
        }
        self.create_service_request()
            .body(request)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("create_service_request"))?;
        Ok(())
    }

    /// What the SIM has left of its data volume (MB) and until when.
    pub async fn data_quota_of(&self, iccid: impl IntoIccid) -> Result<types::Quota> {
        let iccid = iccid
            .into_iccid()
            .map_err(|e| e.with_operation("get_data_quota"))?;
        let quota = self
            .get_data_quota()
            .iccid(&iccid)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("get_data_quota"))?;
        Ok(quota.into_inner())
    }

    /// What the SIM has left of its SMS and until when.
    pub async fn sms_quota_of(&self, iccid: impl IntoIccid) -> Result<types::Quota> {
        let iccid = iccid
            .into_iccid()
            .map_err(|e| e.with_operation("get_sms_quota"))?;
        let quota = self
            .get_sms_quota()
            .iccid(&iccid)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("get_sms_quota"))?;
        Ok(quota.into_inner())
    }

    /// The SIM's daily usage from `from` to `to` (both included; the API keeps six months).
    pub async fn usage_between(
        &self,
        iccid: impl IntoIccid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<UsageReport> {
        let iccid = iccid
            .into_iccid()
            .map_err(|e| e.with_operation("get_sim_usage"))?;
        if from > to {
            return Err(Error::invalid_input(format!(
                "the period starts ({from}) after it ends ({to})"
            ))
            .with_operation("get_sim_usage"));
        }
        let usage = self
            .get_sim_usage()
            .iccid(&iccid)
            .start_dt(from.format("%Y-%m-%d").to_string())
            .end_dt(to.format("%Y-%m-%d").to_string())
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("get_sim_usage"))?
            .into_inner();
        let mut report = UsageReport {
            days: Vec::new(),
            total: None,
        };
        for row in usage.stats {
            if row
                .date
                .as_ref()
                .is_some_and(|d| d.as_str().trim().eq_ignore_ascii_case("total"))
            {
                report.total = Some(row);
            } else {
                let date = row.date.as_ref().and_then(timestamp::Timestamp::to_utc);
                report.days.push(UsageDay { date, row });
            }
        }
        Ok(report)
    }
}

/// A bulk job's report as a plain outcome: some SIMs' chunks that got no
/// answer make it an unknown outcome, naming how many.
fn unknown_is_an_error(report: BulkReport, operation: &str) -> Result<()> {
    if report.unknown.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::OutcomeUnknown,
        format!(
            "{} of {} SIMs were sent but got no answer: they may have been changed",
            report.unknown.len(),
            report.total
        ),
    )
    .with_operation(operation))
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

/// The number at the end of a `Location` header (`.../v1/orders/1234`,
/// `.../sms/42`), when the answer has one. Its absence is not an error: the
/// documents declare no such header, and the write succeeded all the same.
/// The whole body of a write's answer, or `None` if it could not be read:
/// the write took effect either way, so reading it never fails the call.
pub(crate) async fn body_bytes(body: crate::ByteStream) -> Option<Vec<u8>> {
    body.into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .ok()
}

pub(crate) fn id_from_location(
    headers: &reqwest::header::HeaderMap,
    operation: &str,
) -> Option<i64> {
    let Some(location) = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        tracing::debug!(operation, "accepted; the answer has no Location header");
        return None;
    };
    let id = location
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|last| last.parse().ok());
    if id.is_none() {
        tracing::warn!(
            operation,
            location,
            "accepted; the Location header ends in no number"
        );
    }
    id
}

/// The part of an order answer that names it.
#[derive(serde::Deserialize)]
struct OrderNumber {
    order_number: Option<crate::Lenient<i64>>,
}
