//! Client-side rate limits that keep within 1NCE's published limits.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{Quota, RateLimiter};

use crate::transport::clock::Clock;

/// A limit of `requests` per `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    requests: u32,
    period: Duration,
}

impl Limit {
    /// `requests` per `period` (both above zero; `build()` refuses others).
    pub const fn new(requests: u32, period: Duration) -> Limit {
        Limit { requests, period }
    }

    /// How many requests...
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// ...per how long.
    pub fn period(&self) -> Duration {
        self.period
    }
}

/// Client-side limits by route. The standard ones are 1NCE's published
/// limits (which its own pages have stated differently over time, hence
/// configurable): 10 requests/s for `/v1/sims...` and `/v2/sims...`, 100 per
/// 5 minutes for `/v1/orders` and `/v1/products` and, apart, for
/// `/v1/support`, 30 a minute for reading every geofence (1NCE OS's
/// `GET /v1/locate/geofences`), and 600 per minute for the token endpoint.
/// `None` turns a limit off; [`RateLimits::none`] turns all off.
///
/// ```
/// use std::time::Duration;
/// use onence::{config::Limit, config::RateLimits};
/// let limits = RateLimits::standard().with_sims(Some(Limit::new(5, Duration::from_secs(1))));
/// assert_eq!(limits.sims().map(|l| l.requests()), Some(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    sims: Option<Limit>,
    orders_and_products: Option<Limit>,
    support: Option<Limit>,
    geofence_reads: Option<Limit>,
    token: Option<Limit>,
    every_call: Option<Limit>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::standard()
    }
}

impl RateLimits {
    /// 1NCE's published limits.
    pub fn standard() -> RateLimits {
        RateLimits {
            sims: Some(Limit::new(10, Duration::from_secs(1))),
            orders_and_products: Some(Limit::new(100, Duration::from_secs(300))),
            support: Some(Limit::new(100, Duration::from_secs(300))),
            geofence_reads: Some(Limit::new(30, Duration::from_secs(60))),
            token: Some(Limit::new(600, Duration::from_secs(60))),
            every_call: None,
        }
    }

    /// No client-side limits.
    pub fn none() -> RateLimits {
        RateLimits {
            sims: None,
            orders_and_products: None,
            support: None,
            geofence_reads: None,
            token: None,
            every_call: None,
        }
    }

    /// Sets the limit of `/v1/sims`, `/v2/sims` and everything below them.
    pub fn with_sims(mut self, limit: Option<Limit>) -> RateLimits {
        self.sims = limit;
        self
    }

    /// The limit of `/v1/orders` and `/v1/products`.
    pub fn with_orders_and_products(mut self, limit: Option<Limit>) -> RateLimits {
        self.orders_and_products = limit;
        self
    }

    /// Sets the limit of `/v1/support`.
    pub fn with_support(mut self, limit: Option<Limit>) -> RateLimits {
        self.support = limit;
        self
    }

    /// Sets the limit of reading every geofence (`GET /v1/locate/geofences`, 1NCE OS).
    pub fn with_geofence_reads(mut self, limit: Option<Limit>) -> RateLimits {
        self.geofence_reads = limit;
        self
    }

    /// The limit of `/oauth/token`.
    pub fn with_token(mut self, limit: Option<Limit>) -> RateLimits {
        self.token = limit;
        self
    }

    /// Sets a cap on every call the client makes, whatever its route,
    /// tokens and retries included, on top of the routes' own limits. It is
    /// paced evenly, with no burst: over any window of `t` seconds at most
    /// `requests × t / period + 1` calls go out. For a process that must
    /// keep a hard budget, such as the exporter. Off by default.
    pub fn with_every_call(mut self, limit: Option<Limit>) -> RateLimits {
        self.every_call = limit;
        self
    }

    /// The cap on every call, when there is one.
    pub fn every_call(&self) -> Option<Limit> {
        self.every_call
    }

    /// The limit of `/v1/sims...` and `/v2/sims...`.
    pub fn sims(&self) -> Option<Limit> {
        self.sims
    }

    /// The limit of `/v1/orders` and `/v1/products`.
    pub fn orders_and_products(&self) -> Option<Limit> {
        self.orders_and_products
    }

    /// The limit of `/v1/support`.
    pub fn support(&self) -> Option<Limit> {
        self.support
    }

    /// The limit of `GET /v1/locate/geofences`.
    pub fn geofence_reads(&self) -> Option<Limit> {
        self.geofence_reads
    }

    /// The limit of `/oauth/token`.
    pub fn token(&self) -> Option<Limit> {
        self.token
    }

