//! The benchmark report as a Markdown document; its tables, padded to line up, are also what
//! the terminal shows.

use std::fmt::Write as _;

use crate::bench::ai::AiStageReport;
use crate::bench::report::{BenchmarkReport, SizeResult};
use crate::bench::targets::format_margin;
use crate::corpus::MB;

/// The full Markdown report: system, settings, results, stages, baseline, warnings.
pub fn benchmark_report(r: &BenchmarkReport) -> String {
    let mut out = String::new();
    let s = &r.system;
    let _ = writeln!(out, "# customer-snapshot benchmark\n");
    let _ = writeln!(
        out,
        "- Started: {}{}",
        r.started_at,
        if r.complete {
            ""
        } else {
            " (incomplete: interrupted or still running)"
        }
    );
    let _ = writeln!(
        out,
        "- Tool: customer-snapshot {}{}",
        s.tool_version,
        s.git_commit
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "- System: {}, {} logical cores, {:.1} GB RAM, {}, kernel {}",
        s.cpu_model,
        s.logical_cores,
        s.memory_total_bytes as f64 / 1e9,
        s.os,
        s.kernel.as_deref().unwrap_or("unknown")
    );
    let st = &r.settings;
    let _ = writeln!(
        out,
        "- Settings: {} corpus (seed {}), {} warm-up + {} measured runs per size\n",
        st.corpus.name(),
        st.seed,
        st.warmup,
        st.runs
    );
    out.push_str(&results_table(r));
    let stages = stages_table(r);
    if !stages.is_empty() {
        out.push_str("\n## Per-stage breakdown (one in-process run)\n\n");
        out.push_str(&stages);
    }
    if let Some(ai) = &r.ai {
        let _ = writeln!(
            out,
            "\n## AI stage ({} API, {} before each answer, {} transcript, prompt cache {})\n",
            ai.api,
            format_seconds(ai.latency_seconds),
            format_size(ai.input_bytes),
            if ai.prompt_cache { "on" } else { "off" }
        );
        out.push_str(&ai_table(ai));
    }
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            out,
            "\n## Against baseline {} ({})\n",
            b.source, b.started_at
        );
        let mut rows = vec![vec![
            "Size".to_owned(),
            "Wall time".to_owned(),
            "Peak RSS".to_owned(),
            "MB/s".to_owned(),
        ]];
        for c in &b.sizes {
            rows.push(vec![
                format_size(c.size_bytes),
                c.summary.clone(),
                crate::bench::compare::describe_ratio(&c.peak_rss_ratio, "more", "less"),
                crate::bench::compare::describe_ratio(&c.throughput_ratio, "higher", "lower"),
            ]);
        }
        out.push_str(&table(&rows));
        if !b.ai.is_empty() {
            out.push_str("\n### AI stage against the baseline\n\n");
            let mut rows = vec![vec![
                "Concurrency".to_owned(),
                "Wall".to_owned(),
                "Baseline wall".to_owned(),
                "Change".to_owned(),
            ]];
            for c in &b.ai {
                rows.push(vec![
                    c.concurrency.to_string(),
                    format_seconds(c.wall_seconds),
                    format_seconds(c.baseline_wall_seconds),
                    c.summary.clone(),
                ]);
            }
            out.push_str(&table(&rows));
        }
    }
    let warnings: Vec<String> = r
        .results
        .iter()
        .flat_map(|x| {
            x.warnings
                .iter()
                .map(move |w| format!("{}: {w}", format_size(x.size_bytes)))
        })
        .collect();
    if !warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for w in warnings {
            let _ = writeln!(out, "- {w}");
        }
    }
    out
}

