//! Faults the sandbox injects, drawn from its seed.

/// Faults to inject into API answers (never into the token endpoint).
/// Each request draws once: with probability `error_rate` it gets one of
/// `error_statuses` (500, 502, 503 and 504 when empty), with `throttle_rate` a 429 with `Retry-After`.
/// The other faults come after the request took effect: with `drop_rate`
/// the connection closes before the answer starts, with `cut_head_rate` it
/// breaks inside the answer's head (no status can be read), with
/// `cut_body_rate` it breaks after the whole head and half of a body that
/// promised more, with `malformed_rate`
/// a 200 whose JSON is cut short, with `late_rate` an answer held back for
/// `late_by` after the request took effect (a client that gives up first has
/// lost the answer to a write that happened). `routes` limits faults to
/// paths containing one of its strings (all API paths when empty); a route
/// may start with a method (`"POST /topup"`) to fault only that method.
///
/// ```
/// use std::time::Duration;
/// use onence::sandbox::Faults;
/// let faults = Faults::none()
///     .with_error_rate(0.05)
///     .with_drop_rate(0.01)
///     .with_routes(["POST /topup"]);
/// # let _ = faults;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    pub(crate) error_rate: f64,
    pub(crate) error_statuses: Vec<u16>,
    pub(crate) throttle_rate: f64,
    pub(crate) retry_after_secs: u64,
    pub(crate) drop_rate: f64,
    pub(crate) cut_head_rate: f64,
    pub(crate) cut_body_rate: f64,
    pub(crate) malformed_rate: f64,
    pub(crate) late_rate: f64,
    pub(crate) late_by: std::time::Duration,
    pub(crate) routes: Vec<String>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Share of requests answered with a server error.
    pub fn with_error_rate(mut self, rate: f64) -> Faults {
        self.error_rate = rate;
        self
    }

    /// The statuses of those errors, drawn evenly (500, 502, 503, 504 when empty).
    pub fn with_error_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Faults {
        self.error_statuses = statuses.into_iter().collect();
        self
    }

    /// Share of requests answered 429, with this `Retry-After` in seconds.
    pub fn with_throttle_rate(mut self, rate: f64, retry_after_secs: u64) -> Faults {
        self.throttle_rate = rate;
        self.retry_after_secs = retry_after_secs;
        self
    }

    /// Share of requests that take effect and whose connection then closes
    /// before any of the answer was sent: no status, no head.
    pub fn with_drop_rate(mut self, rate: f64) -> Faults {
        self.drop_rate = rate;
        self
    }

    /// Share of requests that take effect and whose answer then breaks
    /// inside its head, after its first few bytes: no status can be read.
    pub fn with_cut_head_rate(mut self, rate: f64) -> Faults {
        self.cut_head_rate = rate;
        self
    }

    /// Share of requests that take effect and whose answer then breaks
    /// inside its body: the whole head (status, `Location`, a
    /// `Content-Length` that promises more) and half the body, then a reset.
    pub fn with_cut_body_rate(mut self, rate: f64) -> Faults {
        self.cut_body_rate = rate;
        self
    }

    /// Share of requests answered with malformed JSON.
    pub fn with_malformed_rate(mut self, rate: f64) -> Faults {
        self.malformed_rate = rate;
        self
    }

    /// Share of requests that take effect but are answered only after `by`
    /// (a minute when zero).
    pub fn with_late_rate(mut self, rate: f64, by: std::time::Duration) -> Faults {
        self.late_rate = rate;
        self.late_by = by;
        self
    }

    /// Paths (substrings, optionally after a method: `"POST /sms"`) the
    /// faults apply to; all API paths when none are given.
    pub fn with_routes<S: Into<String>>(mut self, routes: impl IntoIterator<Item = S>) -> Faults {
        self.routes = routes.into_iter().map(Into::into).collect();
        self
    }
}

/// The fault drawn for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Error(u16),
    Throttle,
    Drop,
    CutHead,
    CutBody,
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
        edge += self.cut_head_rate;
        if x < edge {
            return Some(Fault::CutHead);
        }
        edge += self.cut_body_rate;
        if x < edge {
            return Some(Fault::CutBody);
        }
        edge += self.malformed_rate;
        if x < edge {
            return Some(Fault::Malformed);
        }
        edge += self.late_rate;
        (x < edge).then_some(Fault::Late)
    }
}
