//! The benchmark report as CSV: one flat row per size, units in the column names.

use std::fmt::Write as _;

use crate::bench::report::{BenchmarkReport, SizeResult};

/// One CSV row; its field order is the column order.
struct Row {
    cells: [String; 24],
}

const HEADER: [&str; 24] = [
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
];

impl Row {
    fn new(r: &BenchmarkReport, x: &SizeResult) -> Self {
        let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let u = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        let w = x.wall_seconds.as_ref();
        let v = x.verdict.as_ref();
        Self {
            cells: [
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
            ],
        }
    }
}

/// The CSV document: a header line, then one line per size.
pub fn benchmark_report(r: &BenchmarkReport) -> String {
    let mut out = String::new();
    push_line(&mut out, HEADER.iter().copied());
    for x in &r.results {
        let row = Row::new(r, x);
        push_line(&mut out, row.cells.iter().map(String::as_str));
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
    fn awkward_cells_are_quoted() {
        let mut out = String::new();
        push_line(&mut out, ["a,b", "say \"hi\"", "plain"].into_iter());
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",plain\n");
    }
}
