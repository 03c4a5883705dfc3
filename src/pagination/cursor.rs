//! Every item of a list paged by cursor (1NCE OS's device history: each page
//! names the `nextToken` of the next), as a stream.
//!
//! Pages follow one another: a cursor cannot be guessed ahead. The walk ends
//! where a page names no next token; a token seen before, or more pages than
//! [`CursorPager::max_pages`], ends it with an error rather than a loop.

use std::collections::HashSet;
use std::sync::Arc;

use futures_core::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::{StreamExt, TryStreamExt};
use serde::Serialize;

use super::walk::{self, Step, Stepper};
use crate::error::{Error, ErrorKind, Result};

/// One list paged by cursor: its name, its largest page, and how to fetch
/// the page a token names (the first page for `None`).
pub(crate) trait CursorList: Clone + Send + Sync + 'static {
    /// What the list holds.
    type Item: Serialize + Send + 'static;
    /// The operation's name, for errors.
    const OPERATION: &'static str;
    /// The page size the walk asks for by default.
    const PAGE_SIZE: u64;
    /// The page after `token`, of `size` items.
    fn fetch(
        self,
        token: Option<String>,
        size: u64,
    ) -> impl std::future::Future<Output = Result<CursorPage<Self::Item>>> + Send;
}

/// One page of a list paged by cursor.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct CursorPage<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The token of the next page; `None` on the last.
    pub next_token: Option<String>,
}

impl<T> CursorPage<T> {
    /// A page; an empty token means none (the last page).
    pub(crate) fn new(items: Vec<T>, next_token: Option<String>) -> CursorPage<T> {
        let next_token = next_token.filter(|t| !t.trim().is_empty());
        CursorPage { items, next_token }
    }
}

type Fetch<T> =
    Arc<dyn Fn(Option<String>, u64) -> BoxFuture<'static, Result<CursorPage<T>>> + Send + Sync>;

/// A list paged by cursor: set the page size, then take a
/// [`stream`](CursorPager::stream) of every item or the
/// [`pages`](CursorPager::pages). Made by
/// [`os::Client::all_device_history`](crate::os::Client::all_device_history).
#[must_use = "a pager does nothing until it is streamed"]
pub struct CursorPager<T> {
    operation: &'static str,
    fetch: Fetch<T>,
    page_size: u64,
    max_pages: u64,
    invalid: Option<String>,
}

impl<T> std::fmt::Debug for CursorPager<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CursorPager")
            .field("operation", &self.operation)
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .finish()
    }
}

/// The largest page a cursor walk asks for: the documents give none, and a
/// bound keeps one answer's size in reach of the body limit.
pub const MAX_CURSOR_PAGE_SIZE: u64 = 1000;

impl<T: Serialize + Send + 'static> CursorPager<T> {
    /// The pager over `list`.
    pub(crate) fn of<L: CursorList<Item = T>>(list: L) -> CursorPager<T> {
        let fetch: Fetch<T> =
            Arc::new(move |token, size| Box::pin(list.clone().fetch(token, size)));
        CursorPager {
            operation: L::OPERATION,
            fetch,
            page_size: L::PAGE_SIZE,
            max_pages: 1_000_000,
            invalid: None,
        }
    }

    /// A pager that fails with `why` before any request.
    pub(crate) fn refused(operation: &'static str, why: String) -> CursorPager<T> {
        let fetch: Fetch<T> =
            Arc::new(|_, _| Box::pin(async { Err(Error::invalid_input("refused")) }));
        CursorPager {
            operation,
            fetch,
            page_size: 1,
            max_pages: 1,
            invalid: Some(why),
        }
    }

    /// Items per page (1 to [`MAX_CURSOR_PAGE_SIZE`]).
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = size;
        self
    }

    /// Give up with an error after this many pages (default 1,000,000).
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages;
        self
    }

    fn check(&self) -> Result<()> {
        let why = match &self.invalid {
            Some(why) => why.clone(),
            None if !(1..=MAX_CURSOR_PAGE_SIZE).contains(&self.page_size) => format!(
                "page size {} is outside 1..={MAX_CURSOR_PAGE_SIZE}",
                self.page_size
            ),
            None => return Ok(()),
        };
        Err(Error::invalid_input(why).with_operation(self.operation))
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
    pub fn pages(self) -> impl Stream<Item = Result<CursorPage<T>>> + Send {
        let checked = self.check();
        let operation = self.operation;
        let state = Walk {
            pager: self,
            next: None,
            seen: HashSet::new(),
            pages: 0,
        };
        walk::walk(operation, checked, state).boxed()
    }
}

impl<T> walk::Items for CursorPage<T> {
    type Item = T;
    fn into_items(self) -> Vec<T> {
        self.items
    }
}

/// The state of a walk from cursor to cursor.
struct Walk<T> {
    pager: CursorPager<T>,
    next: Option<String>,
    /// The tokens followed so far, to catch a server sending one again;
    /// bounded by `max_pages`.
    seen: HashSet<String>,
    pages: u64,
}

impl<T: Serialize + Send + 'static> Walk<T> {
    async fn next(&mut self) -> Result<Step<CursorPage<T>>> {
        if self.pages >= self.pager.max_pages {
            return Err(walk::too_many_pages(self.pager.max_pages));
        }
        let token = self.next.take();
        let page = (self.pager.fetch)(token, self.pager.page_size).await?;
        self.pages += 1;
        if page.items.is_empty() && page.next_token.is_some() {
            tracing::debug!(
                operation = self.pager.operation,
                "an empty page with a next token; reading on"
            );
        }
        Ok(match &page.next_token {
            None => Step::Last(page),
            Some(token) if !self.seen.insert(token.clone()) => {
                let shown: String = token.chars().take(40).collect();
                let error = Error::new(
                    ErrorKind::Pagination,
                    format!(
                        "page {} names the token {shown:?} again; the server loops",
                        self.pages
                    ),
                );
                Step::LastThen(page, error)
            }
            Some(token) => {
                self.next = Some(token.clone());
                Step::More(page)
            }
        })
    }
}

impl<T: Serialize + Send + 'static> Stepper for Walk<T> {
    type Page = CursorPage<T>;
    fn step(&mut self) -> impl std::future::Future<Output = Result<Step<Self::Page>>> + Send + '_ {
        self.next()
    }
}