    /// Every limit, by the name `build()` reports it under.
    pub(crate) fn all(&self) -> [(&'static str, Option<Limit>); 6] {
        [
            ("sims", self.sims),
            ("orders_and_products", self.orders_and_products),
            ("support", self.support),
            ("geofence_reads", self.geofence_reads),
            ("token", self.token),
            ("every_call", self.every_call),
        ]
    }
}

/// Which limit a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Sims,
    OrdersAndProducts,
    Support,
    GeofenceReads,
    Token,
    Other,
}

impl Route {
    /// The limit a request with `method` on `path` counts against, as
    /// 1NCE's rate-limit page groups them.
    pub(crate) fn of(method: &reqwest::Method, path: &str) -> Route {
        let path = path.trim_end_matches('/');
        if path.ends_with("/oauth/token") {
            Route::Token
        } else if path.contains("/v1/sims") || path.contains("/v2/sims") {
            Route::Sims
        } else if path.contains("/v1/orders") || path.contains("/v1/products") {
            Route::OrdersAndProducts
        } else if path.contains("/v1/support") {
            Route::Support
        } else if *method == reqwest::Method::GET && path.ends_with("/v1/locate/geofences") {
            Route::GeofenceReads
        } else {
            Route::Other
        }
    }
}

type Limiter = RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    Clock,
    governor::middleware::NoOpMiddleware<Duration>,
>;

/// The limiters of one client, shared by its clones.
#[derive(Clone, Default)]
pub(crate) struct RateLimiters {
    sims: Option<Arc<Limiter>>,
    orders_and_products: Option<Arc<Limiter>>,
    support: Option<Arc<Limiter>>,
    geofence_reads: Option<Arc<Limiter>>,
    token: Option<Arc<Limiter>>,
    every_call: Option<Arc<Limiter>>,
    clock: Option<Clock>,
}

impl std::fmt::Debug for RateLimiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiters")
            .field("sims", &self.sims.is_some())
            .field("orders_and_products", &self.orders_and_products.is_some())
            .field("support", &self.support.is_some())
            .field("geofence_reads", &self.geofence_reads.is_some())
            .field("token", &self.token.is_some())
            .field("every_call", &self.every_call.is_some())
            .finish()
    }
}

impl RateLimiters {
    /// Limiters for a client. Bursts are half the limit, so that requests
    /// spaced at the limit here still fit the server's own window when the
    /// network bunches them up.
    pub(crate) fn new(limits: &RateLimits, clock: &Clock) -> RateLimiters {
        RateLimiters::with_burst(limits, clock, 0.5)
    }

    /// Limiters whose burst is `burst_share` of each limit (the sandbox, as a server, allows full bursts).
    pub(crate) fn with_burst(limits: &RateLimits, clock: &Clock, burst_share: f64) -> RateLimiters {
        let make_with = |limit: Option<Limit>, burst_share: f64| {
            let limit = limit?;
            let burst = NonZeroU32::new(((f64::from(limit.requests) * burst_share) as u32).max(1))?;
            // No panic on a limit of zero requests (build() refuses it before this).
            let spacing = limit.period.checked_div(limit.requests)?;
            let quota = Quota::with_period(spacing)?.allow_burst(burst);
            Some(Arc::new(RateLimiter::direct_with_clock(
                quota,
                clock.clone(),
            )))
        };
        let make = |limit: Option<Limit>| make_with(limit, burst_share);
        RateLimiters {
            sims: make(limits.sims),
            orders_and_products: make(limits.orders_and_products),
            support: make(limits.support),
            geofence_reads: make(limits.geofence_reads),
            token: make(limits.token),
            // A hard cap: a burst of one, so no window holds more than its share.
            every_call: make_with(limits.every_call, 0.0),
            clock: Some(clock.clone()),
        }
    }

    /// The limiter of `route`, if it has one.
    fn of(&self, route: Route) -> Option<&Arc<Limiter>> {
        match route {
            Route::Sims => self.sims.as_ref(),
            Route::OrdersAndProducts => self.orders_and_products.as_ref(),
            Route::Support => self.support.as_ref(),
            Route::GeofenceReads => self.geofence_reads.as_ref(),
            Route::Token => self.token.as_ref(),
            Route::Other => None,
        }
    }

    /// Takes a place within `route`'s limit now, if there is one.
    #[cfg(feature = "sandbox")]
    pub(crate) fn try_acquire(&self, route: Route) -> bool {
        self.of(route).is_none_or(|l| l.check().is_ok())
    }

