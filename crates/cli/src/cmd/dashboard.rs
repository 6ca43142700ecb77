//! `customer-snapshot dashboard`: runs the chosen measurements (through the same `benchmark`,
//! `optimize` and `monitor` commands a user would run, so their results land in the history
//! exactly as theirs do), then renders one self-contained HTML page from the history with
//! `snapshot_perf::export::dashboard`, plus the JSON data behind it.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use snapshot_perf::export::dashboard::{self, DashboardData, HealthCard};
use snapshot_perf::export::write_atomic;
use snapshot_perf::health::{self, Probe};
use snapshot_perf::profile::report::utc_stamps;

use crate::cmd::{benchmark, healthcheck, monitor, optimize};
use crate::exit::bad_input;
use crate::settings::Settings;

/// What to run before rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// A quick benchmark (0.1, 0.5 and 1 MB), stored in the history, then the page.
    Benchmark,
    /// Monitor for --duration seconds (default 60) at a 1 s interval, then the page.
    Monitor,
    /// Profile 1 and 10 MB transcripts, then the page.
    Optimize,
    /// Render the page from the history alone, running nothing.
    Dashboard,
    /// Benchmark, optimize and a short monitor (--duration, default 30 s), then the page.
    Comprehensive,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Benchmark => "benchmark",
            Mode::Monitor => "monitor",
            Mode::Optimize => "optimize",
            Mode::Dashboard => "dashboard",
            Mode::Comprehensive => "comprehensive",
        }
    }
}

/// Flags of `dashboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to run before rendering the page.
    #[arg(long, value_enum, default_value = "comprehensive")]
    pub mode: Mode,
    /// The HTML file [default: performance_dashboard_YYYYMMDD_HHMMSS.html, UTC]. The data
    /// behind it goes to dashboard_data_YYYYMMDD_HHMMSS.json in the same folder.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Seconds to monitor [default: 60 in monitor mode, 30 in comprehensive mode].
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Open the page in the system's browser when done.
    #[arg(long)]
    pub open: bool,
    /// History database [default: the configured history, ~/.local/share/customer-snapshot/history.sqlite].
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// No progress lines on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Validated options: no clap types past this point.
struct Plan {
    mode: Mode,
    html: PathBuf,
    data: PathBuf,
    history: PathBuf,
    monitor_for: Option<Duration>,
    generated_at: String,
    stamp: String,
}

fn plan(args: &Args, settings: &Settings) -> anyhow::Result<Plan> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (stamp, generated_at) = utc_stamps(now);
    let html = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("performance_dashboard_{stamp}.html")));
    if html.as_os_str() == "-" {
        return Err(bad_input(
            "--output -: the dashboard is a file (give a .html path)",
        ));
    }
    if html.is_dir() {
        return Err(bad_input(format!(
            "--output {}: is a folder; give a file name",
            html.display()
        )));
    }
    let dir = match html.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(bad_input(format!(
            "--output {}: the folder {} does not exist",
            html.display(),
            dir.display()
        )));
    }
    let data = dir.join(format!("dashboard_data_{stamp}.json"));
    let history = args
        .history
        .clone()
        .unwrap_or_else(|| settings.history_path());
    for out in [&html, &data] {
        if same_file(&history, out) {
            return Err(bad_input(format!(
                "{}: that is the history database; choose another output",
                out.display()
            )));
        }
    }
    check_history_file(&history)?;
    let monitor_for = match args.mode {
        Mode::Monitor | Mode::Comprehensive => {
            let default = if args.mode == Mode::Monitor {
                60.0
            } else {
                30.0
            };
            let secs = args.duration.unwrap_or(default);
            if !(1.0..=86_400.0).contains(&secs) {
                return Err(bad_input(format!(
                    "--duration {secs}: give a number of seconds from 1 to 86400"
                )));
            }
            Some(Duration::from_secs_f64(secs))
        }
        _ => {
            if args.duration.is_some() {
                return Err(bad_input(format!(
                    "--duration applies to the monitor and comprehensive modes, not {}",
                    args.mode.name()
                )));
            }
            None
        }
    };
    Ok(Plan {
        mode: args.mode,
        html,
        data,
        history,
        monitor_for,
        generated_at,
        stamp,
    })
}

