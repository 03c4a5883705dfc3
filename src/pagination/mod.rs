//! Every item of a paged list, as a stream: all SIMs, a SIM's events or SMS, all orders.
//!
//! The first page tells how many pages there are (`X-Total-Pages`, or
//! `totalPages` in the events body). When that figure is credible the other
//! pages are fetched a few at a time and yielded in order; when it is missing
//! or odd (absent, 0 although items came back, smaller than the page just
//! read) pages are fetched one after another until an empty or short page.
//! A server that repeats the same full page, or more pages than
//! [`Pager::max_pages`], ends the stream with an error rather than a loop.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use futures_core::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesOrdered, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};

#[cfg(feature = "os")]
mod cursor;
mod lists;
#[cfg(feature = "os")]
mod os_lists;
mod walk;

use walk::{Step, Stepper};

#[cfg(feature = "os")]
pub use cursor::{CursorPage, CursorPager, MAX_CURSOR_PAGE_SIZE};

/// One paged list of the API: what it is called, how large its pages may
/// be, whether it takes a filter, and how to fetch one of its pages. Every
/// list the client streams is a small impl of this trait (`lists.rs`); the
/// engine below does the rest, the same way for all of them.
pub(crate) trait PagedList: Clone + Send + Sync + 'static {
    /// What the list holds.
    type Item: Serialize + Send + 'static;
    /// The operation's name, for errors.
    const OPERATION: &'static str;
    /// The largest page the API allows (the default page size).
    const MAX_PAGE_SIZE: u64;
    /// Whether the API filters the list (`q`).
    const FILTERABLE: bool = false;
    /// The last page the API serves (1NCE OS's lists stop at page 50): a
    /// list longer than this many pages of the largest size is refused with
    /// an error naming the bound, never cut short.
    const LAST_PAGE: u64 = u64::MAX;
    /// Page `page` (from 1) of `size` items, with the totals the API gave.
    fn fetch(
        self,
        query: Query,
        page: u64,
        size: u64,
    ) -> impl std::future::Future<Output = Result<Page<Self::Item>>> + Send;
}

/// One page of a list, with the totals the API reported for it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The page number, from 1.
    pub page: u64,
    /// How many pages the API says there are (`X-Total-Pages` or `totalPages`), when it says.
    pub total_pages: Option<u64>,
    /// How many items the API says there are on all pages, when it says.
    pub total_count: Option<u64>,
}

impl<T> Page<T> {
    /// The API's page count, when it is credible for this page read `size`
    /// a page: at least 1, and not 1 when the page is full (some lists say
    /// `X-Total-Pages: 0`, or 1 whatever their length).
    fn credible_total_pages(&self, size: u64) -> Option<u64> {
        let full = self.items.len() as u64 >= size;
        self.total_pages
            .filter(|&n| n >= 1 && (n > 1 || !full || self.items.is_empty()))
    }
}

/// Whether a list goes on after `page`, read `size` a page, given the
/// credible last page (`last`), the API's item count and the items read up
/// to and including this page: the one rule of a list's end, for the walk
/// and for callers that read one page at a time (MCP's cursors). A short
/// page ends the list. A full page ends it only at the credible last page
/// when the API's item count is reached; a page count alone never ends it,
/// since it may be too small.
fn goes_on<T>(
    page: &Page<T>,
    size: u64,
    last: Option<u64>,
    total_count: Option<u64>,
    items_so_far: u64,
) -> bool {
    let full = page.items.len() as u64 >= size;
    match last {
        _ if !full => false,
        Some(last) if page.page >= last => total_count != Some(items_so_far),
        _ => true,
    }
}

type Fetch<T> = Arc<dyn Fn(Query, u64, u64) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync>;

/// How many calls a [`Pager`] has made: each page read, and the call that
/// confirms a full last page is the last (which yields no item). Read it
/// while the pager streams or after; [`Pager::call_counter`] hands it out.
#[derive(Clone, Debug, Default)]
pub struct CallCounter(Arc<std::sync::atomic::AtomicU64>);

