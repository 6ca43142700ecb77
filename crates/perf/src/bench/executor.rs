//! Who runs one benchmark iteration: the real child-process [`ProcessExecutor`], or the
//! deterministic [`MockExecutor`] that tests and `--debug-mode` use (as hyperfine's does), so
//! the runner, the statistics and the regression gate are testable without timing noise.

use std::path::{Path, PathBuf};

use serde::Deserialize as _;

use super::report::RunRecord;
use crate::corpus::{MB, SplitMix64};
use crate::measure::child;

/// The sections a successful run's JSON snapshot must contain.
pub const REQUIRED_SECTIONS: &[&str] = &[
    "schema_version",
    "source",
    "speakers",
    "entities",
    "topics",
    "technical_terms",
    "action_items",
    "questions",
    "transcript",
    "stats",
];

/// Errors that stop the benchmark (a failed run is not one: it is recorded and counted).
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The measured program could not be started or waited for.
    #[error(transparent)]
    Measure(#[from] child::MeasureError),
    /// Generating the corpus failed.
    #[error("generating the {size_bytes}-byte corpus at '{path}': {source}")]
    Corpus {
        /// The corpus file.
        path: PathBuf,
        /// Requested size.
        size_bytes: u64,
        /// The cause.
        source: crate::corpus::CorpusError,
    },
    /// A file or folder operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The settings cannot be run.
    #[error("invalid benchmark settings: {0}")]
    Settings(String),
}

/// Runs the workload once on `input`, writing into `work_dir`, and reports what it cost.
pub trait Executor {
    /// The command line each run executes, with `{input}` / `{output}` placeholders.
    fn describe(&self) -> Vec<String>;

    /// One measured run on a file of `size_bytes` bytes.
    fn run(
        &mut self,
        input: &Path,
        size_bytes: u64,
        work_dir: &Path,
    ) -> Result<RunRecord, BenchError>;
}

/// Runs `PROGRAM process INPUT -f json -o OUTPUT` as a child process and checks its output.
#[derive(Debug, Clone)]
pub struct ProcessExecutor {
    program: PathBuf,
}

impl ProcessExecutor {
    /// Measures `program` (normally `std::env::current_exe()`).
    pub fn new(program: PathBuf) -> Self {
        Self { program }
    }
}

impl Executor for ProcessExecutor {
    fn describe(&self) -> Vec<String> {
        [
            &*self.program.to_string_lossy(),
            "process",
            "{input}",
            "-f",
            "json",
            "-o",
            "{output}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    fn run(
        &mut self,
        input: &Path,
        _size_bytes: u64,
        work_dir: &Path,
    ) -> Result<RunRecord, BenchError> {
        let output = work_dir.join("out.json");
        // A stale file from an earlier run must not pass for this run's output.
        let _ = std::fs::remove_file(&output);
        let args = [
            "process".as_ref(),
            input.as_os_str(),
            "-f".as_ref(),
            "json".as_ref(),
            "-o".as_ref(),
            output.as_os_str(),
        ];
        let m = child::run(&self.program, args)?;
        let failure = if m.status.success() {
            check_output(&output).err()
        } else {
            let tail = m.stderr_tail.trim();
            let last = tail.lines().last().unwrap_or("");
            Some(format!("{}: {last}", m.status))
        };
        let _ = std::fs::remove_file(&output);
        Ok(RunRecord {
            wall_seconds: m.wall_seconds,
            user_seconds: m.user_seconds,
            sys_seconds: m.sys_seconds,
            peak_rss_bytes: m.peak_rss_bytes,
            peak_rss_exact: m.peak_rss_exact,
            avg_rss_bytes: m.avg_rss_bytes,
            success: failure.is_none(),
            failure,
        })
    }
}

/// Checks that a JSON snapshot file exists, parses and has every [`REQUIRED_SECTIONS`] key
/// with a non-null value. Streams the file without building it in memory: the benchmark
/// process must stay small, or its own peak RSS would mask the children's (see
/// `measure::child`).
pub fn check_output(path: &Path) -> Result<(), String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("no output at '{}': {e}", path.display()))?;
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(file));
    let keys = TopLevelKeys::deserialize(&mut de)
        .and_then(|k| de.end().map(|()| k))
        .map_err(|e| format!("output '{}' is not a JSON object: {e}", path.display()))?;
    missing_sections(&keys.0)
}

fn missing_sections(present: &[String]) -> Result<(), String> {
    let missing: Vec<&str> = REQUIRED_SECTIONS
        .iter()
        .copied()
        .filter(|k| !present.iter().any(|p| p == k))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("output lacks section(s): {}", missing.join(", ")))
    }
}

/// The top-level keys of a JSON object whose values are not null; values are skipped unread.
struct TopLevelKeys(Vec<String>);

impl<'de> serde::Deserialize<'de> for TopLevelKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = TopLevelKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<TopLevelKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if map.next_value::<Option<serde::de::IgnoredAny>>()?.is_some() {
                        keys.push(key);
                    }
                }
                Ok(TopLevelKeys(keys))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A deterministic stand-in: wall time is `fixed + seconds_per_mb × size` times a seeded noise