/// True when `out` names the existing file `input`.
fn same_file(input: &Path, out: &Path) -> bool {
    match (std::fs::canonicalize(input), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A history path that exists must be an SQLite file: anything else is the user's mistake, told
/// before anything runs (and the file is left alone).
fn check_history_file(path: &Path) -> anyhow::Result<()> {
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(());
    };
    if path.is_dir() {
        return Err(bad_input(format!(
            "--history {}: is a folder; give the database file",
            path.display()
        )));
    }
    let mut head = [0u8; 16];
    let n = f.read(&mut head).unwrap_or(0);
    if n == 0 || &head[..n] == b"SQLite format 3\0" {
        return Ok(());
    }
    Err(bad_input(format!(
        "--history {}: not a history database (not an SQLite file)",
        path.display()
    )))
}

/// Runs a sub-step and turns a failing exit code into an error naming the step.
fn step(name: &str, code: ExitCode) -> anyhow::Result<()> {
    if code == ExitCode::SUCCESS {
        Ok(())
    } else {
        anyhow::bail!("the {name} step failed (see above); the dashboard was not written")
    }
}

fn run_benchmark(
    plan: &Plan,
    scratch: &Path,
    quiet: bool,
    settings: &Settings,
) -> anyhow::Result<()> {
    let args = benchmark::Args {
        action: None,
        run: benchmark::RunArgs {
            sizes: vec![100_000, 500_000, 1_000_000],
            runs: None,
            warmup: None,
            corpus: None,
            seed: 1,
            format: benchmark::ReportFormat::Markdown,
            output: Some(scratch.join("benchmark.md")),
            export_json: Some(scratch.join("benchmark.json")),
            export_markdown: None,
            export_csv: None,
            baseline: None,
            fail_if_slower: None,
            no_history: false,
            history: Some(plan.history.clone()),
            quiet,
            ai_loopback_latency: None,
            ai_concurrency: Vec::new(),
            debug_mode: None,
        },
    };
    step("benchmark", benchmark::run(args, settings)?)
}

fn run_optimize(
    plan: &Plan,
    scratch: &Path,
    quiet: bool,
    settings: &Settings,
) -> anyhow::Result<()> {
    let dir = match plan.html.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The flamegraph stays beside the page: the history keeps its path, and later dashboards
    // inline it from there.
    let flamegraph = dir.join(format!("optimization_flamegraph_{}.svg", plan.stamp));
    let args = optimize::Args {
        sizes: vec!["1".into(), "10".into()],
        input: Vec::new(),
        corpus: "realistic".into(),
        format: "markdown".into(),
        output: Some(scratch.join("optimization_report.json")),
        flamegraph: Some(flamegraph),
        out_dir: scratch.to_path_buf(),
        compare: None,
        history: Some(plan.history.clone()),
        no_history: false,
        hz: 1000,
        min_seconds: 1.0,
        overhead_pairs: 7,
        target_mb_s: 100.0,
        keep_fillers: false,
        quiet,
        ai_loopback_latency: None,
        ai_concurrency: None,
        ai_telemetry: None,
    };
    step("optimize", optimize::run(args, settings)?)
}

fn run_monitor(plan: &Plan, duration: Duration, settings: &Settings) -> anyhow::Result<()> {
    let args = monitor::Args {
        interval: Some(Duration::from_secs(1)),
        report_interval: None,
        duration: Some(duration),
        json: false,
        listen: None,
        history: Some(plan.history.clone()),
        no_history: false,
        process: None,
        pid: None,
        disks: Vec::new(),
        cpu_threshold: None,
        memory_threshold: None,
        disk_threshold: None,
        disk_free_min: None,
        process_memory_max: None,
        min_duration: None,
        webhook: None,
        ai_call_log: None,
    };
    step("monitor", monitor::run(args, settings)?)
}

/// The live probe (cheap: /proc and cgroup files only) for the health card.
fn health_card(settings: &Settings) -> HealthCard {
    let report = health::run(Probe::Live, &healthcheck::health_config(settings));
    let status = serde_json::to_value(report.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    HealthCard {
        status,
        problems: report
            .checks
            .iter()
            .filter(|c| c.status != health::Status::Pass)
            .map(|c| format!("{}: {}", c.name, c.output.clone().unwrap_or_default()))
            .collect(),
    }
}

/// Runs `dashboard`.
pub fn run(args: Args, settings: &Settings) -> anyhow::Result<ExitCode> {
    let plan = plan(&args, settings)?;
    let show = !args.quiet;
    let progress = |line: &str| {
        if show {
            eprintln!("dashboard: {line}");
        }
    };
    let steps: &[&str] = match plan.mode {
        Mode::Benchmark => &["benchmark"],
        Mode::Monitor => &["monitor"],
        Mode::Optimize => &["optimize"],
        Mode::Dashboard => &[],
        Mode::Comprehensive => &["benchmark", "optimize", "monitor"],
    };
    let scratch = tempfile::tempdir().context("cannot create a temporary folder")?;
    // Sub-steps draw their own bars only on a terminal; their report files go to scratch.
    let quiet_steps = args.quiet || !std::io::stderr().is_terminal();
    for (i, name) in steps.iter().enumerate() {
        let started = Instant::now();
        progress(&format!("step {}/{}: {name}", i + 1, steps.len()));
        match *name {
            "benchmark" => run_benchmark(&plan, scratch.path(), quiet_steps, settings)?,
            "optimize" => run_optimize(&plan, scratch.path(), quiet_steps, settings)?,
            _ => run_monitor(
                &plan,
                plan.monitor_for.unwrap_or(Duration::from_secs(30)),
                settings,
            )?,
        }
        progress(&format!(
            "{name} done in {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }
    progress("rendering from the history");
    let mut data = DashboardData::from_history(&plan.history, plan.mode.name(), &plan.generated_at)
        .with_context(|| format!("reading the history {}", plan.history.display()))?;
    data.health = Some(health_card(settings));
    // Threshold lines show the levels this installation alerts at.
    if let Some(monitor) = data.monitor.as_mut() {
        monitor.thresholds = settings.monitor.thresholds.clone();
    }
    let html = dashboard::render_html(&data);
    write_atomic(&plan.data, dashboard::to_json(&data).as_bytes())?;
    write_atomic(&plan.html, html.as_bytes())?;
    println!("Dashboard: {}", plan.html.display());
    println!("Data: {}", plan.data.display());
    if args.open
        && let Err(e) = opener::open(&plan.html)
    {
        eprintln!(
            "customer-snapshot: could not open a browser ({e}); open {} yourself",
            plan.html.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
