//! `customer-snapshot benchmark`: the multi-size benchmark (child processes of this binary
//! running `process`), its report files, the history, the baseline comparison and the
//! regression gate; `benchmark generate` writes one corpus file; `benchmark history` lists
//! past runs.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use snapshot_perf::bench::ai::{AiConcurrencyResult, AiStageReport};
use snapshot_perf::bench::compare::{self, GateOutcome};
use snapshot_perf::bench::executor::{BenchError, Executor, MockExecutor, ProcessExecutor};
use snapshot_perf::bench::report::{
    BaselineComparison, BenchmarkReport, RunRecord, SCHEMA_VERSION, Settings, StageResult,
    SystemInfo, default_file_name, rfc3339_utc,
};
use snapshot_perf::bench::runner::{Progress, Runner, StageBreakdown};
use snapshot_perf::bench::stages::PipelineStages;
use snapshot_perf::bench::stats::Bootstrap;
use snapshot_perf::bench::targets::BenchmarkConfig;
use snapshot_perf::corpus::{self, Layout};
use snapshot_perf::export::{self, json, markdown, write_atomic};
use snapshot_perf::history::History;
use snapshot_perf::monitor::duration::parse_duration;

use crate::exit::{CHECK_FAILED, bad_input};

const BENCH_EXIT: &str = "\
Exit codes:
  0  every run succeeded (and the regression gate, if asked for, passed)
  1  some run failed (the report says why), or a runtime failure
  2  bad flags, settings or baseline file
  3  --fail-if-slower: some size is slower than the baseline by more than PCT across the whole
     95 % confidence interval";

/// Flags of `benchmark`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, after_help = BENCH_EXIT)]
pub struct Args {
    /// `generate` or `history`; without one, runs the benchmark.
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Flags of a benchmark run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `benchmark` sub-actions.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Write one generated transcript of an exact size (same seed, same bytes).
    Generate(GenerateArgs),
    /// List past benchmark runs from the history database.
    History(HistoryArgs),
    /// Internal: the per-stage breakdown of one file as JSON (run as a child of a benchmark).
    #[command(hide = true)]
    Stages(StagesArgs),
}

/// Flags of the internal `benchmark stages`.
#[derive(Debug, clap::Args)]
pub struct StagesArgs {
    /// The WebVTT file.
    pub file: PathBuf,
}

/// Corpus layouts on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CorpusArg {
    /// A customer meeting: speakers, entities, numbers, terms, questions, action items.
    Realistic,
    /// The replaced tool's "Test Speaker N:" layout, with valid timestamps.
    Seed,
}

impl From<CorpusArg> for Layout {
    fn from(c: CorpusArg) -> Layout {
        match c {
            CorpusArg::Realistic => Layout::Realistic,
            CorpusArg::Seed => Layout::Seed,
        }
    }
}

/// What the report on stdout (or `--output`) looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A Markdown document with aligned tables (default).
    #[value(alias = "md")]
    Markdown,
    /// The JSON report.
    Json,
}

