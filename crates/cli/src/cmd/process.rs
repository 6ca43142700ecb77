//! `customer-snapshot process`: transcripts in, snapshots out.
//!
//! One input writes `-o OUT` (`-` is stdout) or `<stem>_processed.<ext>` beside it. Several inputs
//! or folders (searched recursively for `*.vtt`) are processed in parallel into `--out-dir` (or
//! beside each input), with a progress bar on a terminal and a summary line. Outputs are written
//! to a temporary file in the target folder and renamed, so a failure never leaves a partial file.

use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use snapshot_pipeline::pipeline::{self, Config, NoopObserver, PipelineError, SourceInfo};
use snapshot_pipeline::render::Format;
use snapshot_pipeline::snapshot::title_from_stem;

use super::io_reason;
use crate::exit::bad_input;
use crate::settings::{OutputFormat, Settings};

/// Output format names accepted by `-f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Markdown (default).
    #[value(alias = "md")]
    Markdown,
    /// Self-contained HTML page.
    Html,
    /// JSON (docs/snapshot.schema.json).
    Json,
    /// The AI 11-section Customer Success Snapshot as Markdown (implies --ai).
    SnapshotMd,
    /// The AI snapshot as a self-contained HTML page (implies --ai).
    SnapshotHtml,
    /// The AI snapshot as JSON (implies --ai).
    SnapshotJson,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Markdown | FormatArg::SnapshotMd => Format::Markdown,
            FormatArg::Html | FormatArg::SnapshotHtml => Format::Html,
            FormatArg::Json | FormatArg::SnapshotJson => Format::Json,
        }
    }
}

/// Flags of `process`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// WebVTT files or folders (searched recursively for *.vtt); `-` reads standard input.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output file for a single input; `-` writes to standard output.
    #[arg(short, long, conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Folder for the outputs (created if missing).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Output format [default: `process.format` in the configuration, else markdown].
    #[arg(short, long, value_enum)]
    pub format: Option<FormatArg>,
    /// Files processed in parallel (default: number of cores).
    #[arg(short, long)]
    pub jobs: Option<usize>,
    /// Process only shard I of N (0-based, e.g. `--shard 0/4`): the sorted input list is split
    /// round-robin, so every file lands in exactly one shard.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Parse and check the input only; write nothing.
    #[arg(long)]
    pub validate_only: bool,
    /// Keep fillers ("um", "uh", "you know") and stutters in the transcript.
    #[arg(long)]
    pub keep_fillers: bool,
    /// Largest input accepted: bytes or with a unit (`200MB`, `2GiB`) [default: MAX_FILE_SIZE /
    /// `process.max_file_size`, 50 MiB].
    #[arg(long, value_parser = parse_byte_size)]
    pub max_file_size: Option<u64>,
    /// No progress bar or summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// The AI snapshot's flags (`--ai`, `--dry-run`, …).
    #[command(flatten)]
    pub ai: super::ai::AiArgs,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not I/N (for example 0/4)"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("'{i}' is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("'{n}' is not a number"))?;
    if n == 0 || i >= n {
        return Err(format!("shard {i}/{n}: need 0 <= I < N"));
    }
    Ok((i, n))
}

/// One transcript to process and where its snapshot goes.
#[derive(Debug, Clone)]
struct Job {
    input: PathBuf,
    /// `None` means standard output.
    output: Option<PathBuf>,
}

