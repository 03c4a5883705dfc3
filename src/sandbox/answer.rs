//! What handlers return: an [`Answer`] (status, headers, JSON body or none)
//! or a [`Refusal`] in the error shape of its API version, plus the paging
//! every list shares.

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The content type the real service answers JSON with.
pub(crate) const JSON: &str = "application/json;charset=UTF-8";

/// An answer before it becomes HTTP.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
    /// A body that is no JSON: its content type and text.
    pub(crate) text: Option<(&'static str, String)>,
}

impl Answer {
    /// `status` with `body` as JSON.
    pub(crate) fn json(status: u16, body: impl Serialize) -> Answer {
        Answer {
            status,
            headers: vec![],
            body: Some(serde_json::to_value(body).expect("models serialise")),
            text: None,
        }
    }

    /// `status` with `text` as a body of `content_type`.
    pub(crate) fn text(status: u16, content_type: &'static str, text: &str) -> Answer {
        Answer {
            status,
            headers: vec![],
            body: None,
            text: Some((content_type, text.to_string())),
        }
    }

    /// `status` with no body (`Content-Length: 0`).
    pub(crate) fn empty(status: u16) -> Answer {
        Answer {
            status,
            headers: vec![],
            body: None,
            text: None,
        }
    }

    /// The answer with one more header.
    pub(crate) fn header(mut self, name: &str, value: String) -> Answer {
        self.headers.push((name.into(), value));
        self
    }

    /// The answer with more headers.
    pub(crate) fn headers(mut self, headers: Vec<(String, String)>) -> Answer {
        self.headers.extend(headers);
        self
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut builder = Response::builder().status(self.status);
        for (k, v) in &self.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let body = match (self.body, self.text) {
            (Some(value), _) => {
                builder = builder.header("content-type", JSON);
                Body::from(value.to_string())
            }
            (None, Some((content_type, text))) => {
                builder = builder.header("content-type", content_type);
                Body::from(text)
            }
            (None, None) => {
                builder = builder.header("content-length", "0");
                Body::empty()
            }
        };
        builder.body(body).expect("a valid response")
    }
}

/// The error shape of the API version that refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// v1: `{"message"}`.
    V1,
    /// v2: `{"error_code", "error_token", "message"}`.
    V2,
}

/// A refusal: a status and why.
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) message: String,
    pub(crate) shape: Shape,
}

impl Refusal {
    /// The same refusal in v2's error shape.
    pub(crate) fn v2(mut self) -> Refusal {
        self.shape = Shape::V2;
        self
    }
}

/// 400: the request is invalid.
pub(crate) fn bad(message: impl Into<String>) -> Refusal {
    refuse(400, message)
}

/// 404: `what` is not there.
pub(crate) fn not_found(what: &str) -> Refusal {
    refuse(404, format!("{what} not found."))
}

/// Any status with a message, in v1's shape.
pub(crate) fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
        shape: Shape::V1,
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = match self.shape {
            Shape::V1 => json!({ "message": self.message }),
            Shape::V2 => json!({
                "error_code": self.status,
                "error_token": format!("sandbox-{}", self.status),
                "message": self.message,
            }),
        };
        Answer::json(self.status, body).into_response()
    }
}

/// What a handler returns.
pub(crate) type Outcome = Result<Answer, Refusal>;

/// A JSON body, or a 400 naming what is wrong with it.
pub(crate) fn body<T>(json: Result<axum::Json<T>, JsonRejection>) -> Result<T, Refusal> {
    json.map(|axum::Json(v)| v)
        .map_err(|e| bad(format!("invalid request body: {}", e.body_text())))
}

/// `page` and the page size of a list, as sent: checked by [`Paging::checked`].
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Paging {
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
    /// v2's SMS list names its page size `per_page`.
    per_page: Option<String>,
}

impl Paging {
    /// (page, size) with the size from `pageSize`: the page from 1 and the
    /// size from 1 to `max` (`default` when not sent); a bad value is a 400
    /// naming it.
    pub(crate) fn checked(&self, default: u64, max: u64) -> Result<(u64, u64), Refusal> {
        self.with_size("pageSize", &self.page_size, default, max)
    }

    /// (page, size) with the size from `per_page`, as v2's SMS list names it.
    pub(crate) fn checked_per_page(&self, default: u64, max: u64) -> Result<(u64, u64), Refusal> {
        self.with_size("per_page", &self.per_page, default, max)
    }

    fn with_size(
        &self,
        name: &str,
        size: &Option<String>,
        default: u64,
        max: u64,
    ) -> Result<(u64, u64), Refusal> {
        let number = |name: &str, value: &Option<String>, default: u64| match value {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| bad(format!("{name} must be a whole number, not {v:?}"))),
        };
        let page = number("page", &self.page, 1)?;
        let size = number(name, size, default)?;
        if page < 1 {
            return Err(bad("page must be at least 1"));
        }
        if !(1..=max).contains(&size) {
            return Err(bad(format!(
                "{name} must be between 1 and {max}, not {size}"
            )));
        }
        Ok((page, size))
    }
}

/// The last page 1NCE OS serves: its document caps `page` at 50.
pub(crate) const OS_LAST_PAGE: u64 = 50;

impl Paging {
    /// (page, size) of a 1NCE OS list: as [`Paging::checked`], and a page
    /// past [`OS_LAST_PAGE`] is a 400.
    pub(crate) fn checked_os(&self, default: u64, max: u64) -> Result<(u64, u64), Refusal> {
        let (page, size) = self.checked(default, max)?;
        if page > OS_LAST_PAGE {
            return Err(bad(format!(
                "page must be at most {OS_LAST_PAGE}, not {page}"
            )));
        }
        Ok((page, size))
    }
}

/// Page `page` of `all` in 1NCE OS's body shape:
/// `{<key>: [...], "page": page, "pageAmount": pages}`; an empty list is
/// one empty page, as the document's `pageAmount` is at least 1.
pub(crate) fn os_page<T: Serialize>(all: Vec<T>, page: u64, size: u64, key: &str) -> Answer {
    let pages = (all.len() as u64).div_ceil(size).max(1);
    let start = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(usize::MAX);
    let items: Vec<T> = all.into_iter().skip(start).take(take).collect();
    Answer::json(
        200,
        json!({ key: items, "page": page, "pageAmount": pages }),
    )
}

/// One page of `items`, with the four paging headers.
pub(crate) fn page_of<T: Clone>(
    items: &[T],
    page: u64,
    size: u64,
) -> (Vec<T>, Vec<(String, String)>) {
    let start = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let slice = items
        .iter()
        .skip(start)
        .take(usize::try_from(size).unwrap_or(usize::MAX))
        .cloned()
        .collect();
    let total = items.len() as u64;
    let headers = vec![
        ("X-Total-Pages".into(), total.div_ceil(size).to_string()),
        ("X-Total-Count".into(), total.to_string()),
        ("X-Current-Page".into(), page.to_string()),
        ("X-Count-Per-Page".into(), size.to_string()),
    ];
    (slice, headers)
}
