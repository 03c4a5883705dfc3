//! What the client makes of an answer before the generated code decodes it:
//! every failure in the one shared error body, an empty 200 as the 404 it
//! means, and `null` as the absence it means.

use reqwest::{Response, StatusCode};

/// Makes every failed answer decodable as the shared error body: a body that
/// is not a JSON object (empty, HTML from a gateway, plain text) is replaced
/// by `{"message": ...}` holding its text, keeping status and headers. A 200
/// with an empty body to a GET — how the API answers an unknown ICCID — is
/// reported as 404. (The session read every body and dropped a JSON
/// success's `null`s, see [`drop_nulls`].)
pub(crate) async fn tidy(
    response: Response,
    method: &reqwest::Method,
) -> reqwest::Result<Response> {
    let status = response.status();
    let empty_success = status == StatusCode::OK
        && *method == reqwest::Method::GET
        && response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .is_some_and(|v| v == "0");
    if empty_success {
        return Ok(crate::transport::stand_in::empty_success());
    }
    if status.is_success() {
        // Read whole, nulls dropped, by the session.
        return Ok(response);
    }
    let headers = response.headers().clone();
    let bytes = crate::transport::body_limit::read_prefix(
        response,
        crate::transport::body_limit::ERROR_BODY_READ,
    )
    .await?;
    let is_object =
        serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| v.is_object());
    let body = if is_object {
        bytes
    } else {
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim();
        let message = if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_string()
        } else {
            text.chars().take(500).collect()
        };
        bytes::Bytes::from(serde_json::json!({ "message": message }).to_string())
    };
    let mut rebuilt = http::Response::builder()
        .status(status)
        .body(body)
        .expect("a valid response");
    *rebuilt.headers_mut() = headers;
    if !is_object {
        rebuilt.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        rebuilt
            .headers_mut()
            .remove(reqwest::header::CONTENT_LENGTH);
    }
    Ok(Response::from(rebuilt))
}

/// A JSON body without its `null`s, when it holds any: one scan of the bytes
/// first, so most answers pass untouched and uncopied. `headers` lose a
/// `Content-Length` the change makes wrong.
pub(crate) fn without_null_bytes(
    bytes: bytes::Bytes,
    headers: &mut reqwest::header::HeaderMap,
) -> bytes::Bytes {
    let is_json = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
    if !is_json || memchr::memmem::find(&bytes, b"null").is_none() {
        return bytes;
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut value) => {
            drop_nulls(&mut value);
            headers.remove(reqwest::header::CONTENT_LENGTH);
            bytes::Bytes::from(value.to_string())
        }
        // Not JSON after all: the generated code reports it as it is.
        Err(_) => bytes,
    }
}

/// `null` means absent. Every field of every response model is optional, so
/// a member that is `null` says nothing its absence would not; but a list
/// that arrives as `null` (or holding `null`s) would fail a whole answer,
/// since lists decode as `Vec`. So members and list items that are `null`
/// are removed, at every depth.
pub(crate) fn drop_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(items) => {
            items.retain(|v| !v.is_null());
            items.iter_mut().for_each(drop_nulls);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_dropped_at_every_depth_and_nothing_else() {
        let mut v = serde_json::json!({ "a": null, "b": [null, { "c": null, "d": 0 }], "e": "null", "f": false });
        drop_nulls(&mut v);
        assert_eq!(
            v,
            serde_json::json!({ "b": [{ "d": 0 }], "e": "null", "f": false })
        );
    }
}
