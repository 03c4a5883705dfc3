//! 1NCE OS's lists, each a small [`PagedList`] or [`CursorList`] impl, and
//! the pagers on [`os::Client`].
//!
//! Body pages (`{items, page, pageAmount}`) stop at page 50, the most the
//! document lets a caller ask for: each walk asks for the largest page the
//! document allows, so the most items there are to read, and a longer list
//! is refused naming the bound rather than cut short. Device history pages
//! by `nextToken`.

use std::num::NonZeroU64;

use chrono::{DateTime, SecondsFormat, Utc};

use super::cursor::{CursorList, CursorPage, CursorPager};
use super::{Page, PagedList, Pager, Query};
use crate::api::os::{self, types};
use crate::error::{Error, Result};
use crate::model::{BoundingBox, DeviceId, IntoId, Lenient};

/// The last page 1NCE OS serves: its document caps `page` at 50.
const LAST_PAGE: u64 = 50;

/// A page and page size as the builders take them.
fn numbers(page: u64, size: u64) -> Result<(NonZeroU64, NonZeroU64)> {
    match (NonZeroU64::new(page), NonZeroU64::new(size)) {
        (Some(page), Some(size)) => Ok((page, size)),
        _ => Err(Error::invalid_input("pages and page sizes start at 1")),
    }
}

/// A page of a body-paged answer; `pageAmount` is its count of pages.
fn body_page<T>(items: Vec<T>, page: u64, page_amount: Option<Lenient<f64>>) -> Page<T> {
    let total_pages = page_amount
        .map(Lenient::get)
        .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0)
        .map(|n| n as u64);
    Page {
        items,
        page,
        total_pages,
        total_count: None,
    }
}

/// A time as 1NCE OS's query parameters take it (`2022-03-07T08:51:29.015Z`).
fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A pager over one device's list, or one that refuses a bad device id.
fn for_device<L: PagedList>(
    device: impl IntoId<DeviceId>,
    list: impl FnOnce(DeviceId) -> L,
) -> Pager<L::Item> {
    match device.into_id() {
        Ok(id) => Pager::of(list(id)),
        Err(e) => Pager::refused(L::OPERATION, e.to_string()),
    }
}

/// Every device (`list_devices`: up to 50 a page, pages 1 to 50).
#[derive(Clone)]
struct Devices(os::Client);

impl PagedList for Devices {
    type Item = types::ListedDevice;
    const OPERATION: &'static str = "list_devices";
    const MAX_PAGE_SIZE: u64 = 50;
    const FILTERABLE: bool = true;
    const LAST_PAGE: u64 = LAST_PAGE;

    async fn fetch(self, query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let (page_n, size_n) = numbers(page, size)?;
        let mut call = self.0.list_devices().page(page_n).page_size(size_n);
        if let Some(q) = query.filter {
            call = call.q(q);
        }
        if let Some(sort) = query.sort {
            call = call.sort(sort);
        }
        let body = call.send().await?.into_inner();
        Ok(body_page(body.items, page, body.page_amount))
    }
}

/// Every action request, or one device's (`list_action_requests`). The
/// document gives no largest page size; 50 is the one `list_devices` allows.
#[derive(Clone)]
struct ActionRequests(
    os::Client,
    Option<DeviceId>,
    Option<types::ListActionRequestsStatus>,
);

impl PagedList for ActionRequests {
    type Item = types::ActionRequest;
    const OPERATION: &'static str = "list_action_requests";
    const MAX_PAGE_SIZE: u64 = 50;
    const LAST_PAGE: u64 = LAST_PAGE;

    async fn fetch(self, _query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let (page_n, size_n) = numbers(page, size)?;
        let mut call = self.0.list_action_requests().page(page_n).page_size(size_n);
        if let Some(device) = self.1 {
            call = call.device_id(String::from(device));
        }
        if let Some(status) = self.2 {
            call = call.status(status);
        }
        let body = call.send().await?.into_inner();
        Ok(body_page(body.items, page, body.page_amount))
    }
}

/// Every geofence (`list_geofences`; limited to 30 reads a minute).
#[derive(Clone)]
struct Geofences(os::Client);

impl PagedList for Geofences {
    type Item = types::GeofenceSummary;
    const OPERATION: &'static str = "list_geofences";
    const MAX_PAGE_SIZE: u64 = 50;
    const LAST_PAGE: u64 = LAST_PAGE;

