//! `customer-snapshot healthcheck`: runs a probe from `snapshot_perf::health` within a deadline
//! and answers in Docker's convention (exit 0 healthy, 1 unhealthy).

use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use snapshot_perf::health::{self, Check, HealthConfig, HealthReport, Probe, Status};

use crate::settings::{Settings, SettingsError};

/// Which probe to run (see `snapshot_perf::health`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeArg {
    /// Cheap (/proc and cgroup only): memory and CPU below the critical thresholds.
    Live,
    /// Live + pipeline responsiveness, writable folders, disk space, history database, config.
    Ready,
    /// Ready + every configuration problem in full.
    Startup,
}

/// Flags of `healthcheck`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which probe.
    #[arg(long, value_enum, default_value = "ready")]
    pub probe: ProbeArg,
    /// Print the health+json report instead of one line per check.
    #[arg(long)]
    pub json: bool,
    /// Give up (unhealthy) after this long: `5s`, `500ms`, `1m` [default: healthcheck.timeout_seconds].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration like 5s, 500ms or 1m"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        other => {
            return Err(format!(
                "unknown unit '{other}' in '{text}': use ms, s or m"
            ));
        }
    };
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        return Err(format!("'{text}' must be more than 0 and at most 1 hour"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

impl From<ProbeArg> for Probe {
    fn from(p: ProbeArg) -> Self {
        match p {
            ProbeArg::Live => Probe::Live,
            ProbeArg::Ready => Probe::Ready,
            ProbeArg::Startup => Probe::Startup,
        }
    }
}

/// Absolute, so the report says which folder "." was.
fn absolute(path: std::path::PathBuf) -> std::path::PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// The probes' configuration from the settings (also used by `dashboard`'s health card).
pub(crate) fn health_config(settings: &Settings) -> HealthConfig {
    let t = &settings.monitor.thresholds;
    HealthConfig {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        memory_critical_percent: t.memory_percent.critical,
        memory_alert_percent: t.memory_percent.warning,
        cpu_critical_percent: t.cpu_percent.critical,
        cpu_alert_percent: t.cpu_percent.warning,
        disk_max_percent: t.disk_percent.warning,
        // The monitor counts free space in SI GB.
        disk_min_free_bytes: (t.disk_free_gb.warning * 1e9) as u64,
        responsiveness_max: Duration::from_millis(settings.healthcheck.responsiveness_max_ms),
        cpu_sample: Duration::from_millis(settings.healthcheck.cpu_sample_ms),
        output_dir: absolute(settings.output_dir()),
        history_path: absolute(settings.history_path()),
        config_error: None,
        config_problems: settings.provenance.problems.clone(),
        proc_root: std::path::PathBuf::from("/proc"),
        cgroup: snapshot_perf::measure::cgroup::limits(),
    }
}

/// Runs `healthcheck`.
pub fn run(args: Args, settings: &Settings) -> anyhow::Result<ExitCode> {
    let timeout = args
        .timeout
        .unwrap_or_else(|| Duration::from_secs_f64(settings.healthcheck.timeout_seconds));
    probe_and_print(&args, health_config(settings), timeout)
}

/// Runs `healthcheck` when the configuration did not load: the probe still measures what it
/// can, and fails on the configuration (defaults stand in for the thresholds).
pub fn run_unconfigured(args: Args, err: &SettingsError) -> anyhow::Result<ExitCode> {
    let mut cfg = health_config(&Settings::default());
    cfg.config_error = Some(err.to_string());
    let timeout = args.timeout.unwrap_or_else(|| {
        Duration::from_secs_f64(Settings::default().healthcheck.timeout_seconds)
    });
    if args.probe == ProbeArg::Live {
        // Liveness does not judge configuration (a restart would not fix it), but say so.
        eprintln!("customer-snapshot: warning: {err}");
    }
    probe_and_print(&args, cfg, timeout)
}

fn probe_and_print(args: &Args, cfg: HealthConfig, timeout: Duration) -> anyhow::Result<ExitCode> {
    let probe = Probe::from(args.probe);
    let version = cfg.version.clone();
    let (tx, rx) = mpsc::channel();
    // The checks run on their own thread so a hung filesystem or database cannot hold the probe
    // past its deadline; on timeout the process exits and takes the thread with it.
    std::thread::Builder::new()
        .name("healthcheck".into())
        .spawn(move || {
            // The receiver is gone only when the deadline passed; nothing is left to report to.
            let _late = tx.send(health::run(probe, &cfg));
        })?;
    let report = match rx.recv_timeout(timeout) {
        Ok(report) => report,
        Err(_) => {
            let check = Check {
                name: "healthcheck:duration".into(),
                component_type: "component".into(),
                observed_value: serde_json::json!(timeout.as_secs_f64()),
                observed_unit: "s".into(),
                status: Status::Fail,
                time: health::rfc3339(std::time::SystemTime::now()),
                threshold: format!("all checks within {} ms", timeout.as_millis()),
                output: Some("timed out before every check answered".into()),
            };
            HealthReport::new(probe, &version, vec![check])
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        // Rendered first so a closed stdout is an io::Error (clean exit), not a serde_json error.
        let text = serde_json::to_string_pretty(&report)?;
        writeln!(out, "{text}")?;
    } else {
        out.write_all(report.render_text().as_bytes())?;
    }
    out.flush()?;
    tracing::info!(probe = probe.as_str(), status = %report.status, "healthcheck finished");
    let code = if report.status == Status::Fail {
        crate::exit::FAILURE
    } else {
        crate::exit::OK
    };
    Ok(ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }
}
