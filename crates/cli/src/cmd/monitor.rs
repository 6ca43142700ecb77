//! `customer-snapshot monitor`: glue between the flags and `snapshot_perf::monitor`. Starts the
//! collector thread, feeds samples through the alert engine and the report windows, and fans
//! everything out to the sinks (terminal or JSON lines, history, Prometheus, webhook) until
//! Ctrl-C, SIGTERM or `--duration`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::Serialize;
use snapshot_perf::export::prometheus::PrometheusExporter;
use snapshot_perf::history::monitor::HistorySink;
use snapshot_perf::history::{self, History};
use snapshot_perf::monitor::alert::{self, AlertEngine, AlertEvent, Change};
use snapshot_perf::monitor::collector::{self, Collector, Target};
use snapshot_perf::monitor::duration::{format_duration, parse_duration};
use snapshot_perf::monitor::report::{Report, ReportKind, Window};
use snapshot_perf::monitor::sample::{AppState, Sample};
use snapshot_perf::monitor::server::MetricsServer;
use snapshot_perf::monitor::sink::{Sink, SinkError, Sinks};
use snapshot_perf::monitor::webhook::{WebhookSink, WebhookUrl};
use snapshot_perf::monitor::{CancellationToken, MonitorConfig};

use crate::exit::bad_input;

/// The port `--listen` uses when given without an address.
const DEFAULT_LISTEN: &str = "127.0.0.1:9184";

/// Flags of `monitor`. Threshold flags set the warning level; critical levels come from the
/// defaults (or the config file).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Time between samples: 200ms, 10s, 2m [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// Time between periodic reports [default: 300s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub report_interval: Option<Duration>,
    /// Stop after this long (default: run until Ctrl-C or SIGTERM).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Print one JSON object per line on stdout: {"type":"sample",...}, {"type":"alert",...},
    /// {"type":"report",...}.
    #[arg(long)]
    pub json: bool,
    /// Serve GET /metrics (Prometheus text format) and GET /healthz. A bare port or no value
    /// binds to loopback [default address: 127.0.0.1:9184].
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = DEFAULT_LISTEN)]
    pub listen: Option<String>,
    /// SQLite history file (shared with `benchmark`) [default: ~/.local/share/customer-snapshot/history.sqlite].
    #[arg(long, value_name = "PATH", conflicts_with = "no_history")]
    pub history: Option<PathBuf>,
    /// Do not record samples and alerts.
    #[arg(long)]
    pub no_history: bool,
    /// Watch processes with this name, aggregated [default: customer-snapshot].
    #[arg(long, value_name = "NAME", conflicts_with = "pid")]
    pub process: Option<String>,
    /// Watch exactly this process.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
    /// Also watch the filesystem holding PATH (repeatable; `/` is always watched).
    #[arg(long = "disk", value_name = "PATH")]
    pub disks: Vec<PathBuf>,
    /// CPU warning level, percent [default: 80].
    #[arg(long, value_name = "PCT")]
    pub cpu_threshold: Option<f64>,
    /// Memory warning level, percent [default: 85].
    #[arg(long, value_name = "PCT")]
    pub memory_threshold: Option<f64>,
    /// Disk use warning level, percent [default: 90].
    #[arg(long, value_name = "PCT")]
    pub disk_threshold: Option<f64>,
    /// Warn when a filesystem has less free space than this, GB [default: 1].
    #[arg(long, value_name = "GB")]
    pub disk_free_min: Option<f64>,
    /// Warn when the watched processes use more resident memory than this, MB [default: 1000].
    #[arg(long, value_name = "MB")]
    pub process_memory_max: Option<f64>,
    /// Consecutive samples past a level before an alert fires or resolves [default: 3].
    #[arg(long, value_name = "SAMPLES")]
    pub min_duration: Option<u32>,
    /// POST each alert as JSON to this http:// URL (https is not supported).
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// With --listen: export the AI calls `process --ai` appends to this call log as
    /// customer_snapshot_ai_* metrics, re-read at every sample [default: ai.call_log in the
    /// settings].
    #[arg(long, value_name = "FILE")]
    pub ai_call_log: Option<PathBuf>,
}

