//! Baseline comparison and the regression gate.
//!
//! For each size present in both runs, the ratios current / baseline of median wall time and
//! median peak RSS come with a percentile-bootstrap confidence interval over the individual
//! runs (see [`super::stats`]); throughput is the inverse of the wall ratio. The gate
//! (`--fail-if-slower PCT`) fails a size only when the *whole* wall-time interval lies beyond
//! `1 + PCT/100`: noise that straddles the threshold never fails it, a clear slowdown does.

use serde::{Deserialize, Serialize};

use super::report::{BenchmarkReport, SizeResult};
use super::stats::{Bootstrap, RatioCi, Sample};

/// One size compared with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeComparison {
    /// The file size both runs measured.
    pub size_bytes: u64,
    /// Median wall time, current over baseline (> 1 is slower).
    pub wall_ratio: RatioCi,
    /// Median peak RSS, current over baseline (> 1 uses more memory).
    pub peak_rss_ratio: RatioCi,
    /// Throughput, current over baseline (> 1 is faster): the inverse of `wall_ratio`.
    pub throughput_ratio: RatioCi,
    /// The wall-time reading in words, e.g. "1.23× slower ± 0.05".
    pub summary: String,
}

/// Compares every size measured by both runs (matched by exact size); sizes without a
/// successful run on either side are left out.
pub fn compare(
    current: &BenchmarkReport,
    baseline: &BenchmarkReport,
    boot: &Bootstrap,
) -> Vec<SizeComparison> {
    current
        .results
        .iter()
        .filter_map(|cur| {
            let base = baseline
                .results
                .iter()
                .find(|b| b.size_bytes == cur.size_bytes)?;
            compare_size(cur, base, boot)
        })
        .collect()
}

/// Compares one size; `None` when either side has no successful run.
pub fn compare_size(
    cur: &SizeResult,
    base: &SizeResult,
    boot: &Bootstrap,
) -> Option<SizeComparison> {
    let wall = boot
        .median_ratio(
            &Sample::new(&cur.successful_walls()).ok()?,
            &Sample::new(&base.successful_walls()).ok()?,
        )
        .ok()?;
    let rss = boot
        .median_ratio(
            &Sample::new(&cur.successful_peaks()).ok()?,
            &Sample::new(&base.successful_peaks()).ok()?,
        )
        .ok()?;
    let throughput = RatioCi {
        ratio: 1.0 / wall.ratio,
        lower: 1.0 / wall.upper,
        upper: 1.0 / wall.lower,
        confidence: wall.confidence,
    };
    Some(SizeComparison {
        size_bytes: cur.size_bytes,
        summary: describe_ratio(&wall, "slower", "faster"),
        wall_ratio: wall,
        peak_rss_ratio: rss,
        throughput_ratio: throughput,
    })
}

/// "1.23× slower ± 0.05" for ratios above 1, "1.25× faster ± 0.04" below (ratios inverted so
/// both read as "n times"); the ± is the interval's half-width on that scale.
pub fn describe_ratio(ci: &RatioCi, above: &str, below: &str) -> String {
    let (r, lo, hi, word) = if ci.ratio >= 1.0 {
        (ci.ratio, ci.lower, ci.upper, above)
    } else {
        (1.0 / ci.ratio, 1.0 / ci.upper, 1.0 / ci.lower, below)
    };
    let half = (hi - lo) / 2.0;
    if format!("{r:.2}") == "1.00" {
        return format!(
            "no change ± {half:.2} ({:.0}% CI {:.2}–{:.2})",
            ci.confidence * 100.0,
            ci.lower,
            ci.upper
        );
    }
    format!(
        "{r:.2}× {word} ± {half:.2} ({:.0}% CI {lo:.2}–{hi:.2})",
        ci.confidence * 100.0
    )
}