/// Flags of a benchmark run.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// File sizes, comma-separated; a bare number is MB (SI), or use KB/MB/GB [default: 0.1,0.5,1,2,5,10].
    #[arg(long, value_delimiter = ',', value_parser = parse_size_arg)]
    pub sizes: Vec<u64>,
    /// Measured runs per size [default: 5].
    #[arg(long)]
    pub runs: Option<u32>,
    /// Unmeasured warm-up runs per size [default: 1].
    #[arg(long)]
    pub warmup: Option<u32>,
    /// Corpus layout [default: realistic].
    #[arg(long, value_enum)]
    pub corpus: Option<CorpusArg>,
    /// Corpus generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Format of the report on stdout or in --output.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
    /// Write the report (in --format) to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The JSON report, rewritten after each size [default: ./benchmark_results_YYYYMMDD_HHMMSS.json, UTC].
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Also write the Markdown report here.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Also write one CSV row per size here.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Compare with a JSON report file, or `latest` (the newest complete run in the history on
    /// the same corpus).
    #[arg(long, value_name = "FILE|latest")]
    pub baseline: Option<String>,
    /// Exit 3 when some size's median wall time is slower than the baseline by more than PCT
    /// percent across the whole 95 % confidence interval.
    #[arg(long, value_name = "PCT", requires = "baseline", value_parser = parse_pct)]
    pub fail_if_slower: Option<f64>,
    /// Do not store this run in the history database.
    #[arg(long)]
    pub no_history: bool,
    /// History database [default: $XDG_DATA_HOME/customer-snapshot/history.sqlite].
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also run the AI stage: the 11-section AI snapshot of a generated 0.1 MB meeting against
    /// an in-process loopback Messages API that waits DURATION (500ms, 2s) before each answer,
    /// once per --ai-concurrency. Off unless given; needs no key and no network.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub ai_loopback_latency: Option<Duration>,
    /// API calls in flight for the AI stage, one stage run per value [default: 1,2,4,8].
    #[arg(
        long,
        value_name = "N,...",
        value_delimiter = ',',
        requires = "ai_loopback_latency"
    )]
    pub ai_concurrency: Vec<usize>,
    /// Measure nothing: a deterministic mock whose runs take SECONDS_PER_MB × size (±3 %),
    /// for testing the reports and the gate (as hyperfine's --debug-mode).
    #[arg(long, hide = true, value_name = "SECONDS_PER_MB")]
    pub debug_mode: Option<f64>,
}

/// Flags of `benchmark generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Size of the file: a bare number is MB (SI), or use B/KB/MB/GB/KiB/MiB.
    #[arg(long, value_parser = parse_size_arg)]
    pub size: u64,
    /// Generator seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Layout.
    #[arg(long, value_enum, default_value = "realistic")]
    pub corpus: CorpusArg,
    /// Output file; `-` writes to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// Flags of `benchmark history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// History database [default: $XDG_DATA_HOME/customer-snapshot/history.sqlite].
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Show at most this many runs, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    corpus::parse_size(s).map_err(|e| e.to_string())
}

fn parse_pct(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("'{s}' is not a percentage (e.g. 10)")),
    }
}

