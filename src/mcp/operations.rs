//! Every documented operation, as an agent looks for one: the operation
//! catalogue codegen builds from the specs (`crate::catalogue`), seen from
//! the MCP server.

pub use crate::catalogue::{all, body_schema, count, find, search, Body, Operation, Parameter};
