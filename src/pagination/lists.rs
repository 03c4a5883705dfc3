//! Every list the client streams, each a small [`PagedList`] impl: which
//! call fetches a page, and where its totals are. The pagers on [`Client`]
//! and [`v2::Client`] hand these to the engine. A new list is a struct, an
//! impl and a pager method here.

#[cfg(feature = "v2")]
use std::num::NonZeroU64;

use super::{header_page, Page, PagedList, Pager, Query};
use crate::api::generated::Client;
use crate::api::types;
#[cfg(feature = "v2")]
use crate::api::v2;
#[cfg(feature = "v2")]
use crate::error::Error;
use crate::error::Result;
use crate::model::{Iccid, IntoIccid};

/// A pager over one SIM's list: `list` makes the list for a good ICCID; a
/// bad one gives a pager that refuses before any request.
fn for_sim<L: PagedList>(sim: impl IntoIccid, list: impl FnOnce(Iccid) -> L) -> Pager<L::Item> {
    match sim.into_iccid() {
        Ok(iccid) => Pager::of(list(iccid)),
        Err(e) => Pager::refused(L::OPERATION, e.to_string()),
    }
}

/// Every SIM (`list_sims`), through v1 or v2: both take the same paging,
/// filter and sort parameters, through builders of their own.
#[derive(Clone)]
struct Sims<C>(C);

macro_rules! sims_list {
    ($client:ty, $item:ty) => {
        impl PagedList for Sims<$client> {
            type Item = $item;
            const OPERATION: &'static str = "list_sims";
            const MAX_PAGE_SIZE: u64 = 100;
            const FILTERABLE: bool = true;

            async fn fetch(self, query: Query, page: u64, size: u64) -> Result<Page<$item>> {
                let mut call = self.0.list_sims().page(page).page_size(size);
                if let Some(q) = query.filter {
                    call = call.q(q);
                }
                if let Some(sort) = query.sort {
                    call = call.sort(sort);
                }
                Ok(header_page(call.send().await?, page))
            }
        }
    };
}

sims_list!(Client, types::Sim);
#[cfg(feature = "v2")]
sims_list!(v2::Client, v2::types::Sim);

/// One SIM's events (v1): the totals are in the body.
#[derive(Clone)]
struct SimEvents(Client, Iccid);

impl PagedList for SimEvents {
    type Item = types::SimEvent;
    const OPERATION: &'static str = "list_sim_events";
    const MAX_PAGE_SIZE: u64 = 1000;

    async fn fetch(self, query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let mut call = self
            .0
            .list_sim_events()
            .iccid(self.1)
            .page(page)
            .page_size(size);
        if let Some(sort) = query.sort {
            call = call.sort(sort);
        }
        let body = call.send().await?.into_inner();
        Ok(Page {
            items: body.events,
            page,
            total_pages: body.total_pages.and_then(|n| u64::try_from(*n).ok()),
            total_count: body.total_events.and_then(|n| u64::try_from(*n).ok()),
        })
    }
}

/// One SIM's SMS (v1).
#[derive(Clone)]
struct Sms(Client, Iccid);

impl PagedList for Sms {
    type Item = types::Sms;
    const OPERATION: &'static str = "list_sms";
    const MAX_PAGE_SIZE: u64 = 100;

    async fn fetch(self, query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let mut call = self.0.list_sms().iccid(self.1).page(page).page_size(size);
        if let Some(sort) = query.sort {
            call = call.sort(sort);
        }
        Ok(header_page(call.send().await?, page))
    }
}

/// The account's service requests.
#[derive(Clone)]
struct ServiceRequests(Client);

impl PagedList for ServiceRequests {
    type Item = types::ServiceRequest;
    const OPERATION: &'static str = "list_service_requests";
    const MAX_PAGE_SIZE: u64 = 100;

    async fn fetch(self, _query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let call = self.0.list_service_requests().page(page).page_size(size);
        Ok(header_page(call.send().await?, page))
    }
}

/// The account's orders.
#[derive(Clone)]
struct Orders(Client);