/// Merges flags over `base` (the defaults, or the `[monitor]` table of the config file).
pub fn config_from(args: &Args, base: MonitorConfig) -> anyhow::Result<MonitorConfig> {
    let mut c = base;
    if let Some(v) = args.interval {
        c.interval = v;
    }
    if let Some(v) = args.report_interval {
        c.report_interval = v;
    }
    if let Some(v) = &args.process {
        c.process.clone_from(v);
    }
    c.disk_paths.extend(args.disks.iter().cloned());
    let t = &mut c.thresholds;
    if let Some(v) = args.cpu_threshold {
        t.cpu_percent.warning = v;
    }
    if let Some(v) = args.memory_threshold {
        t.memory_percent.warning = v;
    }
    if let Some(v) = args.disk_threshold {
        t.disk_percent.warning = v;
    }
    if let Some(v) = args.disk_free_min {
        t.disk_free_gb.warning = v;
    }
    if let Some(v) = args.process_memory_max {
        t.process_memory_mb.warning = v;
    }
    if let Some(v) = args.min_duration {
        t.min_duration_samples = v;
    }
    c.validate().map_err(|e| bad_input(e.to_string()))?;
    if c.report_interval.is_zero() {
        return Err(bad_input(
            "monitor 'report_interval' must be greater than zero",
        ));
    }
    Ok(c)
}

/// `--listen` value to a socket address: `9184` or `:9184` mean loopback.
fn listen_addr(raw: &str) -> anyhow::Result<SocketAddr> {
    let port_only = raw.strip_prefix(':').unwrap_or(raw);
    let text = if port_only.chars().all(|c| c.is_ascii_digit()) {
        format!("127.0.0.1:{port_only}")
    } else {
        raw.to_owned()
    };
    text.parse().map_err(|_| {
        bad_input(format!(
            "--listen '{raw}': expected ADDR:PORT (e.g. 127.0.0.1:9184) or a port"
        ))
    })
}

