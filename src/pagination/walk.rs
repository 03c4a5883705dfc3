//! The one walk over a list's pages, shared by [`Pager`](super::Pager) and
//! [`CursorPager`](super::CursorPager): the pager's check before the first
//! call, an end at the first error, the error a good page revealed yielded
//! after that page, and every error named by its operation. Which page comes
//! next, and when a list ends, is each pager's own step (`mod.rs`,
//! `cursor.rs`).

use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};

use crate::error::{Error, ErrorKind, Result};

/// What one step of a walk read.
pub(super) enum Step<P> {
    /// A page; more may follow.
    More(P),
    /// The list's last page.
    Last(P),
    /// A good page, after which the walk ends with the error.
    LastThen(P, Error),
    /// The list ended with nothing more to yield.
    End,
}

/// The pager's side of a walk: reading the next page.
pub(super) trait Stepper: Send + 'static {
    /// A page of the list.
    type Page: Send + 'static;
    /// The next step; an error ends the walk.
    fn step(&mut self) -> impl std::future::Future<Output = Result<Step<Self::Page>>> + Send + '_;
}

/// Every page `stepper` reads, once `checked` (the pager's own check of its
/// settings) has passed; errors carry `operation`.
pub(super) fn walk<S: Stepper>(
    operation: &'static str,
    checked: Result<()>,
    stepper: S,
) -> impl Stream<Item = Result<S::Page>> + Send {
    enum State<S> {
        Going(S),
        Failing(Error),
        Done,
    }
    let start = match checked {
        Ok(()) => State::Going(stepper),
        Err(e) => State::Failing(e),
    };
    stream::unfold(start, move |state| async move {
        let fail = |e: Error| Some((Err(e.with_operation(operation)), State::Done));
        match state {
            State::Done => None,
            State::Failing(e) => fail(e),
            State::Going(mut stepper) => match stepper.step().await {
                Ok(Step::More(page)) => Some((Ok(page), State::Going(stepper))),
                Ok(Step::Last(page)) => Some((Ok(page), State::Done)),
                Ok(Step::LastThen(page, e)) => Some((Ok(page), State::Failing(e))),
                Ok(Step::End) => None,
                Err(e) => fail(e),
            },
        }
    })
}

/// A page of items, for [`items`].
pub(super) trait Items {
    /// What the page holds.
    type Item;
    /// The page's items, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

/// Every item of every page, in order.
pub(super) fn items<P: Items>(
    pages: impl Stream<Item = Result<P>> + Send,
) -> impl Stream<Item = Result<P::Item>> + Send
where
    P::Item: Send,
{
    pages
        .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
        .try_flatten()
}

/// The error of a walk past its caller's bound on pages.
pub(super) fn too_many_pages(max_pages: u64) -> Error {
    Error::new(
        ErrorKind::Pagination,
        format!("more than {max_pages} pages; stopped (raise max_pages if that is expected)"),
    )
}
