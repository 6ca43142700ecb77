//! `process --ai`: the glue between the command line and `snapshot_ai`.
//!
//! `process` flattens [`AiArgs`] into its flags and, when [`requested`] says so (`--ai` or
//! `-f snapshot-*`), hands over to [`run_process`]: [`prepare`] checks the settings before any
//! input is read (so a missing key fails at once, exit 2), the pipeline runs, and [`run_ai`]
//! either prints the dry run or calls the API, writes the 11-section document atomically and
//! reports the calls' telemetry on stderr (and as JSON with `--ai-telemetry`).
//! Settings come from `[ai]` of the settings module (file, environment, .env) with these flags
//! on top.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use snapshot_ai::client::{Client, Semaphore};
use snapshot_ai::generate::{dry_run, generate};
use snapshot_ai::render::{AiFormat, render};
use snapshot_ai::telemetry::{RunTelemetry, Telemetry};
use snapshot_ai::{AiConfig, AiError, ApiKey};
use snapshot_pipeline::ai_telemetry::CallLogLine;
use snapshot_pipeline::pipeline::{self, Config};
use snapshot_pipeline::render::Format;
use snapshot_pipeline::snapshot::Snapshot;

use super::process::{Args, FormatArg, open_input, pipeline_error, source_info};
use crate::exit::bad_input;
use crate::settings::AiSettings;

/// Flags of the AI snapshot, flattened into `process`.
#[derive(Debug, Clone, clap::Args)]
pub struct AiArgs {
    /// Write the 11-section Customer Success Snapshot with Anthropic's Messages API
    /// (needs ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL, DEFAULT_MODEL, MAX_TOKENS, TEMPERATURE apply).
    #[arg(long)]
    pub ai: bool,
    /// With --ai: print the requests that would be sent (key masked) with token estimates;
    /// no network and no key needed.
    #[arg(long)]
    pub dry_run: bool,
    /// API calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub ai_concurrency: usize,
    /// Seconds allowed for one API attempt (connecting: at most 10 s of it).
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0)]
    pub ai_timeout: f64,
    /// Retries of a call on 429, 5xx, 529 and timeouts (exponential backoff, full jitter).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub ai_retries: u32,
    /// Largest estimated prompt in tokens (chars / 4); longer transcripts are summarised in
    /// parts first (map-reduce).
    #[arg(long, value_name = "TOKENS", default_value_t = 100_000)]
    pub ai_context_budget: usize,
    /// Send the meeting material with every section instead of writing it to the API's prompt
    /// cache once (by default one section goes first and the other nine read the cache).
    #[arg(long)]
    pub ai_no_cache: bool,
    /// Also write every call's latency, tokens, retries and error class as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub ai_telemetry: Option<PathBuf>,
    /// Append one JSON line per call to this call log, which `monitor --listen --ai-call-log`
    /// exports on /metrics [default: ai.call_log in the settings; none when empty].
    #[arg(long, value_name = "FILE")]
    pub ai_call_log: Option<PathBuf>,
}

/// A checked AI configuration, made before any input is read. Share one across the files of
/// a batch: its permits bound the API calls in flight over all of them.
#[derive(Debug, Clone)]
pub struct Prepared {
    config: AiConfig,
    dry_run: bool,
    telemetry_path: Option<PathBuf>,
    call_log: Option<PathBuf>,
    permits: Arc<Semaphore>,
}

/// The AI output format for a snapshot format (`--ai -f html` writes the AI document as HTML).
pub fn ai_format(format: Format) -> AiFormat {
    match format {
        Format::Markdown => AiFormat::Markdown,
        Format::Html => AiFormat::Html,
        Format::Json => AiFormat::Json,
    }
}

/// Whether `process` takes the AI path, and in which format: `-f snapshot-md|snapshot-html|
/// snapshot-json` names it, `--ai` keeps the plain `-f` choice. `--dry-run` without either is a
/// usage error rather than silently ignored.
pub fn requested(args: &AiArgs, format: FormatArg) -> anyhow::Result<Option<AiFormat>> {
    let chosen = match format {
        FormatArg::SnapshotMd => Some(AiFormat::Markdown),
        FormatArg::SnapshotHtml => Some(AiFormat::Html),
        FormatArg::SnapshotJson => Some(AiFormat::Json),
        other => args.ai.then(|| ai_format(other.into())),
    };
    if chosen.is_none() && args.dry_run {
        return Err(bad_input(
            "--dry-run shows the AI snapshot's requests: add --ai (or -f snapshot-md|snapshot-html|snapshot-json)",
        ));
    }
    Ok(chosen)
}