/// Runs `monitor`.
pub fn run(mut args: Args, settings: &crate::settings::Settings) -> anyhow::Result<ExitCode> {
    // `--history` wins; else `[history] path` / CUSTOMER_SNAPSHOT_HISTORY / the default.
    args.history.get_or_insert_with(|| settings.history_path());
    let config = config_from(&args, settings.monitor.clone())?;
    let target = match args.pid {
        Some(pid) => Target::Pid(pid),
        None => Target::Name(config.process.clone()),
    };
    let webhook = args
        .webhook
        .as_deref()
        .map(WebhookUrl::parse)
        .transpose()
        .map_err(|e| bad_input(e.to_string()))?;
    let listen = args.listen.as_deref().map(listen_addr).transpose()?;
    if args.ai_call_log.is_some() && listen.is_none() {
        return Err(bad_input(
            "--ai-call-log exports AI calls on /metrics: add --listen",
        ));
    }
    let call_log = args
        .ai_call_log
        .clone()
        .or_else(|| settings.call_log_path());

    let collector = Collector::new(target.clone(), &config.disk_paths).map_err(|e| match e {
        collector::CollectError::Path { .. } => bad_input(e.to_string()),
        other => anyhow::Error::new(other),
    })?;
    let cpu_basis = collector
        .cgroup_limits()
        .and_then(|l| l.cpu_max_cores)
        .map_or("host".to_owned(), |c| {
            format!("cgroup limit of {c:.2} cores")
        });
    let memory_basis = collector
        .cgroup_limits()
        .and_then(|l| l.memory_max_bytes)
        .map_or("host".to_owned(), |m| {
            format!("cgroup limit of {:.0} MiB", m as f64 / 1_048_576.0)
        });

    let mut sinks = Sinks::new();
    let mut notes = vec![format!(
        "monitoring {} every {} (CPU % of {cpu_basis}, memory % of {memory_basis}); report every {}",
        target.label(),
        format_duration(config.interval),
        format_duration(config.report_interval)
    )];
    let started = unix_now();
    let mut server = None;
    if let Some(addr) = listen {
        let mut exporter = match &call_log {
            Some(path) => PrometheusExporter::with_call_log(path),
            None => PrometheusExporter::new(),
        };
        // Read before serving, so the first scrape already has the calls logged so far.
        if let Err(w) = exporter.poll_call_log() {
            eprintln!("customer-snapshot: warning: {w}");
        }
        let s = MetricsServer::start(&addr.to_string(), exporter.registry())?;
        notes.push(format!(
            "serving metrics on http://{}/metrics",
            s.local_addr()
        ));
        if let Some(path) = &call_log {
            notes.push(format!("exporting AI calls from {}", path.display()));
        }
        server = Some(s);
        sinks.push(Box::new(exporter));
    }
    if !args.no_history {
        let path = args.history.clone().unwrap_or_else(history::default_path);
        let mut h = History::open(&path).map_err(|e| {
            let msg = format!("{e} (use --no-history to run without it)");
            // A path the user named that is not a history file is their input to fix.
            if args.history.is_some() {
                bad_input(msg)
            } else {
                anyhow::anyhow!(msg)
            }
        })?;
        let session = h.start_monitor_session(started, &target.label(), config.interval)?;
        notes.push(format!("history: {} (session {session})", path.display()));
        let flush_every = config.interval.max(Duration::from_secs(30));
        sinks.push(Box::new(HistorySink::new(h, session, flush_every)));
    }
    if let Some(url) = webhook {
        sinks.push(Box::new(
            WebhookSink::new(url).context("starting the webhook thread")?,
        ));
    }
    if args.json {
        sinks.push(Box::new(JsonLines));
    } else {
        sinks.push(Box::new(HumanLines::default()));
    }
    notes.push("Ctrl-C to stop".into());
    eprintln!("{}", notes.join("; "));

    let token = CancellationToken::new();
    let on_signal = token.clone();
    // ctrlc runs this on its own thread, not in signal context, so taking the token's lock and
    // notifying its condvar is safe.
    ctrlc::set_handler(move || on_signal.cancel())
        .context("installing the Ctrl-C/SIGTERM handler")?;
    let (tx, rx) = mpsc::channel();
    let collector_thread = collector::spawn(collector, config.interval, token.clone(), tx)
        .context("starting the collector thread")?;

    let result = run_loop(&rx, &token, &config, args.duration, &mut sinks);
    token.cancel();
    // The collector wakes from its condvar sleep at once; joining is quick.
    let _ = collector_thread.join();
    if let Some(mut s) = server {
        s.stop();
    }
    result?;
    Ok(ExitCode::SUCCESS)
}

fn run_loop(
    rx: &mpsc::Receiver<Sample>,
    token: &CancellationToken,
    config: &MonitorConfig,
    duration: Option<Duration>,
    sinks: &mut Sinks,
) -> anyhow::Result<()> {
    let start = Instant::now();
    // A little grace so the sample due exactly at the deadline (`--duration 2s` with
    // `--interval 200ms`) is not lost to the time collection takes.
    let deadline = duration.map(|d| start + d + Duration::from_millis(100));
    let mut engine = AlertEngine::new(config.thresholds.clone());
    let mut window = Window::new();
    let mut whole_run = Window::new();
    let mut next_report = start + config.report_interval;
    loop {
        let wait = deadline.map_or(Duration::from_secs(3600), |d| {
            d.saturating_duration_since(Instant::now())
        });
        let sample = match rx.recv_timeout(wait) {
            Ok(s) => s,
            // Disconnected: the collector stopped because the token was cancelled (signal).
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                if deadline.is_some_and(|d| Instant::now() >= d) || token.is_cancelled() {
                    break;
                }
                continue;
            }
        };
        window.add_sample(&sample);
        whole_run.add_sample(&sample);
        sinks.sample(&sample).map_err(sink_error)?;
        for event in engine.evaluate(sample.unix_time_seconds, &alert::observations(&sample)) {
            window.add_alert(&event);
            whole_run.add_alert(&event);
            sinks.alert(&event).map_err(sink_error)?;
        }
        if Instant::now() >= next_report {
            sinks
                .report(&window.report(ReportKind::Periodic, engine.active()))
                .map_err(sink_error)?;
            window = Window::new();
            next_report += config.report_interval;
        }
        print_warnings(sinks);
    }
    sinks
        .report(&whole_run.report(ReportKind::Final, engine.active()))
        .map_err(sink_error)?;
    sinks.finish().map_err(sink_error)?;
    print_warnings(sinks);
    Ok(())
}

