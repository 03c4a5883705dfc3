//! The PostgreSQL sink (feature `streamer-postgres`): many receivers share
//! one database, and the duplicate check is inside it. The rows are the
//! SQLite sink's (`columns.rs`), with times as `timestamptz` (a time that
//! does not parse is NULL there; `raw` keeps it). A group of batches is
//! one transaction (`INSERT ... ON CONFLICT DO NOTHING` on the unique key
//! of kind and record id), committed before the receiver answers 200; two
//! receivers given the same batch store it once.
//!
//! When the database cannot be reached, `store` fails as not connected:
//! the receiver answers 503, acknowledges nothing, and the next batch
//! connects again. The schema is migrated at start under an advisory lock
//! (receivers that start together migrate once); a database whose schema is
//! newer than this build's ([`POSTGRES_SCHEMA_VERSION`]) is refused.

use std::io;

use postgres::{Client, Config, NoTls};

use super::batch::Line;
use super::columns::{Row, NAMES};
use super::sink::{Sink, Stored};
use crate::transport::secret::Secret;

/// The schema this build writes (the row of `onence_schema`).
pub const POSTGRES_SCHEMA_VERSION: i32 = 1;

/// An arbitrary key of the advisory lock the migrations hold.
const MIGRATION_LOCK: i64 = 0x6f6e_656e_6365;

/// The migrations: migration `n` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: [&str; POSTGRES_SCHEMA_VERSION as usize] = ["
    CREATE FUNCTION onence_timestamp(text) RETURNS timestamptz
        LANGUAGE plpgsql STABLE AS $$
        BEGIN RETURN $1::timestamptz; EXCEPTION WHEN others THEN RETURN NULL; END $$;
    CREATE TABLE records (
        seq BIGSERIAL PRIMARY KEY,
        kind TEXT NOT NULL,
        record_id TEXT,
        iccid TEXT,
        imsi TEXT,
        msisdn TEXT,
        occurred_at TIMESTAMPTZ,
        ended_at TIMESTAMPTZ,
        event_type_id BIGINT,
        event_type TEXT,
        severity TEXT,
        alert BOOLEAN,
        traffic_type TEXT,
        volume_tx DOUBLE PRECISION,
        volume_rx DOUBLE PRECISION,
        volume_total DOUBLE PRECISION,
        cost DOUBLE PRECISION,
        currency TEXT,
        operator TEXT,
        country TEXT,
        raw TEXT NOT NULL,
        received_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    -- A record without an id (NULL) is never a duplicate.
    CREATE UNIQUE INDEX records_once ON records (kind, record_id);
    CREATE INDEX records_by_sim ON records (iccid, occurred_at);
    CREATE INDEX records_by_time ON records (kind, occurred_at);
"];

/// Records into a PostgreSQL database.
pub struct Postgres {
    config: Config,
    /// `host:port/database`, for messages (never the password).
    target: String,
    client: Option<Client>,
    insert: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("target", &self.target)
            .field("connected", &self.client.is_some())
            .finish()
    }
}

/// A failure to reach the database: the receiver answers 503.
fn unreachable(target: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        format!("PostgreSQL at {target}: {e}"),
    )
}

