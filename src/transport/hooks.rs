//! The hooks progenitor calls around every generated request, one pair for
//! each API version's client: checks before sending, then the session's
//! pipeline (rate limits, token, retries, outcomes). Every version shares
//! them, and one [`Session`](crate::Session).

use progenitor_client::OperationInfo;
use reqwest::{Response, StatusCode};

use crate::transport::checks::SecretTable;
use crate::transport::paths::PathTable;
use crate::transport::session::Session;
use crate::transport::stand_in::OPERATION_HEADER;
use crate::transport::tidy::tidy;

/// The path of a base URL (`/management-api` of `https://api.1nce.com/management-api`).
pub(crate) fn base_path(base_url: &str) -> &str {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("", |i| after_scheme[i..].trim_end_matches('/'))
}

/// Removes progenitor's `api-version` header: the 1NCE API documents no such
/// header, and requests carry only what the API documents.
///
/// Then checks the request before anything is sent, whichever way it was
/// built: its path against the operation's template in `paths` (so no
/// parameter can change which operation is called; `paths.rs`) and the
/// SMS and labels it carries (`checks.rs`).
pub(crate) fn pre(
    (paths, secrets): (PathTable, SecretTable),
    base_url: &str,
    request: &mut reqwest::Request,
    info: &OperationInfo,
) -> Result<(), String> {
    request.headers_mut().remove("api-version");
    let path = request.url().path();
    let below = path.strip_prefix(base_path(base_url)).unwrap_or(path);
    crate::transport::paths::check(paths, info.operation_id, below)?;
    if let Some(body) = request.body().and_then(reqwest::Body::as_bytes) {
        crate::transport::checks::body(info.operation_id, body)?;
        crate::transport::checks::secrets(secrets, info.operation_id, body)?;
    }
    Ok(())
}

/// Runs the request through the session, and marks a failed answer with
/// the operation's name so that [`Error::operation`](crate::Error::operation) can report it.
/// In a dry run a write goes to the sink instead, exactly as it would be sent.
pub(crate) async fn exec(
    session: &Session,
    http: &reqwest::Client,
    base_url: &str,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<Response> {
    let method = request.method().clone();
    if let Some(sink) = session.dry_run() {
        if !matches!(method, reqwest::Method::GET | reqwest::Method::HEAD) {
            (sink.0)(&crate::transport::dry_run::planned(
                &request,
                base_path(base_url),
            ));
            let mut planned = http::Response::builder().status(StatusCode::OK);
            planned = planned.header("x-onence-dry-run", "true");
            return Ok(Response::from(
                planned.body(bytes::Bytes::new()).expect("a valid response"),
            ));
        }
    }
    let response = session.execute(http, request, info.operation_id).await?;
    if crate::transport::stand_in::body_unread(response.headers()) {
        tracing::warn!(
            operation = info.operation_id,
            "the write succeeded (HTTP {}); its answer's body could not be read and counts as absent",
            response.status().as_u16()
        );
    }
    let mut response = tidy(response, &method).await?;
    if !response.status().is_success() {
        let name = reqwest::header::HeaderValue::from_static(info.operation_id);
        response.headers_mut().insert(OPERATION_HEADER, name);
    }
    Ok(response)
}

/// The hooks of one generated client type, with its version's path and
/// secret tables (invoked once per API version, in `src/api.rs`).
macro_rules! hooks_for {
    ($client:ty, $tables:expr) => {
        impl progenitor_client::ClientHooks<crate::transport::session::Session> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                crate::transport::hooks::pre($tables, &self.baseurl, request, info)
                    .map_err(progenitor_client::Error::InvalidRequest)
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                crate::transport::hooks::exec(
                    &self.inner,
                    &self.client,
                    &self.baseurl,
                    request,
                    info,
                )
                .await
            }
        }
    };
}

pub(crate) use hooks_for;