impl CallCounter {
    /// The calls made so far.
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn add_one(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The filter and sort a caller set on a [`Pager`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Query {
    pub(crate) filter: Option<String>,
    pub(crate) sort: Option<String>,
}

/// A paged list: set the page size, filter or sort, then take one
/// [`page`](Pager::page), a [`stream`](Pager::stream) of every item, or the
/// [`pages`](Pager::pages) themselves. Made by [`Client::all_sims`](crate::Client::all_sims),
/// [`Client::all_sim_events`](crate::Client::all_sim_events), [`Client::all_sms`](crate::Client::all_sms), [`Client::all_orders`](crate::Client::all_orders),
/// [`Client::all_service_requests`](crate::Client::all_service_requests), and for v2 by
/// [`v2::Client::all_sims`](crate::v2::Client::all_sims),
/// [`all_sim_events`](crate::v2::Client::all_sim_events) and
/// [`all_sms`](crate::v2::Client::all_sms).
#[must_use = "a pager does nothing until it is streamed"]
pub struct Pager<T> {
    calls: CallCounter,
    operation: &'static str,
    fetch: Fetch<T>,
    query: Query,
    filterable: bool,
    page_size: u64,
    max_page_size: u64,
    concurrency: usize,
    max_pages: u64,
    last_page: u64,
    invalid: Option<String>,
}

impl<T> std::fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("operation", &self.operation)
            .field("query", &self.query)
            .field("page_size", &self.page_size)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl<T: Serialize + Send + 'static> Pager<T> {
    /// The pager over `list`.
    pub(crate) fn of<L: PagedList<Item = T>>(list: L) -> Pager<T> {
        let fetch: Fetch<T> =
            Arc::new(move |query, page, size| Box::pin(list.clone().fetch(query, page, size)));
        let mut pager = Pager::new(L::OPERATION, L::MAX_PAGE_SIZE, L::FILTERABLE, fetch);
        pager.last_page = L::LAST_PAGE;
        pager
    }

    fn new(
        operation: &'static str,
        max_page_size: u64,
        filterable: bool,
        fetch: Fetch<T>,
    ) -> Pager<T> {
        Pager {
            calls: CallCounter::default(),
            operation,
            fetch,
            query: Query::default(),
            filterable,
            page_size: max_page_size,
            max_page_size,
            concurrency: 4,
            max_pages: 1_000_000,
            last_page: u64::MAX,
            invalid: None,
        }
    }

    /// A pager that fails with `why` before any request.
    pub(crate) fn refused(operation: &'static str, why: String) -> Pager<T> {
        let message = why.clone();
        let fetch: Fetch<T> = Arc::new(move |_, _, _| {
            let message = message.clone();
            Box::pin(async move { Err(Error::invalid_input(message)) })
        });
        Pager::new(operation, 1, false, fetch).refuse(why)
    }

    fn refuse(mut self, why: String) -> Pager<T> {
        self.invalid.get_or_insert(why);
        self
    }

    /// The counter of the calls this pager makes, to read while or after
    /// it streams: what a list costs, exactly as the API counts it.
    pub fn call_counter(&self) -> CallCounter {
        self.calls.clone()
    }

    /// The largest page this list allows (the API's own bound).
    pub fn max_page_size(&self) -> u64 {
        self.max_page_size
    }

    /// Items per page (default: the largest the API allows).
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = size;
        self
    }

    /// How many pages may be in flight at once once the total is known (default 4).
    /// The client's rate limiter still applies.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }

    /// The API's filter, e.g. `"imei:4711,ip_address:10.0.0.1"` (SIM lists only).
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.query.filter = Some(filter.into());
        self
    }

