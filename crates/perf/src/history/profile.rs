//! Optimization profiles in the history database: one row per input of an `optimize` run (with
//! the whole report's JSON beside it) and one row per stage, so trends per stage can be queried
//! without parsing JSON.
//!
//! [`SCHEMA`] is this area's migration in [`super::MIGRATIONS`]; [`insert`] runs inside the
//! store's transaction (`History::write`).

use rusqlite::{Connection, params};

use crate::profile::report::OptimizationReport;

/// Why storing or reading profiles failed.
#[derive(Debug, thiserror::Error)]
pub enum ProfileHistoryError {
    /// SQLite refused.
    #[error("history database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The report could not be encoded.
    #[error("encoding the report: {0}")]
    Json(#[from] serde_json::Error),
}

/// The profile tables (idempotent, so it also serves as a migration step).
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS profiles (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    input_label TEXT NOT NULL,
    input_bytes INTEGER NOT NULL,
    runs INTEGER NOT NULL,
    wall_seconds REAL NOT NULL,
    cpu_seconds REAL NOT NULL,
    throughput_mb_per_s REAL NOT NULL,
    peak_rss_bytes INTEGER,
    peak_heap_bytes INTEGER,
    findings INTEGER NOT NULL,
    report_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS profile_stages (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    wall_seconds REAL NOT NULL,
    cpu_seconds REAL NOT NULL,
    share REAL NOT NULL,
    bytes_in INTEGER NOT NULL,
    items_out INTEGER NOT NULL,
    allocations INTEGER,
    allocated_bytes INTEGER,
    peak_heap_bytes INTEGER,
    PRIMARY KEY (profile_id, stage)
);
CREATE INDEX IF NOT EXISTS profiles_by_input ON profiles(input_label, started_at);
";

/// Inserts every input of `report` (call inside a transaction); returns the new profile ids.
pub fn insert(conn: &Connection, report: &OptimizationReport) -> rusqlite::Result<Vec<i64>> {
    let json = serde_json::to_string(report)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut ids = Vec::with_capacity(report.sizes.len());
    for size in &report.sizes {
        let findings = size.findings.len() + report.findings.len();
        conn.execute(
            "INSERT INTO profiles (started_at, tool_version, input_label, input_bytes, runs,
                 wall_seconds, cpu_seconds, throughput_mb_per_s, peak_rss_bytes, peak_heap_bytes,
                 findings, report_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                report.started_at,
                report.system.tool_version,
                size.label,
                size.input_bytes as i64,
                size.runs,
                size.wall_seconds,
                size.cpu_seconds,
                size.throughput_mb_per_s,
                size.memory.peak_rss_bytes.map(|v| v as i64),
                size.memory.peak_heap_bytes.map(|v| v as i64),
                findings as i64,
                json,
            ],
        )?;
        let id = conn.last_insert_rowid();
        for s in &size.stages {
            conn.execute(
                "INSERT INTO profile_stages (profile_id, stage, wall_seconds, cpu_seconds, share,
                     bytes_in, items_out, allocations, allocated_bytes, peak_heap_bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id,
                    s.stage,
                    s.wall_seconds,
                    s.cpu_seconds,
                    s.share,
                    s.bytes_in as i64,
                    s.items_out as i64,
                    s.allocations.map(|v| v as i64),
                    s.allocated_bytes.map(|v| v as i64),
                    s.peak_heap_bytes.map(|v| v as i64),
                ],
            )?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// One stage's wall time over the stored runs of an input, oldest first: (started_at, seconds).
pub fn stage_trend(
    conn: &Connection,
    input_label: &str,
    stage: &str,
) -> Result<Vec<(String, f64)>, ProfileHistoryError> {
    let mut stmt = conn.prepare(
        "SELECT p.started_at, s.wall_seconds FROM profiles p
         JOIN profile_stages s ON s.profile_id = p.id
         WHERE p.input_label = ?1 AND s.stage = ?2
         ORDER BY p.started_at, p.id",
    )?;
    let rows = stmt.query_map(params![input_label, stage], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The most recent stored report (for `--compare` against the last run).
pub fn latest_report(conn: &Connection) -> Result<Option<OptimizationReport>, ProfileHistoryError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT report_json FROM profiles ORDER BY started_at DESC, id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::History;
    use crate::profile::report::fixtures;

    fn report(started: &str, parse_seconds: f64) -> OptimizationReport {
        fixtures::report(started, "1MB", parse_seconds, 7)
    }

    #[test]
    fn stores_and_reads_back_trends_and_the_latest_report() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(&dir.path().join("h.sqlite")).unwrap();
        assert!(latest_report(h.conn()).unwrap().is_none());
        h.write(|tx| insert(tx, &report("2026-01-01T00:00:00Z", 0.1)))
            .unwrap();
        let ids = h
            .write(|tx| insert(tx, &report("2026-01-02T00:00:00Z", 0.05)))
            .unwrap();
        assert_eq!(ids.len(), 1);
        let conn = h.conn();
        let trend = stage_trend(conn, "1MB", "parse").unwrap();
        assert_eq!(
            trend,
            vec![
                ("2026-01-01T00:00:00Z".to_string(), 0.1),
                ("2026-01-02T00:00:00Z".to_string(), 0.05)
            ]
        );
        let latest = latest_report(conn).unwrap().unwrap();
        assert_eq!(latest.started_at, "2026-01-02T00:00:00Z");
        assert_eq!(latest.sizes[0].stages[0].allocations, Some(7));
    }
}
