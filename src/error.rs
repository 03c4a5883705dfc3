//! The one error type of the crate.

use std::error::Error as StdError;
use std::fmt;

use reqwest::StatusCode;

pub(crate) mod json_path;
pub(crate) mod marks;

use marks::{Origin, OPERATION_HEADER, TOKEN_STATUS_HEADER};

/// The kind of failure a stand-in answer stands for, where the status alone
/// would not say.
fn kind_of(origin: Origin) -> Option<ErrorKind> {
    match origin {
        Origin::Auth => Some(ErrorKind::Auth),
        Origin::Empty => Some(ErrorKind::NotFound),
        Origin::OutcomeUnknown => Some(ErrorKind::OutcomeUnknown),
        Origin::TooLarge => Some(ErrorKind::Decode),
        Origin::TokenNetwork => Some(ErrorKind::Network),
        Origin::TokenTimeout => Some(ErrorKind::Timeout),
        Origin::Token => None,
    }
}

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The credentials were refused, or a token was refused twice.
    Auth,
    /// The API answered 404.
    NotFound,
    /// The API answered 429, or the client's own deadline ran out waiting for the rate limit.
    RateLimited,
    /// The request timed out.
    Timeout,
    /// The connection failed or broke.
    Network,
    /// The API answered with another error status.
    Api,
    /// The answer could not be decoded.
    Decode,
    /// The input was refused before anything was sent.
    InvalidInput,
    /// The client is misconfigured (a missing environment variable, a bad URL).
    Config,
    /// Paging went wrong (the server kept repeating a page, or there were too many).
    Pagination,
    /// A write was sent but no answer came (a timeout, a broken connection):
    /// it may have taken effect. Not retried; read back before sending again
    /// (see [`Client::reconcile_top_up`](crate::Client::reconcile_top_up) and
    /// [`Client::reconcile_sms`](crate::Client::reconcile_sms)).
    OutcomeUnknown,
}

/// An error from the 1NCE client.
///
/// Opaque on purpose: ask it what you need ([`status`](Error::status),
/// [`is_not_found`](Error::is_not_found), [`is_auth`](Error::is_auth),
/// [`is_rate_limited`](Error::is_rate_limited), [`is_timeout`](Error::is_timeout),
/// [`message`](Error::message), [`error_code`](Error::error_code),
/// [`operation`](Error::operation)); the underlying error stays reachable
/// through [`std::error::Error::source`]. It never contains a secret.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    operation: Option<String>,
    status: Option<StatusCode>,
    message: Option<String>,
    code: Option<String>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Names the operation a failure happened during: `call.await.during("send_sms")?`
/// converts any error the crate's calls return into an [`Error`] that
/// reports `send_sms` (the first name given sticks).
pub(crate) trait During<T> {
    fn during(self, operation: &str) -> Result<T>;
}

