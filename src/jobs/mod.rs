//! Work over many SIMs at the API's limit: bulk changes in journaled chunks
//! ([`BulkJob`], [`Journal`]) and the plain calls made of them, the
//! fleet's low-data SIMs from the fewest calls ([`LowDataReport`]), and
//! read-backs after a write whose answer was lost ([`Reconciled`]), and
//! the same work over several accounts at once ([`Accounts`]).

mod accounts;
pub(crate) mod bulk;
pub(crate) mod journal;
pub(crate) mod low_data;
pub(crate) mod reconcile;
mod sims;

pub use accounts::{Accounts, MAX_ACCOUNTS};
pub use bulk::{BulkChange, BulkJob, BulkReport, Progress};
pub use journal::Journal;
pub use low_data::{listed_above_quota_status_share, LowDataReport, SimQuota, QUOTA_STATUS_SHARE};
pub use reconcile::{Checked, Reconciled};
