//! The SQLite history store shared by the monitor and the benchmark: one file, a versioned
//! schema, batched writes. Each area keeps its tables and queries in its own file
//! (`monitor.rs`: monitor sessions, samples and alerts; `bench.rs`: benchmark runs;
//! `profile.rs`: optimization profiles).
//!
//! Schema versions live in `PRAGMA user_version`. [`MIGRATIONS`] is append-only: entry `i`
//! takes the database from version `i` to `i + 1`, in one transaction. To add tables, append a
//! migration; never edit a released one.

pub mod bench;
pub mod monitor;
pub mod profile;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

/// Schema migrations, oldest first. Version N of the database has run the first N.
pub const MIGRATIONS: &[&str] = &[
    monitor::SCHEMA_V1,
    bench::SCHEMA,
    profile::SCHEMA,
    bench::SCHEMA_AI,
    bench::SCHEMA_STAGES,
];

/// Where the history lives unless told otherwise: `$XDG_DATA_HOME/customer-snapshot/history.sqlite`,
/// else `~/.local/share/customer-snapshot/history.sqlite`, else `customer-snapshot-history.sqlite`
/// in the current folder.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        });
    match base {
        Some(dir) => dir.join("customer-snapshot").join("history.sqlite"),
        None => PathBuf::from("customer-snapshot-history.sqlite"),
    }
}

/// A history database failed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// SQLite refused an operation.
    #[error("history {path}: {source}")]
    Sql {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The folder for the database could not be created.
    #[error("history {path}: cannot create its folder: {source}")]
    Io {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was written by a newer customer-snapshot.
    #[error(
        "history {path}: schema version {found} is newer than this program knows ({known}); upgrade customer-snapshot"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// The newest this build knows.
        known: usize,
    },
}

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish()
    }
}

impl History {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
                path: path.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| HistoryError::Sql {
            path: path.to_owned(),
            source,
        })?;
        let mut h = Self {
            conn,
            path: path.to_owned(),
        };
        h.configure()?;
        h.migrate()?;
        Ok(h)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version now.
    pub fn schema_version(&self) -> Result<i64, HistoryError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn configure(&mut self) -> Result<(), HistoryError> {
        // WAL lets a monitor write while a benchmark or dashboard reads; the busy timeout
        // makes two writers wait for each other instead of failing.
        self.conn
            .busy_timeout(Duration::from_secs(5))
            .map_err(|e| self.err(e))?;
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| self.conn.pragma_update(None, "foreign_keys", "ON"))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), HistoryError> {
        let found = self.schema_version()?;
        if found > MIGRATIONS.len() as i64 {
            return Err(HistoryError::TooNew {
                path: self.path.clone(),
                found,
                known: MIGRATIONS.len(),
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let version = i + 1;
            self.write(|tx| {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", version as i64)
            })?;
        }
        Ok(())
    }

    /// Runs `f` in one transaction: all its writes land together, or none do. Batching many
    /// rows into one transaction is what keeps SQLite writes cheap.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, HistoryError> {
        let path = &self.path;
        let err = |source| HistoryError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(&err)?;
        let out = f(&tx).map_err(&err)?;
        tx.commit().map_err(err)?;
        Ok(out)
    }

    /// The connection, for the areas' read queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    fn err(&self, source: rusqlite::Error) -> HistoryError {
        HistoryError::Sql {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_the_schema_once_and_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/history.sqlite");
        let h = History::open(&path).expect("open");
        assert_eq!(
            h.schema_version().expect("version"),
            MIGRATIONS.len() as i64
        );
        drop(h);
        let h = History::open(&path).expect("reopen");
        assert_eq!(
            h.schema_version().expect("version"),
            MIGRATIONS.len() as i64
        );
    }

    #[test]
    fn an_older_file_is_migrated_and_keeps_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v3.sqlite");
        let conn = Connection::open(&path).expect("open");
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 3).expect("set");
        conn.execute(
            "INSERT INTO bench_runs (started_at, tool_version, corpus, runs, warmup, complete, report_json)
             VALUES ('t', 'v', 'realistic', 1, 0, 1, '{}')",
            [],
        )
        .expect("an old run");
        drop(conn);
        let h = History::open(&path).expect("migrates");
        assert_eq!(
            h.schema_version().expect("version"),
            MIGRATIONS.len() as i64
        );
        let (runs, ai): (i64, i64) = h
            .conn()
            .query_row(
                "SELECT (SELECT COUNT(*) FROM bench_runs), (SELECT COUNT(*) FROM bench_ai_results)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("both tables");
        assert_eq!((runs, ai), (1, 0));
    }

    #[test]
    fn a_version_4_file_gets_the_stage_rows_of_its_stored_runs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v4.sqlite");
        let conn = Connection::open(&path).expect("open");
        for sql in &MIGRATIONS[..4] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 4).expect("set");
        let report =
            crate::export::json::benchmark_report(&crate::bench::report::tests::sample_report());
        // A run with stages, one whose report has none, one whose report is not JSON at all.
        for json in [report.as_str(), "{}", "not json {"] {
            conn.execute(
                "INSERT INTO bench_runs (started_at, tool_version, corpus, runs, warmup, complete, report_json)
                 VALUES ('t', 'v', 'realistic', 1, 0, 1, ?1)",
                [json],
            )
            .expect("an old run");
        }
        drop(conn);
        let h = History::open(&path).expect("migrates");
        assert_eq!(h.schema_version().expect("version"), 5);
        let first = h.benchmark_stages(1).expect("rows");
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(
            (
                first[0].stage.as_str(),
                first[0].size_bytes,
                first[0].position
            ),
            ("parse", 10_000_000, 0)
        );
        assert_eq!(first[0].seconds, 0.05);
        assert_eq!(first[0].throughput_mb_per_s, Some(200.0));
        assert!(h.benchmark_stages(2).expect("rows").is_empty());
        assert!(h.benchmark_stages(3).expect("rows").is_empty());
        let runs: i64 = h
            .conn()
            .query_row("SELECT COUNT(*) FROM bench_runs", [], |r| r.get(0))
            .expect("count");
        assert_eq!(runs, 3);
    }

    #[test]
    fn refuses_a_newer_schema_and_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.sqlite");
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", 999).expect("set");
        drop(conn);
        let e = History::open(&path).expect_err("too new");
        assert!(matches!(e, HistoryError::TooNew { found: 999, .. }));
        assert!(e.to_string().contains("h.sqlite"));
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "this is not a database, just some text that is long enough ......................................................................").expect("write");
        let e = History::open(&path).expect_err("not sqlite");
        assert!(e.to_string().contains("notes.txt"), "{e}");
    }
}
