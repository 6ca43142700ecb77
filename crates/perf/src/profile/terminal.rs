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

fn stage_table(out: &mut String, size: &SizeProfile) {
    let _ = writeln!(
        out,
        "\n{} ({:.2} MB, {} runs): {:.4} s per run, {:.1} MB/s, CPU {:.4} s",
        size.label,
        mb(size.input_bytes),
        size.runs,
        size.wall_seconds,
        size.throughput_mb_per_s,
        size.cpu_seconds
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
        "peak heap",
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
    let _ = writeln!(
        out,
        "  memory: peak RSS {}, heap used {} (peak {})",
        opt(size.memory.peak_rss_bytes, |v| format!("{:.1} MB", mb(v))),
        opt(size.memory.heap_used_bytes(), |v| format!(
            "{:.2} MB",
            mb(v)
        )),
        opt(size.memory.peak_heap_bytes, |v| format!("{:.2} MB", mb(v))),
    );
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
        if report.system.release_build {
            "release"
        } else {
            "DEBUG (figures are not representative)"
        },
        report.settings.sampling_hz,
        report.system.cpu_model
    );
    for size in &report.sizes {
        stage_table(&mut out, size);
    }
    if let Some(largest) = report.sizes.last() {
        let _ = writeln!(
            out,
            "\nTop functions, {} ({} samples):",
            largest.label, largest.functions.samples
        );
        function_list(&mut out, "by self time", &largest.functions.top_self);
        function_list(&mut out, "by total time", &largest.functions.top_total);
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
    let findings: Vec<_> = report.all_findings().collect();
    if findings.is_empty() {
        let _ = writeln!(out, "\nFindings: none; every rule passed.");
    } else {
        let _ = writeln!(out, "\nFindings ({}):", findings.len());
        for f in findings {
            let at = f
                .input
                .as_deref()
                .map(|i| format!("{i}: "))
                .unwrap_or_default();
            let _ = writeln!(out, "  - {at}{}", f.message);
            let _ = writeln!(out, "      -> {}", f.suggestion);
        }
    }
    if let Some(c) = &report.comparison {
        let _ = writeln!(
            out,
            "\nCompared with {} ({}):",
            c.baseline_path, c.baseline_started_at
        );
        for s in &c.sizes {
            let _ = writeln!(
                out,
                "  {}: {:.4} s -> {:.4} s ({})",
                s.label,
                s.before_wall_seconds,
                s.after_wall_seconds,
                opt(s.wall_ratio, |r| format!("x{r:.2}"))
            );
            for st in &s.stages {
                let _ = writeln!(
                    out,
                    "    {:<11} {:>9.4} -> {:>9.4} s ({:>6})   allocs {} -> {} ({})",
                    st.stage,
                    st.before_wall_seconds,
                    st.after_wall_seconds,
                    opt(st.wall_ratio, |r| format!("x{r:.2}")),
                    opt(st.before_allocations, |v| v.to_string()),
                    opt(st.after_allocations, |v| v.to_string()),
                    opt(st.allocations_ratio, |r| format!("x{r:.2}")),
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

    #[test]
    fn bars_scale_with_share() {
        assert_eq!(bar(0.0).trim_end(), "");
        assert_eq!(bar(0.5).chars().filter(|c| *c == '█').count(), 15);
        assert_eq!(bar(2.0).chars().filter(|c| *c == '█').count(), BAR_WIDTH);
        assert_eq!(bar(0.5).chars().count(), BAR_WIDTH);
    }
}
