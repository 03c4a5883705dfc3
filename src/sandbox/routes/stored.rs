//! One change to a record the sandbox keeps as JSON (an integration, a
//! plugin, a template): found or 404, changed, stamped with the time of the
//! change, and written to the administration log, as 1NCE OS logs writes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::sandbox::answer::{not_found, Refusal};
use crate::sandbox::fleet::api_time;
use crate::sandbox::state::{Data, Shared};

/// Where a kind of record is kept, and how it is named and stamped.
pub(crate) struct Store {
    /// The records, by id.
    pub(crate) records: fn(&mut Data) -> &mut BTreeMap<String, Value>,
    /// What a record is called in errors and logs (`integration`).
    pub(crate) noun: &'static str,
    /// The field that holds the time of the last change.
    pub(crate) stamp: &'static str,
}

impl Store {
    /// Applies `change` to the record `id` (which may refuse, changing
    /// nothing), stamps and logs it as `done` (`restarted`), and answers
    /// the record as it now is.
    pub(crate) fn change(
        &self,
        shared: &Shared,
        id: &str,
        done: &str,
        change: impl FnOnce(&mut Value) -> Result<(), Refusal>,
    ) -> Result<Value, Refusal> {
        let now = shared.now();
        let mut data = shared.data();
        let record = (self.records)(&mut data)
            .get_mut(id)
            .ok_or_else(|| not_found(&format!("{} {id}", self.noun)))?;
        change(record)?;
        record[self.stamp] = json!(api_time(now));
        let changed = record.clone();
        data.log(
            now,
            "INTEGRATION",
            format!("{} {id} {done}", self.noun),
            None,
        );
        Ok(changed)
    }
}
