//! The benchmark report: the JSON wire model every rendering (terminal, Markdown, CSV) and the
//! history read from. Units are in field names; `schema_version` changes when a field's meaning
//! does (additions keep it).

use serde::{Deserialize, Serialize};

use super::ai::AiStageReport;
use super::compare::{AiComparison, SizeComparison};
use super::stats::Outliers;
use super::targets::{Targets, Verdict};
use crate::corpus::Layout;
/// The machine and the tool; shared with the optimization report (see [`crate::system`]).
pub use crate::system::SystemInfo;

/// Version of this report's layout.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkReport {
    /// Layout version of this document ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// When the run started, UTC, RFC 3339.
    pub started_at: String,
    /// True once every size has been measured (false in files rewritten mid-run).
    pub complete: bool,
    /// The machine and the tool that measured.
    pub system: SystemInfo,
    /// How the run was configured.
    pub settings: Settings,
    /// One entry per size, in the order measured.
    pub results: Vec<SizeResult>,
    /// Per-size comparison with a baseline, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineComparison>,
    /// The AI stage against the loopback API, when asked for (`--ai-loopback-latency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai: Option<AiStageReport>,
}

/// How the benchmark was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// File sizes measured, in bytes.
    pub sizes_bytes: Vec<u64>,
    /// Measured runs per size.
    pub runs: u32,
    /// Unmeasured warm-up runs per size.
    pub warmup: u32,
    /// Corpus layout.
    pub corpus: Layout,
    /// Corpus generator seed.
    pub seed: u64,
    /// What each run executes; `{input}` and `{output}` stand for the paths.
    pub command: Vec<String>,
    /// The targets table the verdicts used.
    pub targets: Targets,
}

/// One measured run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// Elapsed real time.
    pub wall_seconds: f64,
    /// User-mode CPU time.
    pub user_seconds: f64,
    /// Kernel CPU time.
    pub sys_seconds: f64,
    /// Peak resident set size.
    pub peak_rss_bytes: u64,
    /// False when the peak is from sampling or an upper bound (see `measure::child`).
    #[serde(default = "yes")]
    pub peak_rss_exact: bool,
    /// Mean sampled resident set size, when at least one sample was taken.
    pub avg_rss_bytes: Option<u64>,
    /// True when the process exited 0 and its output had every section.
    pub success: bool,
    /// Why the run failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

fn yes() -> bool {
    true
}

/// min/median/mean/max/stddev/MAD of one quantity over the successful runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Smallest value.
    pub min: f64,
    /// Median.
    pub median: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Largest value.
    pub max: f64,
    /// Sample standard deviation; `None` with one run.
    pub stddev: Option<f64>,
    /// Median absolute deviation (unscaled).
    pub mad: f64,
}

impl Summary {
    /// Summarises a sample.
    pub fn of(s: &super::stats::Sample) -> Self {
        Self {
            min: s.min(),
            median: s.median(),
            mean: s.mean(),
            max: s.max(),
            stddev: s.stddev(),
            mad: s.mad(),
        }
    }
}

/// Everything measured for one file size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeResult {
    /// Size of the generated file.
    pub size_bytes: u64,
    /// Measured runs (warm-ups excluded).
    pub runs: u32,
    /// Runs that succeeded.
    pub successes: u32,
    /// `successes / runs`, 0 to 1.
    pub success_rate: f64,
    /// Wall time over the successful runs; `None` when none succeeded.
    pub wall_seconds: Option<Summary>,
    /// Median user CPU time.
    pub user_seconds_median: Option<f64>,
    /// Median system CPU time.
    pub sys_seconds_median: Option<f64>,
    /// Median of (user + sys) / wall, in percent of one core.
    pub cpu_percent_median: Option<f64>,
    /// Median peak RSS.
    pub peak_rss_bytes_median: Option<u64>,
    /// Largest peak RSS of any successful run.
    pub peak_rss_bytes_max: Option<u64>,
    /// Median of the runs' sampled average RSS.
    pub avg_rss_bytes_median: Option<u64>,
    /// Size over median wall time, in SI MB per second.
    pub throughput_mb_per_s: Option<f64>,
    /// Wall-time outliers by Tukey's fences.
    pub outliers: Outliers,
    /// Warnings about the measurement (outliers, failures), hyperfine-style.
    pub warnings: Vec<String>,
    /// The verdict against the targets table; `None` above the table or without a success.
    pub verdict: Option<Verdict>,
    /// The per-stage in-process breakdown, when measured.
    #[serde(default)]
    pub stages: Vec<StageResult>,
    /// Every measured run, in order.
    pub run_records: Vec<RunRecord>,
}

