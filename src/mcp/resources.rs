//! The `sim://{iccid}` resource: a SIM with both its quotas, read with
//! three calls made together; the resource list is the SIMs, a page of
//! [`RESOURCE_PAGE`] at a time.

use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};
use rmcp::ErrorData;
use serde_json::json;

use super::McpServer;
use crate::error::{Error, ErrorKind};

/// The resources' scheme.
pub const SIM_SCHEME: &str = "sim://";
/// SIMs listed per page of resources.
pub const RESOURCE_PAGE: u64 = 100;

/// The protocol's error for the client's: unknown SIMs are not found, bad
/// input is a bad parameter, the rest an internal error with its message.
fn protocol_error(e: &Error) -> ErrorData {
    match e.kind() {
        ErrorKind::NotFound => ErrorData::resource_not_found(e.to_string(), None),
        ErrorKind::InvalidInput => ErrorData::invalid_params(e.to_string(), None),
        _ => ErrorData::internal_error(e.to_string(), None),
    }
}

impl McpServer {
    /// The template agents fill in.
    pub(super) fn sim_template() -> ListResourceTemplatesResult {
        let template = ResourceTemplate::new(format!("{SIM_SCHEME}{{iccid}}"), "sim")
            .with_title("A SIM with its quotas")
            .with_description("A SIM (status, label, IMSI, IP) with its data and SMS quotas.")
            .with_mime_type("application/json");
        ListResourceTemplatesResult::with_all_items(vec![template])
    }

    /// One page of SIMs as resources; the cursor is the next page's number.
    pub(super) async fn sim_resources(
        &self,
        cursor: Option<&str>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let page = match cursor {
            None => 1,
            Some(c) => c.parse::<u64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                ErrorData::invalid_params(format!("cursor {c:?} is not one this server gave"), None)
            })?,
        };
        let pager = self.client.all_sims().page_size(RESOURCE_PAGE);
        let got = pager.page(page).await.map_err(|e| protocol_error(&e))?;
        let resources = got
            .items
            .iter()
            .filter_map(|sim| {
                let iccid = sim.iccid.as_deref()?;
                let mut r = Resource::new(format!("{SIM_SCHEME}{iccid}"), iccid)
                    .with_mime_type("application/json");
                if let Some(label) = sim.label.as_deref().filter(|l| !l.is_empty()) {
                    r = r.with_title(label);
                }
                Some(r)
            })
            .collect();
        let mut result = ListResourcesResult::with_all_items(resources);
        result.next_cursor = pager.next_page(&got).map(|after| after.to_string());
        Ok(result)
    }

    /// `sim://{iccid}`: the SIM and both quotas.
    pub(super) async fn read_sim(&self, uri: &str) -> Result<ReadResourceResult, ErrorData> {
        let Some(iccid) = uri.strip_prefix(SIM_SCHEME) else {
            return Err(ErrorData::resource_not_found(
                format!("{uri:?} is not a {SIM_SCHEME}{{iccid}} resource"),
                None,
            ));
        };
        let client = &self.client;
        let (sim, data, sms) = futures_util::future::try_join3(
            async { Ok::<_, Error>(client.get_sim().iccid(iccid).send().await?.into_inner()) },
            client.data_quota_of(iccid),
            client.sms_quota_of(iccid),
        )
        .await
        .map_err(|e| protocol_error(&e))?;
        let body = json!({ "sim": sim, "data_quota": data, "sms_quota": sms });
        let text = serde_json::to_string_pretty(&body).unwrap_or_default();
        Ok(ReadResourceResult::new(vec![ResourceContents::text(
            text, uri,
        )
        .with_mime_type("application/json")]))
    }
}
