//! Work over many SIMs at the API's limit: bulk changes in journaled chunks
//! ([`bulk`], [`journal`]) and the plain calls made of them (`sims`), the fleet's low-data SIMs from the fewest calls
//! ([`low_data`]), and read-backs after a write whose answer was lost
//! ([`reconcile`]).

pub(crate) mod bulk;
pub(crate) mod journal;
pub(crate) mod low_data;
pub(crate) mod reconcile;
mod sims;