/// Runs `process`; flags override the layered settings.
pub fn run(mut args: Args, settings: &Settings) -> anyhow::Result<ExitCode> {
    let format_arg = args.format.unwrap_or(match settings.process.format {
        OutputFormat::Markdown => FormatArg::Markdown,
        OutputFormat::Html => FormatArg::Html,
        OutputFormat::Json => FormatArg::Json,
    });
    let max_file_size = *args
        .max_file_size
        .get_or_insert(settings.process.max_file_size.bytes());
    if args.out_dir.is_none() && args.output.is_none() && !settings.process.output_dir.is_empty() {
        args.out_dir = Some(PathBuf::from(&settings.process.output_dir));
    }
    let mut config = Config::default();
    config.clean.remove_fillers = !args.keep_fillers;
    config.nlp.min_entity_frequency = settings.process.min_entity_frequency;
    config.nlp.min_entity_length = settings.process.min_entity_length as usize;
    config.read_chunk = usize::try_from(settings.process.chunk_size.bytes()).unwrap_or(usize::MAX);
    if let Some(ai_format) = super::ai::requested(&args.ai, format_arg)? {
        return super::ai::run_process(&args, ai_format, &config, &settings.ai, max_file_size);
    }
    let format: Format = format_arg.into();

    let single =
        args.inputs.len() == 1 && (args.inputs[0].as_os_str() == "-" || !args.inputs[0].is_dir());
    if single {
        let input = &args.inputs[0];
        if let Some((i, _)) = args.shard
            && i != 0
        {
            // A single file lands in shard 0; the other shards have nothing to do.
            return Ok(ExitCode::SUCCESS);
        }
        let output = match (&args.output, &args.out_dir) {
            (Some(o), _) if o.as_os_str() == "-" => None,
            (Some(o), _) => Some(o.clone()),
            (None, Some(dir)) => Some(dir.join(default_name(input, format))),
            (None, None) if input.as_os_str() == "-" => None,
            (None, None) => Some(beside(input, format)),
        };
        let job = Job {
            input: input.clone(),
            output,
        };
        if args.validate_only {
            return validate_one(&job.input, max_file_size);
        }
        process_one(&job, format, &config, max_file_size)?;
        return Ok(ExitCode::SUCCESS);
    }

    if args.output.is_some() {
        return Err(bad_input(
            "-o/--output takes one input file; use --out-dir for several inputs or a folder",
        ));
    }
    let mut jobs = collect_jobs(&args.inputs, args.out_dir.as_deref(), format)?;
    if let Some((i, n)) = args.shard {
        jobs = jobs
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % n == i)
            .map(|(_, j)| j)
            .collect();
    }
    run_batch(&jobs, &args, format, &config, max_file_size)
}

/// `<stem>_processed.<ext>`.
fn default_name(input: &Path, format: Format) -> PathBuf {
    let stem = input
        .file_stem()
        .filter(|_| input.as_os_str() != "-")
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stdin".into());
    PathBuf::from(format!("{stem}_processed.{}", format.extension()))
}

fn beside(input: &Path, format: Format) -> PathBuf {
    input.with_file_name(default_name(input, format))
}

/// Expands inputs (files and folders) into jobs, sorted by input path for stable sharding.
fn collect_jobs(
    inputs: &[PathBuf],
    out_dir: Option<&Path>,
    format: Format,
) -> anyhow::Result<Vec<Job>> {
    let mut jobs = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            return Err(bad_input(
                "'-' (standard input) can only be the single input",
            ));
        }
        let meta = fs::metadata(input)
            .map_err(|e| bad_input(format!("{}: {}", input.display(), io_reason(&e))))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            find_vtt(input, &mut found)
                .with_context(|| format!("cannot read folder {}", input.display()))?;
            found.sort();
            for path in found {
                let output = match out_dir {
                    Some(dir) => {
                        let rel = path.strip_prefix(input).unwrap_or(&path);
                        dir.join(rel).with_file_name(default_name(&path, format))
                    }
                    None => beside(&path, format),
                };
                jobs.push(Job {
                    input: path,
                    output: Some(output),
                });
            }
        } else {
            let output = match out_dir {
                Some(dir) => dir.join(default_name(input, format)),
                None => beside(input, format),
            };
            jobs.push(Job {
                input: input.clone(),
                output: Some(output),
            });
        }
    }
    jobs.sort_by(|a, b| a.input.cmp(&b.input));
    jobs.dedup_by(|a, b| a.input == b.input);
    let mut outputs: Vec<&Path> = jobs.iter().filter_map(|j| j.output.as_deref()).collect();
    outputs.sort();
    if let Some(w) = outputs.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad_input(format!(
            "two inputs would write the same output {}; process them into separate --out-dir folders",
            w[0].display()
        )));
    }
    Ok(jobs)
}

