//! The monitor's part of the history: one session per `monitor` run, its samples (key figures
//! as columns for queries, the whole sample as JSON for dashboards) and its alert events.
//! Writes are buffered and flushed in one transaction per batch.

use std::time::{Duration, Instant};

use rusqlite::params;

use super::{History, HistoryError};
use crate::monitor::alert::AlertEvent;
use crate::monitor::sample::{AppState, Sample};
use crate::monitor::sink::{Sink, SinkError};

/// Monitor tables (schema version 1).
pub const SCHEMA_V1: &str = "
CREATE TABLE monitor_sessions (
    id INTEGER PRIMARY KEY,
    started_unix_time_seconds REAL NOT NULL,
    target TEXT NOT NULL,
    interval_seconds REAL NOT NULL
);
CREATE TABLE monitor_samples (
    session_id INTEGER NOT NULL REFERENCES monitor_sessions(id),
    unix_time_seconds REAL NOT NULL,
    cpu_percent REAL NOT NULL,
    memory_percent REAL NOT NULL,
    app_running INTEGER NOT NULL,
    app_rss_bytes INTEGER NOT NULL,
    app_cpu_percent REAL NOT NULL,
    sample_json TEXT NOT NULL
);
CREATE INDEX monitor_samples_by_time ON monitor_samples(session_id, unix_time_seconds);
CREATE TABLE monitor_alerts (
    session_id INTEGER NOT NULL REFERENCES monitor_sessions(id),
    unix_time_seconds REAL NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    change TEXT NOT NULL,
    level TEXT NOT NULL,
    value REAL NOT NULL,
    threshold REAL NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX monitor_alerts_by_time ON monitor_alerts(session_id, unix_time_seconds);
";

/// An alert as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    /// When (Unix seconds).
    pub unix_time_seconds: f64,
    /// Metric (`cpu`, `memory`, ...).
    pub kind: String,
    /// What it was about.
    pub subject: String,
    /// `fired`, `escalated`, `deescalated` or `resolved`.
    pub change: String,
    /// `warning` or `critical`.
    pub level: String,
    /// The one-line message.
    pub message: String,
}

impl History {
    /// Starts a monitor session and returns its id.
    pub fn start_monitor_session(
        &mut self,
        started_unix_time_seconds: f64,
        target: &str,
        interval: Duration,
    ) -> Result<i64, HistoryError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO monitor_sessions (started_unix_time_seconds, target, interval_seconds) VALUES (?1, ?2, ?3)",
                params![started_unix_time_seconds, target, interval.as_secs_f64()],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// The newest monitor session, if any.
    pub fn latest_monitor_session(&self) -> Result<Option<i64>, HistoryError> {
        self.conn()
            .query_row("SELECT MAX(id) FROM monitor_sessions", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Samples stored for a session.
    pub fn monitor_sample_count(&self, session: i64) -> Result<u64, HistoryError> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM monitor_samples WHERE session_id = ?1",
                [session],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.err(e))
    }