fn print_warnings(sinks: &mut Sinks) {
    for w in sinks.take_warnings() {
        eprintln!("customer-snapshot: warning: {w}");
    }
}

fn sink_error(e: SinkError) -> anyhow::Error {
    match e {
        // Unwrapped so that main recognises a closed stdout (`| head`) as a clean exit.
        SinkError::Fatal(inner) => match inner.downcast::<std::io::Error>() {
            Ok(io) => anyhow::Error::new(*io),
            Err(other) => anyhow::Error::from_boxed(other),
        },
        warning => anyhow::Error::new(warning),
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One JSON object per line, each saying what it is.
#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema_version: u32,
    #[serde(flatten)]
    body: &'a T,
}

/// Version of the JSON line format.
const SCHEMA_VERSION: u32 = 1;

struct JsonLines;

impl JsonLines {
    fn emit<T: Serialize>(kind: &'static str, body: &T) -> Result<(), SinkError> {
        let line = Line {
            kind,
            schema_version: SCHEMA_VERSION,
            body,
        };
        let mut text = serde_json::to_string(&line).map_err(|e| SinkError::Fatal(Box::new(e)))?;
        text.push('\n');
        write_out(&text)
    }
}

impl Sink for JsonLines {
    fn sample(&mut self, sample: &Sample) -> Result<(), SinkError> {
        Self::emit("sample", sample)
    }
    fn alert(&mut self, event: &AlertEvent) -> Result<(), SinkError> {
        Self::emit("alert", event)
    }
    fn report(&mut self, report: &Report) -> Result<(), SinkError> {
        Self::emit("report", report)
    }
}

/// One line per sample, one per alert change, one when the watched application starts or
/// stops; reports as small tables.
#[derive(Default)]
struct HumanLines {
    last_state: Option<AppState>,
}

fn write_out(text: &str) -> Result<(), SinkError> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| SinkError::Fatal(Box::new(e)))
}

impl Sink for HumanLines {
    fn sample(&mut self, s: &Sample) -> Result<(), SinkError> {
        if self.last_state.is_some_and(|before| before != s.app.state) {
            let what = match s.app.state {
                AppState::Running => format!("started (pids {:?})", s.app.pids),
                AppState::NotRunning => "stopped: not running".to_owned(),
            };
            write_out(&format!(
                "{} {} {what}\n",
                clock(s.unix_time_seconds),
                s.app.name
            ))?;
        }
        self.last_state = Some(s.app.state);
        write_out(&format!("{}\n", human_line(s)))
    }
    fn alert(&mut self, e: &AlertEvent) -> Result<(), SinkError> {
        let tag = match e.change {
            Change::Resolved => "RESOLVED".to_owned(),
            _ => format!("ALERT {}", e.level.as_str().to_uppercase()),
        };
        write_out(&format!(
            "{} {tag} {}\n",
            clock(e.unix_time_seconds),
            e.message
        ))
    }
    fn report(&mut self, r: &Report) -> Result<(), SinkError> {
        write_out(&r.to_text())
    }
}