/// The AI stage at one concurrency limit, against the baseline's at the same limit. Each side is
/// one run, so there is a ratio but no interval, and the gate does not read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiComparison {
    /// API calls allowed in flight, in both runs.
    pub concurrency: usize,
    /// This run's stage wall time.
    pub wall_seconds: f64,
    /// The baseline's stage wall time.
    pub baseline_wall_seconds: f64,
    /// `wall_seconds / baseline_wall_seconds` (> 1 is slower); `None` when the baseline took no
    /// measurable time.
    pub wall_ratio: Option<f64>,
    /// False when the two runs' loopback APIs added different latencies, which alone changes
    /// the wall time.
    pub same_latency: bool,
    /// The reading in words, e.g. "1.25× faster (one run each)".
    pub summary: String,
}

/// Compares the AI stage wall time per concurrency limit present in both runs; empty when
/// either run has no AI stage.
pub fn compare_ai(current: &BenchmarkReport, baseline: &BenchmarkReport) -> Vec<AiComparison> {
    let (Some(cur), Some(base)) = (&current.ai, &baseline.ai) else {
        return Vec::new();
    };
    let same_latency = (cur.latency_seconds - base.latency_seconds).abs() < 1e-9;
    cur.results
        .iter()
        .filter_map(|c| {
            let b = base
                .results
                .iter()
                .find(|b| b.concurrency == c.concurrency)?;
            let wall_ratio = (b.wall_seconds > 0.0).then(|| c.wall_seconds / b.wall_seconds);
            let mut summary = match wall_ratio {
                Some(r) if format!("{r:.2}") == "1.00" => "no change (one run each)".to_owned(),
                Some(r) if r > 1.0 => format!("{r:.2}× slower (one run each)"),
                Some(r) => format!("{:.2}× faster (one run each)", 1.0 / r),
                None => "baseline took no measurable time".to_owned(),
            };
            if !same_latency {
                summary.push_str(&format!(
                    "; not like for like: {} s added per answer here, {} s in the baseline",
                    cur.latency_seconds, base.latency_seconds
                ));
            }
            Some(AiComparison {
                concurrency: c.concurrency,
                wall_seconds: c.wall_seconds,
                baseline_wall_seconds: b.wall_seconds,
                wall_ratio,
                same_latency,
                summary,
            })
        })
        .collect()
}

/// The regression gate's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOutcome {
    /// The threshold, as a ratio (1.10 for 10 %).
    pub threshold: f64,
    /// Sizes whose whole wall-time interval is above the threshold.
    pub regressions: Vec<u64>,
}

impl GateOutcome {
    /// True when no size regressed beyond the threshold.
    pub fn passed(&self) -> bool {
        self.regressions.is_empty()
    }
}

