//! The one request pipeline every call of every API version goes through:
//! checks before sending ([`paths`], [`checks`]), the rate limiters, the
//! bearer token ([`token`], kept beyond the process by a [`token_store`]), retries ([`retry`]), bounded bodies, and what a
//! broken or odd answer means ([`stand_in`], [`tidy`]). [`session`] ties
//! them together; [`hooks`] is what progenitor calls. This layer knows the
//! API's paths only through the tables the API layer hands it.

pub(crate) mod body_limit;
pub(crate) mod checks;
pub(crate) mod clock;
pub(crate) mod credentials;
pub(crate) mod dry_run;
pub(crate) mod hooks;
pub(crate) mod observe;
pub(crate) mod paths;
pub(crate) mod rate_limit;
pub(crate) mod redact;
pub(crate) mod retry;
pub(crate) mod secret;
pub(crate) mod session;
pub(crate) mod stand_in;
pub(crate) mod tidy;
pub(crate) mod timeout;
pub(crate) mod tls_provider;
pub(crate) mod token;
pub(crate) mod token_store;