/// factor in `[1 - noise, 1 + noise]`; CPU, memory and success follow from it. Nothing runs.
#[derive(Debug, Clone)]
pub struct MockExecutor {
    /// Seconds per MB of input.
    pub seconds_per_mb: f64,
    /// Fixed start-up seconds per run.
    pub fixed_seconds: f64,
    /// Relative noise amplitude (0.05 = ±5 %).
    pub noise: f64,
    /// Every n-th run fails (0 = never).
    pub fail_every: u32,
    rng: SplitMix64,
    count: u32,
}

impl MockExecutor {
    /// A mock with the given speed and noise, seeded for reproducibility.
    pub fn new(seconds_per_mb: f64, noise: f64, seed: u64) -> Self {
        Self {
            seconds_per_mb,
            fixed_seconds: 0.005,
            noise,
            fail_every: 0,
            rng: SplitMix64::new(seed),
            count: 0,
        }
    }
}

impl Executor for MockExecutor {
    fn describe(&self) -> Vec<String> {
        vec![format!(
            "mock: {} s/MB + {} s, ±{}%",
            self.seconds_per_mb,
            self.fixed_seconds,
            self.noise * 100.0
        )]
    }

    fn run(
        &mut self,
        _input: &Path,
        size_bytes: u64,
        _work_dir: &Path,
    ) -> Result<RunRecord, BenchError> {
        self.count += 1;
        let factor = 1.0 + self.noise * (2.0 * self.rng.unit() - 1.0);
        let mb = size_bytes as f64 / MB;
        let wall = (self.fixed_seconds + self.seconds_per_mb * mb) * factor;
        let fails = self.fail_every > 0 && self.count.is_multiple_of(self.fail_every);
        let peak = 8_000_000 + 3 * size_bytes;
        Ok(RunRecord {
            wall_seconds: wall,
            user_seconds: wall * 0.9,
            sys_seconds: wall * 0.05,
            peak_rss_bytes: peak,
            peak_rss_exact: true,
            avg_rss_bytes: Some(peak * 2 / 3),
            success: !fails,
            failure: fails.then(|| "mock failure".to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sections_are_all_required() {
        let all: Vec<String> = REQUIRED_SECTIONS.iter().map(|k| (*k).to_owned()).collect();
        assert_eq!(missing_sections(&all), Ok(()));
        let some: Vec<String> = all
            .into_iter()
            .filter(|k| k != "topics" && k != "questions")
            .collect();
        assert_eq!(
            missing_sections(&some).unwrap_err(),
            "output lacks section(s): topics, questions"
        );
    }

    #[test]
    fn output_files_are_checked_by_streaming() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.json");
        let mut full = serde_json::Map::new();
        for k in REQUIRED_SECTIONS {
            full.insert((*k).to_owned(), json!({"nested": [1, {"a": null}]}));
        }
        std::fs::write(&p, serde_json::to_vec(&full).unwrap()).unwrap();
        assert_eq!(check_output(&p), Ok(()));
        full.insert("stats".into(), serde_json::Value::Null);
        std::fs::write(&p, serde_json::to_vec(&full).unwrap()).unwrap();
        assert_eq!(
            check_output(&p),
            Err("output lacks section(s): stats".into())
        );
        std::fs::write(&p, b"{\"schema_version\": 1").unwrap();
        assert!(
            check_output(&p)
                .unwrap_err()
                .contains("is not a JSON object")
        );
        std::fs::write(&p, b"[]").unwrap();
        assert!(
            check_output(&p)
                .unwrap_err()
                .contains("is not a JSON object")
        );
    }

    #[test]
    fn process_executor_records_a_failing_child_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        // `false` ignores its arguments and exits 1: the run must be recorded as failed.
        let mut ex = ProcessExecutor::new(PathBuf::from("/bin/false"));
        let r = ex.run(Path::new("in.vtt"), 10, dir.path()).unwrap();
        assert!(!r.success);
        assert!(r.failure.unwrap().starts_with("exit code 1"));
        // `true` exits 0 but writes nothing: still a failure, for the missing output.
        let mut ex = ProcessExecutor::new(PathBuf::from("/bin/true"));
        let r = ex.run(Path::new("in.vtt"), 10, dir.path()).unwrap();
        assert!(r.failure.unwrap().starts_with("no output"));
    }

    #[test]
    fn mock_is_deterministic_and_scales_with_size() {
        let dir = Path::new(".");
        let mut a = MockExecutor::new(0.1, 0.0, 1);
        let r = a.run(dir, 2_000_000, dir).unwrap();
        assert!((r.wall_seconds - 0.205).abs() < 1e-12);
        let walls = |seed| {
            let mut m = MockExecutor::new(0.1, 0.05, seed);
            (0..5)
                .map(|_| m.run(dir, 1_000_000, dir).unwrap().wall_seconds)
                .collect::<Vec<_>>()
        };
        assert_eq!(walls(3), walls(3));
        assert!(
            walls(3)
                .iter()
                .all(|w| (w / 0.105 - 1.0).abs() <= 0.05 + 1e-12)
        );
    }
}