    /// The API's sort keys, comma-separated; `-` in front sorts descending.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.query.sort = Some(sort.into());
        self
    }

    /// Give up with an error after this many pages (default 1,000,000).
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages;
        self
    }

    fn check(&self) -> Result<()> {
        let fail = |m: String| Err(Error::invalid_input(m).with_operation(self.operation));
        if let Some(why) = &self.invalid {
            return fail(why.clone());
        }
        if self.page_size == 0 || self.page_size > self.max_page_size {
            return fail(format!(
                "page size {} is outside 1..={}",
                self.page_size, self.max_page_size
            ));
        }
        if self.query.filter.is_some() && !self.filterable {
            return fail("this list takes no filter".to_string());
        }
        Ok(())
    }

    /// One page (numbered from 1), with the totals the API reported.
    pub async fn page(&self, page: u64) -> Result<Page<T>> {
        self.check()?;
        if page == 0 || page > self.last_page {
            return Err(Error::invalid_input(format!(
                "pages are numbered from 1 to {}",
                self.last_page
            ))
            .with_operation(self.operation));
        }
        self.calls.add_one();
        (self.fetch)(self.query.clone(), page, self.page_size).await
    }

    /// The page to read after `got` (a page this pager read), if the list
    /// goes on: by the same rule as the pager's own walk, so a caller that
    /// pages by hand (a cursor) stops where the walk would.
    pub fn next_page(&self, got: &Page<T>) -> Option<u64> {
        let size = self.page_size;
        let items_so_far = got
            .page
            .saturating_sub(1)
            .saturating_mul(size)
            .saturating_add(got.items.len() as u64);
        let last = got.credible_total_pages(size);
        let more = goes_on(got, size, last, got.total_count, items_so_far);
        (more && got.page < self.last_page)
            .then(|| got.page.checked_add(1))
            .flatten()
    }

    /// Every item of every page, in order.
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send {
        walk::items(self.pages())
    }

    /// Every item, collected.
    pub async fn collect(self) -> Result<Vec<T>> {
        self.stream().try_collect().await
    }

    /// Every page, in order.
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>>> + Send {
        let checked = self.check();
        let operation = self.operation;
        let state = Walk {
            pager: self,
            in_flight: FuturesOrdered::new(),
            next_to_fetch: 1,
            last_page: None,
            seen: std::collections::HashMap::new(),
            items_so_far: 0,
            total_count: None,
        };
        walk::walk(operation, checked, state)
    }
}

impl<T> walk::Items for Page<T> {
    type Item = T;
    fn into_items(self) -> Vec<T> {
        self.items
    }
}

/// The state of a walk over the pages.
struct Walk<T> {
    pager: Pager<T>,
    in_flight: FuturesOrdered<BoxFuture<'static, Result<Page<T>>>>,
    next_to_fetch: u64,
    /// The last page, once the API's total is known and credible.
    last_page: Option<u64>,
    /// Fingerprints of the full pages so far, to catch a server repeating
    /// itself (A, B, A, B… as well as A, A…); bounded by `max_pages`.
    seen: std::collections::HashMap<u64, u64>,
    /// Items yielded so far, and the API's count of them, when it gave one.
    items_so_far: u64,
    total_count: Option<u64>,
}

