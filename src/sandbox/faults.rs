//! Faults the sandbox injects, drawn from its seed.

/// Faults to inject into API answers (never into the token endpoint).
/// Each request draws once: with probability `error_rate` it gets one of
/// `error_statuses` (500, 502, 503 and 504 when empty), with `throttle_rate` a 429 with `Retry-After`, with
/// `drop_rate` a connection that breaks mid-answer, with `malformed_rate`
/// a 200 whose JSON is cut short, with `late_rate` an answer held back for
/// `late_by` after the request took effect (a client that gives up first has
/// lost the answer to a write that happened). `routes` limits faults to
/// paths containing one of its strings (all API paths when empty); a route
/// may start with a method (`"POST /topup"`) to fault only that method.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Share of requests answered with a server error.
    pub error_rate: f64,
    /// The statuses of those errors, drawn evenly (500, 502, 503, 504 when empty).
    pub error_statuses: Vec<u16>,
    /// Share of requests answered 429.
    pub throttle_rate: f64,
    /// `Retry-After` of those 429s, in seconds.
    pub retry_after_secs: u64,
    /// Share of requests whose connection breaks mid-answer.
    pub drop_rate: f64,
    /// Share of requests answered with malformed JSON.
    pub malformed_rate: f64,
    /// Share of requests that take effect but are answered only after `late_by`.
    pub late_rate: f64,
    /// How long those answers are held back (a minute when zero).
    pub late_by: std::time::Duration,
    /// Paths (substrings, optionally after a method: `"POST /sms"`) the
    /// faults apply to; empty for all.
    pub routes: Vec<String>,
}

/// The fault drawn for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Error(u16),
    Throttle,
    Drop,
    Malformed,
    Late,
}

impl Faults {
    pub(crate) fn applies_to(&self, method: &str, path: &str) -> bool {
        self.routes.is_empty()
            || self.routes.iter().any(|route| match route.split_once(' ') {
                Some((m, part)) => m.eq_ignore_ascii_case(method) && path.contains(part),
                None => path.contains(route.as_str()),
            })
    }

    /// Draws the fault for one request, if any.
    pub(crate) fn draw(&self, rng: &mut fastrand::Rng) -> Option<Fault> {
        let x = rng.f64();
        let mut edge = self.error_rate;
        if x < edge {
            let statuses: &[u16] = if self.error_statuses.is_empty() {
                &[500, 502, 503, 504]
            } else {
                &self.error_statuses
            };
            return Some(Fault::Error(statuses[rng.usize(0..statuses.len())]));
        }
        edge += self.throttle_rate;
        if x < edge {
            return Some(Fault::Throttle);
        }
        edge += self.drop_rate;
        if x < edge {
            return Some(Fault::Drop);
        }
        edge += self.malformed_rate;
        if x < edge {
            return Some(Fault::Malformed);
        }
        edge += self.late_rate;
        (x < edge).then_some(Fault::Late)
    }
}
