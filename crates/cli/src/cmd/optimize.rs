//! `customer-snapshot optimize`: profile the pipeline per stage (wall, CPU, allocations, heap),
//! sample its functions into a flamegraph, and derive findings with advice from the numbers.
//!
//! Inputs are generated corpus sizes (`--sizes 1,10`, MB) or the user's files (`--input`).
//! Writes `optimization_report_YYYYMMDD_HHMMSS.json` and `optimization_flamegraph_….svg`
//! (atomically: temporary file, then rename), stores the report in the history database and
//! prints the terminal report to stdout; progress goes to stderr.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow};
use snapshot_perf::corpus::{self, Layout};
use snapshot_perf::history::{self, History};
use snapshot_perf::monitor::duration::parse_duration;
use snapshot_perf::profile::ai::AiStageProfile;
use snapshot_perf::profile::compare::compare;
use snapshot_perf::profile::report::{OptimizationReport, SCHEMA_VERSION, Settings, SystemInfo};
use snapshot_perf::profile::rules::Thresholds;
use snapshot_perf::profile::{self, Input, ProfileOptions, Source, Workload, terminal};
use snapshot_pipeline::ai_telemetry::RunTelemetry;
use snapshot_pipeline::pipeline::Config;
use snapshot_pipeline::render::Format;

use crate::exit::bad_input;

/// Seed of the generated corpus, so every run profiles the same bytes.
const CORPUS_SEED: u64 = 42;

/// Flags of `optimize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Generated transcript sizes to profile, in MB (comma-separated; `KB`, `MB`, `GB` suffixes
    /// accepted).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1,10",
        conflicts_with = "input"
    )]
    pub sizes: Vec<String>,
    /// Profile these transcripts instead of generated sizes.
    #[arg(long, num_args = 1..)]
    pub input: Vec<PathBuf>,
    /// Layout of the generated transcripts.
    #[arg(long, default_value = "realistic", value_parser = ["realistic", "seed"])]
    pub corpus: String,
    /// Snapshot format the pipeline renders while profiled.
    #[arg(short, long, default_value = "markdown", value_parser = ["markdown", "md", "html", "json"])]
    pub format: String,
    /// JSON report path [default: <out-dir>/optimization_report_YYYYMMDD_HHMMSS.json].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Flamegraph SVG path [default: <out-dir>/optimization_flamegraph_YYYYMMDD_HHMMSS.svg].
    #[arg(long)]
    pub flamegraph: Option<PathBuf>,
    /// Folder for the default report and flamegraph names.
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
    /// An earlier optimization report to diff against (per-stage time and allocations).
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// History database [default: `[history] path`, else
    /// $XDG_DATA_HOME/customer-snapshot/history.sqlite].
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Do not store the report in the history database.
    #[arg(long)]
    pub no_history: bool,
    /// Sampling profiler frequency in Hz (0 turns it off).
    #[arg(long, default_value_t = 1000)]
    pub hz: u32,
    /// Repeat each input until this many seconds have passed (more samples, steadier figures).
    #[arg(long, default_value_t = 1.0)]
    pub min_seconds: f64,
    /// Pairs of runs (counting on/off) measuring the counting allocator's cost; 0 skips it.
    #[arg(long, default_value_t = 7)]
    pub overhead_pairs: usize,
    /// Stage throughput below this (MB/s of the stage's input) is a finding.
    #[arg(long, default_value_t = 100.0)]
    pub target_mb_s: f64,
    /// Keep fillers ("um", "uh") in the transcript, as `process --keep-fillers` does.
    #[arg(long)]
    pub keep_fillers: bool,
    /// No progress lines on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also measure the AI stage (`ai_api_calls`): the AI snapshot of the smallest input
    /// against an in-process loopback Messages API that waits DURATION (500ms, 2s) before each
    /// answer. No key, no network.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "ai_telemetry")]
    pub ai_loopback_latency: Option<Duration>,
    /// API calls in flight for --ai-loopback-latency [default: 4, as `process --ai`].
    #[arg(long, value_name = "N", requires = "ai_loopback_latency")]
    pub ai_concurrency: Option<usize>,
    /// Show the AI stage of a real run instead: the JSON that `process --ai --ai-telemetry FILE`
    /// wrote.
    #[arg(long, value_name = "FILE")]
    pub ai_telemetry: Option<PathBuf>,
}