fn find_vtt(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            find_vtt(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("vtt"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn run_batch(
    jobs: &[Job],
    args: &Args,
    format: Format,
    config: &Config,
    max_file_size: u64,
) -> anyhow::Result<ExitCode> {
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    let show = !args.quiet && io::stderr().is_terminal();
    let bar = if show {
        let bar = ProgressBar::new(jobs.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} files {elapsed} {wide_msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let bytes = AtomicU64::new(0);
    let started = Instant::now();
    let failures: Vec<String> = pool.install(|| {
        jobs.par_iter()
            .filter_map(|job| {
                let result = if args.validate_only {
                    validate_one(&job.input, max_file_size).map(|_| 0)
                } else {
                    process_one(job, format, config, max_file_size)
                };
                bar.inc(1);
                match result {
                    Ok(n) => {
                        bytes.fetch_add(n, Ordering::Relaxed);
                        None
                    }
                    Err(e) => {
                        let line = format!("{e:#}");
                        bar.println(format!("customer-snapshot: error: {line}"));
                        Some(line)
                    }
                }
            })
            .collect()
    });
    bar.finish_and_clear();
    if !show {
        for line in &failures {
            eprintln!("customer-snapshot: error: {line}");
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let mb = bytes.load(Ordering::Relaxed) as f64 / 1e6;
    if !args.quiet {
        eprintln!(
            "processed {} files ({mb:.2} MB) in {secs:.2} s, {:.1} MB/s, {} failed",
            jobs.len() - failures.len(),
            if secs > 0.0 { mb / secs } else { 0.0 },
            failures.len()
        );
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::FAILURE)
    })
}

/// A checked input: a file (streamed, so memory does not grow with its size) or standard input
/// (read first, so its size limit is enforced before any output is written).
pub enum Input {
    /// A regular file.
    File {
        /// Its path.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
    },
    /// Bytes read from standard input.
    Stdin(Vec<u8>),
}

impl Input {
    /// Size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Input::File { len, .. } => *len,
            Input::Stdin(v) => v.len() as u64,
        }
    }

    /// A reader from the input's first byte.
    pub fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(match self {
            Input::File { path, .. } => Box::new(fs::File::open(path)?),
            Input::Stdin(v) => Box::new(v.as_slice()),
        })
    }
}

/// Opens an input after the checks every command shares: exists, is a file, not empty, not
/// over `max` bytes.
pub fn open_input(path: &Path, max: u64) -> anyhow::Result<Input> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .take(max.saturating_add(1))
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        if buf.len() as u64 > max {
            return Err(bad_input(format!(
                "-: standard input is larger than the limit of {max} bytes (MAX_FILE_SIZE)"
            )));
        }
        if buf.is_empty() {
            return Err(bad_input(
                "-: standard input is empty; expected a WebVTT transcript",
            ));
        }
        return Ok(Input::Stdin(buf));
    }
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| bad_input(format!("{shown}: {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(bad_input(format!(
            "{shown}: is a folder; give a .vtt file (or several inputs with --out-dir)"
        )));
    }
    if meta.len() == 0 {
        return Err(bad_input(format!(
            "{shown}: file is empty; expected a WebVTT transcript"
        )));
    }
    if meta.len() > max {
        return Err(bad_input(format!(
            "{shown}: file is {} bytes, over the limit of {max} bytes (set MAX_FILE_SIZE or --max-file-size to raise it)",
            meta.len()
        )));
    }
    // Fail now, with the file's name, if it cannot be opened.
    fs::File::open(path).map_err(|e| bad_input(format!("{shown}: {}", io_reason(&e))))?;
    Ok(Input::File {
        path: path.to_path_buf(),
        len: meta.len(),
    })
}