    async fn fetch(self, _query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let (page_n, size_n) = numbers(page, size)?;
        let call = self.0.list_geofences().page(page_n).page_size(size_n);
        let body = call.send().await?.into_inner();
        Ok(body_page(body.items, page, body.page_amount))
    }
}

/// Every administration log (`list_admin_logs`, filtered by `q`).
#[derive(Clone)]
struct AdminLogs(os::Client);

impl PagedList for AdminLogs {
    type Item = types::AdminLog;
    const OPERATION: &'static str = "list_admin_logs";
    const MAX_PAGE_SIZE: u64 = 50;
    const FILTERABLE: bool = true;
    const LAST_PAGE: u64 = LAST_PAGE;

    async fn fetch(self, query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let (page_n, size_n) = numbers(page, size)?;
        let mut call = self.0.list_admin_logs().page(page_n).page_size(size_n);
        if let Some(q) = query.filter {
            call = call.q(q);
        }
        let body = call.send().await?.into_inner();
        Ok(body_page(body.items, page, body.page_amount))
    }
}

/// One device's positions (`device_positions`: up to 100 a page), from
/// one source or all.
#[derive(Clone)]
struct Positions(os::Client, DeviceId, Option<types::DevicePositionsSource>);

impl PagedList for Positions {
    type Item = types::DevicePosition;
    const OPERATION: &'static str = "device_positions";
    const MAX_PAGE_SIZE: u64 = 100;
    const LAST_PAGE: u64 = LAST_PAGE;

    async fn fetch(self, _query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let (page_n, size_n) = numbers(page, size)?;
        let mut call = self
            .0
            .device_positions()
            .device_id(String::from(self.1))
            .page(page_n)
            .page_size(size_n);
        if let Some(source) = self.2 {
            call = call.source(source);
        }
        let body = call.send().await?.into_inner();
        Ok(body_page(body.coordinates, page, body.page_amount))
    }
}

/// The latest position of every device, or of those in a box
/// (`latest_positions`: up to 100 a page).
#[derive(Clone)]
struct LatestPositions(os::Client, Option<BoundingBox>);

impl PagedList for LatestPositions {
    type Item = types::LatestPosition;
    const OPERATION: &'static str = "latest_positions";
    const MAX_PAGE_SIZE: u64 = 100;
    const LAST_PAGE: u64 = LAST_PAGE;

    async fn fetch(self, _query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let (page_n, size_n) = numbers(page, size)?;
        let mut call = self.0.latest_positions().page(page_n).page_size(size_n);
        if let Some(area) = self.1 {
            let (lat_from, lat_to) = area.latitudes();
            let (lon_from, lon_to) = area.longitudes();
            call = call
                .latitude_from(lat_from)
                .latitude_to(lat_to)
                .longitude_from(lon_from)
                .longitude_to(lon_to);
        }
        let body = call.send().await?.into_inner();
        Ok(body_page(body.coordinates, page, body.page_amount))
    }
}

/// A time range of a history walk, either end open.
#[derive(Clone, Copy)]
struct Range {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

impl Range {
    /// The range, or why it cannot be one.
    fn new(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> std::result::Result<Range, String> {
        match (from, to) {
            (Some(from), Some(to)) if to < from => {
                Err(format!("the range ends ({to}) before it starts ({from})"))
            }
            _ => Ok(Range { from, to }),
        }
    }
}

/// One device's messages over a time range (`device_history`, by cursor).
#[derive(Clone)]
struct DeviceHistory(os::Client, DeviceId, Range);

/// The fleet's messages over a time range (`fleet_history`, by cursor).
#[derive(Clone)]
struct FleetHistory(os::Client, Range);

/// Fetches the page after `token` of a history call, in `range`.
macro_rules! history_page {
    ($call:expr, $token:expr, $size:expr, $range:expr) => {{
        let size = NonZeroU64::new($size).ok_or_else(|| Error::invalid_input("page size 0"))?;
        let mut call = $call.page_size(size);
        if let Some(token) = $token {
            call = call.next_token(token);
        }
        if let Some(from) = $range.from {
            call = call.start_date_time(instant(from));
        }
        if let Some(to) = $range.to {
            call = call.end_date_time(instant(to));
        }
        let body = call.send().await?.into_inner();
        Ok(CursorPage::new(body.items, body.next_token))
    }};
}

/// The history walks ask for 100 messages a page: the document gives no
/// largest size, and a message's payload may be large.
const HISTORY_PAGE: u64 = 100;

impl CursorList for DeviceHistory {
    type Item = types::DeviceHistoryRecord;
    const OPERATION: &'static str = "device_history";
    const PAGE_SIZE: u64 = HISTORY_PAGE;