/// Validated options (no clap types past this point).
struct Plan {
    inputs: Vec<PlannedInput>,
    corpus: Option<Layout>,
    report_path: PathBuf,
    flamegraph_path: Option<PathBuf>,
    baseline: Option<(PathBuf, OptimizationReport)>,
    /// The AI stage read from `--ai-telemetry`.
    ai_telemetry: Option<AiStageProfile>,
    started_at: String,
}

struct PlannedInput {
    label: String,
    kind: InputKind,
}

enum InputKind {
    Generated(u64),
    File(PathBuf, u64),
}

/// `1MB`, `0.5MB`, `250KB`-style label of a generated size.
fn size_label(bytes: u64) -> String {
    let mb = bytes as f64 / corpus::MB;
    let text = format!("{mb:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}MB")
}

fn plan(args: &Args) -> anyhow::Result<Plan> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (stamp, started_at) = snapshot_perf::profile::report::utc_stamps(now);
    if !(args.min_seconds.is_finite() && args.min_seconds >= 0.0) {
        return Err(bad_input(format!(
            "--min-seconds {}: give a number of seconds, 0 or more",
            args.min_seconds
        )));
    }
    if !(args.target_mb_s.is_finite() && args.target_mb_s > 0.0) {
        return Err(bad_input(format!(
            "--target-mb-s {}: give a positive number of MB/s",
            args.target_mb_s
        )));
    }
    let mut inputs = Vec::new();
    let corpus_layout = if args.input.is_empty() {
        let layout: Layout = args.corpus.parse().map_err(|e| bad_input(format!("{e}")))?;
        for text in &args.sizes {
            let bytes = corpus::parse_size(text).map_err(|e| bad_input(format!("--sizes: {e}")))?;
            if bytes < corpus::MIN_EXACT_SIZE {
                return Err(bad_input(format!(
                    "--sizes: '{text}' is below the smallest profiled size of {} bytes",
                    corpus::MIN_EXACT_SIZE
                )));
            }
            let label = size_label(bytes);
            if inputs.iter().any(|i: &PlannedInput| i.label == label) {
                continue;
            }
            inputs.push(PlannedInput {
                label,
                kind: InputKind::Generated(bytes),
            });
        }
        Some(layout)
    } else {
        for path in &args.input {
            let shown = path.display();
            let meta = fs::metadata(path).map_err(|e| {
                bad_input(format!(
                    "{shown}: {}",
                    if e.kind() == std::io::ErrorKind::NotFound {
                        "no such file".to_owned()
                    } else {
                        e.to_string()
                    }
                ))
            })?;
            if meta.is_dir() {
                return Err(bad_input(format!("{shown}: is a folder; give .vtt files")));
            }
            if meta.len() == 0 {
                return Err(bad_input(format!(
                    "{shown}: file is empty; expected a WebVTT transcript"
                )));
            }
            inputs.push(PlannedInput {
                label: shown.to_string(),
                kind: InputKind::File(path.clone(), meta.len()),
            });
        }
        None
    };
    if inputs.is_empty() {
        return Err(bad_input("nothing to profile: give --sizes or --input"));
    }
    let baseline = match &args.compare {
        Some(path) => {
            let text = fs::read_to_string(path).map_err(|e| {
                bad_input(format!(
                    "{}: cannot read the earlier report: {e}",
                    path.display()
                ))
            })?;
            let report: OptimizationReport = serde_json::from_str(&text).map_err(|e| {
                bad_input(format!(
                    "{}: not an optimization report (line {}): {e}",
                    path.display(),
                    e.line()
                ))
            })?;
            Some((path.clone(), report))
        }
        None => None,
    };
    let report_path = args.output.clone().unwrap_or_else(|| {
        args.out_dir
            .join(format!("optimization_report_{stamp}.json"))
    });
    let flamegraph_path = (args.hz > 0).then(|| {
        args.flamegraph.clone().unwrap_or_else(|| {
            args.out_dir
                .join(format!("optimization_flamegraph_{stamp}.svg"))
        })
    });
    let mut protected: Vec<&Path> = args.input.iter().map(PathBuf::as_path).collect();
    protected.extend(args.compare.as_deref());
    for out in std::iter::once(&report_path).chain(flamegraph_path.as_ref()) {
        if protected.iter().any(|p| same_file(p, out)) {
            return Err(bad_input(format!(
                "{}: the output would overwrite an input; choose another path",
                out.display()
            )));
        }
    }
    let ai_telemetry = args
        .ai_telemetry
        .as_deref()
        .map(read_ai_telemetry)
        .transpose()?;
    Ok(Plan {
        inputs,
        corpus: corpus_layout,
        report_path,
        flamegraph_path,
        baseline,
        ai_telemetry,
        started_at,
    })
}