/// `HH:MM:SSZ` (UTC) of a Unix time.
fn clock(unix: f64) -> String {
    let secs = unix.max(0.0) as u64 % 86_400;
    format!("{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / 1_048_576.0)
}

fn human_line(s: &Sample) -> String {
    let sys = &s.system;
    let mut line = format!(
        "{} cpu {:5.1}% mem {:5.1}% ({} of {})",
        clock(s.unix_time_seconds),
        sys.cpu_percent,
        sys.memory_percent,
        mib(sys.memory_used_bytes as f64),
        mib(sys.memory_total_bytes as f64)
    );
    for d in &sys.disks {
        line.push_str(&format!(
            " disk {} {:.0}% ({:.1} GB free)",
            d.mount_point,
            d.used_percent,
            d.free_bytes as f64 / 1e9
        ));
    }
    line.push_str(&format!(
        " io r/w {}/s {}/s net rx/tx {}/s {}/s load {:.2} |",
        mib(sys.disk_read_bytes_per_second),
        mib(sys.disk_write_bytes_per_second),
        mib(sys.network_receive_bytes_per_second),
        mib(sys.network_transmit_bytes_per_second),
        sys.load_1
    ));
    let app = &s.app;
    match app.state {
        AppState::NotRunning => line.push_str(&format!(" {}: not running", app.name)),
        AppState::Running => line.push_str(&format!(
            " {}: running ({} proc) cpu {:.1}% rss {} threads {} fds {}",
            app.name,
            app.process_count,
            app.cpu_percent,
            mib(app.rss_bytes as f64),
            app.threads,
            app.open_fds
        )),
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_defaults_to_loopback() {
        assert_eq!(
            listen_addr("9184").expect("port"),
            "127.0.0.1:9184".parse().expect("addr")
        );
        assert_eq!(
            listen_addr(":0").expect("port"),
            "127.0.0.1:0".parse().expect("addr")
        );
        assert_eq!(
            listen_addr("0.0.0.0:80").expect("addr"),
            "0.0.0.0:80".parse().expect("addr")
        );
        assert!(listen_addr("localhost:x").is_err());
    }

    #[test]
    fn the_readme_config_example_loads() {
        #[derive(serde::Deserialize)]
        struct File {
            monitor: MonitorConfig,
        }
        let readme = include_str!("../../../../README.md");
        let start = readme
            .find("```toml\n[monitor]")
            .expect("a [monitor] example in the README")
            + 8;
        let end = start + readme[start..].find("```").expect("closing fence");
        let file: File = toml::from_str(&readme[start..end]).expect("the README example parses");
        let c = file.monitor;
        assert_eq!(c.interval, Duration::from_secs(10));
        assert_eq!(c.report_interval, Duration::from_secs(300));
        assert_eq!(c.disk_paths, vec![PathBuf::from("/srv/snapshots")]);
        assert_eq!(c.thresholds, snapshot_perf::monitor::Thresholds::default());
        assert!(c.validate().is_ok());
    }

    #[test]
    fn flags_override_the_config() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cli = Cli::try_parse_from([
            "x",
            "--interval",
            "2s",
            "--cpu-threshold",
            "50",
            "--min-duration",
            "1",
        ])
        .expect("flags");
        let mut base = MonitorConfig::default();
        base.thresholds.memory_percent.warning = 60.0;
        let c = config_from(&cli.args, base).expect("valid");
        assert_eq!(c.interval, Duration::from_secs(2));
        assert_eq!(c.thresholds.cpu_percent.warning, 50.0);
        assert_eq!(c.thresholds.cpu_percent.critical, 95.0);
        assert_eq!(
            c.thresholds.memory_percent.warning, 60.0,
            "config kept where no flag is given"
        );
        assert_eq!(c.thresholds.min_duration_samples, 1);
    }

    #[test]
    fn clock_is_utc_time_of_day() {
        assert_eq!(clock(86_400.0 * 3.0 + 3661.0), "01:01:01Z");
    }
}