/// Path and title (from the file stem) of an input.
pub(crate) fn source_info(path: &Path) -> SourceInfo {
    SourceInfo {
        path: path.display().to_string(),
        title: title_from_stem(
            &path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
    }
}

/// Turns a pipeline error into a user-facing error naming the file (exit 2 for bad input).
pub(crate) fn pipeline_error(path: &Path, err: PipelineError) -> anyhow::Error {
    match err {
        PipelineError::Vtt(e) => bad_input(format!("{}: {e}", path.display())),
        PipelineError::Write(e) => anyhow!(e).context("cannot write the snapshot"),
        PipelineError::Spool(e) => anyhow!(e).context("cannot spool the transcript"),
    }
}

fn validate_one(path: &Path, max: u64) -> anyhow::Result<ExitCode> {
    let input = open_input(path, max)?;
    let reader = input
        .open()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let v =
        pipeline::validate(reader).map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
    for w in &v.warnings {
        eprintln!("{}:{}: warning: {}", path.display(), w.line, w.message);
    }
    eprintln!(
        "{}: valid WebVTT, {} cues, {:.1} s, {} warnings",
        path.display(),
        v.cues,
        v.duration_seconds,
        v.warnings.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Processes one job; returns the input size in bytes.
fn process_one(job: &Job, format: Format, config: &Config, max: u64) -> anyhow::Result<u64> {
    let input = open_input(&job.input, max)?;
    let reader = input
        .open()
        .with_context(|| format!("cannot read {}", job.input.display()))?;
    let info = source_info(&job.input);
    let mut renderer = format.renderer();
    match &job.output {
        None => {
            let stdout = io::stdout();
            let mut lock = stdout.lock();
            pipeline::run(
                reader,
                &info,
                config,
                renderer.as_mut(),
                &mut lock,
                &mut NoopObserver,
            )
            .map_err(|e| pipeline_error(&job.input, e))?;
            lock.flush().context("cannot write to standard output")?;
        }
        Some(out) => {
            refuse_overwriting_input(&job.input, out)?;
            crate::output::write_atomically(out, |file| {
                pipeline::run(
                    reader,
                    &info,
                    config,
                    renderer.as_mut(),
                    file,
                    &mut NoopObserver,
                )
                .map_err(|e| pipeline_error(&job.input, e))?;
                Ok(())
            })?;
        }
    }
    Ok(input.len())
}

/// Refuses an output path that is the input itself (through links or `..` too).
fn refuse_overwriting_input(input: &Path, output: &Path) -> anyhow::Result<()> {
    let same = match (fs::canonicalize(input), canonical_target(output)) {
        (Ok(a), Some(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(bad_input(format!(
            "{}: the output would overwrite the input; choose another -o",
            output.display()
        )));
    }
    Ok(())
}

fn canonical_target(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(parent).ok()?.join(path.file_name()?))
}

/// Clap parser for `--max-file-size`: the same units as the settings file.
fn parse_byte_size(text: &str) -> Result<u64, String> {
    crate::settings::ByteSize::parse(text).map(crate::settings::ByteSize::bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse() {
        assert_eq!(parse_shard("0/4"), Ok((0, 4)));
        assert!(parse_shard("4/4").is_err());
        assert!(parse_shard("1/0").is_err());
        assert!(parse_shard("x").is_err());
    }

    #[test]
    fn default_output_names() {
        assert_eq!(
            beside(Path::new("/a/b/meeting.vtt"), Format::Html),
            PathBuf::from("/a/b/meeting_processed.html")
        );
        assert_eq!(
            default_name(Path::new("call.VTT"), Format::Json),
            PathBuf::from("call_processed.json")
        );
        assert_eq!(
            default_name(Path::new("-"), Format::Markdown),
            PathBuf::from("stdin_processed.md")
        );
    }
}