impl<T, E: Into<Error>> During<T> for std::result::Result<T, E> {
    fn during(self, operation: &str) -> Result<T> {
        self.map_err(|e| e.into().with_operation(operation))
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                operation: None,
                status: None,
                message: Some(message.into()),
                code: None,
                source: None,
            }),
        }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidInput, message)
    }

    pub(crate) fn with_operation(mut self, operation: &str) -> Error {
        if self.inner.operation.is_none() {
            self.inner.operation = Some(operation.to_string());
        }
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Error {
        self.inner.source = Some(Box::new(source));
        self
    }

    fn from_status(status: StatusCode, body: Option<ErrorBody>, origin: Option<Origin>) -> Error {
        let kind = origin
            .and_then(kind_of)
            .unwrap_or(match (origin, status.as_u16()) {
                (None, 401) => ErrorKind::Auth,
                (_, 404) => ErrorKind::NotFound,
                (_, 429) => ErrorKind::RateLimited,
                _ => ErrorKind::Api,
            });
        let (message, code) = body.map_or((None, None), |b| (b.message, b.code));
        // The client's own stand-in answers carry no status the API sent.
        let status = match origin {
            Some(origin) if origin.status_made_up() => None,
            _ => Some(status),
        };
        Error {
            inner: Box::new(Inner {
                kind,
                operation: None,
                status,
                message,
                code,
                source: None,
            }),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status the API answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// True for a 404 answer.
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == ErrorKind::NotFound
    }

    /// True when the credentials were refused or the API refused the token.
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Auth
    }

    /// True for a 429 answer, or when waiting for the rate limit would pass the deadline.
    pub fn is_rate_limited(&self) -> bool {
        self.inner.kind == ErrorKind::RateLimited
    }

    /// True when the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// True when a write was sent and no answer came: it may have taken
    /// effect, so it must not simply be sent again. A write that was never
    /// sent (the connection failed) is a [`ErrorKind::Network`] error instead.
    pub fn is_outcome_unknown(&self) -> bool {
        self.inner.kind == ErrorKind::OutcomeUnknown
    }

    /// The API's message (or the client's, for failures before an answer).
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The API's machine-readable error code, when it sent one.
    pub fn error_code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The operation that failed (`list_sims`, `send_sms`, ...), when known.
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation.as_deref()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("operation", &self.inner.operation)
            .field("status", &self.inner.status)
            .field("message", &self.inner.message)
            .field("code", &self.inner.code)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = &self.inner.operation {
            write!(f, "{op}: ")?;
        }
        let what = match self.inner.kind {
            ErrorKind::Auth => "authentication failed",
            ErrorKind::NotFound => "not found",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Network => "network error",
            ErrorKind::Api => "the API refused the request",
            ErrorKind::Decode => "could not decode the answer",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Pagination => "paging failed",
            ErrorKind::OutcomeUnknown => "sent, but no answer came: it may have taken effect",
        };
        f.write_str(what)?;
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        if let Some(code) = &self.inner.code {
            write!(f, " [{code}]")?;
        }
        if let Some(message) = &self.inner.message {
            write!(f, ": {message}")?;
        } else if let Some(source) = &self.inner.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

/// What an error answer's body says, whichever API version sent it; the
/// API layer converts each version's error model into it.
pub(crate) struct ErrorBody {
    pub(crate) message: Option<String>,
    pub(crate) code: Option<String>,
}

/// An error code as text: the documents say a number, the service has sent strings.
pub(crate) fn code_text(code: Option<&serde_json::Value>) -> Option<String> {
    match code? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// One conversion for the errors of every API version's generated calls.
pub(crate) fn from_generated<B>(error: progenitor_client::Error<B>) -> Error
where
    for<'a> &'a B: Into<ErrorBody>,
{
    use progenitor_client::Error as P;
    match error {
        P::ErrorResponse(response) => {
            let body: ErrorBody = (&*response).into();
            from_answer(response.status(), response.headers(), Some(body))
        }
        P::UnexpectedResponse(response) => {
            let error = Error::from_status(response.status(), None, Origin::of(response.headers()));
            error.named(header(response.headers(), OPERATION_HEADER))
        }
        P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => Error::from(e),
        P::InvalidResponsePayload(body, e) => {
            let at = crate::error::json_path::offset_of(&body, e.line(), e.column());
            let path = crate::error::json_path::path_at(&body, at);
            let mut err = Error::new(
                ErrorKind::Decode,
                format!("the answer does not match the spec at {path}: {e}"),
            );
            err.inner.source = Some(Box::new(e));
            err
        }
        P::InvalidRequest(message) => Error::invalid_input(message),
        P::Custom(message) => Error::new(ErrorKind::Api, message),
    }
}

/// The error an error answer stands for: its status (the real one behind
/// a token stand-in), what its body says, and the operation it answered.
pub(crate) fn from_answer(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: Option<ErrorBody>,
) -> Error {
    let status = header(headers, TOKEN_STATUS_HEADER)
        .and_then(|s| s.parse::<StatusCode>().ok())
        .unwrap_or(status);
    let error = Error::from_status(status, body, Origin::of(headers));
    error.named(header(headers, OPERATION_HEADER))
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl Error {
    fn named(self, operation: Option<&str>) -> Error {
        match operation {
            Some(op) => self.with_operation(op),
            None => self,
        }
    }
}

/// Whether `error` (or an error behind it) is an answer whose head was too
/// large to read: more headers, or longer ones, than the HTTP stack reads
/// (hyper's "message head is too large"). Such an answer came, but could
/// not be read, and would be as large again.
pub(crate) fn head_too_large(error: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.to_string().contains("message head is too large") {
            return true;
        }
        next = e.source();
    }
    false
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Error {
        if head_too_large(&e) {
            return Error::new(
                ErrorKind::Decode,
                "the answer's headers are too large to read (more, or longer, than the client accepts)",
            )
            .with_source(e.without_url());
        }
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_decode() {
            ErrorKind::Decode
        } else if e.is_builder() {
            ErrorKind::Config
        } else {
            ErrorKind::Network
        };
        // reqwest's message names the URL, which never carries a secret here.
        let e = e.without_url();
        Error {
            inner: Box::new(Inner {
                kind,
                operation: None,
                status: e.status(),
                message: None,
                code: None,
                source: Some(Box::new(e)),
            }),
        }
    }
}