/// The per-size results table (what the terminal prints).
pub fn results_table(r: &BenchmarkReport) -> String {
    let mut rows = vec![
        [
            "Size",
            "Runs",
            "OK",
            "Wall median ± MAD",
            "Min … Max",
            "User",
            "Sys",
            "CPU",
            "Peak RSS",
            "Avg RSS",
            "MB/s",
            "Target",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    rows.extend(r.results.iter().map(result_row));
    table(&rows)
}

fn result_row(x: &SizeResult) -> Vec<String> {
    let dash = || "–".to_owned();
    let (wall, range) = match &x.wall_seconds {
        Some(w) => (
            format!("{} ± {}", format_seconds(w.median), format_seconds(w.mad)),
            format!("{} … {}", format_seconds(w.min), format_seconds(w.max)),
        ),
        None => (dash(), dash()),
    };
    let peak = match (x.peak_rss_bytes_median, x.peak_rss_bytes_max) {
        (Some(m), Some(mx)) if mx != m => format!("{} (max {})", format_bytes(m), format_bytes(mx)),
        (Some(m), _) => format_bytes(m),
        _ => dash(),
    };
    vec![
        format_size(x.size_bytes),
        x.runs.to_string(),
        format!("{:.0}%", x.success_rate * 100.0),
        wall,
        range,
        x.user_seconds_median.map_or_else(dash, format_seconds),
        x.sys_seconds_median.map_or_else(dash, format_seconds),
        x.cpu_percent_median
            .map_or_else(dash, |c| format!("{c:.0}%")),
        peak,
        x.avg_rss_bytes_median.map_or_else(dash, format_bytes),
        x.throughput_mb_per_s
            .map_or_else(dash, |t| format!("{t:.2}")),
        match &x.verdict {
            Some(v) if v.pass => format!(
                "PASS ({}× under {} s)",
                format_margin(v.wall_margin),
                v.target.max_wall_seconds
            ),
            Some(v) => format!("MISS ({})", v.misses.join("; ")),
            None if x.successes == 0 => "FAIL (no successful run)".to_owned(),
            None => "no target for this size".to_owned(),
        },
    ]
}

fn stages_table(r: &BenchmarkReport) -> String {
    if r.results.iter().all(|x| x.stages.is_empty()) {
        return String::new();
    }
    let mut rows = vec![
        ["Size", "Stage", "Seconds", "MB/s"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for x in &r.results {
        for st in &x.stages {
            rows.push(vec![
                format_size(x.size_bytes),
                st.stage.clone(),
                format_seconds(st.seconds),
                st.throughput_mb_per_s
                    .map_or_else(|| "–".to_owned(), |t| format!("{t:.1}")),
            ]);
        }
    }
    table(&rows)
}

/// The AI stage's table: one row per concurrency limit.
pub fn ai_table(ai: &AiStageReport) -> String {
    let dash = || "–".to_owned();
    let mut rows = vec![
        [
            "Concurrency",
            "Wall",
            "vs first",
            "Calls",
            "Failed",
            "Retries",
            "p50 call",
            "p95 call",
            "In flight",
            "Input tokens",
            "Output tokens",
            "Cache read",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for (x, ratio) in ai.results.iter().zip(ai.wall_ratios()) {
        rows.push(vec![
            x.concurrency.to_string(),
            format_seconds(x.wall_seconds),
            ratio.map_or_else(dash, |v| format!("×{v:.2}")),
            x.calls.to_string(),
            x.failed_calls.to_string(),
            x.retries.to_string(),
            x.p50_call_seconds.map_or_else(dash, format_seconds),
            x.p95_call_seconds.map_or_else(dash, format_seconds),
            format!("{:.1}", x.parallelism),
            x.input_tokens.to_string(),
            x.output_tokens.to_string(),
            x.cache_read_tokens.to_string(),
        ]);
    }
    table(&rows)
}

/// A Markdown table whose columns are padded to line up (first row is the header).
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        rows.iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
            .max(3)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
        out.push('|');
        for (c, cell) in cells.enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            let _ = write!(out, " {cell}{} |", " ".repeat(pad));
        }
        out.push('\n');
    };
    for (i, row) in rows.iter().enumerate() {
        line(
            &mut out,
            &mut (0..cols).map(|c| row.get(c).cloned().unwrap_or_default()),
        );
        if i == 0 {
            line(&mut out, &mut widths.iter().map(|w| "-".repeat(*w)));
        }
    }
    out
}

/// "0.1 MB", "10 MB" (SI).
pub fn format_size(bytes: u64) -> String {
    let mb = bytes as f64 / MB;
    if mb >= 1.0 && mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else if mb >= 0.01 {
        format!("{} MB", trim_zeros(&format!("{mb:.3}")))
    } else {
        format!("{bytes} B")
    }
}

fn trim_zeros(s: &str) -> String {
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// "812 µs", "12.3 ms", "1.234 s".
pub fn format_seconds(s: f64) -> String {
    // Compare after rounding, so 0.99999 ms reads "1.0 ms", not "1000 µs".
    if (s * 1e6).round() < 1000.0 {
        format!("{:.0} µs", s * 1e6)
    } else if (s * 1e4).round() < 10_000.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.3} s")
    }
}

/// "45.2 MB" (SI).
pub fn format_bytes(b: u64) -> String {
    format!("{:.1} MB", b as f64 / MB)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_report;

    #[test]
    fn results_table_lines_up_and_reads_well() {
        let t = results_table(&sample_report());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{t}");
        assert!(lines[1].starts_with("| ---"));
        assert!(
            lines[2]
                .starts_with("| 0.1 MB | 3    | 100% | 11.0 ms ± 1.0 ms   | 10.0 ms … 12.0 ms "),
            "{t}"
        );
        assert!(lines[2].contains("| 4.0 MB (max 4.1 MB) |"), "{t}");
        assert!(lines[2].contains("PASS (455× under 5 s)"), "{t}");
        assert!(lines[3].contains("| 19.61 |"), "{t}");
    }

    #[test]
    fn document_has_context_stages_and_warnings() {
        let mut r = sample_report();
        r.results[1]
            .warnings
            .push("1 statistical outlier(s) detected".into());
        r.complete = false;
        let md = benchmark_report(&r);
        assert!(md.contains("- Started: 2026-11-26T06:00:00Z (incomplete"));
        assert!(md.contains("customer-snapshot 0.1.0 (abc1234)"));
        assert!(md.contains("Test CPU, 2 logical cores, 8.0 GB RAM"));
        assert!(md.contains("| 10 MB | parse | 50.0 ms | 200.0 |"), "{md}");
        assert!(md.contains("- 10 MB: 1 statistical outlier(s) detected"));
        assert!(!md.contains("AI stage"), "only when asked for");
        r.ai = Some(crate::bench::ai::tests::sample_stage());
        let md = benchmark_report(&r);
        assert!(
            md.contains("## AI stage (loopback API, 500.0 ms before each answer, 0.1 MB transcript, prompt cache on)"),
            "{md}"
        );
        assert!(
            md.contains("| 4           | 2.800 s | ×0.50    | 11    |"),
            "{md}"
        );
    }

    #[test]
    fn the_baseline_section_lists_the_ai_stage_when_compared() {
        let mut r = sample_report();
        r.ai = Some(crate::bench::ai::tests::sample_stage());
        let mut base = sample_report();
        base.ai = Some(crate::bench::ai::tests::sample_stage());
        r.baseline = Some(crate::bench::report::BaselineComparison {
            source: "history run 1".into(),
            started_at: base.started_at.clone(),
            sizes: vec![],
            ai: crate::bench::compare::compare_ai(&r, &base),
        });
        let doc = benchmark_report(&r);
        assert!(doc.contains("### AI stage against the baseline"), "{doc}");
        assert!(doc.contains("no change (one run each)"), "{doc}");
        if let Some(b) = r.baseline.as_mut() {
            b.ai.clear();
        }
        assert!(!benchmark_report(&r).contains("AI stage against the baseline"));
    }

    #[test]
    fn units_format_for_people() {
        assert_eq!(format_size(100_000), "0.1 MB");
        assert_eq!(format_size(10_000_000), "10 MB");
        assert_eq!(format_size(2_500_000), "2.5 MB");
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_seconds(0.000_5), "500 µs");
        assert_eq!(format_seconds(1.5), "1.500 s");
        assert_eq!(format_seconds(0.000_999_9), "1.0 ms");
        assert_eq!(format_seconds(0.999_99), "1.000 s");
    }
}
