//! Drift mode: successful answers in the shapes the real service drifts into
//! (see `docs/real-service.md`), so users and tests can watch a client cope.
//!
//! Applied to the JSON of every successful API answer, deterministically from
//! the seed: numbers sent as strings, enum values the documents do not list,
//! fields nobody documented, optional fields left out. Identity fields
//! (`iccid`, `id`, `order_number`) are never left out, so a client can still
//! follow up on what it read. A list's page count says 0, as a mock built
//! from the documents says it, so a client that trusts it stops at page 1.

use serde_json::{json, Value};

use super::fleet::fraction;

/// Documented enum values and the undocumented ones drift turns them into.
pub(crate) const UNSEEN_VALUES: &[(&str, &str)] = &[
    ("Disabled", "Suspended"),
    ("ATTACHED", "DETACHED"),
    ("4G", "LTE-M"),
    ("NB-IoT", "LTE-M"),
    ("TOPUP", "AUTO_TOPUP"),
    ("FIRST_ORDER", "MIGRATION"),
    ("MO", "MO_FLASH"),
    ("CellTower", "WiFi"),
    ("INTEGRATION_ACTIVE", "INTEGRATION_PAUSED"),
];

/// The header of a list's page count, and what drift makes it say.
pub(crate) const PAGE_COUNT_HEADER: &str = "x-total-pages";
/// A page count of 0 whatever the list's length.
pub(crate) const DRIFTED_PAGE_COUNT: &str = "0";

/// The field drift adds to every object.
pub(crate) const EXTRA_FIELD: &str = "x_undocumented";

/// Fields that are never left out.
const IDENTITY: &[&str] = &["iccid", "id", "order_number"];

/// Drifts `value` in place; `salt` varies the draws between answers.
pub(crate) fn drift(value: &mut Value, seed: u64, salt: u64) {
    let mut draw = Draws {
        seed,
        n: salt.wrapping_mul(1_000_003),
    };
    walk(value, &mut draw);
}

struct Draws {
    seed: u64,
    n: u64,
}

impl Draws {
    /// True with probability `p`, reproducibly.
    fn chance(&mut self, p: f64) -> bool {
        self.n = self.n.wrapping_add(1);
        fraction(self.seed ^ 0x0d21_f7ed, self.n) < p
    }
}

fn walk(value: &mut Value, draw: &mut Draws) {
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let leave_out =
                    !IDENTITY.contains(&key.as_str()) && !map[&key].is_array() && draw.chance(0.1);
                if leave_out {
                    map.remove(&key);
                } else if let Some(v) = map.get_mut(&key) {
                    walk(v, draw);
                }
            }
            map.insert(EXTRA_FIELD.into(), json!({ "since": "2031-01-01", "n": 1 }));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, draw)),
        Value::Number(n) if draw.chance(0.5) => {
            let text = match n.as_f64() {
                Some(f) if n.is_f64() => format!("{f}"),
                _ => format!("{n}.0"),
            };
            *value = json!(text);
        }
        Value::String(s) => {
            if let Some((_, unseen)) = UNSEEN_VALUES.iter().find(|(known, _)| known == s) {
                if draw.chance(0.5) {
                    *value = json!(unseen);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_changes_shapes_but_keeps_identities_and_is_reproducible() {
        let sim = json!({ "iccid": "8988280666000000000", "status": "Disabled", "current_quota": 500, "label": "x" });
        let answer = Value::Array(vec![sim; 40]);
        let (mut a, mut b) = (answer.clone(), answer.clone());
        drift(&mut a, 7, 1);
        drift(&mut b, 7, 1);
        assert_eq!(a, b, "the same seed and salt drift the same way");
        let items = a.as_array().unwrap();
        assert!(items.iter().all(|s| s["iccid"] == "8988280666000000000"));
        assert!(items.iter().all(|s| s.get(EXTRA_FIELD).is_some()));
        assert!(items.iter().any(|s| s["status"] == "Suspended"));
        assert!(items.iter().any(|s| s["current_quota"] == "500.0"));
        assert!(items.iter().any(|s| s.get("label").is_none()));
    }
}
