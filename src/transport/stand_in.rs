//! The answers the client makes itself and hands to the generated code in
//! place of the API's: when no token could be had, when a write got no
//! answer, when an answer was past the body limit, when an empty 200 means
//! "no such resource". Each carries a mark ([`ORIGIN_HEADER`]) that
//! [`Error`](crate::Error) reads to report the right kind of failure; the
//! marks are listed once, in [`Origin`].

use reqwest::{Response, StatusCode};

pub(crate) use crate::error::marks::{
    Origin, BODY_UNREAD_HEADER, OPERATION_HEADER, ORIGIN_HEADER, TOKEN_STATUS_HEADER,
};

/// A response with a JSON body, built by the client.
pub(crate) fn json_response(
    status: StatusCode,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> Response {
    let mut builder = http::Response::builder()
        .status(status)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    Response::from(
        builder
            .body(body.to_string())
            .expect("a valid stand-in response"),
    )
}

/// For an answer past the body limit: reported as a decode failure naming the limit.
pub(crate) fn too_large(limit: usize) -> Response {
    let body = serde_json::json!({
        "message": format!("the answer is larger than the limit of {limit} bytes (ClientBuilder::max_body_size); it was not read"),
    });
    json_response(
        StatusCode::BAD_GATEWAY,
        &[(ORIGIN_HEADER, Origin::TooLarge.as_str())],
        &body,
    )
}

/// For a 200 with an empty body to a GET, how the API answers an unknown
/// ICCID: reported as the 404 it means.
pub(crate) fn empty_success() -> Response {
    let body = serde_json::json!({ "message": "the API answered 200 with an empty body: no such resource" });
    json_response(
        StatusCode::NOT_FOUND,
        &[(ORIGIN_HEADER, Origin::Empty.as_str())],
        &body,
    )
}

/// For a write that was sent (or may have been) and whose answer never came
/// whole: no status (`seen` is `None`: nothing came, or the head broke
/// off), or a failure status whose body broke off. Reported as
/// [`ErrorKind::OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
pub(crate) fn outcome_unknown(error: &reqwest::Error, seen: Option<StatusCode>) -> Response {
    let what = match seen {
        Some(status) => format!(
            "the API answered HTTP {} and the answer then broke off",
            status.as_u16()
        ),
        None if error.is_timeout() => "no answer came in time".to_string(),
        None if crate::error::head_too_large(error) => {
            "an answer came whose headers are too large to read".to_string()
        }
        None => "the connection broke before an answer came".to_string(),
    };
    let body = serde_json::json!({
        "message": format!("sent, but {what}: it may have taken effect; read back before sending it again"),
    });
    json_response(
        StatusCode::BAD_GATEWAY,
        &[(ORIGIN_HEADER, Origin::OutcomeUnknown.as_str())],
        &body,
    )
}

/// A write's success whose body could not be read: the status and headers
/// as the API sent them (a `Location` still names what was made), an empty
/// body, and [`BODY_UNREAD_HEADER`] saying why.
pub(crate) fn success_without_body(
    status: StatusCode,
    mut headers: reqwest::header::HeaderMap,
    why: &'static str,
) -> Response {
    headers.remove(reqwest::header::CONTENT_LENGTH);
    headers.remove(reqwest::header::CONTENT_TYPE);
    headers.remove(reqwest::header::TRANSFER_ENCODING);
    headers.insert(
        BODY_UNREAD_HEADER,
        reqwest::header::HeaderValue::from_static(why),
    );
    crate::transport::body_limit::rebuild(status, headers, bytes::Bytes::new())
}

/// Whether a write's success came without its body (see [`success_without_body`]).
pub(crate) fn body_unread(headers: &reqwest::header::HeaderMap) -> bool {
    headers.contains_key(BODY_UNREAD_HEADER)
}

/// For a request that got no token: a 401 carrying the token endpoint's
/// message, its real status in [`TOKEN_STATUS_HEADER`], and a mark that
/// tells an auth, API, network or timeout failure apart.
pub(crate) fn no_token(failure: crate::transport::token::TokenFailure) -> Response {
    use crate::transport::token::TokenFailure;
    let (status, origin, message, code) = match failure {
        TokenFailure::Rejected {
            status,
            message,
            code,
        } => (status, Origin::Auth, message, code),
        TokenFailure::Failed { status, message } => (status, Origin::Token, Some(message), None),
        TokenFailure::Unreachable { message, timeout } => {
            let origin = if timeout {
                Origin::TokenTimeout
            } else {
                Origin::TokenNetwork
            };
            (StatusCode::SERVICE_UNAVAILABLE, origin, Some(message), None)
        }
    };
    let message = message.unwrap_or_else(|| format!("the token endpoint answered {status}"));
    let body = serde_json::json!({ "message": format!("token request refused: {message}"), "error_code": code });
    json_response(
        StatusCode::UNAUTHORIZED,
        &[
            (ORIGIN_HEADER, origin.as_str()),
            (TOKEN_STATUS_HEADER, status.as_str()),
        ],
        &body,
    )
}
