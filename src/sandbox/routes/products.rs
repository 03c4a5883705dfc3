//! The product catalogue.

use crate::sandbox::answer::Answer;
use crate::sandbox::fleet;

/// `GET /v1/products`.
pub(crate) async fn list() -> Answer {
    Answer::json(200, fleet::products())
}
