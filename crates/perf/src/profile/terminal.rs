//! The terminal rendering of an [`OptimizationReport`]: per input a stage table with a bar per
//! stage, the top functions of the largest input, memory, findings and the comparison.

use std::fmt::Write as _;

use super::report::{FunctionSample, OptimizationReport, SizeProfile};

/// Width of a 100 % bar.
const BAR_WIDTH: usize = 30;
/// Functions shown per list (the JSON keeps all of them).
const SHOWN_FUNCTIONS: usize = 10;

fn bar(share: f64) -> String {
    let cells = (share.clamp(0.0, 1.0) * BAR_WIDTH as f64).round() as usize;
    let mut s = "█".repeat(cells);
    s.push_str(&" ".repeat(BAR_WIDTH - cells));
    s
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "-".to_owned(), f)
}

fn stage_table(out: &mut String, size: &SizeProfile, sampling: bool) {
    let _ = writeln!(
        out,
        "\n{} ({:.2} MB, {} runs): wall {:.4} s per run ({:.1} MB/s), CPU {:.4} s ({:.1} MB/s); \
         share and MB/s below are per CPU second",
        size.label,
        mb(size.input_bytes),
        size.runs,
        size.wall_seconds,
        size.throughput_mb_per_s,
        size.cpu_seconds,
        size.cpu_throughput_mb_per_s
    );
    let _ = writeln!(
        out,
        "  {:<11} {:>9} {:>9} {:>6}  {:<w$} {:>9} {:>9} {:>10} {:>9} {:>10}",
        "stage",
        "wall s",
        "cpu s",
        "share",
        "",
        "MB/s",
        "items",
        "allocs",
        "alloc/B",
        "heap peak+",
        w = BAR_WIDTH
    );
    for s in &size.stages {
        let _ = writeln!(
            out,
            "  {:<11} {:>9.4} {:>9.4} {:>5.1}%  {} {:>9} {:>9} {:>10} {:>9} {:>10}",
            s.stage,
            s.wall_seconds,
            s.cpu_seconds,
            100.0 * s.share,
            bar(s.share),
            opt(s.throughput_mb_per_s, |v| format!("{v:.1}")),
            s.items_out,
            opt(s.allocations, |v| v.to_string()),
            opt(s.allocations_per_input_byte(), |v| format!("{v:.3}")),
            opt(s.peak_heap_bytes, |v| format!("{:.1} MB", mb(v))),
        );
    }
    let _ = writeln!(
        out,
        "  {:<11} {:>9.4}  (outside any stage)",
        "other", size.unattributed_seconds
    );
    // The sampling profiler reserves its buffers before the runs: part of the heap peak, not of
    // what the pipeline used (and mostly not resident: compare the peak RSS).
    let _ = writeln!(
        out,
        "  memory: peak RSS {}, heap used by the runs {} (process heap peak {}, {} of it held \
         before the runs{})",
        opt(size.memory.peak_rss_bytes, |v| format!("{:.1} MB", mb(v))),
        opt(size.memory.heap_used_bytes(), |v| format!(
            "{:.2} MB",
            mb(v)
        )),
        opt(size.memory.peak_heap_bytes, |v| format!("{:.2} MB", mb(v))),
        opt(size.memory.baseline_heap_bytes, |v| format!(
            "{:.2} MB",
            mb(v)
        )),
        if sampling {
            ", mostly by the sampling profiler"
        } else {
            ""
        },
    );
}

/// Long generic names cut for the terminal (the JSON has them whole).
fn shorten(name: &str) -> String {
    const MAX: usize = 110;
    if name.chars().count() <= MAX {
        return name.to_owned();
    }
    let mut s: String = name.chars().take(MAX - 3).collect();
    s.push_str("...");
    s
}

/// A message with any over-long word (a generic function name) shortened.
fn shorten_inline(text: &str) -> String {
    text.split(' ').map(shorten).collect::<Vec<_>>().join(" ")
}

