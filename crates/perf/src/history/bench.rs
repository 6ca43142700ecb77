//! The benchmark's part of the history: one row per benchmark run (the whole JSON report, so a
//! past run can serve as `--baseline latest`) and one row per measured size with its key
//! figures as columns, for listing and trend queries.

use rusqlite::{OptionalExtension, params};

use super::{History, HistoryError};
use crate::bench::report::BenchmarkReport;
use crate::corpus::Layout;
use crate::export::json::parse_benchmark_report;

/// Benchmark tables.
pub const SCHEMA: &str = "
CREATE TABLE bench_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    git_commit TEXT,
    corpus TEXT NOT NULL,
    runs INTEGER NOT NULL,
    warmup INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    report_json TEXT NOT NULL
);
CREATE TABLE bench_results (
    run_id INTEGER NOT NULL REFERENCES bench_runs(id) ON DELETE CASCADE,
    size_bytes INTEGER NOT NULL,
    success_rate REAL NOT NULL,
    wall_median_seconds REAL,
    peak_rss_max_bytes INTEGER,
    throughput_mb_per_s REAL,
    target_pass INTEGER,
    PRIMARY KEY (run_id, size_bytes)
);
";

/// Migration adding the AI stage's figures: one row per concurrency limit of a run that had
/// the opt-in AI stage (the whole stage is also in the run's `report_json`).
pub const SCHEMA_AI: &str = "
CREATE TABLE bench_ai_results (
    run_id INTEGER NOT NULL REFERENCES bench_runs(id) ON DELETE CASCADE,
    concurrency INTEGER NOT NULL,
    api TEXT NOT NULL,
    latency_seconds REAL NOT NULL,
    wall_seconds REAL NOT NULL,
    calls INTEGER NOT NULL,
    failed_calls INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    p50_call_seconds REAL,
    p95_call_seconds REAL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    PRIMARY KEY (run_id, concurrency)
);
";

/// Migration adding the per-stage breakdown as rows: one per measured size and stage, so the
/// dashboard and trend queries read it without parsing each run's `report_json`. Runs stored
/// before this migration get their rows from their `report_json` here (SQLite's JSON
/// functions), so an upgraded file loses nothing; a report that is not valid JSON adds none.
pub const SCHEMA_STAGES: &str = "
CREATE TABLE bench_stage_results (
    run_id INTEGER NOT NULL REFERENCES bench_runs(id) ON DELETE CASCADE,
    size_bytes INTEGER NOT NULL,
    position INTEGER NOT NULL,
    stage TEXT NOT NULL,
    seconds REAL NOT NULL,
    throughput_mb_per_s REAL,
    PRIMARY KEY (run_id, size_bytes, stage)
);
INSERT OR IGNORE INTO bench_stage_results (run_id, size_bytes, position, stage, seconds, throughput_mb_per_s)
SELECT r.id,
       json_extract(s.value, '$.size_bytes'),
       st.key,
       json_extract(st.value, '$.stage'),
       json_extract(st.value, '$.seconds'),
       json_extract(st.value, '$.throughput_mb_per_s')
FROM bench_runs r,
     json_each(CASE WHEN json_valid(r.report_json) THEN r.report_json ELSE '{}' END, '$.results') s,
     json_each(s.value, '$.stages') st
WHERE s.type = 'object' AND st.type = 'object'
  AND json_type(s.value, '$.size_bytes') = 'integer'
  AND json_type(st.value, '$.stage') = 'text'
  AND json_type(st.value, '$.seconds') IN ('integer', 'real');
";

/// One stage of one size of a stored run (`bench_stage_results`).
#[derive(Debug, Clone, PartialEq)]
pub struct BenchStageRow {
    /// File size the stage was measured on.
    pub size_bytes: u64,
    /// The stage's place in the pipeline (0 first), as measured.
    pub position: u32,
    /// Stage name.
    pub stage: String,
    /// Time spent in the stage.
    pub seconds: f64,
    /// Input size over the stage's time.
    pub throughput_mb_per_s: Option<f64>,
}