impl<T: Serialize + Send + 'static> Walk<T> {
    fn schedule(&mut self) {
        let limit = match self.last_page {
            Some(last) => last,
            // Without a credible total, one page at a time.
            None if self.in_flight.is_empty() => self.next_to_fetch,
            None => 0,
        }
        .min(self.pager.last_page);
        while self.in_flight.len() < self.pager.concurrency && self.next_to_fetch <= limit {
            let fetch = (self.pager.fetch)(
                self.pager.query.clone(),
                self.next_to_fetch,
                self.pager.page_size,
            );
            // Counted when it runs: a fetch dropped unpolled sent nothing.
            let calls = self.pager.calls.clone();
            self.in_flight.push_back(Box::pin(async move {
                calls.add_one();
                fetch.await
            }));
            self.next_to_fetch += 1;
        }
    }

    async fn next(&mut self) -> Result<Step<Page<T>>> {
        self.schedule();
        let Some(page) = self.in_flight.next().await else {
            return Ok(Step::End);
        };
        let page = page?;
        if page.page > self.pager.max_pages {
            return Err(walk::too_many_pages(self.pager.max_pages));
        }
        let full = page.items.len() as u64 >= self.pager.page_size;
        if page.page == 1 {
            // Trust the total only when it is consistent with what came back.
            self.last_page = page.credible_total_pages(self.pager.page_size);
            if page.total_pages.is_some_and(|n| n >= 1) && self.last_page.is_none() {
                tracing::debug!(
                    total_pages = page.total_pages,
                    "page total not credible; paging sequentially"
                );
            }
        }
        if full {
            if let Some(earlier) = self.seen.insert(fingerprint(&page.items), page.page) {
                return Err(Error::new(
                    ErrorKind::Pagination,
                    format!(
                        "page {} repeats page {earlier}; the server ignores paging",
                        page.page
                    ),
                ));
            }
        }
        if page.page == 1 {
            self.total_count = page.total_count;
        }
        // Known too long at the first page: refused before any other call.
        if let Some(last) = self.last_page.filter(|&n| n > self.pager.last_page) {
            return Err(too_long(&last.to_string(), &self.pager));
        }
        self.items_so_far = self.items_so_far.saturating_add(page.items.len() as u64);
        let at_last = self.last_page.is_some_and(|last| page.page >= last);
        let goes_on = goes_on(
            &page,
            self.pager.page_size,
            self.last_page,
            self.total_count,
            self.items_so_far,
        );
        let is_last = match goes_on {
            false => true,
            // The total ends the list at the last page the API serves: there
            // is no reading on, and nothing says there is more.
            true if at_last && page.page >= self.pager.last_page => true,
            true if at_last => {
                // A full page where the total says the list ends: the total may
                // be too small, so go on, one page at a time, until a short or
                // empty page (one more request when the total was right).
                tracing::debug!(page = page.page, "the last page is full; reading on");
                self.last_page = None;
                false
            }
            true => false,
        };
        if !is_last && page.page >= self.pager.last_page {
            // This page is good; the walk ends with the error after it.
            let error = too_long(&format!("more than {}", self.pager.last_page), &self.pager);
            return Ok(Step::LastThen(page, error));
        }
        Ok(match is_last {
            _ if page.items.is_empty() && page.page > 1 => Step::End,
            true => Step::Last(page),
            false => Step::More(page),
        })
    }
}

impl<T: Serialize + Send + 'static> Stepper for Walk<T> {
    type Page = Page<T>;
    fn step(&mut self) -> impl std::future::Future<Output = Result<Step<Page<T>>>> + Send + '_ {
        self.next()
    }
}

/// The error of a list longer than the pages the API serves.
fn too_long<T>(pages: &str, pager: &Pager<T>) -> Error {
    Error::new(
        ErrorKind::Pagination,
        format!(
            "the list has {pages} pages of {}, and the API serves pages 1 to {} only; \
             narrow it (a filter) to read it whole",
            pager.page_size, pager.last_page
        ),
    )
}

fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut hasher = DefaultHasher::new();
    serde_json::to_string(items)
        .unwrap_or_default()
        .hash(&mut hasher);
    hasher.finish()
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn totals(headers: &HeaderMap) -> (Option<u64>, Option<u64>) {
    (
        header_number(headers, "x-total-pages"),
        header_number(headers, "x-total-count"),
    )
}

/// A page from a list answer whose totals travel in the `X-Total-*` headers.
pub(crate) fn header_page<T>(
    response: crate::api::generated::ResponseValue<Vec<T>>,
    page: u64,
) -> Page<T> {
    let (total_pages, total_count) = totals(response.headers());
    Page {
        items: response.into_inner(),
        page,
        total_pages,
        total_count,
    }
}
