//! The benchmark report as CSV: one flat row per size, units in the column names, then one row
//! per concurrency limit of the AI stage when the run had one. The `ai_*` columns come last and
//! are empty on size rows; an AI row fills only them (plus `corpus` and `started_at`), so a
//! reader tells the two kinds apart by `ai_concurrency`. The header is the same with or without
//! the AI stage, so files from different runs line up.

use std::fmt::Write as _;

use crate::bench::ai::{AiConcurrencyResult, AiStageReport};
use crate::bench::report::{BenchmarkReport, SizeResult};

/// One CSV row; its field order is the column order.
struct Row {
    cells: [String; COLUMNS],
}

const COLUMNS: usize = 24 + AI_COLUMNS;
const AI_COLUMNS: usize = 11;

const HEADER: [&str; COLUMNS] = [
    "size_bytes",
    "runs",
    "successes",
    "success_rate",
    "wall_min_seconds",
    "wall_median_seconds",
    "wall_mean_seconds",
    "wall_max_seconds",
    "wall_stddev_seconds",
    "wall_mad_seconds",
    "user_median_seconds",
    "sys_median_seconds",
    "cpu_percent_median",
    "peak_rss_median_bytes",
    "peak_rss_max_bytes",
    "avg_rss_median_bytes",
    "throughput_mb_per_s",
    "outliers_mild",
    "outliers_severe",
    "target_tier",
    "target_pass",
    "target_wall_margin",
    "corpus",
    "started_at",
    "ai_concurrency",
    "ai_api",
    "ai_latency_seconds",
    "ai_wall_seconds",
    "ai_calls",
    "ai_failed_calls",
    "ai_retries",
    "ai_p50_call_seconds",
    "ai_p95_call_seconds",
    "ai_parallelism",
    "ai_input_tokens",
];

impl Row {
    fn new(r: &BenchmarkReport, x: &SizeResult) -> Self {
        let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let u = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        let w = x.wall_seconds.as_ref();
        let v = x.verdict.as_ref();
        let size_cells: [String; COLUMNS - AI_COLUMNS] = [
            x.size_bytes.to_string(),
            x.runs.to_string(),
            x.successes.to_string(),
            x.success_rate.to_string(),
            f(w.map(|w| w.min)),
            f(w.map(|w| w.median)),
            f(w.map(|w| w.mean)),
            f(w.map(|w| w.max)),
            f(w.and_then(|w| w.stddev)),
            f(w.map(|w| w.mad)),
            f(x.user_seconds_median),
            f(x.sys_seconds_median),
            f(x.cpu_percent_median),
            u(x.peak_rss_bytes_median),
            u(x.peak_rss_bytes_max),
            u(x.avg_rss_bytes_median),
            f(x.throughput_mb_per_s),
            x.outliers.mild.to_string(),
            x.outliers.severe.to_string(),
            v.map(|v| v.tier.clone()).unwrap_or_default(),
            v.map(|v| v.pass.to_string()).unwrap_or_default(),
            f(v.map(|v| v.wall_margin)),
            r.settings.corpus.name().to_owned(),
            r.started_at.clone(),
        ];
        let mut cells: [String; COLUMNS] = std::array::from_fn(|_| String::new());
        for (cell, v) in cells.iter_mut().zip(size_cells) {
            *cell = v;
        }
        Self { cells }
    }

    fn ai(r: &BenchmarkReport, ai: &AiStageReport, x: &AiConcurrencyResult) -> Self {
        let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let mut cells: [String; COLUMNS] = std::array::from_fn(|_| String::new());
        cells[COLUMNS - AI_COLUMNS - 2] = r.settings.corpus.name().to_owned();
        cells[COLUMNS - AI_COLUMNS - 1] = r.started_at.clone();
        let ai_cells: [String; AI_COLUMNS] = [
            x.concurrency.to_string(),
            ai.api.clone(),
            ai.latency_seconds.to_string(),
            x.wall_seconds.to_string(),
            x.calls.to_string(),
            x.failed_calls.to_string(),
            x.retries.to_string(),
            f(x.p50_call_seconds),
            f(x.p95_call_seconds),
            x.parallelism.to_string(),
            x.input_tokens.to_string(),
        ];
        for (cell, v) in cells[COLUMNS - AI_COLUMNS..].iter_mut().zip(ai_cells) {
            *cell = v;
        }
        Self { cells }
    }
}

/// The CSV document: a header line, one line per size, then one per AI concurrency limit.
pub fn benchmark_report(r: &BenchmarkReport) -> String {
    let mut out = String::new();
    push_line(&mut out, HEADER.iter().copied());
    for x in &r.results {
        let row = Row::new(r, x);
        push_line(&mut out, row.cells.iter().map(String::as_str));
    }
    if let Some(ai) = &r.ai {
        for x in &ai.results {
            let row = Row::ai(r, ai, x);
            push_line(&mut out, row.cells.iter().map(String::as_str));
        }
    }
    out
}

fn push_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        // RFC 4180: quote fields holding separators, quotes or line breaks; double the quotes.
        if cell.contains([',', '"', '\n', '\r']) {
            let _ = write!(out, "\"{}\"", cell.replace('"', "\"\""));
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_report;

    #[test]
    fn one_row_per_size_with_units_in_the_header() {
        let csv = benchmark_report(&sample_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("size_bytes,runs,successes,success_rate,wall_min_seconds,"));
        assert!(lines.iter().all(|l| l.split(',').count() == HEADER.len()));
        assert!(
            lines[1].starts_with("100000,3,3,1,0.01,0.011,"),
            "{}",
            lines[1]
        );
        assert!(lines[2].contains(",10–50 MB,true,"), "{}", lines[2]);
    }

    #[test]
    fn the_ai_stage_adds_one_row_per_concurrency_under_the_same_header() {
        let without = benchmark_report(&sample_report());
        let mut r = sample_report();
        r.ai = Some(crate::bench::ai::tests::sample_stage());
        let csv = benchmark_report(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], without.lines().next().unwrap_or_default());
        assert_eq!(lines.len(), 5);
        assert!(lines.iter().all(|l| l.split(',').count() == HEADER.len()));
        let col = |name: &str| HEADER.iter().position(|h| *h == name).unwrap();
        let cells: Vec<&str> = lines[4].split(',').collect();
        assert_eq!(cells[col("ai_concurrency")], "4");
        assert_eq!(cells[col("ai_api")], "loopback");
        assert_eq!(cells[col("ai_wall_seconds")], "2.8");
        assert_eq!(cells[col("ai_calls")], "11");
        assert_eq!(cells[col("ai_p50_call_seconds")], "0.5");
        assert_eq!(cells[col("corpus")], "realistic");
        assert_eq!(cells[col("size_bytes")], "");
        // Size rows leave the AI columns empty.
        let size: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(size[col("ai_concurrency")], "");
        assert_eq!(size[col("size_bytes")], "100000");
    }

    #[test]
    fn awkward_cells_are_quoted() {
        let mut out = String::new();
        push_line(&mut out, ["a,b", "say \"hi\"", "plain"].into_iter());
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",plain\n");
    }
}