/// One past benchmark run, as listed by `benchmark history`.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRunRow {
    /// Row id (usable as a baseline reference).
    pub id: i64,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// Tool version.
    pub tool_version: String,
    /// Git commit, when known.
    pub git_commit: Option<String>,
    /// Corpus layout name.
    pub corpus: String,
    /// Measured runs per size.
    pub runs: u32,
    /// Whether every size was measured.
    pub complete: bool,
    /// Per size: (size in bytes, median wall seconds, MB/s, success rate, target met).
    pub sizes: Vec<BenchSizeRow>,
    /// The AI stage per concurrency limit (empty when the run had none).
    pub ai: Vec<BenchAiRow>,
}

/// The AI stage of a past run at one concurrency limit.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchAiRow {
    /// API calls allowed in flight.
    pub concurrency: u32,
    /// Artificial latency of the loopback API.
    pub latency_seconds: f64,
    /// Wall time of the stage.
    pub wall_seconds: f64,
    /// Calls made.
    pub calls: u64,
    /// Median call latency.
    pub p50_call_seconds: Option<f64>,
    /// 95th percentile call latency.
    pub p95_call_seconds: Option<f64>,
}

/// One size of a past run.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchSizeRow {
    /// File size.
    pub size_bytes: u64,
    /// Median wall time of the successful runs.
    pub wall_median_seconds: Option<f64>,
    /// Largest peak RSS.
    pub peak_rss_max_bytes: Option<u64>,
    /// Throughput from the median.
    pub throughput_mb_per_s: Option<f64>,
    /// Share of successful runs.
    pub success_rate: f64,
    /// Whether the size met its target (`None` without a verdict).
    pub target_pass: Option<bool>,
}

impl History {
    /// Stores a benchmark run; returns its id.
    pub fn record_benchmark(&mut self, report: &BenchmarkReport) -> Result<i64, HistoryError> {
        let json = crate::export::json::benchmark_report(report);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO bench_runs (started_at, tool_version, git_commit, corpus, runs, warmup, complete, report_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    report.started_at,
                    report.system.tool_version,
                    report.system.git_commit,
                    report.settings.corpus.name(),
                    report.settings.runs,
                    report.settings.warmup,
                    report.complete,
                    json,
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut stmt = tx.prepare(
                "INSERT INTO bench_results (run_id, size_bytes, success_rate, wall_median_seconds, peak_rss_max_bytes, throughput_mb_per_s, target_pass)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for r in &report.results {
                stmt.execute(params![
                    id,
                    r.size_bytes as i64,
                    r.success_rate,
                    r.wall_seconds.map(|w| w.median),
                    r.peak_rss_bytes_max.map(|b| b as i64),
                    r.throughput_mb_per_s,
                    r.verdict.as_ref().map(|v| v.pass),
                ])?;
            }
            let mut stmt = tx.prepare(
                "INSERT INTO bench_stage_results (run_id, size_bytes, position, stage, seconds, throughput_mb_per_s)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in &report.results {
                for (position, st) in r.stages.iter().enumerate() {
                    stmt.execute(params![
                        id,
                        r.size_bytes as i64,
                        position as i64,
                        st.stage,
                        st.seconds,
                        st.throughput_mb_per_s,
                    ])?;
                }
            }
            if let Some(ai) = &report.ai {
                let mut stmt = tx.prepare(
                    "INSERT INTO bench_ai_results (run_id, concurrency, api, latency_seconds, wall_seconds, calls, failed_calls, retries, p50_call_seconds, p95_call_seconds, input_tokens, output_tokens)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?;
                for r in &ai.results {
                    stmt.execute(params![
                        id,
                        r.concurrency as i64,
                        ai.api,
                        ai.latency_seconds,
                        r.wall_seconds,
                        r.calls as i64,
                        r.failed_calls as i64,
                        r.retries as i64,
                        r.p50_call_seconds,
                        r.p95_call_seconds,
                        r.input_tokens as i64,
                        r.output_tokens as i64,
                    ])?;
                }
            }
            Ok(id)
        })
    }