/// Applies `--fail-if-slower PCT` to a comparison.
pub fn gate(comparisons: &[SizeComparison], fail_if_slower_pct: f64) -> GateOutcome {
    let threshold = 1.0 + fail_if_slower_pct / 100.0;
    GateOutcome {
        threshold,
        regressions: comparisons
            .iter()
            .filter(|c| c.wall_ratio.lower > threshold)
            .map(|c| c.size_bytes)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::executor::MockExecutor;
    use crate::bench::report::{SCHEMA_VERSION, SystemInfo};
    use crate::bench::runner::{NoProgress, Runner};
    use crate::bench::targets::Targets;
    use crate::corpus::Layout;

    /// A whole benchmark run through the runner with a deterministic mock executor.
    fn run_with(mock: &mut MockExecutor, runs: u32) -> BenchmarkReport {
        let sizes = vec![100_000, 1_000_000];
        let settings = crate::bench::report::Settings {
            sizes_bytes: sizes.clone(),
            runs,
            warmup: 1,
            corpus: Layout::Seed,
            seed: 1,
            command: mock_describe(mock),
            targets: Targets::default(),
        };
        let mut quiet = NoProgress;
        let mut runner = Runner::new(settings.clone(), mock, &mut quiet).unwrap();
        let results = sizes.iter().map(|s| runner.run_size(*s).unwrap()).collect();
        BenchmarkReport {
            schema_version: SCHEMA_VERSION,
            started_at: "2026-01-01T00:00:00Z".into(),
            complete: true,
            system: SystemInfo::for_benchmark("test", None),
            settings,
            results,
            baseline: None,
            ai: None,
        }
    }

    fn mock_describe(m: &MockExecutor) -> Vec<String> {
        use crate::bench::executor::Executor;
        m.describe()
    }

    #[test]
    fn a_noisy_but_equal_run_does_not_fail_the_gate() {
        // ±8 % noise on both sides, same speed: the interval must straddle 1 and stay under 1.10.
        for seed in 0..20 {
            let base = run_with(&mut MockExecutor::new(0.2, 0.08, seed), 10);
            let cur = run_with(&mut MockExecutor::new(0.2, 0.08, seed + 1000), 10);
            let cmp = compare(&cur, &base, &Bootstrap::default());
            assert_eq!(cmp.len(), 2);
            let g = gate(&cmp, 10.0);
            assert!(
                g.passed(),
                "seed {seed}: {:?}",
                cmp.iter().map(|c| &c.summary).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_real_two_fold_slowdown_fails_the_gate() {
        let base = run_with(&mut MockExecutor::new(0.2, 0.08, 1), 5);
        let mut slow = MockExecutor::new(0.4, 0.08, 2);
        slow.fixed_seconds *= 2.0;
        let cur = run_with(&mut slow, 5);
        let cmp = compare(&cur, &base, &Bootstrap::default());
        let g = gate(&cmp, 10.0);
        assert_eq!(g.regressions, vec![100_000, 1_000_000]);
        let c = &cmp[1];
        assert!(
            c.wall_ratio.lower > 1.7 && c.wall_ratio.upper < 2.3,
            "{c:?}"
        );
        assert!((1.8..2.2).contains(&c.wall_ratio.ratio), "{c:?}");
        assert!(c.summary.contains("× slower ± "), "{}", c.summary);
        assert!((c.throughput_ratio.ratio * c.wall_ratio.ratio - 1.0).abs() < 1e-12);
        // A 2× slowdown is not beyond a 150 % threshold.
        assert!(gate(&cmp, 150.0).passed());
    }

    #[test]
    fn the_ai_stage_compares_per_concurrency_and_tolerates_a_side_without_it() {
        let mut base = run_with(&mut MockExecutor::new(0.2, 0.0, 1), 2);
        let mut cur = base.clone();
        assert!(compare_ai(&cur, &base).is_empty());
        cur.ai = Some(crate::bench::ai::tests::sample_stage());
        assert!(
            compare_ai(&cur, &base).is_empty(),
            "baseline without AI stage"
        );
        assert!(
            compare_ai(&base, &cur).is_empty(),
            "current without AI stage"
        );
        let mut b_ai = crate::bench::ai::tests::sample_stage();
        b_ai.results[0].wall_seconds = 2.8; // concurrency 1 was twice as fast before
        b_ai.results.retain(|r| r.concurrency == 1);
        base.ai = Some(b_ai.clone());
        let cmp = compare_ai(&cur, &base);
        assert_eq!(cmp.len(), 1, "only concurrency limits both runs have");
        assert_eq!(cmp[0].concurrency, 1);
        assert_eq!(cmp[0].wall_ratio, Some(2.0));
        assert!(cmp[0].same_latency);
        assert_eq!(cmp[0].summary, "2.00× slower (one run each)");
        b_ai.latency_seconds = 0.2;
        b_ai.results[0].wall_seconds = 11.2;
        base.ai = Some(b_ai);
        let cmp = compare_ai(&cur, &base);
        assert!(!cmp[0].same_latency);
        assert!(
            cmp[0].summary.starts_with("2.00× faster"),
            "{}",
            cmp[0].summary
        );
        assert!(cmp[0].summary.contains("not like for like"));
    }

    #[test]
    fn ratios_read_both_ways() {
        let ci = |ratio, lower, upper| RatioCi {
            ratio,
            lower,
            upper,
            confidence: 0.95,
        };
        assert_eq!(
            describe_ratio(&ci(1.23, 1.18, 1.28), "slower", "faster"),
            "1.23× slower ± 0.05 (95% CI 1.18–1.28)"
        );
        assert_eq!(
            describe_ratio(&ci(0.8, 0.75, 0.85), "slower", "faster"),
            "1.25× faster ± 0.08 (95% CI 1.18–1.33)"
        );
    }
}
