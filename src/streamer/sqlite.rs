//! The SQLite sink (feature `streamer-sqlite`): one file, in WAL mode,
//! that queries can read while the receiver writes. A group of batches is
//! one transaction, committed (with `synchronous = FULL`: on disk) before
//! the receiver answers 200. Each record is a row of `records` with typed
//! columns and its raw JSON (see `columns.rs`); the unique key on (kind,
//! record id) keeps 1NCE's resends out, across restarts and however long
//! ago the first copy came, with no memory to bound.
//!
//! The schema is migrated at opening; a file whose schema is newer than
//! this build's ([`SCHEMA_VERSION`]) is refused, naming both.

use std::io;
use std::path::{Path, PathBuf};

use rusqlite::{params_from_iter, Connection, ToSql};

use super::batch::Line;
use super::columns::{Row, NAMES};
use super::sink::{Sink, Stored};

/// The schema this build writes (SQLite's `user_version`).
pub const SCHEMA_VERSION: i64 = 1;

/// The migrations, the first from an empty file: migration `n` takes the
/// schema from version `n` to `n + 1`.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = ["
    CREATE TABLE records (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        record_id TEXT,
        iccid TEXT,
        imsi TEXT,
        msisdn TEXT,
        occurred_at TEXT,
        ended_at TEXT,
        event_type_id INTEGER,
        event_type TEXT,
        severity TEXT,
        alert INTEGER,
        traffic_type TEXT,
        volume_tx REAL,
        volume_rx REAL,
        volume_total REAL,
        cost REAL,
        currency TEXT,
        operator TEXT,
        country TEXT,
        raw TEXT NOT NULL,
        received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    -- A record without an id (NULL) is never a duplicate.
    CREATE UNIQUE INDEX records_once ON records (kind, record_id);
    CREATE INDEX records_by_sim ON records (iccid, occurred_at);
    CREATE INDEX records_by_time ON records (kind, occurred_at);
"];

/// Records into an SQLite file.
#[derive(Debug)]
pub struct Sqlite {
    connection: Connection,
    path: PathBuf,
    insert: String,
}

fn io_error(path: &Path, e: rusqlite::Error) -> io::Error {
    io::Error::other(format!("{}: {e}", path.display()))
}

impl Sqlite {
    /// Opens (or creates) the database at `path` and brings its schema to
    /// [`SCHEMA_VERSION`]. A newer schema is refused, naming both versions.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Sqlite> {
        let path = path.as_ref().to_path_buf();
        let mut connection = Connection::open(&path).map_err(|e| io_error(&path, e))?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
            )
            .map_err(|e| io_error(&path, e))?;
        migrate(&mut connection).map_err(|e| match e {
            Migration::Newer(found) => io::Error::other(format!(
                "{}: its schema is version {found}, newer than this onence's ({SCHEMA_VERSION}): use a newer onence",
                path.display()
            )),
            Migration::Failed(e) => io_error(&path, e),
        })?;
        let placeholders: Vec<String> = (1..=NAMES.len()).map(|i| format!("?{i}")).collect();
        let insert = format!(
            "INSERT INTO records ({}) VALUES ({}) ON CONFLICT DO NOTHING",
            NAMES.join(", "),
            placeholders.join(", ")
        );
        Ok(Sqlite {
            connection,
            path,
            insert,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

enum Migration {
    Newer(i64),
    Failed(rusqlite::Error),
}

/// Runs the migrations the file lacks, each in a transaction of its own
/// with the version it reaches.
fn migrate(connection: &mut Connection) -> Result<(), Migration> {
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(Migration::Failed)?;
    if version > SCHEMA_VERSION {
        return Err(Migration::Newer(version));
    }
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = connection.transaction().map_err(Migration::Failed)?;
        tx.execute_batch(migration).map_err(Migration::Failed)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", from + 1))
            .map_err(Migration::Failed)?;
        tx.commit().map_err(Migration::Failed)?;
    }
    Ok(())
}

impl Sink for Sqlite {
    fn store(&mut self, batches: &[&[Line]]) -> io::Result<Vec<Stored>> {
        let path = self.path.clone();
        let failed = |e| io_error(&path, e);
        // Dropped without a commit on any error: nothing of the group stays.
        let tx = self.connection.transaction().map_err(failed)?;
        let mut stored = Vec::with_capacity(batches.len());
        {
            let mut insert = tx.prepare_cached(&self.insert).map_err(failed)?;
            for batch in batches {
                let mut this = Stored::default();
                for (position, line) in batch.iter().enumerate() {
                    let row = Row::of(line);
                    let values: [&dyn ToSql; 20] = [
                        &row.kind,
                        &row.record_id,
                        &row.iccid,
                        &row.imsi,
                        &row.msisdn,
                        &row.occurred_at,
                        &row.ended_at,
                        &row.event_type_id,
                        &row.event_type,
                        &row.severity,
                        &row.alert,
                        &row.traffic_type,
                        &row.volume_tx,
                        &row.volume_rx,
                        &row.volume_total,
                        &row.cost,
                        &row.currency,
                        &row.operator,
                        &row.country,
                        &row.raw,
                    ];
                    match insert.execute(params_from_iter(values)).map_err(failed)? {
                        0 => this.appended.duplicates += 1,
                        _ => {
                            this.appended.written += 1;
                            this.written.push(position);
                        }
                    }
                }
                stored.push(this);
            }
        }
        tx.commit().map_err(failed)?;
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database file of one test, removed (with its WAL) when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let path = std::env::temp_dir()
                .join(format!("onence-sqlite-{}-{name}.db", std::process::id()));
            let scratch = Scratch(path);
            scratch.remove();
            scratch
        }

        fn remove(&self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            self.remove();
        }
    }

    fn lines(texts: &[&str]) -> Vec<Line> {
        texts.iter().map(|t| Line::of_text(t)).collect()
    }

    /// Each record once across reopening; an event and a usage record
    /// with one id are two rows; a record without an id is always kept.
    #[test]
    fn records_are_stored_once_by_kind_and_id() {
        let scratch = Scratch::new("once");
        let path = &scratch.0;
        let mut sink = Sqlite::open(path).unwrap();
        let event = r#"{"id": 7, "event_type": {"id": 5, "description": "Delete PDP Context"}, "sim": {"iccid": "8988"}}"#;
        let usage = r#"{"id": 7, "traffic_type": {"id": 5, "description": "Data"}, "volume": {"total": "1.5", "tx": 1, "rx": 0.5}}"#;
        let stored = sink
            .store(&[&lines(&[event, usage, event, r#"{"x": 1}"#])])
            .unwrap();
        assert_eq!(
            (stored[0].appended.written, stored[0].appended.duplicates),
            (3, 1)
        );
        assert_eq!(stored[0].written, vec![0, 1, 3]);
        drop(sink);
        let mut again = Sqlite::open(path).unwrap();
        let stored = again.store(&[&lines(&[usage, r#"{"x": 1}"#])]).unwrap();
        assert_eq!(
            (stored[0].appended.written, stored[0].appended.duplicates),
            (1, 1)
        );
        let total: f64 = again
            .connection
            .query_row(
                "SELECT volume_total FROM records WHERE kind = 'usage'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(total, 1.5, "a number sent as a string");
    }

    /// A file of a newer schema is refused, naming both versions.
    #[test]
    fn a_newer_schema_is_refused_by_version() {
        let scratch = Scratch::new("newer");
        let path = &scratch.0;
        drop(Sqlite::open(path).unwrap());
        Connection::open(path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 9")
            .unwrap();
        let refused = Sqlite::open(path).unwrap_err().to_string();
        assert!(
            refused.contains("version 9") && refused.contains(&format!("({SCHEMA_VERSION})")),
            "{refused}"
        );
    }
}