    async fn fetch(self, token: Option<String>, size: u64) -> Result<CursorPage<Self::Item>> {
        let call = self.0.device_history().device_id(String::from(self.1));
        history_page!(call, token, size, self.2)
    }
}

impl CursorList for FleetHistory {
    type Item = types::FleetHistoryRecord;
    const OPERATION: &'static str = "fleet_history";
    const PAGE_SIZE: u64 = HISTORY_PAGE;

    async fn fetch(self, token: Option<String>, size: u64) -> Result<CursorPage<Self::Item>> {
        history_page!(self.0.fleet_history(), token, size, self.1)
    }
}

impl os::Client {
    /// Every device (`list_devices`: 50 a page, and the API serves 50
    /// pages: a fleet of more than 2,500 devices is read through a
    /// [`filter`](Pager::filter), or the walk fails naming the bound).
    pub fn all_devices(&self) -> Pager<types::ListedDevice> {
        Pager::of(Devices(self.clone()))
    }

    /// Every action request of the account (`list_action_requests`).
    pub fn all_action_requests(&self) -> Pager<types::ActionRequest> {
        Pager::of(ActionRequests(self.clone(), None, None))
    }

    /// Every action request sent to `device` (to any when `None`) whose
    /// status is `status` (any when `None`), filtered by the API so that no
    /// page is spent on the others.
    pub fn all_action_requests_matching(
        &self,
        device: Option<DeviceId>,
        status: Option<types::ListActionRequestsStatus>,
    ) -> Pager<types::ActionRequest> {
        Pager::of(ActionRequests(self.clone(), device, status))
    }

    /// Every action request sent to one device.
    pub fn all_action_requests_of(
        &self,
        device: impl IntoId<DeviceId>,
    ) -> Pager<types::ActionRequest> {
        for_device(device, |id| ActionRequests(self.clone(), Some(id), None))
    }

    /// Every geofence (`list_geofences`; the API allows 30 such reads a
    /// minute, which the client keeps to).
    pub fn all_geofences(&self) -> Pager<types::GeofenceSummary> {
        Pager::of(Geofences(self.clone()))
    }

    /// Every administration log (`list_admin_logs`; [`filter`](Pager::filter) is its `q`).
    pub fn all_admin_logs(&self) -> Pager<types::AdminLog> {
        Pager::of(AdminLogs(self.clone()))
    }

    /// Every recorded position of one device (`device_positions`, 100 a page).
    pub fn all_device_positions(
        &self,
        device: impl IntoId<DeviceId>,
    ) -> Pager<types::DevicePosition> {
        for_device(device, |id| Positions(self.clone(), id, None))
    }

    /// Every position of one device that came from `source` (GPS or cell
    /// towers), filtered by the API so that no page is spent on the others.
    pub fn all_device_positions_from(
        &self,
        device: impl IntoId<DeviceId>,
        source: types::DevicePositionsSource,
    ) -> Pager<types::DevicePosition> {
        for_device(device, |id| Positions(self.clone(), id, Some(source)))
    }

    /// The latest position of every device, or only of those inside `area`
    /// (`latest_positions`, 100 a page).
    pub fn all_latest_positions(&self, area: Option<BoundingBox>) -> Pager<types::LatestPosition> {
        Pager::of(LatestPositions(self.clone(), area))
    }

    /// Every message one device sent between `from` and `to` (either open),
    /// as the API records them (`device_history`, paged by `nextToken`).
    /// A bad device id, or a range that ends before it starts, is refused
    /// before any request.
    pub fn all_device_history(
        &self,
        device: impl IntoId<DeviceId>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> CursorPager<types::DeviceHistoryRecord> {
        let op = DeviceHistory::OPERATION;
        match (device.into_id(), Range::new(from, to)) {
            (Ok(device), Ok(range)) => CursorPager::of(DeviceHistory(self.clone(), device, range)),
            (Err(e), _) => CursorPager::refused(op, e.to_string()),
            (_, Err(why)) => CursorPager::refused(op, why),
        }
    }

    /// Every message the fleet sent between `from` and `to` (`fleet_history`).
    pub fn all_fleet_history(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> CursorPager<types::FleetHistoryRecord> {
        match Range::new(from, to) {
            Ok(range) => CursorPager::of(FleetHistory(self.clone(), range)),
            Err(why) => CursorPager::refused(FleetHistory::OPERATION, why),
        }
    }
}
