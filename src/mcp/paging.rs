//! A list tool's page: `limit` items (small by default), and an opaque
//! cursor for the next page, read from one of the client's pagers, so
//! every list tool pages the same way and within the API's own bounds.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::error::{Error, Result};
use crate::pagination::Pager;

/// A list's paging: how many, and where a previous call stopped.
#[derive(Debug, Default, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Paging {
    /// How many items to return (1 to 100; default 20).
    pub limit: Option<u64>,
    /// The `next_cursor` a previous call of this tool returned.
    pub cursor: Option<String>,
}

impl Paging {
    /// (page, size): from the cursor (`page:size`), else page 1 of `limit`.
    fn page(&self) -> Result<(u64, u64)> {
        match &self.cursor {
            Some(cursor) => cursor
                .split_once(':')
                .and_then(|(p, s)| Some((p.parse().ok()?, s.parse().ok()?)))
                .filter(|(p, s): &(u64, u64)| *p >= 1 && (1..=MAX_LIMIT).contains(s))
                .ok_or_else(|| {
                    Error::invalid_input(format!("cursor {cursor:?} is not one this server gave"))
                }),
            None => {
                let size = self.limit.unwrap_or(DEFAULT_LIMIT);
                if !(1..=MAX_LIMIT).contains(&size) {
                    return Err(Error::invalid_input(format!(
                        "limit must be 1 to {MAX_LIMIT}, not {size}"
                    )));
                }
                Ok((1, size))
            }
        }
    }
}

/// The page `paging` asks for of `pager`: its items, and the cursor of the
/// next page when there is one, by the pager's own rule of a list's end
/// (a page count of 0, or one too small, never cuts a list short). A limit
/// past the list's largest page is cut to it.
pub async fn page_of<T: serde::Serialize + Send + 'static>(
    pager: Pager<T>,
    paging: &Paging,
) -> Result<Value> {
    let (page, size) = paging.page()?;
    let size = size.min(pager.max_page_size());
    let pager = pager.page_size(size);
    let got = pager.page(page).await?;
    let next = pager.next_page(&got).map(|after| format!("{after}:{size}"));
    Ok(json!({
        "items": serde_json::to_value(&got.items).unwrap_or(Value::Null),
        "count": got.items.len(),
        "page": page,
        "total_pages": got.total_pages,
        "total_count": got.total_count,
        "next_cursor": next,
    }))
}
