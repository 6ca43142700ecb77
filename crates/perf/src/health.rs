//! Health probes and their report in the health+json draft format
//! (draft-inadarei-api-health-check): a top-level `status` (pass, warn, fail) and `checks`, a map
//! from `component:measurement` to observations with `observedValue`, `observedUnit`, `status`
//! and `time`.
//!
//! Three probes, cheapest first, each a superset of the one before:
//! - [`Probe::Live`]: only `/proc` and cgroup files, no disk or database I/O (budget < 50 ms):
//!   memory and CPU below the critical thresholds. Relative to the cgroup v2 limits
//!   (`memory.max`, `cpu.max`) when the process runs under one, else to the host; each check's
//!   `componentType` says which (`container` or `system`).
//! - [`Probe::Ready`]: live + the pipeline answers on a built-in transcript in time, the output and
//!   history folders are writable, their disks have room, the history database opens and the
//!   configuration is valid. No network.
//! - [`Probe::Startup`]: ready + every configuration problem listed in full.
//!
//! Limits come from [`crate::measure::cgroup`] (shared with the monitor); memory use under a
//! limit is the working set (`memory.current` minus `inactive_file`), as the kubelet counts it.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::measure::cgroup;

/// Which probe to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Probe {
    /// Is the process able to run at all (cheap; restarts the container when failing).
    Live,
    /// Can it take work now (routes traffic / jobs when passing).
    Ready,
    /// Ready, plus the configuration's problems in full (run once after start).
    Startup,
}

impl Probe {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Ready => "ready",
            Self::Startup => "startup",
        }
    }
}

/// Outcome of a check or of the whole report; `Fail` is worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Healthy.
    Pass,
    /// Healthy, but something needs attention.
    Warn,
    /// Unhealthy.
    Fail,
}

impl Status {
    /// The symbol used in the terminal rendering.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Pass => "✓",
            Self::Warn => "!",
            Self::Fail => "✗",
        }
    }
}

/// One observation, serialized in the draft's field names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// `component:measurement`, the key in the report's `checks` map; not repeated in the value.
    #[serde(skip)]
    pub name: String,
    /// `container`, `system`, `component` or `datastore`.
    pub component_type: String,
    /// The measured value (a number, or text for non-numeric checks).
    pub observed_value: serde_json::Value,
    /// Unit of `observed_value` (`percent`, `bytes`, `ms`, ...); empty when it has none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub observed_unit: String,
    /// This check's outcome.
    pub status: Status,
    /// When it was observed, RFC 3339 UTC.
    pub time: String,
    /// The limit it was held to, in words (`≤ 95 % of container memory.max`).
    pub threshold: String,
    /// Why it warned or failed, or what was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The whole answer of a probe.
#[derive(Debug, Clone)]
pub struct HealthReport {
    /// Worst status of any check (pass when there are none).
    pub status: Status,
    /// Version of the tool.
    pub version: String,
    /// Which probe ran.
    pub probe: Probe,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
}

impl HealthReport {
    /// A report of these checks, its status the worst of them.
    pub fn new(probe: Probe, version: &str, checks: Vec<Check>) -> Self {
        let status = checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Pass);
        Self {
            status,
            version: version.to_owned(),
            probe,
            checks,
        }
    }

    /// One line per check: symbol, name, observed value and threshold, then the output.
    pub fn render_text(&self) -> String {
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut text = String::new();
        for c in &self.checks {
            let observed = match &c.observed_value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "n/a".to_owned(),
                v if c.observed_unit.is_empty() => v.to_string(),
                v => format!("{v} {}", c.observed_unit),
            };
            text.push_str(&format!(
                "{} {:<width$}  {observed}  (want {})",
                c.status.symbol(),
                c.name,
                c.threshold
            ));
            if let Some(output) = &c.output {
                text.push_str(&format!(": {output}"));
            }
            text.push('\n');
        }
        text.push_str(&format!(
            "{} ({} probe)\n",
            match self.status {
                Status::Pass => "healthy",
                Status::Warn => "healthy, with warnings",
                Status::Fail => "UNHEALTHY",
            },
            self.probe.as_str()
        ));
        text
    }
}