/// Runs `benchmark` with the `[benchmark]` and `[history]` settings (flags win over them).
pub fn run(args: Args, settings: &crate::settings::Settings) -> anyhow::Result<ExitCode> {
    let default_history = settings.history_path();
    match args.action {
        Some(Action::Generate(g)) => generate(g),
        Some(Action::History(h)) => history(h, default_history),
        Some(Action::Stages(s)) => stages(s),
        None => bench(args.run, settings.benchmark.clone(), default_history),
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let layout = Layout::from(args.corpus);
    if args.output.as_os_str() == "-" {
        let stdout = io::stdout().lock();
        corpus::generate(layout, args.size, args.seed, stdout).context("writing to stdout")?;
        return Ok(ExitCode::SUCCESS);
    }
    crate::output::write_atomically(&args.output, |out| {
        corpus::generate(layout, args.size, args.seed, out)
            .with_context(|| format!("writing '{}'", args.output.display()))?;
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn history(args: HistoryArgs, default_history: PathBuf) -> anyhow::Result<ExitCode> {
    let path = args.history.unwrap_or(default_history);
    if !path.exists() {
        println!("No benchmark history yet at '{}'.", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let h = History::open(&path)?;
    let runs = h.list_benchmarks(args.limit)?;
    if runs.is_empty() {
        println!("No benchmark runs in '{}'.", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![
        [
            "Run",
            "Started (UTC)",
            "Version",
            "Commit",
            "Corpus",
            "Runs",
            "Sizes: median wall (MB/s)",
            "Targets",
            "AI stage: concurrency wall",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for r in &runs {
        let sizes: Vec<String> = r
            .sizes
            .iter()
            .map(|s| match (s.wall_median_seconds, s.throughput_mb_per_s) {
                (Some(w), Some(t)) => format!(
                    "{} {} ({t:.1})",
                    markdown::format_size(s.size_bytes),
                    markdown::format_seconds(w)
                ),
                _ => format!("{} failed", markdown::format_size(s.size_bytes)),
            })
            .collect();
        let judged: Vec<bool> = r.sizes.iter().filter_map(|s| s.target_pass).collect();
        let met = judged.iter().filter(|p| **p).count();
        rows.push(vec![
            r.id.to_string(),
            format!(
                "{}{}",
                r.started_at,
                if r.complete { "" } else { " (incomplete)" }
            ),
            r.tool_version.clone(),
            r.git_commit.clone().unwrap_or_else(|| "–".into()),
            r.corpus.clone(),
            r.runs.to_string(),
            sizes.join(", "),
            format!("{met}/{} met", judged.len()),
            if r.ai.is_empty() {
                "–".to_owned()
            } else {
                r.ai.iter()
                    .map(|a| {
                        format!(
                            "{}: {}",
                            a.concurrency,
                            markdown::format_seconds(a.wall_seconds)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ]);
    }
    let mut out = io::stdout().lock();
    out.write_all(markdown::table(&rows).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn stages(args: StagesArgs) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(&args.file)
        .map_err(|e| bad_input(format!("{}: {e}", args.file.display())))?
        .len();
    let stages = PipelineStages
        .measure(&args.file, size)
        .map_err(bad_input)?;
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, &stages)?;
    out.write_all(b"\n")?;
    Ok(ExitCode::SUCCESS)
}

/// The per-stage breakdown run in a child (`benchmark stages`): the pipeline's memory
/// (gazetteers, buffers) must never enter the measuring process, whose own peak RSS would
/// otherwise mask the children's (see `snapshot_perf::measure::child`).
struct ChildStages {
    exe: PathBuf,
}

impl StageBreakdown for ChildStages {
    fn measure(&mut self, input: &Path, _size_bytes: u64) -> Result<Vec<StageResult>, String> {
        let out = std::process::Command::new(&self.exe)
            .args(["benchmark", "stages"])
            .arg(input)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot start '{}': {e}", self.exe.display()))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(err.lines().last().unwrap_or("failed").to_owned());
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("unreadable stage report: {e}"))
    }
}

/// An indicatif bar on stderr, one tick per run.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn size_started(&mut self, size_bytes: u64, _total_runs: u32) {
        self.0
            .set_message(format!("{} corpus", markdown::format_size(size_bytes)));
    }

    fn run_finished(&mut self, _size_bytes: u64, warmup: bool, record: &RunRecord) {
        self.0.inc(1);
        if !warmup {
            self.0.set_message(format!(
                "last run {}",
                markdown::format_seconds(record.wall_seconds)
            ));
        }
    }
}

fn bench(
    args: RunArgs,
    config: BenchmarkConfig,
    default_history: PathBuf,
) -> anyhow::Result<ExitCode> {
    config.targets.validate().map_err(bad_input)?;
    let sizes: Vec<u64> = if args.sizes.is_empty() {
        config
            .sizes_mb
            .iter()
            .map(|mb| (mb * corpus::MB).round() as u64)
            .collect()
    } else {
        args.sizes.clone()
    };
    let runs = args.runs.unwrap_or(config.runs);
    if runs == 0 {
        return Err(bad_input("--runs must be at least 1"));
    }
    let corpus_layout = args.corpus.map_or(config.corpus, Layout::from);
    let history_file = args.history.clone().unwrap_or(default_history);

    // Everything that can be wrong with the input is checked before the first run.
    let ai_concurrency = if args.ai_concurrency.is_empty() {
        vec![1, 2, 4, 8]
    } else {
        args.ai_concurrency.clone()
    };
    if let Some(&n) = ai_concurrency.iter().find(|n| **n == 0) {
        return Err(bad_input(format!(
            "--ai-concurrency {n}: give numbers of calls in flight, at least 1"
        )));
    }
    let baseline = load_baseline(args.baseline.as_deref(), &history_file, corpus_layout)?;

    let exe = std::env::current_exe().context("cannot find this program's own path")?;
    let mut executor: Box<dyn Executor> = match args.debug_mode {
        Some(spm) => Box::new(MockExecutor::new(spm, 0.03, args.seed)),
        None => Box::new(ProcessExecutor::new(exe.clone())),
    };
    let settings = Settings {
        sizes_bytes: sizes.clone(),
        runs,
        warmup: args.warmup.unwrap_or(config.warmup),
        corpus: corpus_layout,
        seed: args.seed,
        command: executor.describe(),
        targets: config.targets.clone(),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let json_path = args
        .export_json
        .clone()
        .unwrap_or_else(|| PathBuf::from(default_file_name(now)));
    let mut report = BenchmarkReport {
        schema_version: SCHEMA_VERSION,
        started_at: rfc3339_utc(now),
        complete: false,
        system: SystemInfo::for_benchmark(
            env!("CARGO_PKG_VERSION"),
            option_env!("CUSTOMER_SNAPSHOT_GIT_COMMIT"),
        ),
        settings: settings.clone(),
        results: Vec::new(),
        baseline: None,
        ai: None,
    };

    let total = u64::from(settings.warmup + settings.runs) * sizes.len() as u64;
    let bar = if args.quiet || !io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} runs {elapsed} {msg}")
        {
            bar.set_style(style);
        }
        bar
    };
    let mut progress = Bar(bar.clone());
    let mut stages = ChildStages { exe: exe.clone() };
    let mut runner =
        Runner::new(settings, executor.as_mut(), &mut progress).map_err(|e| match e {
            BenchError::Settings(msg) => bad_input(msg),
            other => other.into(),
        })?;
    if args.debug_mode.is_none() {
        // One extra pipeline run per size, timed per stage through the pipeline's Observer.
        runner = runner.with_stage_breakdown(&mut stages);
    }
    for &size in &sizes {
        let result = runner
            .run_size(size)
            .with_context(|| format!("benchmarking the {} file", markdown::format_size(size)))?;
        report.results.push(result);
        // Rewritten after each size so an interruption keeps what was measured.
        write_reports(&report, &json_path, &args)?;
    }
    drop(runner);
    bar.finish_and_clear();
    if let Some(latency) = args.ai_loopback_latency {
        report.ai = Some(ai_stage(latency, &ai_concurrency, args.seed, args.quiet)?);
    }

    report.complete = true;
    let mut gate: Option<GateOutcome> = None;
    if let Some((source, base)) = &baseline {
        let sizes = compare::compare(&report, base, &Bootstrap::default());
        if let Some(pct) = args.fail_if_slower {
            gate = Some(compare::gate(&sizes, pct));
        }
        report.baseline = Some(BaselineComparison {
            source: source.clone(),
            started_at: base.started_at.clone(),
            sizes,
            ai: compare::compare_ai(&report, base),
        });
    }
    write_reports(&report, &json_path, &args)?;
    if !args.no_history {
        let mut h = History::open(&history_file)?;
        h.record_benchmark(&report)?;
    }

    let rendered = match args.format {
        ReportFormat::Markdown => markdown::benchmark_report(&report),
        ReportFormat::Json => json::benchmark_report(&report),
    };
    match &args.output {
        Some(path) => write_atomic(path, rendered.as_bytes())?,
        None => io::stdout().lock().write_all(rendered.as_bytes())?,
    }
    if !args.quiet {
        eprintln!("JSON report: {}", json_path.display());
    }

    let failed_runs: u32 = report.results.iter().map(|r| r.runs - r.successes).sum();
    if failed_runs > 0 {
        eprintln!(
            "customer-snapshot: error: {failed_runs} benchmark run(s) failed (see the warnings in the report)"
        );
        return Ok(ExitCode::FAILURE);
    }
    if let Some(g) = gate.filter(|g| !g.passed()) {
        let sizes: Vec<String> = g
            .regressions
            .iter()
            .map(|s| markdown::format_size(*s))
            .collect();
        eprintln!(
            "customer-snapshot: regression: {} slower than the baseline by more than {:.0}% (whole 95% interval)",
            sizes.join(", "),
            (g.threshold - 1.0) * 100.0
        );
        return Ok(ExitCode::from(CHECK_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Size of the generated meeting the AI stage writes a snapshot of: a long meeting that still
/// fits one prompt, so the stage is the 11 section calls (no map-reduce).
const AI_INPUT_BYTES: u64 = 100_000;

/// The AI stage: one run per concurrency limit against the loopback API.
fn ai_stage(
    latency: Duration,
    concurrency: &[usize],
    seed: u64,
    quiet: bool,
) -> anyhow::Result<AiStageReport> {
    let mut vtt = Vec::new();
    let written = corpus::generate(Layout::Realistic, AI_INPUT_BYTES, seed, &mut vtt)
        .context("generating the AI stage's meeting")?;
    let snapshot = snapshot_pipeline::pipeline::snapshot(
        vtt.as_slice(),
        &super::process::source_info(Path::new("ai_stage_meeting.vtt")),
        &snapshot_pipeline::pipeline::Config::default(),
    )
    .map_err(|e| anyhow::anyhow!("the AI stage's meeting did not process: {e}"))?;
    let mut results = Vec::new();
    for &n in concurrency {
        if !quiet {
            eprintln!(
                "benchmark: AI stage at concurrency {n} ({} per answer)",
                markdown::format_seconds(latency.as_secs_f64())
            );
        }
        let t = super::ai::loopback_run(&snapshot, n, latency)?;
        results.push(AiConcurrencyResult::from_run(n, &t));
    }
    Ok(AiStageReport {
        api: "loopback".to_owned(),
        latency_seconds: latency.as_secs_f64(),
        input_bytes: written,
        // What `loopback_run` uses: the client's default.
        prompt_cache: snapshot_ai::AiConfig::default().prompt_cache,
        results,
    })
}

fn load_baseline(
    spec: Option<&str>,
    history_file: &Path,
    corpus_layout: Layout,
) -> anyhow::Result<Option<(String, BenchmarkReport)>> {
    let Some(spec) = spec else { return Ok(None) };
    if spec == "latest" {
        if !history_file.exists() {
            return Err(bad_input(format!(
                "--baseline latest: no history at '{}'; run the benchmark once without --baseline first",
                history_file.display()
            )));
        }
        let h = History::open(history_file)?;
        return match h.latest_benchmark(corpus_layout)? {
            Some((id, report)) => Ok(Some((format!("history run {id}"), report))),
            None => Err(bad_input(format!(
                "--baseline latest: no complete {} run in '{}'",
                corpus_layout.name(),
                history_file.display()
            ))),
        };
    }
    let path = PathBuf::from(spec);
    let report = json::read_benchmark_report(&path).map_err(|e| bad_input(e.to_string()))?;
    Ok(Some((path.display().to_string(), report)))
}

fn write_reports(
    report: &BenchmarkReport,
    json_path: &Path,
    args: &RunArgs,
) -> Result<(), export::ExportError> {
    write_atomic(json_path, json::benchmark_report(report).as_bytes())?;
    if let Some(p) = &args.export_markdown {
        write_atomic(p, markdown::benchmark_report(report).as_bytes())?;
    }
    if let Some(p) = &args.export_csv {
        write_atomic(p, export::csv::benchmark_report(report).as_bytes())?;
    }
    Ok(())
}