    /// The samples of a session, oldest first, as they were collected (for dashboards).
    pub fn monitor_samples(&self, session: i64) -> Result<Vec<Sample>, HistoryError> {
        let read = || -> rusqlite::Result<Vec<Sample>> {
            let mut stmt = self.conn().prepare(
                "SELECT sample_json FROM monitor_samples WHERE session_id = ?1 ORDER BY unix_time_seconds",
            )?;
            let rows = stmt.query_map([session], |r| {
                let json: String = r.get(0)?;
                serde_json::from_str(&json).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| self.err(e))
    }

    /// Alerts stored for a session, oldest first.
    pub fn monitor_alerts(&self, session: i64) -> Result<Vec<StoredAlert>, HistoryError> {
        let read = || -> rusqlite::Result<Vec<StoredAlert>> {
            let mut stmt = self.conn().prepare(
                "SELECT unix_time_seconds, kind, subject, change, level, message FROM monitor_alerts WHERE session_id = ?1 ORDER BY rowid",
            )?;
            let rows = stmt.query_map([session], |r| {
                Ok(StoredAlert {
                    unix_time_seconds: r.get(0)?,
                    kind: r.get(1)?,
                    subject: r.get(2)?,
                    change: r.get(3)?,
                    level: r.get(4)?,
                    message: r.get(5)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| self.err(e))
    }
}

/// Buffers samples and alerts and writes them in batches.
pub struct HistorySink {
    history: History,
    session: i64,
    samples: Vec<(f64, f64, f64, bool, u64, f64, String)>,
    alerts: Vec<AlertEvent>,
    last_flush: Instant,
    flush_every: Duration,
}

/// Rows buffered before a flush is forced whatever the time.
const MAX_BUFFERED: usize = 64;

impl HistorySink {
    /// A sink writing to `session` of `history`, flushing at least every `flush_every`.
    pub fn new(history: History, session: i64, flush_every: Duration) -> Self {
        Self {
            history,
            session,
            samples: Vec::new(),
            alerts: Vec::new(),
            last_flush: Instant::now(),
            flush_every,
        }
    }

    /// The session id.
    pub fn session(&self) -> i64 {
        self.session
    }

    /// Writes everything buffered in one transaction.
    pub fn flush(&mut self) -> Result<(), HistoryError> {
        self.last_flush = Instant::now();
        if self.samples.is_empty() && self.alerts.is_empty() {
            return Ok(());
        }
        let session = self.session;
        let samples = std::mem::take(&mut self.samples);
        let alerts = std::mem::take(&mut self.alerts);
        self.history.write(|tx| {
            let mut s = tx.prepare_cached(
                "INSERT INTO monitor_samples VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (t, cpu, mem, running, rss, app_cpu, json) in &samples {
                s.execute(params![
                    session,
                    t,
                    cpu,
                    mem,
                    running,
                    *rss as i64,
                    app_cpu,
                    json
                ])?;
            }
            let mut a = tx.prepare_cached(
                "INSERT INTO monitor_alerts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for e in &alerts {
                a.execute(params![
                    session,
                    e.unix_time_seconds,
                    e.kind.as_str(),
                    e.subject,
                    e.change.as_str(),
                    e.level.as_str(),
                    e.value,
                    e.threshold,
                    e.message
                ])?;
            }
            Ok(())
        })
    }

    fn maybe_flush(&mut self) -> Result<(), SinkError> {
        if self.samples.len() + self.alerts.len() >= MAX_BUFFERED
            || self.last_flush.elapsed() >= self.flush_every
        {
            self.flush().map_err(|e| SinkError::Fatal(Box::new(e)))?;
        }
        Ok(())
    }
}

impl Sink for HistorySink {
    fn sample(&mut self, s: &Sample) -> Result<(), SinkError> {
        let json = serde_json::to_string(s).map_err(|e| SinkError::Fatal(Box::new(e)))?;
        self.samples.push((
            s.unix_time_seconds,
            s.system.cpu_percent,
            s.system.memory_percent,
            s.app.state == AppState::Running,
            s.app.rss_bytes,
            s.app.cpu_percent,
            json,
        ));
        self.maybe_flush()
    }

    fn alert(&mut self, e: &AlertEvent) -> Result<(), SinkError> {
        self.alerts.push(e.clone());
        self.maybe_flush()
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.flush().map_err(|e| SinkError::Fatal(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::alert::{AlertKind, Change, Level};

    #[test]
    fn samples_round_trip_through_the_history() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.sqlite");
        let mut h = History::open(&path).expect("open");
        let session = h
            .start_monitor_session(1.0, "customer-snapshot", Duration::from_secs(1))
            .expect("session");
        let mut c = crate::monitor::Collector::new(crate::monitor::Target::Pid(u32::MAX), &[])
            .expect("collector");
        let samples = vec![c.collect(), c.collect()];
        let mut sink = HistorySink::new(h, session, Duration::from_secs(3600));
        for s in &samples {
            Sink::sample(&mut sink, s).expect("buffer");
        }
        sink.finish().expect("flush");
        let reader = History::open(&path).expect("reader");
        assert_eq!(reader.monitor_sample_count(session).expect("count"), 2);
        let back = reader.monitor_samples(session).expect("samples");
        assert_eq!(back.len(), samples.len());
        for (b, s) in back.iter().zip(&samples) {
            // serde_json's default float parsing may differ from the written value in the last
            // bit; everything else comes back exactly.
            assert!((b.unix_time_seconds - s.unix_time_seconds).abs() < 1e-6);
            assert!((b.system.memory_percent - s.system.memory_percent).abs() < 1e-9);
            assert_eq!(b.system.memory_total_bytes, s.system.memory_total_bytes);
            assert_eq!(b.system.disks.len(), s.system.disks.len());
            assert_eq!(b.system.disks[0].free_bytes, s.system.disks[0].free_bytes);
            assert_eq!(b.app, s.app);
        }
    }

    #[test]
    fn alerts_are_stored_in_batches_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.sqlite");
        let mut h = History::open(&path).expect("open");
        let session = h
            .start_monitor_session(1.0, "customer-snapshot", Duration::from_secs(1))
            .expect("session");
        let mut sink = HistorySink::new(h, session, Duration::from_secs(3600));
        let event = AlertEvent {
            unix_time_seconds: 2.0,
            kind: AlertKind::Cpu,
            subject: "system".into(),
            change: Change::Fired,
            level: Level::Critical,
            value: 99.0,
            threshold: 95.0,
            message: "cpu system critical fired: 99.0% > 95%".into(),
        };
        Sink::alert(&mut sink, &event).expect("buffer");
        // Buffered, not yet written.
        let reader = History::open(&path).expect("reader");
        assert!(reader.monitor_alerts(session).expect("read").is_empty());
        sink.finish().expect("flush");
        let stored = reader.monitor_alerts(session).expect("read");
        assert_eq!(stored.len(), 1);
        assert_eq!(reader.monitor_samples(session).expect("samples"), vec![]);
        assert_eq!(stored[0].level, "critical");
        assert_eq!(stored[0].change, "fired");
        assert_eq!(stored[0].message, event.message);
    }
}
