//! Any documented operation, sent by name: the MCP server's generic way to
//! the whole API (`call_operation`). The request goes through the same two
//! hooks as every generated call, so its path is checked against the
//! operation's template, and it meets the same rate limits, token, retry
//! rules, dry run and outcomes. Only the request's making is generic.

use progenitor_client::OperationInfo;
use reqwest::Method;
use serde_json::Value;

use crate::api::generated::Client;
use crate::api::{generated, generated_os, generated_v2};
use crate::error::{from_answer, Error, ErrorBody, Result};
use crate::transport::checks::SecretTable;
use crate::transport::hooks;
use crate::transport::paths::PathTable;

pub(crate) use crate::catalogue::ApiVersion;

impl ApiVersion {
    fn tables(self) -> (PathTable, SecretTable) {
        match self {
            ApiVersion::V1 => (generated::PATHS, generated::SECRETS),
            ApiVersion::V2 => (generated_v2::PATHS, generated_v2::SECRETS),
            ApiVersion::Os => (generated_os::PATHS, generated_os::SECRETS),
        }
    }
}

/// One request to a documented operation, its path already filled in.
#[derive(Clone, Debug)]
pub(crate) struct RawRequest {
    pub(crate) version: ApiVersion,
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Below the base URL, parameters percent-encoded.
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
}

impl Client {
    /// Sends `request` through the pipeline. A 2xx answers its JSON body
    /// (text that is not JSON as a string, no body as null); any other
    /// answer is the same [`Error`] a generated call would give.
    pub(crate) async fn send_raw(&self, request: RawRequest) -> Result<Value> {
        let info = OperationInfo {
            operation_id: request.operation,
        };
        let fail = |e: Error| e.with_operation(request.operation);
        let url = format!("{}{}", self.baseurl, request.path);
        let mut builder = self
            .client
            .request(request.method.clone(), url)
            .header(reqwest::header::ACCEPT, "application/json");
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let mut built = builder.build().map_err(|e| fail(Error::from(e)))?;
        hooks::pre(request.version.tables(), &self.baseurl, &mut built, &info)
            .map_err(|why| fail(Error::invalid_input(why)))?;
        let response = hooks::exec(&self.inner, &self.client, &self.baseurl, built, &info)
            .await
            .map_err(|e| fail(Error::from(e)))?;
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.bytes().await.map_err(|e| fail(Error::from(e)))?;
        let json = || serde_json::from_slice::<Value>(&bytes).ok();
        if status.is_success() {
            return Ok(match json() {
                Some(value) => value,
                None if bytes.is_empty() => Value::Null,
                None => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            });
        }
        // Every version's error body is one shape (the normaliser's
        // `shared_error_body`), read with the model the generated calls use.
        let body = serde_json::from_slice::<generated::types::ApiError>(&bytes)
            .ok()
            .map(|b| ErrorBody::from(&b));
        Err(fail(from_answer(status, &headers, body)))
    }
}