impl Serialize for HealthReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(6))?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("version", &self.version)?;
        map.serialize_entry("serviceId", "customer-snapshot")?;
        map.serialize_entry(
            "description",
            &format!("customer-snapshot {} probe", self.probe.as_str()),
        )?;
        map.serialize_entry("probe", &self.probe)?;
        // The draft groups observations under their name, each group a list; names keep the
        // order in which they first ran.
        let mut names: Vec<&str> = Vec::new();
        for c in &self.checks {
            if !names.contains(&c.name.as_str()) {
                names.push(&c.name);
            }
        }
        let groups: Vec<(&str, Vec<&Check>)> = names
            .iter()
            .map(|n| (*n, self.checks.iter().filter(|c| c.name == *n).collect()))
            .collect();
        map.serialize_entry("checks", &Groups(&groups))?;
        map.end()
    }
}

struct Groups<'a>(&'a [(&'a str, Vec<&'a Check>)]);

impl Serialize for Groups<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, checks) in self.0 {
            map.serialize_entry(name, checks)?;
        }
        map.end()
    }
}

/// Everything the probes need, as plain values (the CLI fills it from its settings).
#[derive(Debug, Clone)]
pub struct HealthConfig {
    /// Tool version for the report.
    pub version: String,
    /// Memory use above this percentage fails (monitor's critical threshold).
    pub memory_critical_percent: f64,
    /// Memory use above this percentage warns (monitor's alert threshold).
    pub memory_alert_percent: f64,
    /// CPU use above this percentage fails.
    pub cpu_critical_percent: f64,
    /// CPU use above this percentage warns.
    pub cpu_alert_percent: f64,
    /// A disk used at or above this percentage is not ready.
    pub disk_max_percent: f64,
    /// A disk with less free space than this is not ready.
    pub disk_min_free_bytes: u64,
    /// The built-in transcript must be processed within this.
    pub responsiveness_max: Duration,
    /// CPU is measured over this window.
    pub cpu_sample: Duration,
    /// Folder outputs are written to.
    pub output_dir: PathBuf,
    /// The history database file.
    pub history_path: PathBuf,
    /// Why the configuration could not be loaded, if it could not.
    pub config_error: Option<String>,
    /// Non-fatal configuration problems.
    pub config_problems: Vec<String>,
    /// Where `/proc` is (tests point it at a fake tree).
    pub proc_root: PathBuf,
    /// The cgroup v2 limits this process runs under ([`cgroup::limits`]), `None` on a host
    /// without any; memory and CPU are judged against them when set.
    pub cgroup: Option<cgroup::Limits>,
}