/// The `ai_api_calls` stage from the JSON `process --ai --ai-telemetry` writes.
fn read_ai_telemetry(path: &Path) -> anyhow::Result<AiStageProfile> {
    #[derive(serde::Deserialize)]
    struct File {
        telemetry: RunTelemetry,
    }
    let shown = path.display();
    let text = fs::read_to_string(path)
        .map_err(|e| bad_input(format!("--ai-telemetry {shown}: cannot read it: {e}")))?;
    let file: File = serde_json::from_str(&text).map_err(|e| {
        bad_input(format!(
            "--ai-telemetry {shown}: not the telemetry `process --ai --ai-telemetry` writes (line {}): {e}",
            e.line()
        ))
    })?;
    Ok(AiStageProfile {
        source: format!("process --ai telemetry {shown}"),
        input: None,
        pipeline_wall_seconds: None,
        stage: file.telemetry.stage_entry(),
    })
}

/// The `ai_api_calls` stage measured against the loopback API on the smallest input, beside
/// that input's pipeline wall time.
fn loopback_ai_stage(
    files: &[(String, PathBuf, u64)],
    sizes: &[snapshot_perf::profile::report::SizeProfile],
    latency: Duration,
    concurrency: usize,
    keep_fillers: bool,
) -> anyhow::Result<AiStageProfile> {
    let (label, path, _) = files
        .iter()
        .min_by_key(|(_, _, len)| *len)
        .context("no input for the AI stage")?;
    let mut config = Config::default();
    config.clean.remove_fillers = !keep_fillers;
    let file = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let snapshot = snapshot_pipeline::pipeline::snapshot(
        std::io::BufReader::new(file),
        &super::process::source_info(path),
        &config,
    )
    .map_err(|e| anyhow!("{label}: {e}"))?;
    let t = super::ai::loopback_run(&snapshot, concurrency, latency)?;
    Ok(AiStageProfile {
        source: format!(
            "loopback API, {:.1} ms before each answer, {concurrency} calls in flight",
            latency.as_secs_f64() * 1e3
        ),
        input: Some(label.clone()),
        pipeline_wall_seconds: sizes
            .iter()
            .find(|s| &s.label == label)
            .map(|s| s.wall_seconds),
        stage: t.stage_entry(),
    })
}