    /// The most recent runs, newest first.
    pub fn list_benchmarks(&self, limit: usize) -> Result<Vec<BenchRunRow>, HistoryError> {
        let err = |source| HistoryError::Sql {
            path: self.path().to_owned(),
            source,
        };
        let conn = self.conn();
        let mut runs = conn
            .prepare(
                "SELECT id, started_at, tool_version, git_commit, corpus, runs, complete
                 FROM bench_runs ORDER BY id DESC LIMIT ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_map([limit as i64], |row| {
                    Ok(BenchRunRow {
                        id: row.get(0)?,
                        started_at: row.get(1)?,
                        tool_version: row.get(2)?,
                        git_commit: row.get(3)?,
                        corpus: row.get(4)?,
                        runs: row.get(5)?,
                        complete: row.get(6)?,
                        sizes: Vec::new(),
                        ai: Vec::new(),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(err)?;
        let mut stmt = conn
            .prepare(
                "SELECT size_bytes, wall_median_seconds, peak_rss_max_bytes, throughput_mb_per_s, success_rate, target_pass
                 FROM bench_results WHERE run_id = ?1 ORDER BY size_bytes",
            )
            .map_err(err)?;
        for run in &mut runs {
            run.sizes = stmt
                .query_map([run.id], |row| {
                    Ok(BenchSizeRow {
                        size_bytes: row.get::<_, i64>(0)? as u64,
                        wall_median_seconds: row.get(1)?,
                        peak_rss_max_bytes: row.get::<_, Option<i64>>(2)?.map(|b| b as u64),
                        throughput_mb_per_s: row.get(3)?,
                        success_rate: row.get(4)?,
                        target_pass: row.get(5)?,
                    })
                })
                .and_then(Iterator::collect)
                .map_err(err)?;
        }
        let mut stmt = conn
            .prepare(
                "SELECT concurrency, latency_seconds, wall_seconds, calls, p50_call_seconds, p95_call_seconds
                 FROM bench_ai_results WHERE run_id = ?1 ORDER BY concurrency",
            )
            .map_err(err)?;
        for run in &mut runs {
            run.ai = stmt
                .query_map([run.id], |row| {
                    Ok(BenchAiRow {
                        concurrency: row.get(0)?,
                        latency_seconds: row.get(1)?,
                        wall_seconds: row.get(2)?,
                        calls: row.get::<_, i64>(3)? as u64,
                        p50_call_seconds: row.get(4)?,
                        p95_call_seconds: row.get(5)?,
                    })
                })
                .and_then(Iterator::collect)
                .map_err(err)?;
        }
        Ok(runs)
    }

    /// The stored per-stage breakdown of run `run_id`, by size, then in pipeline order (empty
    /// when the run measured none).
    pub fn benchmark_stages(&self, run_id: i64) -> Result<Vec<BenchStageRow>, HistoryError> {
        self.conn()
            .prepare(
                "SELECT size_bytes, position, stage, seconds, throughput_mb_per_s
                 FROM bench_stage_results WHERE run_id = ?1 ORDER BY size_bytes, position",
            )
            .and_then(|mut stmt| {
                stmt.query_map([run_id], |row| {
                    Ok(BenchStageRow {
                        size_bytes: row.get::<_, i64>(0)? as u64,
                        position: row.get(1)?,
                        stage: row.get(2)?,
                        seconds: row.get(3)?,
                        throughput_mb_per_s: row.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(|source| HistoryError::Sql {
                path: self.path().to_owned(),
                source,
            })
    }

    /// The newest complete run on any corpus: its id and stored report text.
    pub fn latest_complete_benchmark_json(&self) -> Result<Option<(i64, String)>, HistoryError> {
        self.conn()
            .query_row(
                "SELECT id, report_json FROM bench_runs WHERE complete = 1 ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|source| HistoryError::Sql {
                path: self.path().to_owned(),
                source,
            })
    }

    /// The newest complete run on the given corpus, with its id, as a baseline.
    pub fn latest_benchmark(
        &self,
        corpus: Layout,
    ) -> Result<Option<(i64, BenchmarkReport)>, HistoryError> {
        let row: Option<(i64, String)> = self
            .conn()
            .query_row(
                "SELECT id, report_json FROM bench_runs WHERE corpus = ?1 AND complete = 1
                 ORDER BY id DESC LIMIT 1",
                [corpus.name()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|source| HistoryError::Sql {
                path: self.path().to_owned(),
                source,
            })?;
        let Some((id, json)) = row else {
            return Ok(None);
        };
        let where_ = self.path().join(format!("bench_runs/{id}"));
        match parse_benchmark_report(&json, &where_) {
            Ok(report) => Ok(Some((id, report))),
            // A report from an older layout cannot serve as a baseline; treat it as absent.
            Err(_) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_report;

    #[test]
    fn stores_lists_and_returns_the_latest_complete_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(&dir.path().join("h.sqlite")).unwrap();
        assert!(h.latest_benchmark(Layout::Realistic).unwrap().is_none());
        let mut r = sample_report();
        let first = h.record_benchmark(&r).unwrap();
        r.started_at = "2026-11-26T07:00:00Z".into();
        r.complete = false;
        let second = h.record_benchmark(&r).unwrap();
        assert!(second > first);

        let list = h.list_benchmarks(10).unwrap();
        assert_eq!(
            list.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![second, first]
        );
        assert!(!list[0].complete);
        assert_eq!(list[1].sizes.len(), 2);
        let s = &list[1].sizes[1];
        assert_eq!(s.size_bytes, 10_000_000);
        assert_eq!(s.wall_median_seconds, Some(0.51));
        assert_eq!(s.target_pass, Some(true));

        // The incomplete run is skipped; the complete one comes back whole.
        let (id, back) = h.latest_benchmark(Layout::Realistic).unwrap().unwrap();
        assert_eq!(id, first);
        assert_eq!(back, sample_report());
        assert!(h.latest_benchmark(Layout::Seed).unwrap().is_none());
        assert_eq!(h.list_benchmarks(1).unwrap().len(), 1);
        assert!(list[1].ai.is_empty());
    }

    #[test]
    fn stores_the_ai_stage_per_concurrency() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(&dir.path().join("h.sqlite")).unwrap();
        let mut r = sample_report();
        r.ai = Some(crate::bench::ai::tests::sample_stage());
        let id = h.record_benchmark(&r).unwrap();
        let list = h.list_benchmarks(1).unwrap();
        let ai = &list[0].ai;
        assert_eq!(ai.len(), 2);
        assert_eq!((ai[0].concurrency, ai[1].concurrency), (1, 4));
        assert_eq!((ai[0].wall_seconds, ai[1].wall_seconds), (5.6, 2.8));
        assert_eq!((ai[1].calls, ai[1].latency_seconds), (11, 0.5));
        assert_eq!(ai[1].p50_call_seconds, Some(0.5));
        // The whole stage also comes back with the report.
        let (back_id, back) = h.latest_benchmark(Layout::Realistic).unwrap().unwrap();
        assert_eq!(back_id, id);
        assert_eq!(back.ai, r.ai);
    }

    #[test]
    fn stores_the_stage_breakdown_in_pipeline_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(&dir.path().join("h.sqlite")).unwrap();
        let mut r = sample_report();
        r.results[1].stages.insert(
            0,
            crate::bench::report::StageResult {
                stage: "read".into(),
                seconds: 0.02,
                throughput_mb_per_s: None,
            },
        );
        let with = h.record_benchmark(&r).unwrap();
        for res in &mut r.results {
            res.stages.clear();
        }
        let without = h.record_benchmark(&r).unwrap();
        let rows = h.benchmark_stages(with).unwrap();
        let names: Vec<(&str, u32, u64)> = rows
            .iter()
            .map(|s| (s.stage.as_str(), s.position, s.size_bytes))
            .collect();
        assert_eq!(
            names,
            vec![("read", 0, 10_000_000), ("parse", 1, 10_000_000)]
        );
        assert_eq!(rows[1].seconds, 0.05);
        assert_eq!(rows[1].throughput_mb_per_s, Some(200.0));
        assert_eq!(rows[0].throughput_mb_per_s, None);
        assert!(h.benchmark_stages(without).unwrap().is_empty());
        assert_eq!(
            h.latest_complete_benchmark_json().unwrap().map(|x| x.0),
            Some(without)
        );
    }
}
