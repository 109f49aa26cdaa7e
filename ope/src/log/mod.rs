//! Logs in onboard's CSV schema: the column names ([`schema`]), a validating
//! reader ([`read`]) and a streaming writer ([`write`]).
//!
//! The schema is documented for users in `docs/log-schema.md`.

pub mod read;
pub mod schema;
pub mod write;

pub use read::{Log, LogBuilder, LogError, ReadOptions, read_log};
pub use schema::ColumnMap;
pub use write::{LogRow, LogWriter};