/// Runs a probe's checks in order and returns the report.
pub fn run(probe: Probe, cfg: &HealthConfig) -> HealthReport {
    let mut checks = Vec::new();
    checks.push(memory_check(cfg));
    checks.push(cpu_check(cfg));
    if probe != Probe::Live {
        checks.push(config_check(cfg, probe));
        checks.push(responsiveness_check(cfg));
        checks.push(writable_check("output:writable", &cfg.output_dir, false));
        let history_dir = parent_dir(&cfg.history_path);
        checks.push(writable_check("history:writable", &history_dir, true));
        let mut disks = vec![cfg.output_dir.clone()];
        if !same_device(&cfg.output_dir, &history_dir) {
            disks.push(history_dir.clone());
        }
        for dir in disks {
            checks.extend(disk_checks(cfg, &dir));
        }
        checks.push(history_db_check(&cfg.history_path));
    }
    HealthReport::new(probe, &cfg.version, checks)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn check(
    name: &str,
    component_type: &str,
    value: serde_json::Value,
    unit: &str,
    status: Status,
    threshold: String,
) -> Check {
    Check {
        name: name.to_owned(),
        component_type: component_type.to_owned(),
        observed_value: value,
        observed_unit: unit.to_owned(),
        status,
        time: rfc3339(SystemTime::now()),
        threshold,
        output: None,
    }
}

fn with_output(mut c: Check, output: impl Into<String>) -> Check {
    c.output = Some(output.into());
    c
}

/// Pass up to the alert threshold, warn above it, fail above critical ("CPU > 80 %").
fn level(value: f64, alert: f64, critical: f64) -> Status {
    if value > critical {
        Status::Fail
    } else if value > alert {
        Status::Warn
    } else {
        Status::Pass
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// (working set, limit) in bytes when `memory.max` sets a limit. The working set leaves out
/// inactive page cache, as the kubelet and `docker stats` do, because the kernel reclaims it
/// before the limit bites.
fn cgroup_memory(limits: &cgroup::Limits) -> Option<(u64, u64)> {
    let limit = limits.memory_max_bytes?;
    let current = cgroup::usage(&limits.dir).memory_current_bytes?;
    let inactive = fs::read_to_string(limits.dir.join("memory.stat"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("inactive_file ")?.trim().parse::<u64>().ok())
        })
        .unwrap_or(0);
    Some((current.saturating_sub(inactive), limit))
}

fn memory_check(cfg: &HealthConfig) -> Check {
    let threshold = |scope: &str| format!("≤ {} % of {scope}", cfg.memory_critical_percent);
    if let Some((used, limit)) = cfg.cgroup.as_ref().and_then(cgroup_memory) {
        let pct = used as f64 * 100.0 / limit as f64;
        let status = level(pct, cfg.memory_alert_percent, cfg.memory_critical_percent);
        return with_output(
            check(
                "memory:utilization",
                "container",
                round1(pct).into(),
                "percent",
                status,
                threshold("container memory.max"),
            ),
            format!("{} MiB of {} MiB", used >> 20, limit >> 20),
        );
    }
    let meminfo = fs::read_to_string(cfg.proc_root.join("meminfo")).unwrap_or_default();
    let field = |name: &str| {
        meminfo.lines().find_map(|l| {
            l.strip_prefix(name)?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
    };
    match (field("MemTotal:"), field("MemAvailable:")) {
        (Some(total), Some(avail)) if total > 0 => {
            let pct = (total.saturating_sub(avail)) as f64 * 100.0 / total as f64;
            let status = level(pct, cfg.memory_alert_percent, cfg.memory_critical_percent);
            with_output(
                check(
                    "memory:utilization",
                    "system",
                    round1(pct).into(),
                    "percent",
                    status,
                    threshold("host memory"),
                ),
                format!("{} MiB available of {} MiB", avail >> 10, total >> 10),
            )
        }
        _ => with_output(
            check(
                "memory:utilization",
                "system",
                serde_json::Value::Null,
                "percent",
                Status::Warn,
                threshold("host memory"),
            ),
            format!("cannot read {}", cfg.proc_root.join("meminfo").display()),
        ),
    }
}

/// (busy, total) jiffies of the host from the `cpu` line of /proc/stat.
fn host_cpu_times(proc_root: &Path) -> Option<(u64, u64)> {
    let text = fs::read_to_string(proc_root.join("stat")).ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// CPU use over the sample window from a `(busy, capacity)` counter pair, as (percent, window,
/// capacity elapsed). A reading over the critical level is measured again over twice the window
/// from the same start before it counts: one short burst on a coarse counter must not fail a
/// liveness probe (and restart a healthy container), and the probe stays within its 50 ms.
fn sample_cpu(
    cfg: &HealthConfig,
    read: &dyn Fn() -> Option<(f64, f64)>,
) -> Option<(f64, Duration, f64)> {
    let (busy0, cap0) = read()?;
    let start = Instant::now();
    let percent = |(busy, cap): (f64, f64)| {
        // A window shorter than one clock tick sees no change; 0 rather than a division by zero.
        if cap - cap0 <= 0.0 {
            0.0
        } else {
            (busy - busy0) * 100.0 / (cap - cap0)
        }
    };
    std::thread::sleep(cfg.cpu_sample);
    let mut last = read()?;
    if percent(last) > cfg.cpu_critical_percent {
        std::thread::sleep(cfg.cpu_sample);
        last = read()?;
    }
    Some((percent(last), start.elapsed(), last.1 - cap0))
}

fn cpu_check(cfg: &HealthConfig) -> Check {
    let threshold = |scope: &str| format!("≤ {} % of {scope}", cfg.cpu_critical_percent);
    if let Some((limits, cpus)) = cfg
        .cgroup
        .as_ref()
        .and_then(|l| Some((l, l.cpu_max_cores?)))
    {
        let origin = Instant::now();
        // Capacity is the CPU time the limit allows since `origin`, in the counter's unit (µs).
        let read = || {
            let used = cgroup::usage(&limits.dir).cpu_usage_usec? as f64;
            Some((used, origin.elapsed().as_micros() as f64 * cpus))
        };
        if let Some((pct, window, _)) = sample_cpu(cfg, &read) {
            let status = level(pct, cfg.cpu_alert_percent, cfg.cpu_critical_percent);
            return with_output(
                check(
                    "cpu:utilization",
                    "container",
                    round1(pct).into(),
                    "percent",
                    status,
                    threshold("container cpu.max"),
                ),
                format!(
                    "{cpus:.2} CPUs allowed; sampled over {} ms",
                    window.as_millis()
                ),
            );
        }
    }
    let read = || host_cpu_times(&cfg.proc_root).map(|(busy, total)| (busy as f64, total as f64));
    let Some((pct, window, ticks)) = sample_cpu(cfg, &read) else {
        return with_output(
            check(
                "cpu:utilization",
                "system",
                serde_json::Value::Null,
                "percent",
                Status::Warn,
                threshold("host CPUs"),
            ),
            format!("cannot read {}", cfg.proc_root.join("stat").display()),
        );
    };
    let status = level(pct, cfg.cpu_alert_percent, cfg.cpu_critical_percent);
    with_output(
        check(
            "cpu:utilization",
            "system",
            round1(pct).into(),
            "percent",
            status,
            threshold("host CPUs"),
        ),
        format!(
            "sampled over {} ms ({ticks} clock ticks across all CPUs)",
            window.as_millis()
        ),
    )
}

fn config_check(cfg: &HealthConfig, probe: Probe) -> Check {
    let problems = cfg.config_problems.len();
    let threshold = "a valid configuration".to_owned();
    if let Some(err) = &cfg.config_error {
        return with_output(
            check(
                "config:valid",
                "component",
                false.into(),
                "",
                Status::Fail,
                threshold,
            ),
            err.clone(),
        );
    }
    if probe == Probe::Startup && problems > 0 {
        return with_output(
            check(
                "config:valid",
                "component",
                true.into(),
                "",
                Status::Warn,
                threshold,
            ),
            format!("{problems} problem(s): {}", cfg.config_problems.join("; ")),
        );
    }
    let c = check(
        "config:valid",
        "component",
        true.into(),
        "",
        Status::Pass,
        threshold,
    );
    if problems > 0 {
        with_output(
            c,
            format!("{problems} problem(s); run --probe startup to list them"),
        )
    } else {
        c
    }
}

/// A 20-cue meeting transcript (two speakers, `<v>` voices) the readiness probe processes.
pub const BUILT_IN_TRANSCRIPT: &str = "WEBVTT

1
00:00:00.000 --> 00:00:04.000
<v Dana Lee>Good morning, thanks for joining the kickoff.

2
00:00:04.000 --> 00:00:08.500
<v Sam Ortiz>Thanks Dana. We are excited to get the rollout started.

3
00:00:08.500 --> 00:00:13.000
<v Dana Lee>Let's review the timeline for the Acme Corp migration.

4
00:00:13.000 --> 00:00:17.250
<v Sam Ortiz>The pilot starts on March 3rd with two hundred users.

5
00:00:17.250 --> 00:00:21.000
<v Dana Lee>Which systems are in scope for the pilot?

6
00:00:21.000 --> 00:00:26.000
<v Sam Ortiz>Salesforce and the billing database, running on PostgreSQL.

7
00:00:26.000 --> 00:00:30.500
<v Dana Lee>Good. What does success look like for your team?

8
00:00:30.500 --> 00:00:35.000
<v Sam Ortiz>Cutting ticket resolution time by thirty percent.

9
00:00:35.000 --> 00:00:39.000
<v Dana Lee>We can track that in the weekly dashboard.

10
00:00:39.000 --> 00:00:43.500
<v Sam Ortiz>Perfect. Who owns the data export?

11
00:00:43.500 --> 00:00:47.000
<v Dana Lee>I will send the export script by Friday.

12
00:00:47.000 --> 00:00:51.000
<v Sam Ortiz>And I will set up the staging environment.

13
00:00:51.000 --> 00:00:55.500
<v Dana Lee>Are there any security reviews we need to schedule?

14
00:00:55.500 --> 00:01:00.000
<v Sam Ortiz>Yes, our security team needs a SOC 2 report.

15
00:01:00.000 --> 00:01:04.000
<v Dana Lee>I will share the latest SOC 2 report today.

16
00:01:04.000 --> 00:01:08.500
<v Sam Ortiz>Great. Budget is approved at $120,000 for this year.

17
00:01:08.500 --> 00:01:12.000
<v Dana Lee>Then we are aligned on scope and budget.

18
00:01:12.000 --> 00:01:16.000
<v Sam Ortiz>Let's meet again next Tuesday to check progress.

19
00:01:16.000 --> 00:01:20.000
<v Dana Lee>Sounds good. I will send the invite.

20
00:01:20.000 --> 00:01:24.000
<v Sam Ortiz>Thank you, talk soon.
";

fn responsiveness_check(cfg: &HealthConfig) -> Check {
    let threshold = format!("20 cues in < {} ms", cfg.responsiveness_max.as_millis());
    let start = Instant::now();
    let outcome = process_built_in();
    let elapsed = start.elapsed();
    let ms = round1(elapsed.as_secs_f64() * 1000.0);
    match outcome {
        Responsiveness::Ok(found) if elapsed <= cfg.responsiveness_max => with_output(
            check(
                "pipeline:responseTime",
                "component",
                ms.into(),
                "ms",
                Status::Pass,
                threshold,
            ),
            found,
        ),
        Responsiveness::Ok(found) => with_output(
            check(
                "pipeline:responseTime",
                "component",
                ms.into(),
                "ms",
                Status::Fail,
                threshold,
            ),
            format!("too slow; {found}"),
        ),
        Responsiveness::Wrong(why) => with_output(
            check(
                "pipeline:responseTime",
                "component",
                ms.into(),
                "ms",
                Status::Fail,
                threshold,
            ),
            why,
        ),
    }
}

enum Responsiveness {
    /// Processed correctly; what was found.
    Ok(String),
    /// Processed, but the result is wrong.
    Wrong(String),
}

/// Runs [`BUILT_IN_TRANSCRIPT`] through every stage, as `process` does (parse, speakers,
/// cleaning, NLP, Markdown rendering into memory), and checks the result: 20 cues without
/// warnings, exactly its two speakers, a rendered document naming them.
fn process_built_in() -> Responsiveness {
    use snapshot_pipeline::pipeline::{self, Config, NoopObserver, SourceInfo};
    use snapshot_pipeline::render::Format;

    let bytes = BUILT_IN_TRANSCRIPT.as_bytes();
    let parsed = match pipeline::validate(bytes) {
        Ok(v) => v,
        Err(e) => return Responsiveness::Wrong(format!("the parser rejected it: {e}")),
    };
    if parsed.cues != 20 || !parsed.warnings.is_empty() {
        return Responsiveness::Wrong(format!(
            "parsed {} cues with {} warnings; expected 20 and none",
            parsed.cues,
            parsed.warnings.len()
        ));
    }
    let info = SourceInfo {
        path: "(built-in)".to_owned(),
        title: "healthcheck".to_owned(),
    };
    let mut rendered = Vec::new();
    let summary = match pipeline::run(
        bytes,
        &info,
        &Config::default(),
        Format::Markdown.renderer().as_mut(),
        &mut rendered,
        &mut NoopObserver,
    ) {
        Ok(summary) => summary,
        Err(e) => return Responsiveness::Wrong(format!("the pipeline failed: {e}")),
    };
    let mut speakers: Vec<&str> = summary.speakers.iter().map(|s| s.name.as_str()).collect();
    speakers.sort_unstable();
    if speakers != ["Dana Lee", "Sam Ortiz"] {
        return Responsiveness::Wrong(format!(
            "speakers {speakers:?}; expected Dana Lee and Sam Ortiz"
        ));
    }
    let text = String::from_utf8_lossy(&rendered);
    if !(text.contains("Dana Lee") && text.contains("Sam Ortiz")) {
        return Responsiveness::Wrong(
            "the rendered document does not name the speakers".to_owned(),
        );
    }
    Responsiveness::Ok(format!(
        "20 cues, 2 speakers, {} entities, {} action items, {} bytes of Markdown",
        summary.entities.len(),
        summary.action_items.len(),
        rendered.len()
    ))
}

fn writable_check(name: &str, dir: &Path, may_create: bool) -> Check {
    let threshold = "an existing, writable folder".to_owned();
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        if may_create {
            // Created on first use: ready if the nearest existing ancestor lets us create it.
            let ancestor = dir
                .ancestors()
                .skip(1)
                .find(|a| a.is_dir())
                .unwrap_or(Path::new("."));
            return match probe_write(ancestor) {
                Ok(()) => with_output(
                    check(name, "component", shown.into(), "", Status::Pass, threshold),
                    format!("not created yet; {} is writable", ancestor.display()),
                ),
                Err(e) => with_output(
                    check(name, "component", shown.into(), "", Status::Fail, threshold),
                    format!(
                        "does not exist and cannot be created in {}: {e}",
                        ancestor.display()
                    ),
                ),
            };
        }
        return with_output(
            check(name, "component", shown.into(), "", Status::Fail, threshold),
            "not an existing folder",
        );
    }
    match probe_write(dir) {
        Ok(()) => check(name, "component", shown.into(), "", Status::Pass, threshold),
        Err(e) => with_output(
            check(name, "component", shown.into(), "", Status::Fail, threshold),
            format!("cannot write: {e}"),
        ),
    }
}

/// Creates and removes a uniquely named file, the only honest test of writability (permission
/// bits say nothing about read-only mounts or full quotas).
fn probe_write(dir: &Path) -> io::Result<()> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let path = dir.join(format!(
        ".customer-snapshot-health-{}-{nanos}",
        std::process::id()
    ));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    fs::remove_file(&path)
}

fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let existing = |p: &Path| p.ancestors().find(|a| a.exists()).map(Path::to_path_buf);
    match (
        existing(a).and_then(|p| fs::metadata(p).ok()),
        existing(b).and_then(|p| fs::metadata(p).ok()),
    ) {
        (Some(x), Some(y)) => x.dev() == y.dev(),
        _ => false,
    }
}

/// (total, available, used) bytes of the filesystem holding `dir`.
fn disk_space(dir: &Path) -> io::Result<(u64, u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a valid NUL-terminated string and `st` points to writable memory of
    // the right type; statvfs fills it completely when it returns 0.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: rc == 0, so statvfs initialised the struct.
    let st = unsafe { st.assume_init() };
    // The field types are u32 or u64 depending on the target.
    #[allow(clippy::unnecessary_cast)]
    let (frsize, blocks, bavail, bfree) = (
        st.f_frsize as u64,
        st.f_blocks as u64,
        st.f_bavail as u64,
        st.f_bfree as u64,
    );
    Ok((
        blocks * frsize,
        bavail * frsize,
        blocks.saturating_sub(bfree) * frsize,
    ))
}

fn disk_checks(cfg: &HealthConfig, dir: &Path) -> Vec<Check> {
    let existing = dir
        .ancestors()
        .find(|a| a.exists())
        .unwrap_or(Path::new("."));
    let free_threshold = format!("≥ {:.1} GB free", cfg.disk_min_free_bytes as f64 / 1e9);
    let use_threshold = format!("< {} % used", cfg.disk_max_percent);
    match disk_space(existing) {
        Ok((_, avail, used)) => {
            // df's definition: used / (used + available to unprivileged users).
            let pct = if used + avail == 0 {
                100.0
            } else {
                used as f64 * 100.0 / (used + avail) as f64
            };
            let free_status = if avail < cfg.disk_min_free_bytes {
                Status::Fail
            } else {
                Status::Pass
            };
            let use_status = if pct >= cfg.disk_max_percent {
                Status::Fail
            } else {
                Status::Pass
            };
            let at = format!("filesystem of {}", dir.display());
            vec![
                with_output(
                    check(
                        "disk:free",
                        "system",
                        avail.into(),
                        "bytes",
                        free_status,
                        free_threshold,
                    ),
                    at.clone(),
                ),
                with_output(
                    check(
                        "disk:utilization",
                        "system",
                        round1(pct).into(),
                        "percent",
                        use_status,
                        use_threshold,
                    ),
                    at,
                ),
            ]
        }
        Err(e) => vec![with_output(
            check(
                "disk:free",
                "system",
                serde_json::Value::Null,
                "bytes",
                Status::Fail,
                free_threshold,
            ),
            format!("statvfs {}: {e}", existing.display()),
        )],
    }
}

fn history_db_check(path: &Path) -> Check {
    let threshold = "opens and answers a query".to_owned();
    let shown = path.display().to_string();
    if !path.exists() {
        return with_output(
            check(
                "history:database",
                "datastore",
                shown.into(),
                "",
                Status::Pass,
                threshold,
            ),
            "not created yet (created on first use)",
        );
    }
    // Read-only: a probe must never create or migrate the database.
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let answer = rusqlite::Connection::open_with_flags(path, flags).and_then(|conn| {
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })
    });
    match answer {
        Ok(objects) => with_output(
            check(
                "history:database",
                "datastore",
                shown.into(),
                "",
                Status::Pass,
                threshold,
            ),
            format!("{objects} schema objects"),
        ),
        Err(e) => with_output(
            check(
                "history:database",
                "datastore",
                shown.into(),
                "",
                Status::Fail,
                threshold,
            ),
            e.to_string(),
        ),
    }
}

