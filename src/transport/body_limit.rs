//! Answers are read up to a limit. The server decides how much it sends, so
//! the client decides how much it reads: an answer past the limit is an
//! error naming the limit, and nothing past it is held in memory.

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};

/// The default limit of one answer's body: a page of 100 SIMs is about
/// 50 KiB, the largest documented answer (1,000 events) a few hundred.
pub const DEFAULT_MAX_BODY: usize = 32 << 20;

/// How much of an error answer is read: enough for any message.
pub(crate) const ERROR_BODY_READ: usize = 64 << 10;

/// A body read up to a limit.
pub(crate) enum Bounded {
    /// The whole body.
    Whole(Bytes),
    /// The answer is larger than `limit` bytes; the rest was not read.
    TooLarge { limit: usize },
}

/// Reads `response`'s body, at most `limit` bytes; a `Content-Length` past
/// the limit fails before reading anything.
pub(crate) async fn read(mut response: Response, limit: usize) -> reqwest::Result<Bounded> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(Bounded::TooLarge { limit });
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len().saturating_add(chunk.len()) > limit {
            return Ok(Bounded::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bounded::Whole(body.freeze()))
}

/// Reads at most `limit` bytes of `response`'s body and drops the rest:
/// for error answers, whose message is all the client needs.
pub(crate) async fn read_prefix(mut response: Response, limit: usize) -> reqwest::Result<Bytes> {
    let mut body = BytesMut::new();
    while body.len() < limit {
        match response.chunk().await? {
            Some(chunk) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            None => break,
        }
    }
    Ok(body.freeze())
}

/// A response rebuilt from its parts.
pub(crate) fn rebuild(status: StatusCode, headers: HeaderMap, body: Bytes) -> Response {
    let mut rebuilt = http::Response::builder()
        .status(status)
        .body(body)
        .expect("a valid response");
    *rebuilt.headers_mut() = headers;
    Response::from(rebuilt)
}
