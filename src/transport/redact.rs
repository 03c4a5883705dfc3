//! The redaction mark, the one text a hidden secret reads as (in `Debug`,
//! tool results and printed answers). Which fields hold a secret is
//! decided above the transport, in `mcp::redact`, from the models.

/// What a redacted secret reads as, wherever one is hidden.
pub const REDACTED: &str = "[redacted]";