/// `2026-11-26T05:43:44.123Z` for a time (UTC).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm), valid for all dates after 1970.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> HealthConfig {
        HealthConfig {
            version: "0.0.0".into(),
            memory_critical_percent: 95.0,
            memory_alert_percent: 85.0,
            cpu_critical_percent: 95.0,
            cpu_alert_percent: 80.0,
            disk_max_percent: 100.0,
            disk_min_free_bytes: 0,
            responsiveness_max: Duration::from_millis(500),
            cpu_sample: Duration::from_millis(1),
            output_dir: dir.to_path_buf(),
            history_path: dir.join("db/history.sqlite"),
            config_error: None,
            config_problems: vec![],
            proc_root: dir.join("proc"),
            cgroup: Some(cgroup::limits_between(
                &dir.join("cgroup"),
                &dir.join("cgroup"),
            ))
            .filter(cgroup::Limits::any),
        }
    }

    fn fake_tree(dir: &Path, mem_current: u64, mem_max: &str, cpu_max: &str) {
        fs::create_dir_all(dir.join("proc/self")).expect("mkdir");
        fs::write(dir.join("proc/self/cgroup"), "0::/\n").expect("write");
        fs::write(
            dir.join("proc/meminfo"),
            "MemTotal: 1000 kB\nMemAvailable: 500 kB\n",
        )
        .expect("write");
        fs::write(dir.join("proc/stat"), "cpu  1 0 1 100 0 0 0 0 0 0\n").expect("write");
        fs::create_dir_all(dir.join("cgroup")).expect("mkdir");
        fs::write(dir.join("cgroup/cgroup.controllers"), "cpu memory\n").expect("write");
        fs::write(dir.join("cgroup/memory.max"), format!("{mem_max}\n")).expect("write");
        fs::write(
            dir.join("cgroup/memory.current"),
            format!("{mem_current}\n"),
        )
        .expect("write");
        fs::write(
            dir.join("cgroup/memory.stat"),
            "anon 1\ninactive_file 100\n",
        )
        .expect("write");
        fs::write(dir.join("cgroup/cpu.max"), format!("{cpu_max}\n")).expect("write");
        fs::write(dir.join("cgroup/cpu.stat"), "usage_usec 5000\n").expect("write");
    }

    fn find<'a>(r: &'a HealthReport, name: &str) -> &'a Check {
        r.checks
            .iter()
            .find(|c| c.name == name)
            .expect("check present")
    }

    #[test]
    fn memory_is_relative_to_the_cgroup_limit_when_there_is_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_tree(dir.path(), 980, "1000", "200000 100000");
        let r = run(Probe::Live, &config(dir.path()));
        let mem = find(&r, "memory:utilization");
        assert_eq!(mem.component_type, "container");
        assert_eq!(
            mem.observed_value,
            serde_json::json!(88.0),
            "(980 - 100 inactive) / 1000"
        );
        assert_eq!(mem.status, Status::Warn);
        assert_eq!(find(&r, "cpu:utilization").component_type, "container");
        assert_eq!(r.status, Status::Warn);
    }

    #[test]
    fn no_limit_means_host_figures() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_tree(dir.path(), 980, "max", "max 100000");
        let r = run(Probe::Live, &config(dir.path()));
        let mem = find(&r, "memory:utilization");
        assert_eq!(mem.component_type, "system");
        assert_eq!(mem.observed_value, serde_json::json!(50.0));
        assert_eq!(mem.status, Status::Pass);
        assert_eq!(find(&r, "cpu:utilization").component_type, "system");
    }

    #[test]
    fn memory_over_critical_fails_the_probe() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_tree(dir.path(), 1100, "1000", "max");
        let r = run(Probe::Live, &config(dir.path()));
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.render_text().contains("✗ memory:utilization"),
            "{}",
            r.render_text()
        );
    }

    #[test]
    fn ready_checks_folders_disks_and_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_tree(dir.path(), 10, "1000", "max");
        let mut cfg = config(dir.path());
        let r = run(Probe::Ready, &cfg);
        assert_eq!(find(&r, "output:writable").status, Status::Pass);
        assert_eq!(
            find(&r, "history:writable").status,
            Status::Pass,
            "created on first use"
        );
        assert_eq!(find(&r, "history:database").status, Status::Pass);
        assert_eq!(find(&r, "disk:free").status, Status::Pass);

        fs::create_dir_all(dir.path().join("db")).expect("mkdir");
        fs::write(
            &cfg.history_path,
            b"this is not a database, just some bytes long enough",
        )
        .expect("write");
        let r = run(Probe::Ready, &cfg);
        assert_eq!(find(&r, "history:database").status, Status::Fail);

        cfg.output_dir = dir.path().join("missing");
        cfg.disk_min_free_bytes = u64::MAX;
        let r = run(Probe::Ready, &cfg);
        assert_eq!(find(&r, "output:writable").status, Status::Fail);
        assert_eq!(find(&r, "disk:free").status, Status::Fail);
        assert_eq!(r.status, Status::Fail);
    }

    #[test]
    fn startup_lists_configuration_problems_ready_only_counts_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_tree(dir.path(), 10, "1000", "max");
        let mut cfg = config(dir.path());
        cfg.config_problems = vec!["first problem".into(), "second problem".into()];
        let ready = run(Probe::Ready, &cfg);
        assert_eq!(find(&ready, "config:valid").status, Status::Pass);
        let startup = run(Probe::Startup, &cfg);
        let c = find(&startup, "config:valid");
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.output
                .as_deref()
                .is_some_and(|o| o.contains("first problem") && o.contains("second problem"))
        );
        cfg.config_error = Some("bad file".into());
        assert_eq!(run(Probe::Ready, &cfg).status, Status::Fail);
    }

    #[test]
    fn json_has_the_health_json_shape() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_tree(dir.path(), 10, "1000", "max");
        let r = run(Probe::Live, &config(dir.path()));
        let v = serde_json::to_value(&r).expect("json");
        assert_eq!(v["status"], "pass");
        let mem = &v["checks"]["memory:utilization"][0];
        for field in [
            "observedValue",
            "observedUnit",
            "status",
            "time",
            "componentType",
        ] {
            assert!(mem.get(field).is_some(), "missing {field}: {mem}");
        }
    }

    #[test]
    fn the_built_in_transcript_is_processed_correctly() {
        match process_built_in() {
            Responsiveness::Ok(found) => {
                assert!(found.starts_with("20 cues, 2 speakers"), "{found}")
            }
            Responsiveness::Wrong(why) => panic!("{why}"),
        }
    }

    #[test]
    fn a_cpu_reading_over_critical_is_confirmed_over_a_longer_window() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = config(dir.path());
        // Busy for the first window only, then idle: the burst alone must not fail the probe.
        let readings = std::cell::RefCell::new(vec![(10.0, 50.0), (10.0, 10.0), (0.0, 0.0)]);
        let read = || readings.borrow_mut().pop();
        let (pct, window, capacity) = sample_cpu(&cfg, &read).expect("sampled");
        assert_eq!(pct, 20.0);
        assert_eq!(capacity, 50.0);
        assert!(window >= cfg.cpu_sample * 2, "{window:?}");
        // Under the critical level one window is enough.
        let readings = std::cell::RefCell::new(vec![(5.0, 10.0), (0.0, 0.0)]);
        let read = || readings.borrow_mut().pop();
        assert_eq!(sample_cpu(&cfg, &read).map(|r| r.0), Some(50.0));
    }

    #[test]
    fn rfc3339_formats_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_000_000_123);
        assert_eq!(rfc3339(t), "2026-11-18T11:06:40.123Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
