//! The benchmark report as JSON: the primary format, which the other renderings read from.

use std::path::{Path, PathBuf};

use crate::bench::report::{BenchmarkReport, SCHEMA_VERSION};

/// A report file could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read '{path}': {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a benchmark report.
    #[error("'{path}' is not a benchmark report: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why parsing failed.
        source: serde_json::Error,
    },
    /// The report was written by an incompatible version.
    #[error("'{path}' has schema_version {found}; this tool reads {SCHEMA_VERSION}")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u64,
    },
}

/// Pretty-printed JSON of the report, newline-terminated.
pub fn benchmark_report(report: &BenchmarkReport) -> String {
    let mut s = serde_json::to_string_pretty(report)
        .expect("a report is plain data with string keys, which always serialises");
    s.push('\n');
    s
}

/// Parses a report, checking `schema_version` first so an old file gets a clear message.
pub fn parse_benchmark_report(text: &str, path: &Path) -> Result<BenchmarkReport, ReadError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|source| ReadError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    let found = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64);
    if let Some(found) = found.filter(|v| *v != u64::from(SCHEMA_VERSION)) {
        return Err(ReadError::Version {
            path: path.to_path_buf(),
            found,
        });
    }
    serde_json::from_value(value).map_err(|source| ReadError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a report file.
pub fn read_benchmark_report(path: &Path) -> Result<BenchmarkReport, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_benchmark_report(&text, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_report;

    #[test]
    fn round_trips_and_names_units() {
        let r = sample_report();
        let text = benchmark_report(&r);
        assert!(text.starts_with("{\n  \"schema_version\": 1,"));
        for key in [
            "\"wall_seconds\"",
            "\"peak_rss_bytes_max\"",
            "\"throughput_mb_per_s\"",
            "\"cpu_model\"",
        ] {
            assert!(text.contains(key), "{key}");
        }
        assert_eq!(
            parse_benchmark_report(&text, Path::new("r.json")).unwrap(),
            r
        );
    }

    #[test]
    fn wrong_files_get_clear_errors() {
        let p = Path::new("old.json");
        let e = parse_benchmark_report("{\"schema_version\": 99}", p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "'old.json' has schema_version 99; this tool reads 1"
        );
        let e = parse_benchmark_report("{\"results\": 3}", p).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("'old.json' is not a benchmark report"),
            "{e}"
        );
        let e = read_benchmark_report(Path::new("/nonexistent/x.json")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.json"));
    }
}