    /// Waits until a request on `route` is within its limit, then within
    /// the cap on every call.
    pub(crate) async fn until_ready(&self, route: Route) {
        let Some(clock) = &self.clock else {
            return;
        };
        for limiter in [self.of(route), self.every_call.as_ref()]
            .into_iter()
            .flatten()
        {
            while let Err(not_until) = limiter.check() {
                let wait = not_until.wait_time_from(clock.now());
                tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn fifty_calls_at_ten_per_second_take_four_seconds() {
        let clock = Clock::system();
        let limiters = RateLimiters::new(&RateLimits::default(), &clock);
        let start = tokio::time::Instant::now();
        for _ in 0..50 {
            limiters.until_ready(Route::Sims).await;
        }
        let elapsed = start.elapsed();
        // A burst of 5, then one every 100 ms: at least 4 s for 50 calls.
        assert!(elapsed >= Duration::from_millis(4000), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(4600), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn routes_have_their_own_limits_and_none_means_none() {
        let clock = Clock::system();
        let limiters = RateLimiters::new(&RateLimits::default(), &clock);
        let start = tokio::time::Instant::now();
        for _ in 0..5 {
            limiters.until_ready(Route::Sims).await;
        }
        for _ in 0..50 {
            limiters.until_ready(Route::OrdersAndProducts).await;
            limiters.until_ready(Route::Other).await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));
        let off = RateLimiters::new(&RateLimits::none(), &clock);
        for _ in 0..1000 {
            off.until_ready(Route::Sims).await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn the_cap_on_every_call_counts_tokens_too_and_never_bursts() {
        let clock = Clock::system();
        let capped =
            RateLimits::none().with_every_call(Some(Limit::new(5, Duration::from_secs(1))));
        let limiters = RateLimiters::new(&capped, &clock);
        let start = tokio::time::Instant::now();
        let mut at = Vec::new();
        for i in 0..21 {
            let route = if i % 3 == 0 {
                Route::Token
            } else {
                Route::Sims
            };
            limiters.until_ready(route).await;
            at.push(start.elapsed());
        }
        // One call every 200 ms from the first: no burst at the start.
        for (i, t) in at.iter().enumerate() {
            let due = Duration::from_millis(200 * i as u64);
            assert!(
                *t >= due && *t < due + Duration::from_millis(20),
                "call {i} at {t:?}"
            );
        }
    }

    #[test]
    fn requests_are_sorted_to_their_route() {
        assert_eq!(
            Route::of(
                &reqwest::Method::GET,
                "/management-api/v1/sims/8988/quota/data"
            ),
            Route::Sims
        );
        assert_eq!(
            Route::of(&reqwest::Method::GET, "/management-api/v1/orders/12"),
            Route::OrdersAndProducts
        );
        assert_eq!(
            Route::of(&reqwest::Method::GET, "/management-api/v1/products"),
            Route::OrdersAndProducts
        );
        assert_eq!(
            Route::of(&reqwest::Method::GET, "/management-api/oauth/token"),
            Route::Token
        );
        let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);
        assert_eq!(
            Route::of(&post, "/management-api/v1/support"),
            Route::Support
        );
        // Only reading every geofence is limited; one geofence, or a new one, is not.
        assert_eq!(
            Route::of(&get, "/management-api/v1/locate/geofences"),
            Route::GeofenceReads
        );
        assert_eq!(
            Route::of(&post, "/management-api/v1/locate/geofences"),
            Route::Other
        );
        assert_eq!(
            Route::of(&get, "/management-api/v1/locate/geofences/g1"),
            Route::Other
        );
    }

    /// 1NCE's 30 geofence reads a minute: 31 reads take over a minute's
    /// worth of spacing, while /v1/support keeps its own budget.
    #[tokio::test(start_paused = true)]
    async fn geofence_reads_keep_to_thirty_a_minute_and_support_has_its_own_limit() {
        let clock = Clock::system();
        let limiters = RateLimiters::new(&RateLimits::default(), &clock);
        let start = tokio::time::Instant::now();
        for _ in 0..31 {
            limiters.until_ready(Route::GeofenceReads).await;
        }
        // A burst of 15, then one every 2 s: 16 more take 32 s.
        assert!(
            start.elapsed() >= Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
        let before = tokio::time::Instant::now();
        for _ in 0..50 {
            limiters.until_ready(Route::Support).await;
        }
        assert!(
            before.elapsed() < Duration::from_millis(10),
            "support is not held by geofences"
        );
        assert_eq!(
            RateLimits::standard().support(),
            Some(Limit::new(100, Duration::from_secs(300)))
        );
        assert_eq!(RateLimits::none().geofence_reads(), None);
    }
}