fn function_list(out: &mut String, title: &str, list: &[FunctionSample]) {
    let _ = writeln!(out, "  {title}:");
    if list.is_empty() {
        let _ = writeln!(out, "    (no samples)");
    }
    for f in list.iter().take(SHOWN_FUNCTIONS) {
        let _ = writeln!(
            out,
            "    {:>5.1}%  {:>6}  {}",
            f.percent, f.samples, f.function
        );
    }
}

/// Renders the report for a terminal.
pub fn render(report: &OptimizationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "customer-snapshot optimize: {} input(s), {} build, sampling at {} Hz, {}",
        report.sizes.len(),
        match report.system.release_build {
            Some(false) => "DEBUG (figures are not representative)",
            _ => report.system.build_kind(),
        },
        report.settings.sampling_hz,
        report.system.cpu_model
    );
    for size in &report.sizes {
        stage_table(&mut out, size, report.settings.sampling_hz > 0);
    }
    if let Some(largest) = report.sizes.last() {
        let _ = writeln!(
            out,
            "\nTop functions, {} ({} samples):",
            largest.label, largest.functions.samples
        );
        function_list(
            &mut out,
            "pipeline functions (innermost pipeline frame, with the library code they call)",
            &largest.functions.top_own,
        );
        function_list(&mut out, "by self time", &largest.functions.top_self);
        function_list(&mut out, "by total time", &largest.functions.top_total);
    }
    if let Some(ai) = &report.ai_stage {
        ai.render(&mut out);
    }
    let g = &report.memory_growth;
    let _ = writeln!(
        out,
        "\nMemory growth: heap {} per 10 MB of input, peak RSS {} per 10 MB",
        opt(g.heap_growth_bytes_per_input_mb, |v| format!(
            "{:+.2} MB",
            v * 10.0 / 1e6
        )),
        opt(g.rss_growth_bytes_per_input_mb, |v| format!(
            "{:+.2} MB",
            v * 10.0 / 1e6
        )),
    );
    match &report.allocator_overhead {
        Some(o) => {
            let _ = writeln!(
                out,
                "Counting allocator cost on {}: {:+.2} % (95 % CI {:+.2} .. {:+.2} %; {:.1} MB/s off, {:.1} MB/s on, {} pairs)",
                o.input_label,
                o.cost_percent,
                o.cost_percent_ci_low,
                o.cost_percent_ci_high,
                o.off_mb_per_s,
                o.on_mb_per_s,
                o.pairs
            );
        }
        None => {
            let _ = writeln!(out, "Counting allocator cost: not measured");
        }
    }
    // The largest input's findings and those across sizes; smaller inputs mostly repeat them.
    let largest = report.sizes.last().map(|s| s.label.as_str());
    let all = report.all_findings().count();
    let findings: Vec<_> = report
        .all_findings()
        .filter(|f| f.input.is_none() || f.input.as_deref() == largest)
        .collect();
    if all == 0 {
        let _ = writeln!(out, "\nFindings: none; every rule passed.");
    } else {
        let _ = writeln!(
            out,
            "\nFindings on {} and across sizes ({} of {}; all are in the JSON report):",
            largest.unwrap_or("-"),
            findings.len(),
            all
        );
        for f in findings {
            let at = f
                .input
                .as_deref()
                .map(|i| format!("{i}: "))
                .unwrap_or_default();
            let _ = writeln!(out, "  - {at}{}", shorten_inline(&f.message));
            let _ = writeln!(out, "      -> {}", f.suggestion);
        }
    }
    if let Some(c) = &report.comparison {
        let _ = writeln!(
            out,
            "\nCompared with {} ({}):",
            c.baseline_path, c.baseline_started_at
        );
        let _ = writeln!(
            out,
            "  {:<11} {:>21} {:>8}   {:>21} {:>8}   {:>21} {:>8}",
            "",
            "CPU s before -> after",
            "ratio",
            "wall s before -> after",
            "ratio",
            "allocs before -> after",
            "ratio"
        );
        let r = |v: Option<f64>| opt(v, |r| format!("x{r:.2}"));
        for s in &c.sizes {
            let _ = writeln!(
                out,
                "  {:<11} {:>9.4} -> {:>8.4} {:>8}   {:>9.4} -> {:>9.4} {:>8}",
                s.label,
                s.time.before_cpu_seconds,
                s.time.after_cpu_seconds,
                r(s.time.cpu_ratio),
                s.time.before_wall_seconds,
                s.time.after_wall_seconds,
                r(s.time.wall_ratio),
            );
            for st in &s.stages {
                let _ = writeln!(
                    out,
                    "    {:<11} {:>7.4} -> {:>8.4} {:>8}   {:>9.4} -> {:>9.4} {:>8}   {:>10} -> {:>9} {:>8}",
                    st.stage,
                    st.time.before_cpu_seconds,
                    st.time.after_cpu_seconds,
                    r(st.time.cpu_ratio),
                    st.time.before_wall_seconds,
                    st.time.after_wall_seconds,
                    r(st.time.wall_ratio),
                    opt(st.before_allocations, |v| v.to_string()),
                    opt(st.after_allocations, |v| v.to_string()),
                    r(st.allocations_ratio),
                );
            }
        }
        for u in &c.unmatched {
            let _ = writeln!(out, "  {u}: not in the earlier report");
        }
    }
    if let Some(p) = &report.flamegraph_path {
        let _ = writeln!(out, "\nFlamegraph: {p}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::compare::compare;
    use crate::profile::report::fixtures;

    #[test]
    fn bars_scale_with_share() {
        assert_eq!(bar(0.0).trim_end(), "");
        assert_eq!(bar(0.5).chars().filter(|c| *c == '█').count(), 15);
        assert_eq!(bar(2.0).chars().filter(|c| *c == '█').count(), BAR_WIDTH);
        assert_eq!(bar(0.5).chars().count(), BAR_WIDTH);
    }

    #[test]
    fn renders_stages_no_findings_and_the_comparison() {
        let before = fixtures::report("2026-01-01T00:00:00Z", "1MB", 0.2, 1000);
        let mut after = fixtures::report("2026-01-02T00:00:00Z", "1MB", 0.05, 250);
        after.comparison = Some(compare(&before, "old.json", &after));
        let text = render(&after);
        assert!(text.contains("1MB (1.00 MB, 1 runs)"), "{text}");
        // The parse row: name, wall and CPU seconds, share 20 % as a 6-cell bar.
        assert!(
            text.contains("  parse          0.0500    0.0500  20.0%  ██████ "),
            "{text}"
        );
        assert!(
            text.contains("Findings: none; every rule passed."),
            "{text}"
        );
        assert!(
            text.contains("Compared with old.json (2026-01-01T00:00:00Z)"),
            "{text}"
        );
        assert!(text.contains("x0.25"), "{text}");
    }

    #[test]
    fn the_heap_line_separates_the_runs_from_what_was_held_before_them() {
        let mut r = fixtures::report("2026-01-01T00:00:00Z", "1MB", 0.2, 1000);
        r.sizes[0].memory.baseline_heap_bytes = Some(100 << 20);
        r.sizes[0].memory.peak_heap_bytes = Some(108 << 20);
        r.settings.sampling_hz = 1000;
        let text = render(&r);
        assert!(
            text.contains(
                "heap used by the runs 8.39 MB (process heap peak 113.25 MB, 104.86 MB of it \
                 held before the runs, mostly by the sampling profiler)"
            ),
            "{text}"
        );
        r.settings.sampling_hz = 0;
        let text = render(&r);
        assert!(
            text.contains("104.86 MB of it held before the runs)"),
            "{text}"
        );
    }
}