/// `process` on the AI path: checks the key first, then runs the pipeline on the one input and
/// the AI stage on its result.
pub fn run_process(
    args: &Args,
    format: AiFormat,
    config: &Config,
    settings: &AiSettings,
    max_file_size: u64,
) -> anyhow::Result<ExitCode> {
    // Before any input is read, so a missing key fails at once.
    let prepared = prepare(&args.ai, settings)?;
    let [input] = args.inputs.as_slice() else {
        return Err(bad_input(
            "--ai takes one transcript at a time (each makes 11 API calls); run it once per file",
        ));
    };
    if input.is_dir() {
        return Err(bad_input(format!(
            "{}: is a folder; --ai takes one .vtt file",
            input.display()
        )));
    }
    if args.validate_only {
        return Err(bad_input("--validate-only writes nothing; drop --ai"));
    }
    let output = match (&args.output, &args.out_dir) {
        (Some(o), _) if o.as_os_str() == "-" => None,
        (Some(o), _) => Some(o.clone()),
        (None, _) if input.as_os_str() == "-" => None,
        (None, Some(dir)) => default_output(input, format)
            .file_name()
            .map(|name| dir.join(name)),
        (None, None) => Some(default_output(input, format)),
    };
    let opened = open_input(input, max_file_size)?;
    let reader = opened
        .open()
        .with_context(|| format!("cannot read {}", input.display()))?;
    let snapshot = pipeline::snapshot(reader, &source_info(input), config)
        .map_err(|e| pipeline_error(input, e))?;
    run_ai(&prepared, &snapshot, format, input, output.as_deref())
}

/// `<stem>_ai_snapshot.<ext>` beside the input: never the plain snapshot's
/// `<stem>_processed.<ext>`, so both can sit side by side.
pub fn default_output(input: &Path, format: AiFormat) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stdin".into());
    input.with_file_name(format!("{stem}_ai_snapshot.{}", format.extension()))
}

/// Builds the client settings from `[ai]` (defaults < customer-snapshot.toml < environment and
/// .env: `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`, `DEFAULT_MODEL`, `MAX_TOKENS`,
/// `TEMPERATURE`) and these flags, and checks them. Without a key this fails at once with exit
/// code 2 and says how to set it, unless it is a dry run.
pub fn prepare(args: &AiArgs, settings: &AiSettings) -> anyhow::Result<Prepared> {
    let mut config = AiConfig {
        api_key: settings.api_key.as_ref().map(|k| ApiKey::new(k.expose())),
        base_url: settings.base_url.clone(),
        model: settings.model.clone(),
        max_tokens: settings.max_tokens,
        temperature: settings.temperature as f32,
        ..AiConfig::default()
    };
    if !(args.ai_timeout.is_finite() && args.ai_timeout > 0.0) {
        return Err(bad_input(format!(
            "--ai-timeout {}: give a positive number of seconds",
            args.ai_timeout
        )));
    }
    config.request_timeout = Duration::from_secs_f64(args.ai_timeout);
    config.connect_timeout = config.request_timeout.min(Duration::from_secs(10));
    config.concurrency = args.ai_concurrency;
    config.max_retries = args.ai_retries;
    config.context_budget_tokens = args.ai_context_budget;
    config.prompt_cache = !args.ai_no_cache;
    config.validate().map_err(|e| bad_input(e.to_string()))?;
    if config.api_key.is_none() && !args.dry_run {
        return Err(bad_input(AiError::MissingApiKey.to_string()));
    }
    Ok(Prepared {
        permits: Arc::new(Semaphore::new(config.concurrency)),
        config,
        dry_run: args.dry_run,
        telemetry_path: args.ai_telemetry.clone(),
        call_log: args
            .ai_call_log
            .clone()
            .or_else(|| (!settings.call_log.is_empty()).then(|| PathBuf::from(&settings.call_log))),
    })
}

