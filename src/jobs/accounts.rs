//! Several 1NCE accounts at once: a reseller's customers, a company's
//! organisations. Each account is a [`Client`] of its own, with its own
//! token and its own rate limit, so reading them together is as fast as
//! the slowest one, not the sum. The work is the same for each; every
//! answer comes back with the name of its account, and one account that
//! fails costs the others nothing.

use std::future::Future;
use std::sync::Arc;

use futures_util::{Stream, StreamExt};

use crate::api::generated::Client;
use crate::error::{Error, Result};

/// The most accounts in one set: each holds a token and connections, and
/// a set larger than this is a configuration mistake, not a fleet.
pub const MAX_ACCOUNTS: usize = 256;

/// A set of named accounts (see the module's documentation).
///
/// ```
/// # async fn run(a: onence::Client, b: onence::Client) -> onence::Result<()> {
/// use onence::jobs::Accounts;
/// let accounts = Accounts::new().with_account("eu", a)?.with_account("us", b)?;
/// for (account, report) in accounts.each(|client| async move { client.low_data_report(0.2).await }).await {
///     match report {
///         Ok(report) => println!("{account}: {} low of {}", report.low.len(), report.sims),
///         Err(e) => eprintln!("{account}: {e}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    accounts: Vec<(Arc<str>, Client)>,
}

impl Accounts {
    /// No accounts yet.
    pub fn new() -> Accounts {
        Accounts::default()
    }

    /// The set with `client` under `name`. A name used already, an empty
    /// one, or a set past [`MAX_ACCOUNTS`] is an error naming it.
    pub fn with_account(mut self, name: impl Into<String>, client: Client) -> Result<Accounts> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(Error::invalid_input("an account needs a name"));
        }
        if self.accounts.iter().any(|(n, _)| **n == *name) {
            return Err(Error::invalid_input(format!(
                "account {name:?} is named twice"
            )));
        }
        if self.accounts.len() >= MAX_ACCOUNTS {
            return Err(Error::invalid_input(format!(
                "at most {MAX_ACCOUNTS} accounts at once"
            )));
        }
        self.accounts.push((name.into(), client));
        Ok(self)
    }

    /// How many accounts the set holds.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The accounts' names, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.accounts.iter().map(|(name, _)| &**name)
    }

    /// The client of the account `name`.
    pub fn get(&self, name: &str) -> Option<&Client> {
        self.accounts
            .iter()
            .find(|(n, _)| **n == *name)
            .map(|(_, client)| client)
    }

    /// Runs `work` on every account at once, and gives each outcome with
    /// its account's name, in the order the accounts were added.
    pub async fn each<T, F, Fut>(&self, work: F) -> Vec<(Arc<str>, Result<T>)>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let runs = self.accounts.iter().map(|(name, client)| {
            let run = work(client.clone());
            async move { (name.clone(), run.await) }
        });
        futures_util::future::join_all(runs).await
    }

    /// Every account's stream (`list` of its client: pages of SIMs, say),
    /// read at once and merged as the items arrive, each with its
    /// account's name. An account's stream ends at its first error, which
    /// it yields; the other accounts' go on.
    pub fn merged<T, S>(
        &self,
        list: impl Fn(&Client) -> S,
    ) -> impl Stream<Item = (Arc<str>, Result<T>)> + Send + 'static
    where
        S: Stream<Item = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let streams = self.accounts.iter().map(|(name, client)| {
            let name = name.clone();
            list(client)
                .scan(false, |failed, item| {
                    // Once it failed, an account yields nothing more.
                    let next = (!*failed).then(|| {
                        *failed = item.is_err();
                        item
                    });
                    futures_util::future::ready(next)
                })
                .map(move |item| (name.clone(), item))
                .boxed()
        });
        futures_util::stream::select_all(streams)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline() -> Client {
        Client::builder().build().unwrap()
    }

    /// A name twice or an empty one is refused, naming it.
    #[test]
    fn names_are_unique_and_not_empty() {
        let twice = Accounts::new()
            .with_account("eu", offline())
            .unwrap()
            .with_account("eu", offline());
        assert!(twice
            .unwrap_err()
            .to_string()
            .contains("\"eu\" is named twice"));
        assert!(Accounts::new().with_account(" ", offline()).is_err());
    }

    /// An account's stream ends at its first error, which it yields; the
    /// other account's items all arrive, each with its name.
    #[tokio::test]
    async fn a_failing_account_ends_alone() {
        let accounts = Accounts::new()
            .with_account("bad", offline())
            .unwrap()
            .with_account("good", offline())
            .unwrap();
        let first = std::sync::atomic::AtomicBool::new(true);
        let merged: Vec<(Arc<str>, Result<u32>)> = accounts
            .merged(|_| {
                let items = match first.swap(false, std::sync::atomic::Ordering::SeqCst) {
                    true => vec![Ok(1), Err(Error::invalid_input("down")), Ok(3)],
                    false => vec![Ok(10), Ok(20)],
                };
                futures_util::stream::iter(items)
            })
            .collect()
            .await;
        let of = |name: &str| -> Vec<Option<u32>> {
            merged
                .iter()
                .filter(|(n, _)| &**n == name)
                .map(|(_, r)| r.as_ref().ok().copied())
                .collect()
        };
        assert_eq!(of("bad"), vec![Some(1), None], "nothing after the error");
        assert_eq!(of("good"), vec![Some(10), Some(20)]);
    }
}
