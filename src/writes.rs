//! The write policy: what each write costs and how it is confirmed, in one
//! place for every caller. The CLI's confirmations, MCP's gate and
//! `onence api call` all read it; what an operation costs comes from the
//! one table codegen emits beside each version's paths (`COSTS`, from
//! `codegen::COSTS`), so nothing matches operation names by hand.
//!
//! ```
//! use onence::writes::{self, CostClass};
//!
//! let top_up = writes::cost_of("top_up_sim");
//! assert_eq!(top_up.class(), CostClass::Billed);
//! let ask = writes::Write::new("top_up_sim", "top up 8988280666000000001");
//! assert_eq!(
//!     ask.confirmation(),
//!     "top up 8988280666000000001 (billed: a data top-up order charged to the account)"
//! );
//! assert!(!writes::cost_of("update_sim").is_billed());
//! ```

use crate::api;

/// What kind of charge a write makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostClass {
    /// No charge.
    Free,
    /// Taken from a quota the account paid for (a SIM's SMS).
    Quota,
    /// Charged to the account (an order, a top-up).
    Billed,
}

impl CostClass {
    /// Every class, cheapest first.
    pub const ALL: [CostClass; 3] = [CostClass::Free, CostClass::Quota, CostClass::Billed];
}

/// What a write costs: its class and the words a confirmation says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    class: CostClass,
    what: &'static str,
}

impl Cost {
    const fn new(class: CostClass, what: &'static str) -> Cost {
        Cost { class, what }
    }

    /// Its class.
    pub fn class(&self) -> CostClass {
        self.class
    }

    /// What it costs, in words ("billed: a data top-up order ...").
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// Whether it is charged, to the account or to a paid quota: such a
    /// write is confirmed before it is sent.
    pub fn is_billed(&self) -> bool {
        self.class != CostClass::Free
    }
}

/// No charge.
pub const FREE: Cost = Cost::new(CostClass::Free, "no charge");
/// A data top-up: an order, billed.
pub const TOP_UP: Cost = Cost::new(
    CostClass::Billed,
    "billed: a data top-up order charged to the account",
);
/// An SMS: taken from the SIM's SMS quota.
pub const SMS: Cost = Cost::new(
    CostClass::Quota,
    "uses the SIM's SMS quota: one SMS per part of the text",
);
/// A device action: no charge of its own, the device's data volume.
pub const DEVICE_ACTION: Cost = Cost::new(
    CostClass::Free,
    "no charge of its own; the exchange uses the SIM's data volume",
);
/// An order of SIMs or products, an extension, or automatic top-ups.
pub const ORDER: Cost = Cost::new(
    CostClass::Billed,
    "billed: places, extends or schedules an order charged to the account",
);

/// The cost tables of the compiled versions (codegen's `COSTS`).
const TABLES: &[&[(&str, Cost)]] = api::every_version!(COSTS);

/// What the operation `id` (`top_up_sim`, as the documents name it) costs:
/// [`FREE`] for every operation the table does not name.
pub fn cost_of(id: &str) -> Cost {
    TABLES
        .iter()
        .flat_map(|table| table.iter())
        .find(|(op, _)| *op == id)
        .map_or(FREE, |(_, cost)| *cost)
}

/// One write about to be made: what it does, in words, and what it costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    what: String,
    cost: Cost,
    wide: bool,
    always: bool,
}

/// A write to more than this many objects is confirmed even when free.
pub const WIDE_WRITE: usize = 1;

impl Write {
    /// The write `what` made by the operation `id`, at that operation's cost.
    pub fn new(id: &str, what: impl Into<String>) -> Write {
        Write::costing(cost_of(id), what)
    }

    /// A write at a known cost (a compound write over several operations).
    pub fn costing(cost: Cost, what: impl Into<String>) -> Write {
        Write {
            what: what.into(),
            cost,
            wide: false,
            always: false,
        }
    }

    /// The same write, asked about whatever it costs: it cannot be taken
    /// back (a deletion, a transfer) or reaches beyond what it names (the
    /// account's limits, a message to 1NCE support, a device).
    pub fn always_asked(mut self) -> Write {
        self.always = true;
        self
    }

    /// The same write, made to `count` objects: more than [`WIDE_WRITE`]
    /// makes it one to confirm even when it costs nothing.
    pub fn to(mut self, count: usize) -> Write {
        self.wide = count > WIDE_WRITE;
        self
    }

    /// What it costs.
    pub fn cost(&self) -> Cost {
        self.cost
    }

    /// What it does, in words.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Whether it is asked about before it is sent: a charged write, one
    /// to many objects, or one [always asked](Write::always_asked).
    pub fn needs_confirmation(&self) -> bool {
        self.cost.is_billed() || self.wide || self.always
    }

    /// The question a confirmation asks: what it does and what it costs.
    pub fn confirmation(&self) -> String {
        format!("{} ({})", self.what, self.cost.what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_charged_operation_of_the_compiled_versions_has_its_cost() {
        assert_eq!(cost_of("top_up_sim"), TOP_UP);
        assert_eq!(cost_of("top_up_sims"), TOP_UP);
        assert_eq!(cost_of("create_order"), ORDER);
        assert_eq!(cost_of("send_sms"), SMS);
        assert_eq!(cost_of("get_sim"), FREE);
        assert_eq!(cost_of("no_such_operation"), FREE);
    }

    #[test]
    fn billed_or_wide_writes_are_confirmed_and_say_their_cost() {
        let one = Write::new("update_sim", "label 8988280666000000001");
        assert!(!one.needs_confirmation());
        assert_eq!(one.confirmation(), "label 8988280666000000001 (no charge)");
        assert!(one.clone().to(2).needs_confirmation());
        assert!(!one.clone().to(1).needs_confirmation());
        assert!(one.always_asked().needs_confirmation());
        let sms = Write::new("send_sms", "send an SMS");
        assert!(sms.needs_confirmation());
        assert_eq!(sms.cost().class(), CostClass::Quota);
        assert!(
            sms.confirmation().contains("SMS quota"),
            "{}",
            sms.confirmation()
        );
    }
}