/// One pipeline stage's share, from an extra in-process run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageResult {
    /// Stage name.
    pub stage: String,
    /// Time spent in the stage.
    pub seconds: f64,
    /// Input size over the stage's time; `None` when the stage took no measurable time.
    pub throughput_mb_per_s: Option<f64>,
}

/// The comparison with a baseline run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineComparison {
    /// Where the baseline came from (a path, or "history run N").
    pub source: String,
    /// When the baseline run started.
    pub started_at: String,
    /// One entry per size present in both runs.
    pub sizes: Vec<SizeComparison>,
    /// The AI stage per concurrency limit present in both runs (absent when either had none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ai: Vec<AiComparison>,
}

impl SizeResult {
    /// Wall times of the successful runs.
    pub fn successful_walls(&self) -> Vec<f64> {
        self.run_records
            .iter()
            .filter(|r| r.success)
            .map(|r| r.wall_seconds)
            .collect()
    }

    /// Peak RSS of the successful runs, as floats for statistics.
    pub fn successful_peaks(&self) -> Vec<f64> {
        self.run_records
            .iter()
            .filter(|r| r.success)
            .map(|r| r.peak_rss_bytes as f64)
            .collect()
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (UTC), without a date-time dependency.
pub fn rfc3339_utc(unix_seconds: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix_seconds);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `benchmark_results_YYYYMMDD_HHMMSS.json` for a Unix time (UTC).
pub fn default_file_name(unix_seconds: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix_seconds);
    format!("benchmark_results_{y:04}{mo:02}{d:02}_{h:02}{mi:02}{s:02}.json")
}

/// Splits a Unix time into UTC civil fields (Howard Hinnant's `civil_from_days`).
fn civil(t: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (t / 86_400) as i64;
    let secs = t % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::bench::runner::summarize;

    /// A fixed two-size report for the renderers' tests.
    pub(crate) fn sample_report() -> BenchmarkReport {
        let run = |wall: f64, peak: u64| RunRecord {
            wall_seconds: wall,
            user_seconds: wall * 0.8,
            sys_seconds: wall * 0.1,
            peak_rss_bytes: peak,
            peak_rss_exact: true,
            avg_rss_bytes: Some(peak / 2),
            success: true,
            failure: None,
        };
        let targets = Targets::default();
        let small = summarize(
            100_000,
            vec![
                run(0.010, 4_000_000),
                run(0.012, 4_100_000),
                run(0.011, 4_000_000),
            ],
            &targets,
        );
        let mut big = summarize(
            10_000_000,
            vec![
                run(0.50, 9_000_000),
                run(0.52, 9_200_000),
                run(0.51, 9_100_000),
            ],
            &targets,
        );
        big.stages = vec![StageResult {
            stage: "parse".into(),
            seconds: 0.05,
            throughput_mb_per_s: Some(200.0),
        }];
        BenchmarkReport {
            schema_version: SCHEMA_VERSION,
            started_at: "2026-11-26T06:00:00Z".into(),
            complete: true,
            system: SystemInfo {
                cpu_model: "Test CPU".into(),
                logical_cores: 2,
                physical_cores: Some(1),
                memory_total_bytes: 8_000_000_000,
                os: "Linux (Test)".into(),
                kernel: Some("6.1.0".into()),
                tool_version: "0.1.0".into(),
                git_commit: Some("abc1234".into()),
                release_build: None,
            },
            settings: Settings {
                sizes_bytes: vec![100_000, 10_000_000],
                runs: 3,
                warmup: 1,
                corpus: Layout::Realistic,
                seed: 42,
                command: vec!["customer-snapshot".into(), "process".into()],
                targets,
            },
            results: vec![small, big],
            baseline: None,
            ai: None,
        }
    }

    #[test]
    fn utc_formatting_matches_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        // `date -u -d @1795000000` -> 2026-11-18T11:06:40Z
        assert_eq!(rfc3339_utc(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            default_file_name(1_795_000_000),
            "benchmark_results_20261118_110640.json"
        );
    }
}