impl PagedList for Orders {
    type Item = types::Order;
    const OPERATION: &'static str = "list_orders";
    const MAX_PAGE_SIZE: u64 = 10;

    async fn fetch(self, query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let mut call = self.0.list_orders().page(page).page_size(size);
        if let Some(sort) = query.sort {
            call = call.sort(sort);
        }
        Ok(header_page(call.send().await?, page))
    }
}

/// One SIM's events (v2).
#[cfg(feature = "v2")]
#[derive(Clone)]
struct SimEventsV2(v2::Client, Iccid);

#[cfg(feature = "v2")]
impl PagedList for SimEventsV2 {
    type Item = v2::types::Event;
    const OPERATION: &'static str = "list_sim_events";
    const MAX_PAGE_SIZE: u64 = 1000;

    async fn fetch(self, _query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let call = self
            .0
            .list_sim_events()
            .iccid(self.1)
            .page(page)
            .page_size(size);
        Ok(header_page(call.send().await?, page))
    }
}

/// One SIM's SMS (v2, paged with `per_page`).
#[cfg(feature = "v2")]
#[derive(Clone)]
struct SmsV2(v2::Client, Iccid);

#[cfg(feature = "v2")]
impl PagedList for SmsV2 {
    type Item = v2::types::Sms;
    const OPERATION: &'static str = "list_sms";
    const MAX_PAGE_SIZE: u64 = 1000;

    async fn fetch(self, _query: Query, page: u64, size: u64) -> Result<Page<Self::Item>> {
        let (Some(page_number), Some(per_page)) = (NonZeroU64::new(page), NonZeroU64::new(size))
        else {
            return Err(Error::invalid_input("pages and page sizes start at 1"));
        };
        let call = self
            .0
            .list_sms()
            .iccid(self.1)
            .page(page_number)
            .per_page(per_page);
        Ok(header_page(call.send().await?, page))
    }
}

impl Client {
    /// Every SIM of the account (`list_sims`, up to 100 a page).
    pub fn all_sims(&self) -> Pager<types::Sim> {
        Pager::of(Sims(self.clone()))
    }

    /// Every event of one SIM (`list_sim_events`, up to 1000 a page; totals in the body).
    pub fn all_sim_events(&self, sim: impl IntoIccid) -> Pager<types::SimEvent> {
        for_sim(sim, |iccid| SimEvents(self.clone(), iccid))
    }

    /// Every SMS sent to or from one SIM (`list_sms`, up to 100 a page).
    pub fn all_sms(&self, sim: impl IntoIccid) -> Pager<types::Sms> {
        for_sim(sim, |iccid| Sms(self.clone(), iccid))
    }

    /// Every service request of the account (`list_service_requests`, up to 100 a page).
    pub fn all_service_requests(&self) -> Pager<types::ServiceRequest> {
        Pager::of(ServiceRequests(self.clone()))
    }

    /// Every order of the account (`list_orders`, up to 10 a page).
    pub fn all_orders(&self) -> Pager<types::Order> {
        Pager::of(Orders(self.clone()))
    }
}

#[cfg(feature = "v2")]
impl v2::Client {
    /// Every SIM of the account through v2 (`list_sims`, up to 100 a page;
    /// [`filter`](Pager::filter) and [`sort`](Pager::sort) as in v1).
    pub fn all_sims(&self) -> Pager<v2::types::Sim> {
        Pager::of(Sims(self.clone()))
    }

    /// Every event of one SIM through v2 (`list_sim_events`, up to 1000 a page).
    pub fn all_sim_events(&self, sim: impl IntoIccid) -> Pager<v2::types::Event> {
        for_sim(sim, |iccid| SimEventsV2(self.clone(), iccid))
    }

    /// Every SMS sent to or from one SIM through v2 (`list_sms`, up to 1000
    /// a page, as `per_page`).
    pub fn all_sms(&self, sim: impl IntoIccid) -> Pager<v2::types::Sms> {
        for_sim(sim, |iccid| SmsV2(self.clone(), iccid))
    }
}
