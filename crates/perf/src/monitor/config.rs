//! The monitor's settings as a plain struct: the performance guide's defaults, loadable from the
//! `[monitor]` table of `customer-snapshot.toml` (unknown keys rejected), overridden by flags.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// Everything the monitor needs to know besides where to send its output.
///
/// ```toml
/// [monitor]
/// interval = "10s"
/// report_interval = "300s"
/// process = "customer-snapshot"
/// disk_paths = ["/", "/srv/snapshots"]
///
/// [monitor.thresholds]
/// cpu_percent = { warning = 80, critical = 95 }
/// min_duration_samples = 3
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Time between two samples (guide: 10 s).
    #[serde(
        deserialize_with = "duration::deserialize",
        serialize_with = "ser_duration"
    )]
    pub interval: Duration,
    /// Time between two periodic reports (guide: 300 s).
    #[serde(
        deserialize_with = "duration::deserialize",
        serialize_with = "ser_duration"
    )]
    pub report_interval: Duration,
    /// Name of the application processes to watch, aggregated across PIDs.
    pub process: String,
    /// Paths whose filesystems are watched for usage and free space besides `/`, which always
    /// is (the filesystem holding each path is found; duplicates are merged).
    pub disk_paths: Vec<PathBuf>,
    /// Alert thresholds.
    pub thresholds: Thresholds,
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&duration::format_duration(*d))
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            report_interval: Duration::from_secs(300),
            process: DEFAULT_PROCESS.to_owned(),
            disk_paths: Vec::new(),
            thresholds: Thresholds::default(),
        }
    }
}

/// The application's binary name, watched unless told otherwise.
pub const DEFAULT_PROCESS: &str = "customer-snapshot";

/// A warning and a critical level for one metric. For "above" metrics (CPU, memory, disk use,
/// process memory) critical is the higher number; for "below" metrics (disk free) the lower.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Levels {
    /// Crossing this raises a warning.
    pub warning: f64,
    /// Crossing this raises a critical alert.
    pub critical: f64,
}

impl Levels {
    /// Warning and critical levels.
    pub const fn new(warning: f64, critical: f64) -> Self {
        Self { warning, critical }
    }
}

/// Alert thresholds (guide defaults: CPU > 80 %, memory > 85 %, disk > 90 %, disk free < 1 GB,
/// process memory > 1 GB; critical at 95 %, 95 %, 95 %, 0.5 GB, 2 GB).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// CPU use in percent of the machine (or of the container's CPU limit).
    pub cpu_percent: Levels,
    /// Memory use in percent of total memory (or of the container's memory limit).
    pub memory_percent: Levels,
    /// Disk use in percent of each watched filesystem.
    pub disk_percent: Levels,
    /// Free space on each watched filesystem, in GB (10^9 bytes); alerts when below.
    pub disk_free_gb: Levels,
    /// Resident memory of the watched application (all its processes together), in MB (10^6 bytes).
    pub process_memory_mb: Levels,
    /// Consecutive samples past a level before the alert fires (and, symmetrically, clear of it
    /// before it resolves).
    pub min_duration_samples: u32,
    /// How far back past the threshold a value must come before an alert resolves, as a fraction
    /// of the threshold (0.05: an 80 % CPU alert resolves below 76 %). Stops flapping.
    pub hysteresis_fraction: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            cpu_percent: Levels::new(80.0, 95.0),
            memory_percent: Levels::new(85.0, 95.0),
            disk_percent: Levels::new(90.0, 95.0),
            disk_free_gb: Levels::new(1.0, 0.5),
            process_memory_mb: Levels::new(1000.0, 2000.0),
            min_duration_samples: 3,
            hysteresis_fraction: 0.05,
        }
    }
}

/// A threshold setting that cannot work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A level is negative or not a number.
    #[error("monitor threshold '{name}' must be a number >= 0, got {value}")]
    BadLevel {
        /// Which threshold.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// `min_duration_samples` is zero.
    #[error("monitor 'min_duration_samples' must be at least 1")]
    ZeroMinDuration,
    /// `hysteresis_fraction` outside 0..1.
    #[error("monitor 'hysteresis_fraction' must be between 0 and 1, got {0}")]
    BadHysteresis(f64),
    /// The sampling interval is zero.
    #[error("monitor 'interval' must be greater than zero")]
    ZeroInterval,
}

impl MonitorConfig {
    /// Checks the settings, naming the first one that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.interval.is_zero() {
            return Err(ConfigError::ZeroInterval);
        }
        self.thresholds.validate()
    }
}

impl Thresholds {
    /// Checks the levels, naming the first one that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let named = [
            ("cpu_percent", self.cpu_percent),
            ("memory_percent", self.memory_percent),
            ("disk_percent", self.disk_percent),
            ("disk_free_gb", self.disk_free_gb),
            ("process_memory_mb", self.process_memory_mb),
        ];
        for (name, levels) in named {
            for value in [levels.warning, levels.critical] {
                if !(value >= 0.0 && value.is_finite()) {
                    return Err(ConfigError::BadLevel { name, value });
                }
            }
        }
        if self.min_duration_samples == 0 {
            return Err(ConfigError::ZeroMinDuration);
        }
        if !(0.0..1.0).contains(&self.hysteresis_fraction) {
            return Err(ConfigError::BadHysteresis(self.hysteresis_fraction));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_guides() {
        let c = MonitorConfig::default();
        assert_eq!(c.interval, Duration::from_secs(10));
        assert_eq!(c.report_interval, Duration::from_secs(300));
        assert_eq!(c.thresholds.cpu_percent, Levels::new(80.0, 95.0));
        assert_eq!(c.thresholds.memory_percent, Levels::new(85.0, 95.0));
        assert_eq!(c.thresholds.disk_percent, Levels::new(90.0, 95.0));
        assert_eq!(c.thresholds.disk_free_gb, Levels::new(1.0, 0.5));
        assert_eq!(c.thresholds.min_duration_samples, 3);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn loads_a_partial_table_and_keeps_defaults_for_the_rest() {
        let c: MonitorConfig = serde_json::from_value(serde_json::json!({
            "interval": "2s",
            "thresholds": { "cpu_percent": { "warning": 70, "critical": 90 } }
        }))
        .expect("valid table");
        assert_eq!(c.interval, Duration::from_secs(2));
        assert_eq!(c.report_interval, Duration::from_secs(300));
        assert_eq!(c.thresholds.cpu_percent, Levels::new(70.0, 90.0));
        assert_eq!(c.thresholds.memory_percent, Levels::new(85.0, 95.0));
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let unknown =
            serde_json::from_value::<MonitorConfig>(serde_json::json!({"intervall": "2s"}));
        assert!(unknown.expect_err("typo").to_string().contains("intervall"));
        let bad = serde_json::from_value::<MonitorConfig>(
            serde_json::json!({"interval": "2 fortnights"}),
        );
        assert!(
            bad.expect_err("bad unit")
                .to_string()
                .contains("2 fortnights")
        );
        let mut c = MonitorConfig::default();
        c.thresholds.cpu_percent.warning = -1.0;
        assert_eq!(
            c.validate(),
            Err(ConfigError::BadLevel {
                name: "cpu_percent",
                value: -1.0
            })
        );
        c = MonitorConfig::default();
        c.thresholds.min_duration_samples = 0;
        assert_eq!(c.validate(), Err(ConfigError::ZeroMinDuration));
    }
}