/// Runs the AI stage on a pipeline result: prints the dry run, or writes the document to
/// `output` (`None`: standard output) atomically. `input` is only used to refuse overwriting it.
pub fn run_ai(
    prepared: &Prepared,
    snapshot: &Snapshot,
    format: AiFormat,
    input: &Path,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    if prepared.dry_run {
        let plan = dry_run(&prepared.config, snapshot);
        let stdout = io::stdout();
        let mut lock = stdout.lock();
        lock.write_all(plan.to_text().as_bytes())
            .and_then(|()| lock.flush())
            .context("cannot write to standard output")?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(out) = output {
        refuse_input(input, out)?;
    }
    let telemetry = Arc::new(Telemetry::new());
    let client = Client::with_permits(
        prepared.config.clone(),
        Arc::clone(&telemetry),
        Arc::clone(&prepared.permits),
    )
    .map_err(|e| bad_input(e.to_string()))?;
    let started = std::time::Instant::now();
    let result = generate(&client, snapshot);
    let calls = telemetry.snapshot(started.elapsed().as_secs_f64());
    eprintln!("{}: {}", input.display(), summary_line(&calls));
    if let Some(path) = &prepared.telemetry_path {
        write_telemetry(path, &calls)?;
    }
    if let Some(path) = &prepared.call_log {
        append_call_log(path, &calls, input)?;
    }
    let outcome = result.map_err(|e| {
        let msg = format!("{}: {e}", input.display());
        if e.is_configuration() {
            bad_input(msg)
        } else {
            anyhow!(msg)
        }
    })?;
    let mut bytes = Vec::new();
    render(&outcome.document, format, &mut bytes).context("cannot render the AI snapshot")?;
    match output {
        None => {
            let stdout = io::stdout();
            let mut lock = stdout.lock();
            lock.write_all(&bytes)
                .and_then(|()| lock.flush())
                .context("cannot write to standard output")?;
        }
        Some(path) => write_atomically(path, &bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the AI stage on `snapshot` against an in-process loopback Messages API that waits
/// `latency` before each answer, with at most `concurrency` calls in flight (prompt cache on,
/// the client's other defaults). For the benchmark's and the optimizer's AI stage: no key, no
/// network.
pub fn loopback_run(
    snapshot: &Snapshot,
    concurrency: usize,
    latency: Duration,
) -> anyhow::Result<RunTelemetry> {
    let config = AiConfig {
        concurrency,
        ..AiConfig::default()
    };
    config.validate().map_err(|e| {
        bad_input(format!(
            "--ai-concurrency {concurrency}: {}",
            e.to_string().replace("invalid AI setting ", "")
        ))
    })?;
    let outcome = snapshot_ai::loopback::timed_run(snapshot, &config, latency)
        .context("the AI stage against the loopback API failed")?;
    Ok(outcome.telemetry)
}

/// One stderr line about the calls.
fn summary_line(t: &RunTelemetry) -> String {
    let entry = t.stage_entry();
    format!(
        "ai: {} calls ({} failed, {} retries) in {:.2} s; median call {:.2} s, slowest {:.2} s; {} input / {} output tokens, {} written to / {} read from the prompt cache",
        t.calls,
        t.failed_calls,
        t.retries,
        t.wall_seconds,
        entry.median_call_seconds,
        entry.max_call_seconds,
        t.input_tokens,
        t.output_tokens,
        t.cache_write_tokens,
        t.cache_read_tokens
    )
}

/// `{"schema_version", "stage", "telemetry"}` JSON.
fn write_telemetry(path: &Path, t: &RunTelemetry) -> anyhow::Result<()> {
    let doc = serde_json::json!({
        "schema_version": "1.0.0",
        "stage": t.stage_entry(),
        "telemetry": t,
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).context("cannot encode the telemetry")?;
    bytes.push(b'\n');
    write_atomically(path, &bytes)
}

/// Appends the run's calls to the call log in one write, so lines of runs ending at the same
/// time do not interleave (O_APPEND on a local filesystem).
fn append_call_log(path: &Path, t: &RunTelemetry, input: &Path) -> anyhow::Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let text = CallLogLine::lines(t, &input.display().to_string(), now);
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the AI call log {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot append to the AI call log {}", path.display()))
}

/// Writes `bytes` to `path` atomically.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::output::write_atomically(path, |out| Ok(out.write_all(bytes)?))
}

/// Refuses an output that is the input file itself.
fn refuse_input(input: &Path, output: &Path) -> anyhow::Result<()> {
    if let (Ok(a), Ok(b)) = (fs::canonicalize(input), fs::canonicalize(output))
        && a == b
    {
        return Err(bad_input(format!(
            "{}: the output would overwrite the input; choose another -o",
            output.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use snapshot_ai::loopback::{Behaviour, LoopbackServer, Script};
    use snapshot_pipeline::snapshot::{Summary, TranscriptEntry};

    fn args() -> AiArgs {
        AiArgs {
            ai: true,
            dry_run: false,
            ai_concurrency: 4,
            ai_timeout: 5.0,
            ai_retries: 2,
            ai_context_budget: 100_000,
            ai_no_cache: false,
            ai_telemetry: None,
            ai_call_log: None,
        }
    }

    fn settings(base: String) -> AiSettings {
        AiSettings {
            base_url: base,
            api_key: Some(crate::settings::Secret::new(
                "sk-ant-cli-test-000000-wxyz".into(),
            )),
            ..AiSettings::default()
        }
    }

    fn meeting() -> Snapshot {
        Snapshot {
            summary: Summary {
                title: "Cli Meeting".into(),
                ..Summary::default()
            },
            transcript: vec![TranscriptEntry {
                speaker: Some("Ana".into()),
                start: 0.0,
                end: 2.0,
                text: "We start on Monday.".into(),
            }],
        }
    }

    fn is_bad_input(err: &anyhow::Error) -> bool {
        err.chain()
            .any(|e| e.downcast_ref::<crate::exit::BadInput>().is_some())
    }

    #[test]
    fn formats_and_default_names() {
        let plain = AiArgs {
            ai: false,
            ..args()
        };
        let pick = |a: &AiArgs, f| requested(a, f).expect("valid");
        assert_eq!(pick(&plain, FormatArg::Html), None);
        assert_eq!(pick(&args(), FormatArg::Html), Some(AiFormat::Html));
        assert_eq!(pick(&plain, FormatArg::SnapshotJson), Some(AiFormat::Json));
        let stray = AiArgs {
            ai: false,
            dry_run: true,
            ..args()
        };
        assert!(is_bad_input(
            &requested(&stray, FormatArg::Markdown).expect_err("dry run without --ai")
        ));
        assert_eq!(
            default_output(Path::new("/m/call.vtt"), AiFormat::Markdown),
            PathBuf::from("/m/call_ai_snapshot.md")
        );
    }

    #[test]
    fn no_key_is_bad_input_naming_the_variable() {
        let err = prepare(&args(), &AiSettings::default()).expect_err("no key");
        assert!(is_bad_input(&err));
        assert!(err.to_string().contains("ANTHROPIC_API_KEY"), "{err}");
        let dry = AiArgs {
            dry_run: true,
            ..args()
        };
        assert!(
            prepare(&dry, &AiSettings::default()).is_ok(),
            "dry run needs no key"
        );
    }

    #[test]
    fn bad_settings_are_bad_input() {
        let hot = AiSettings {
            temperature: 3.0,
            ..settings("https://api.anthropic.com".into())
        };
        let err = prepare(&args(), &hot).expect_err("out of range");
        assert!(is_bad_input(&err));
        assert!(err.to_string().contains("TEMPERATURE"), "{err}");
        let err = prepare(
            &AiArgs {
                ai_timeout: 0.0,
                ..args()
            },
            &AiSettings::default(),
        )
        .expect_err("bad timeout");
        assert!(err.to_string().contains("--ai-timeout"));
    }

    #[test]
    fn writes_the_document_and_telemetry_atomically() {
        let server =
            LoopbackServer::start(Script::then_ok([Behaviour::Overloaded])).expect("server");
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("meeting_snapshot.html");
        let telemetry = dir.path().join("calls.json");
        let call_log = dir.path().join("calls.jsonl");
        let prepared = prepare(
            &AiArgs {
                ai_telemetry: Some(telemetry.clone()),
                ai_call_log: Some(call_log.clone()),
                ..args()
            },
            &settings(server.base_url()),
        )
        .expect("prepared");
        let code = run_ai(
            &prepared,
            &meeting(),
            AiFormat::Html,
            Path::new("meeting.vtt"),
            Some(&out),
        )
        .expect("runs");
        assert_eq!(code, ExitCode::SUCCESS);
        let html = fs::read_to_string(&out).expect("written");
        assert_eq!(html.matches("<section id=").count(), 11);
        let t: serde_json::Value =
            serde_json::from_slice(&fs::read(&telemetry).expect("telemetry")).expect("json");
        assert_eq!(t["stage"]["calls"], 11);
        assert_eq!(t["stage"]["retries"], 1);
        let lines: Vec<CallLogLine> = fs::read_to_string(&call_log)
            .expect("call log")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a call per line"))
            .collect();
        assert_eq!(lines.len(), 11);
        assert_eq!(lines.iter().map(|l| l.call.retries).sum::<u32>(), 1);
        assert!(lines.iter().all(|l| l.input == "meeting.vtt"));
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_refused_key_is_bad_input_and_writes_nothing() {
        let server =
            LoopbackServer::start(Script::always(Behaviour::Unauthorized)).expect("server");
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("x.md");
        let call_log = dir.path().join("calls.jsonl");
        // The call log comes from the settings here (`ai.call_log`), not the flag.
        let prepared = prepare(
            &args(),
            &AiSettings {
                call_log: call_log.display().to_string(),
                ..settings(server.base_url())
            },
        )
        .expect("prepared");
        let err = run_ai(
            &prepared,
            &meeting(),
            AiFormat::Markdown,
            Path::new("meeting.vtt"),
            Some(&out),
        )
        .expect_err("401");
        assert!(is_bad_input(&err));
        assert!(!format!("{err:#}").contains("000000"), "{err:#}");
        assert!(!out.exists());
        // Failed calls are logged too, so the monitor counts them by class.
        let text = fs::read_to_string(&call_log).expect("call log");
        let first: CallLogLine =
            serde_json::from_str(text.lines().next().expect("a line")).expect("a call");
        assert_eq!(first.call.error_class, Some(snapshot_ai::ErrorClass::Auth));
    }
}
