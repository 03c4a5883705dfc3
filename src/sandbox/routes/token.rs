//! `POST /oauth/token`: Basic credentials, a JSON or form body.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{json, Value};

use crate::sandbox::answer::Answer;
use crate::sandbox::state::Shared;

/// Hands out a token for the sandbox's credentials; refuses others with
/// the token service's 400 `{"statusCode","errorCode","message"}`.
pub(crate) async fn issue(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let refuse = |code: &str, message: &str| {
        Answer::json(
            400,
            json!({ "statusCode": 400, "errorCode": code, "message": message }),
        )
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let grant = if content_type.starts_with("application/json") {
        serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
            v.get("grant_type")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "grant_type"))
            .map(|(_, v)| v)
    } else {
        return refuse("UnsupportedContentTypeError", "Content-Type not supported");
    };
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return refuse(
            "AuthValidationError",
            "Auth header validation error: Missing attributes 'username'",
        );
    };
    if auth != shared.expected_auth.expose() {
        return refuse(
            "CognitoAuthenticationError",
            "Incorrect username or password.",
        );
    }
    if grant.as_deref() != Some("client_credentials") {
        return refuse(
            "BodyValidationError",
            "Request body validation error: Missing attributes 'grant_type'",
        );
    }
    let mut data = shared.data();
    let value: String = (0..48)
        .map(|_| format!("{:016x}", data.rng.u64(..)))
        .collect();
    data.tokens
        .insert(value.clone(), shared.clock.now() + shared.token_lifetime);
    drop(data);
    shared.tally.with(|c| c.tokens_issued += 1);
    Answer::json(
        200,
        json!({
            "status_code": 200, "access_token": value, "token_type": "bearer",
            "expires_in": shared.token_lifetime.as_secs(), "userId": "user", "scope": "all",
        }),
    )
}
