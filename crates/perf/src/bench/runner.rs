//! The runner: per size, generate the corpus file once, run warm-ups, run the measured runs
//! through an [`Executor`], then summarise them into a [`SizeResult`] with its verdict.
//!
//! The caller drives sizes one by one ([`Runner::run_size`]) so it can rewrite the report file
//! after each size: a crash keeps what was measured.

use std::path::{Path, PathBuf};

use super::executor::{BenchError, Executor};
use super::report::{RunRecord, Settings, SizeResult, StageResult, Summary};
use super::stats::Sample;
use crate::corpus::{self, MB};

/// Hooks for progress display; every method defaults to nothing.
pub trait Progress {
    /// A size starts: `total_runs` counts warm-ups and measured runs.
    fn size_started(&mut self, _size_bytes: u64, _total_runs: u32) {}
    /// One run (warm-up or measured) finished.
    fn run_finished(&mut self, _size_bytes: u64, _warmup: bool, _record: &RunRecord) {}
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Measures the per-stage breakdown of one in-process run (the pipeline's Observer).
pub trait StageBreakdown {
    /// Runs the pipeline once on `input` and reports each stage's time and throughput.
    fn measure(&mut self, input: &Path, size_bytes: u64) -> Result<Vec<StageResult>, String>;
}

/// Runs the benchmark one size at a time.
pub struct Runner<'a> {
    settings: Settings,
    executor: &'a mut dyn Executor,
    progress: &'a mut dyn Progress,
    stages: Option<&'a mut dyn StageBreakdown>,
    dir: tempfile::TempDir,
}

impl<'a> Runner<'a> {
    /// Checks the settings and creates the private temporary folder for corpus files.
    pub fn new(
        settings: Settings,
        executor: &'a mut dyn Executor,
        progress: &'a mut dyn Progress,
    ) -> Result<Self, BenchError> {
        if settings.runs == 0 {
            return Err(BenchError::Settings("--runs must be at least 1".into()));
        }
        if settings.sizes_bytes.is_empty() {
            return Err(BenchError::Settings("no sizes to measure".into()));
        }
        let dir = tempfile::Builder::new()
            .prefix("customer-snapshot-bench")
            .tempdir()
            .map_err(|source| BenchError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        Ok(Self {
            settings,
            executor,
            progress,
            stages: None,
            dir,
        })
    }

    /// Adds the per-stage breakdown (one extra in-process run per size).
    pub fn with_stage_breakdown(mut self, stages: &'a mut dyn StageBreakdown) -> Self {
        self.stages = Some(stages);
        self
    }

    /// The settings this runner measures with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Generates the file for `size_bytes`, measures it and removes the file.
    pub fn run_size(&mut self, size_bytes: u64) -> Result<SizeResult, BenchError> {
        let input = self.dir.path().join(format!("corpus_{size_bytes}.vtt"));
        self.write_corpus(&input, size_bytes)?;
        let work = self.dir.path().join("work");
        std::fs::create_dir_all(&work).map_err(|source| BenchError::Io {
            path: work.clone(),
            source,
        })?;
        let outcome = self.measure(&input, size_bytes, &work);
        let _ = std::fs::remove_file(&input);
        outcome
    }

    fn measure(
        &mut self,
        input: &Path,
        size_bytes: u64,
        work: &Path,
    ) -> Result<SizeResult, BenchError> {
        let s = &self.settings;
        self.progress.size_started(size_bytes, s.warmup + s.runs);
        for _ in 0..s.warmup {
            let r = self.executor.run(input, size_bytes, work)?;
            self.progress.run_finished(size_bytes, true, &r);
        }
        let mut records = Vec::with_capacity(s.runs as usize);
        for _ in 0..s.runs {
            let r = self.executor.run(input, size_bytes, work)?;
            self.progress.run_finished(size_bytes, false, &r);
            records.push(r);
        }
        let mut result = summarize(size_bytes, records, &self.settings.targets);
        if let Some(stages) = self.stages.as_deref_mut() {
            match stages.measure(input, size_bytes) {
                Ok(list) => result.stages = list,
                Err(e) => result
                    .warnings
                    .push(format!("per-stage breakdown failed: {e}")),
            }
        }
        Ok(result)
    }

    fn write_corpus(&self, path: &PathBuf, size_bytes: u64) -> Result<(), BenchError> {
        let corpus_err = |source| BenchError::Corpus {
            path: path.clone(),
            size_bytes,
            source,
        };
        let file =
            std::fs::File::create(path).map_err(|e| corpus_err(corpus::CorpusError::Io(e)))?;
        corpus::generate(self.settings.corpus, size_bytes, self.settings.seed, file)
            .map_err(corpus_err)?;
        Ok(())
    }
}

/// Summarises one size's measured runs: statistics over the successful runs, warnings, verdict.
pub fn summarize(
    size_bytes: u64,
    records: Vec<RunRecord>,
    targets: &super::targets::Targets,
) -> SizeResult {
    let runs = records.len() as u32;
    let ok: Vec<&RunRecord> = records.iter().filter(|r| r.success).collect();
    let successes = ok.len() as u32;
    let median_of = |f: &dyn Fn(&RunRecord) -> f64| -> Option<f64> {
        let v: Vec<f64> = ok.iter().map(|r| f(r)).collect();
        Sample::new(&v).ok().map(|s| s.median())
    };
    let walls = Sample::new(&ok.iter().map(|r| r.wall_seconds).collect::<Vec<_>>()).ok();
    let wall = walls.as_ref().map(Summary::of);
    let outliers = walls.as_ref().map(Sample::outliers).unwrap_or_default();
    let peak_median = median_of(&|r| r.peak_rss_bytes as f64).map(|v| v.round() as u64);
    let peak_max = ok.iter().map(|r| r.peak_rss_bytes).max();
    let avg: Vec<f64> = ok
        .iter()
        .filter_map(|r| r.avg_rss_bytes)
        .map(|b| b as f64)
        .collect();
    let avg_median = Sample::new(&avg).ok().map(|s| s.median().round() as u64);
    let cpu = median_of(&|r| {
        if r.wall_seconds > 0.0 {
            100.0 * (r.user_seconds + r.sys_seconds) / r.wall_seconds
        } else {
            0.0
        }
    });
    let throughput = wall
        .filter(|w| w.median > 0.0)
        .map(|w| size_bytes as f64 / MB / w.median);

    let mut warnings = Vec::new();
    if successes < runs {
        let reason = records
            .iter()
            .find_map(|r| r.failure.as_deref())
            .unwrap_or("unknown");
        warnings.push(format!(
            "{} of {runs} runs failed; first failure: {reason}",
            runs - successes
        ));
    }
    if outliers.total() > 0 {
        warnings.push(format!(
            "{} statistical outlier(s) detected (Tukey's fences: {} mild, {} severe). Consider \
             re-running on a quieter system, or with more --runs and --warmup.",
            outliers.total(),
            outliers.mild,
            outliers.severe
        ));
    }
    let inexact = ok.iter().filter(|r| !r.peak_rss_exact).count();
    if inexact > 0 {
        warnings.push(format!(
            "peak RSS of {inexact} run(s) is sampled, not exact: the child never outgrew the \
             benchmark process's own peak, which Linux carries into the child's ru_maxrss"
        ));
    }
    if successes > 0 && successes < 3 {
        warnings.push(format!(
            "only {successes} successful run(s): spread and confidence intervals are weak"
        ));
    }
    let verdict = match (wall, peak_max) {
        (Some(w), Some(p)) => targets.judge(size_bytes, w.median, p),
        _ => None,
    };
    SizeResult {
        size_bytes,
        runs,
        successes,
        success_rate: if runs == 0 {
            0.0
        } else {
            f64::from(successes) / f64::from(runs)
        },
        wall_seconds: wall,
        user_seconds_median: median_of(&|r| r.user_seconds),
        sys_seconds_median: median_of(&|r| r.sys_seconds),
        cpu_percent_median: cpu,
        peak_rss_bytes_median: peak_median,
        peak_rss_bytes_max: peak_max,
        avg_rss_bytes_median: avg_median,
        throughput_mb_per_s: throughput,
        outliers,
        warnings,
        verdict,
        stages: Vec::new(),
        run_records: records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::executor::MockExecutor;
    use crate::bench::targets::Targets;
    use crate::corpus::Layout;

    pub(crate) fn settings(sizes: &[u64], runs: u32) -> Settings {
        Settings {
            sizes_bytes: sizes.to_vec(),
            runs,
            warmup: 1,
            corpus: Layout::Realistic,
            seed: 1,
            command: vec!["mock".into()],
            targets: Targets::default(),
        }
    }

    #[derive(Default)]
    struct Count {
        warm: u32,
        measured: u32,
        sizes: Vec<(u64, u32)>,
    }
    impl Progress for Count {
        fn size_started(&mut self, size: u64, total: u32) {
            self.sizes.push((size, total));
        }
        fn run_finished(&mut self, _: u64, warmup: bool, _: &RunRecord) {
            if warmup {
                self.warm += 1
            } else {
                self.measured += 1
            }
        }
    }

    #[test]
    fn runs_warmups_and_summarises_each_size() {
        let mut mock = MockExecutor::new(0.5, 0.02, 9);
        let mut progress = Count::default();
        let mut runner =
            Runner::new(settings(&[100_000, 2_000_000], 5), &mut mock, &mut progress).unwrap();
        let small = runner.run_size(100_000).unwrap();
        let big = runner.run_size(2_000_000).unwrap();
        drop(runner);
        assert_eq!((progress.warm, progress.measured), (2, 10));
        assert_eq!(progress.sizes, vec![(100_000, 6), (2_000_000, 6)]);
        assert_eq!((big.runs, big.successes, big.success_rate), (5, 5, 1.0));
        let w = big.wall_seconds.unwrap();
        assert!((w.median / 1.005 - 1.0).abs() <= 0.02, "{w:?}");
        assert!(w.min <= w.median && w.median <= w.max && w.mad >= 0.0);
        let tp = big.throughput_mb_per_s.unwrap();
        assert!((tp - 2.0 / w.median).abs() < 1e-9);
        assert!(small.verdict.unwrap().pass);
        assert_eq!(big.verdict.as_ref().unwrap().tier, "1–10 MB");
        assert_eq!(big.peak_rss_bytes_max, Some(8_000_000 + 6_000_000));
        assert!((big.cpu_percent_median.unwrap() - 95.0).abs() < 1e-9);
        assert!(big.warnings.is_empty(), "{:?}", big.warnings);
    }

    #[test]
    fn failures_lower_the_success_rate_and_are_explained() {
        let mut mock = MockExecutor::new(0.1, 0.0, 1);
        mock.fail_every = 2;
        let mut quiet = NoProgress;
        let mut runner = Runner::new(settings(&[10_000], 4), &mut mock, &mut quiet).unwrap();
        let r = runner.run_size(10_000).unwrap();
        // Warm-up is call 1; measured calls 2..=5 fail on 2 and 4.
        assert_eq!((r.successes, r.success_rate), (2, 0.5));
        assert!(r.warnings[0].starts_with("2 of 4 runs failed; first failure: mock failure"));
        assert!(r.warnings.iter().any(|w| w.contains("only 2 successful")));
    }

    #[test]
    fn no_success_means_no_statistics_and_no_verdict() {
        let records = vec![RunRecord {
            wall_seconds: 1.0,
            user_seconds: 0.0,
            sys_seconds: 0.0,
            peak_rss_bytes: 1,
            peak_rss_exact: true,
            avg_rss_bytes: None,
            success: false,
            failure: Some("exit code 2: bad".into()),
        }];
        let r = summarize(1000, records, &Targets::default());
        assert_eq!(r.wall_seconds, None);
        assert_eq!(r.verdict, None);
        assert_eq!(r.success_rate, 0.0);
    }

    #[test]
    fn an_outlier_run_is_flagged() {
        let rec = |w: f64| RunRecord {
            wall_seconds: w,
            user_seconds: w,
            sys_seconds: 0.0,
            peak_rss_bytes: 1000,
            peak_rss_exact: true,
            avg_rss_bytes: Some(900),
            success: true,
            failure: None,
        };
        let r = summarize(
            1000,
            [1.0, 1.01, 0.99, 1.0, 1.02, 3.0].map(rec).to_vec(),
            &Targets::default(),
        );
        assert_eq!(r.outliers.severe, 1);
        assert!(r.warnings.iter().any(|w| w.contains("outlier")));
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut mock = MockExecutor::new(0.1, 0.0, 1);
        let mut quiet = NoProgress;
        assert!(Runner::new(settings(&[1000], 0), &mut mock, &mut quiet).is_err());
        assert!(Runner::new(settings(&[], 3), &mut mock, &mut quiet).is_err());
    }
}