impl Postgres {
    /// Connects to the database `url` names (`postgres://user@host:5432/db`)
    /// with `password` (never in the URL: one there is refused, so that it
    /// stays out of process lists and logs), and migrates its schema.
    /// Blocking; safe inside an async runtime too (it connects from a
    /// thread of its own).
    pub fn connect(url: &str, password: Option<Secret>) -> io::Result<Postgres> {
        // The blocking client runs a runtime of its own, which may not start
        // on a thread that is already inside one.
        std::thread::scope(|scope| {
            scope
                .spawn(|| Postgres::connect_here(url, password))
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("connecting to PostgreSQL panicked")))
        })
    }

    fn connect_here(url: &str, password: Option<Secret>) -> io::Result<Postgres> {
        let mut config: Config = url.parse().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a PostgreSQL URL: {e}"),
            )
        })?;
        if config.get_password().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the PostgreSQL URL holds a password: give it in a file or ONENCE_DATABASE_PASSWORD instead",
            ));
        }
        if let Some(password) = &password {
            config.password(password.expose());
        }
        config.connect_timeout(std::time::Duration::from_secs(10));
        let target = describe(&config);
        let placeholders: Vec<String> = NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| match *name {
                "occurred_at" | "ended_at" => format!("onence_timestamp(${})", i + 1),
                _ => format!("${}", i + 1),
            })
            .collect();
        let insert = format!(
            "INSERT INTO records ({}) VALUES ({}) ON CONFLICT DO NOTHING",
            NAMES.join(", "),
            placeholders.join(", ")
        );
        let mut sink = Postgres {
            config,
            target,
            client: None,
            insert,
        };
        let client = sink.client()?;
        migrate(client).map_err(|e| match e {
            Migration::Newer(found) => io::Error::other(format!(
                "PostgreSQL at {}: its schema is version {found}, newer than this onence's ({POSTGRES_SCHEMA_VERSION}): use a newer onence",
                sink.target
            )),
            Migration::Failed(e) => io::Error::other(format!("PostgreSQL at {}: {e}", sink.target)),
        })?;
        Ok(sink)
    }

    /// The connection, made again when the last one broke.
    fn client(&mut self) -> io::Result<&mut Client> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let client = self
                .config
                .connect(NoTls)
                .map_err(|e| unreachable(&self.target, e))?;
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| unreachable(&self.target, "no connection"))
    }
}

/// `host:port/database` of `config`.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(name)) => name.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or_default())
}

enum Migration {
    Newer(i32),
    Failed(postgres::Error),
}

/// Brings the schema to [`POSTGRES_SCHEMA_VERSION`] in one transaction,
/// under an advisory lock.
fn migrate(client: &mut Client) -> Result<(), Migration> {
    let mut tx = client.transaction().map_err(Migration::Failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(Migration::Failed)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS onence_schema (version INTEGER NOT NULL)")
        .map_err(Migration::Failed)?;
    let version: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM onence_schema", &[])
        .and_then(|row| row.try_get(0))
        .map_err(Migration::Failed)?;
    if version > POSTGRES_SCHEMA_VERSION {
        return Err(Migration::Newer(version));
    }
    for migration in MIGRATIONS.iter().skip(version.max(0) as usize) {
        tx.batch_execute(migration).map_err(Migration::Failed)?;
    }
    if version < POSTGRES_SCHEMA_VERSION {
        tx.execute("DELETE FROM onence_schema", &[])
            .map_err(Migration::Failed)?;
        tx.execute(
            "INSERT INTO onence_schema (version) VALUES ($1)",
            &[&POSTGRES_SCHEMA_VERSION],
        )
        .map_err(Migration::Failed)?;
    }
    tx.commit().map_err(Migration::Failed)
}

impl Sink for Postgres {
    fn store(&mut self, batches: &[&[Line]]) -> io::Result<Vec<Stored>> {
        let (target, insert) = (self.target.clone(), self.insert.clone());
        let client = self.client()?;
        let outcome = (|| -> Result<Vec<Stored>, postgres::Error> {
            // Dropped without a commit on any error: nothing of the group stays.
            let mut tx = client.transaction()?;
            let statement = tx.prepare(&insert)?;
            let mut stored = Vec::with_capacity(batches.len());
            for batch in batches {
                let mut this = Stored::default();
                for (position, line) in batch.iter().enumerate() {
                    let row = Row::of(line);
                    let written = tx.execute(
                        &statement,
                        &[
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
                        ],
                    )?;
                    match written {
                        0 => this.appended.duplicates += 1,
                        _ => {
                            this.appended.written += 1;
                            this.written.push(position);
                        }
                    }
                }
                stored.push(this);
            }
            tx.commit()?;
            Ok(stored)
        })();
        outcome.map_err(|e| {
            if self.client.as_ref().is_none_or(Client::is_closed) || e.is_closed() {
                self.client = None;
                unreachable(&target, e)
            } else {
                io::Error::other(format!("PostgreSQL at {target}: {e}"))
            }
        })
    }
}