/// True when `out` names the existing file `input` (through links or `..` too).
fn same_file(input: &Path, out: &Path) -> bool {
    match (fs::canonicalize(input), fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The pipeline as the profiled workload, rendering into an unnamed scratch file.
fn pipeline_workload(args: &Args) -> anyhow::Result<Box<dyn Workload>> {
    let mut config = Config::default();
    config.clean.remove_fillers = !args.keep_fillers;
    let format = Format::parse(&args.format).ok_or_else(|| {
        bad_input(format!(
            "--format {}: use markdown, html or json",
            args.format
        ))
    })?;
    let scratch = tempfile::tempfile().context("cannot create a scratch file for the snapshot")?;
    Ok(Box::new(profile::workload::PipelineWorkload::new(
        config, format, scratch,
    )))
}

/// Runs `optimize`; the report is stored in the `[history]` database unless `--history` names
/// another.
pub fn run(args: Args, settings: &crate::settings::Settings) -> anyhow::Result<ExitCode> {
    let plan = plan(&args)?;
    let mut workload = pipeline_workload(&args)?;
    let mut progress = |line: &str| {
        if !args.quiet {
            eprintln!("optimize: {line}");
        }
    };

    // Generated sizes go to files, so the input never sits in the heap being measured.
    let scratch_dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let mut files: Vec<(String, PathBuf, u64)> = Vec::new();
    for input in &plan.inputs {
        match &input.kind {
            InputKind::Generated(bytes) => {
                let layout = plan.corpus.unwrap_or_default();
                let path = scratch_dir.path().join(format!("{}.vtt", input.label));
                progress(&format!(
                    "generating {} ({} corpus)",
                    input.label,
                    layout.name()
                ));
                let file = fs::File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut out = BufWriter::new(file);
                let written = corpus::generate(layout, *bytes, CORPUS_SEED, &mut out)
                    .with_context(|| format!("cannot generate {}", input.label))?;
                out.flush()
                    .with_context(|| format!("cannot write {}", path.display()))?;
                files.push((input.label.clone(), path, written));
            }
            InputKind::File(path, len) => files.push((input.label.clone(), path.clone(), *len)),
        }
    }
    let inputs: Vec<Input<'_>> = files
        .iter()
        .map(|(label, path, len)| Input {
            label,
            len: *len,
            source: Source::File(path),
        })
        .collect();
    let opts = ProfileOptions {
        sampling_hz: args.hz,
        min_seconds: args.min_seconds,
        overhead_pairs: args.overhead_pairs,
        thresholds: Thresholds {
            target_mb_per_s: args.target_mb_s,
            ..Thresholds::default()
        },
        ..ProfileOptions::default()
    };
    let outcome = profile::profile(&inputs, workload.as_mut(), &opts, &mut progress).map_err(
        |e| match e {
            // A transcript the pipeline rejects is the user's input (exit 2).
            profile::ProfileError::Workload { .. } if !args.input.is_empty() => {
                bad_input(e.to_string())
            }
            other => anyhow!(other),
        },
    )?;

    let ai_stage = match (args.ai_loopback_latency, plan.ai_telemetry.clone()) {
        (Some(latency), _) => {
            let concurrency = args.ai_concurrency.unwrap_or(4);
            progress(&format!(
                "AI stage against the loopback API ({:.0} ms per answer, {concurrency} in flight)",
                latency.as_secs_f64() * 1e3
            ));
            Some(loopback_ai_stage(
                &files,
                &outcome.sizes,
                latency,
                concurrency,
                args.keep_fillers,
            )?)
        }
        (None, from_file) => from_file,
    };
    let mut findings = outcome.findings;
    findings.extend(ai_stage.as_ref().and_then(AiStageProfile::finding));
    let mut report = OptimizationReport {
        schema_version: SCHEMA_VERSION,
        started_at: plan.started_at.clone(),
        system: SystemInfo::for_profile(env!("CARGO_PKG_VERSION")),
        settings: Settings {
            sampling_hz: args.hz,
            min_seconds_per_size: args.min_seconds,
            target_mb_per_s: args.target_mb_s,
            corpus: plan.corpus.map(|l| l.name().to_owned()),
        },
        allocator_overhead: outcome.allocator_overhead,
        sizes: outcome.sizes,
        memory_growth: outcome.memory_growth,
        findings,
        flamegraph_path: None,
        comparison: None,
        ai_stage,
    };
    if let (Some(path), Some(samples)) = (&plan.flamegraph_path, &outcome.samples) {
        crate::output::write_atomically(path, |out| {
            samples
                .flamegraph(out)
                .with_context(|| format!("cannot draw the flamegraph {}", path.display()))
        })?;
        report.flamegraph_path = Some(path.display().to_string());
    }
    if let Some((path, before)) = &plan.baseline {
        report.comparison = Some(compare(before, &path.display().to_string(), &report));
    }
    crate::output::write_atomically(&plan.report_path, |out| {
        serde_json::to_writer_pretty(&mut *out, &report)
            .with_context(|| format!("cannot write {}", plan.report_path.display()))
    })?;
    if !args.no_history {
        let path = args
            .history
            .clone()
            .unwrap_or_else(|| settings.history_path());
        let mut store = History::open(&path)?;
        store
            .write(|tx| history::profile::insert(tx, &report))
            .with_context(|| format!("cannot store the report in {}", path.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(terminal::render(&report).as_bytes())
        .context("cannot write to standard output")?;
    writeln!(stdout, "Report: {}", plan.report_path.display())
        .context("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_labels_read_as_megabytes() {
        assert_eq!(size_label(1_000_000), "1MB");
        assert_eq!(size_label(10_000_000), "10MB");
        assert_eq!(size_label(500_000), "0.5MB");
        assert_eq!(size_label(250_000), "0.25MB");
    }
}
