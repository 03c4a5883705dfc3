//! What may be sent again: by method, by status, by the kind of failure,
//! and after how long the server asks for.

use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode};

/// May a request with this method be sent again after it may have reached the server?
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD | Method::OPTIONS
    )
}

/// Statuses worth another try.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// May a request that got `status` be sent again? Idempotent ones on any
/// status of [`is_retryable_status`]; any method on 429, since the API
/// refused it without acting on it (a POST included: nothing was applied).
pub(crate) fn may_resend_after(status: StatusCode, idempotent: bool) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || (idempotent && is_retryable_status(status))
}

/// Failures worth another try: a failed connect (nothing was sent, so any
/// method), or for idempotent requests a timeout, a broken connection or a
/// broken-off answer.
pub(crate) fn is_retryable_error(error: &reqwest::Error, idempotent: bool) -> bool {
    // An answer too large to read would be as large again.
    if crate::error::head_too_large(error) {
        return false;
    }
    // For an idempotent request, an answer broken off mid-body (reqwest's
    // body or decode error while reading the bytes) is retried like a
    // connection that broke before it.
    let broken = error.is_timeout() || error.is_request() || error.is_body() || error.is_decode();
    error.is_connect() || (idempotent && broken)
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::super::RetryPolicy;
    use super::*;
    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            policy.max_delay
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "12".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(12)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        headers.insert("retry-after", later.parse().unwrap());
        let d = retry_after(&headers).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn only_idempotent_methods_are_resent() {
        assert!(
            is_idempotent(&Method::GET)
                && is_idempotent(&Method::PUT)
                && is_idempotent(&Method::DELETE)
        );
        assert!(!is_idempotent(&Method::POST));
        for code in [429, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [400, 401, 404, 500] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        // A 429 was refused unprocessed: even a POST may go again; a 503 may have been processed.
        assert!(may_resend_after(StatusCode::TOO_MANY_REQUESTS, false));
        assert!(!may_resend_after(StatusCode::SERVICE_UNAVAILABLE, false));
        assert!(may_resend_after(StatusCode::SERVICE_UNAVAILABLE, true));
    }

    /// A loopback server that reads one request and then does `answer` with
    /// the socket: real reqwest errors of each kind, classified.
    fn serve_once(answer: fn(&mut std::net::TcpStream)) -> String {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut socket, _)) = listener.accept() {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request);
                answer(&mut socket);
            }
        });
        format!("http://{address}/")
    }

    /// The error a GET to `url` ends with, reading the whole body.
    async fn error_of(url: &str) -> reqwest::Error {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        match http.get(url).send().await {
            Err(e) => e,
            Ok(response) => response.bytes().await.unwrap_err(),
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_for_every_method_a_lost_answer_only_for_reads() {
        // Refused: nothing was sent, so even a POST may go again.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/", listener.local_addr().unwrap())
        };
        let refused = error_of(&closed).await;
        assert!(refused.is_connect(), "{refused:?}");
        assert!(is_retryable_error(&refused, true) && is_retryable_error(&refused, false));

        // No answer in time: the request was sent.
        let silent = serve_once(|_| std::thread::sleep(Duration::from_secs(2)));
        let timeout = error_of(&silent).await;
        assert!(timeout.is_timeout(), "{timeout:?}");
        assert!(is_retryable_error(&timeout, true));
        assert!(!is_retryable_error(&timeout, false));

        // The head, then half a body: sent, and answered in part.
        let cut = serve_once(|socket| {
            use std::io::Write;
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"a\":");
        });
        let broken = error_of(&cut).await;
        assert!(!broken.is_connect(), "{broken:?}");
        assert!(is_retryable_error(&broken, true));
        assert!(!is_retryable_error(&broken, false));

        // The connection closes before any answer: sent, no answer.
        let dropped = serve_once(|_| {});
        let dropped = error_of(&dropped).await;
        assert!(!dropped.is_connect(), "{dropped:?}");
        assert!(is_retryable_error(&dropped, true));
        assert!(!is_retryable_error(&dropped, false));
    }
}
