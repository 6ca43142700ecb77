//! One AI run: plan the calls, map long transcripts into notes, write the ten sections in
//! parallel, then the executive summary from them; or, for `--dry-run`, only plan and show the
//! requests with their token estimates.
//!
//! Parallelism is a fixed pool of `concurrency` scoped threads pulling call indices from an
//! atomic counter; the client's semaphore bounds the calls in flight across runs sharing it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use snapshot_pipeline::snapshot::Snapshot;

use crate::chunk;
use crate::client::{Client, MessagesRequest};
use crate::config::{ANTHROPIC_VERSION, AiConfig};
use crate::document::{
    AiSnapshot, EXECUTIVE_SUMMARY, Generation, SCHEMA_VERSION, SECTIONS, Section, SectionSpec,
    SourceRef, parse_section,
};
use crate::error::AiError;
use crate::prompt::{self, LocalContext, MaterialKind, PROMPT_VERSION};
use crate::telemetry::{CallPhase, RunTelemetry};

/// Map levels at most: each level shrinks the material by about part size / `max_tokens`,
/// so two levels already cover far more than any input `process` accepts.
const MAX_MAP_LEVELS: usize = 3;

/// Tokens kept free beside the estimate, because chars/4 is only an estimate.
const ESTIMATE_MARGIN_TOKENS: usize = 500;

/// The result of a run: the document and the telemetry of its calls.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The 11-section document.
    pub document: AiSnapshot,
    /// Every call with totals.
    pub telemetry: RunTelemetry,
}

/// What a run does before the sections: the material they read.
struct Material {
    kind: MaterialKind,
    text: String,
    map_chunks: usize,
}

/// Runs the whole AI stage for `snapshot` through `client`.
pub fn generate(client: &Client, snapshot: &Snapshot) -> Result<Outcome, AiError> {
    let started = Instant::now();
    let first_call = client.telemetry().len();
    let config = client.config();
    let title = snapshot.summary.title.as_str();
    let context = LocalContext::from_summary(&snapshot.summary).to_json();
    let transcript = chunk::transcript_text(&snapshot.transcript);

    let material = reduce_material(client, title, &context, transcript)?;

    let specs: Vec<_> = SECTIONS
        .iter()
        .filter(|s| s.key != EXECUTIVE_SUMMARY)
        .collect();
    let system = prompt::system();
    let shared = prompt::material(title, &context, material.kind, &material.text);
    let cache = use_cache(config, &shared);
    let write_section = |spec: &SectionSpec| {
        let request = section_request(config, spec, title, &shared, cache);
        let label = format!("section:{}", spec.key);
        let reply = client.send(&label, CallPhase::Section, &request)?;
        section_from_reply(spec, &label, &reply.text, reply.stop_reason.as_deref())
    };
    // With the prompt cache, one section goes first and writes the shared material to the
    // cache; the other nine then read it instead of each writing it again.
    let first = usize::from(cache);
    let mut sections = Vec::with_capacity(specs.len() + 1);
    for spec in &specs[..first] {
        sections.push(write_section(spec)?);
    }
    let rest = &specs[first..];
    sections.extend(run_pool(config.concurrency, rest.len(), |i| {
        write_section(rest[i])
    })?);

    let summary_spec = &SECTIONS[SECTIONS.len() - 1];
    let sections_json = serde_json::to_string_pretty(&sections).unwrap_or_default();
    let label = format!("summary:{}", summary_spec.key);
    let request = MessagesRequest::new(
        config,
        system,
        prompt::summary(summary_spec, title, &context, &sections_json),
    );
    let estimate = request.estimate_input_tokens(config);
    if estimate > config.context_budget_tokens {
        return Err(AiError::InvalidConfig {
            field: "context_budget_tokens",
            reason: format!(
                "the executive summary reads the ten sections (~{estimate} tokens), more than the budget of {}; raise the budget or lower MAX_TOKENS",
                config.context_budget_tokens
            ),
        });
    }
    let reply = client.send(&label, CallPhase::Summary, &request)?;
    let summary = section_from_reply(
        summary_spec,
        &label,
        &reply.text,
        reply.stop_reason.as_deref(),
    )?;

    let mut all = sections;
    all.push(summary);
    let telemetry = client
        .telemetry()
        .snapshot_since(first_call, started.elapsed().as_secs_f64());
    let document = AiSnapshot {
        schema_version: SCHEMA_VERSION.to_string(),
        title: title.to_string(),
        source: source_ref(snapshot),
        generation: Generation {
            model: config.model.clone(),
            prompt_version: PROMPT_VERSION.to_string(),
            map_chunks: material.map_chunks,
            calls: telemetry.calls,
            input_tokens: telemetry.input_tokens,
            output_tokens: telemetry.output_tokens,
            cache_write_tokens: telemetry.cache_write_tokens,
            cache_read_tokens: telemetry.cache_read_tokens,
        },
        sections: all,
    };
    Ok(Outcome {
        document,
        telemetry,
    })
}

/// A section call: the rules and the shared (cacheable) material as system blocks, the
/// section's own ask as the user message.
fn section_request(
    config: &AiConfig,
    spec: &SectionSpec,
    title: &str,
    shared: &str,
    cache: bool,
) -> MessagesRequest {
    MessagesRequest::new(config, prompt::system(), prompt::section(spec, title))
        .with_shared_context(shared.to_string(), cache)
}

/// The API caches no prefix shorter than 1024 tokens (Sonnet and Opus; 2048 for Haiku), so
/// below that, sending one section first would only cost a round of latency.
pub const MIN_CACHE_TOKENS: usize = 1024;

/// Whether the section calls mark the shared material cacheable and go one-then-nine.
fn use_cache(config: &AiConfig, shared: &str) -> bool {
    config.prompt_cache
        && config.estimate_tokens(&prompt::system()) + config.estimate_tokens(shared)
            >= MIN_CACHE_TOKENS
}

fn source_ref(snapshot: &Snapshot) -> SourceRef {
    SourceRef {
        path: snapshot.summary.source.path.clone(),
        bytes: snapshot.summary.source.bytes,
        duration_seconds: snapshot.summary.source.duration_seconds,
        speakers: snapshot
            .summary
            .speakers
            .iter()
            .map(|s| s.name.clone())
            .collect(),
    }
}

fn section_from_reply(
    spec: &SectionSpec,
    label: &str,
    text: &str,
    stop_reason: Option<&str>,
) -> Result<Section, AiError> {
    parse_section(spec, text).map_err(|reason| AiError::ModelOutput {
        label: label.to_string(),
        reason: match stop_reason {
            Some("max_tokens") => format!("{reason} (the answer hit MAX_TOKENS; raise it)"),
            Some("refusal") => format!("{reason} (the model declined to answer)"),
            _ => reason,
        },
    })
}

/// Characters of material that fit one section prompt beside everything else in it.
fn material_budget_chars(config: &AiConfig, fixed_prompt_tokens: usize) -> usize {
    config
        .context_budget_tokens
        .saturating_sub(fixed_prompt_tokens + ESTIMATE_MARGIN_TOKENS)
        .max(1)
        .saturating_mul(config.chars_per_token)
}

/// Tokens of the section prompt without its material (the largest over the sections).
fn fixed_section_tokens(config: &AiConfig, title: &str, context: &str) -> usize {
    let shared = prompt::material(title, context, MaterialKind::Notes, "");
    SECTIONS
        .iter()
        .map(|s| section_request(config, s, title, &shared, false).estimate_input_tokens(config))
        .max()
        .unwrap_or(0)
}

fn fixed_map_tokens(config: &AiConfig, title: &str, context: &str) -> usize {
    config.estimate_tokens(&prompt::system())
        + config.estimate_tokens(&prompt::map(
            999,
            999,
            title,
            context,
            MaterialKind::Transcript,
            "",
        ))
}

/// Map levels until the material fits one section prompt.
fn reduce_material(
    client: &Client,
    title: &str,
    context: &str,
    transcript: String,
) -> Result<Material, AiError> {
    let config = client.config();
    let fits = material_budget_chars(config, fixed_section_tokens(config, title, context));
    let part_chars = material_budget_chars(config, fixed_map_tokens(config, title, context));
    let mut material = Material {
        kind: MaterialKind::Transcript,
        text: transcript,
        map_chunks: 0,
    };
    let system = prompt::system();
    for level in 1..=MAX_MAP_LEVELS {
        if material.text.chars().count() <= fits {
            return Ok(material);
        }
        let parts = chunk::split(&material.text, part_chars);
        let n = parts.len();
        let notes = run_pool(config.concurrency, n, |i| {
            let user = prompt::map(i + 1, n, title, context, material.kind, &parts[i]);
            let request = MessagesRequest::new(config, system.clone(), user);
            let label = format!("map:L{level}:{}/{n}", i + 1);
            Ok(client.send(&label, CallPhase::Map, &request)?.text)
        })?;
        if level == 1 {
            material.map_chunks = n;
        }
        material.kind = MaterialKind::Notes;
        material.text = join_notes(&notes);
    }
    if material.text.chars().count() <= fits {
        Ok(material)
    } else {
        Err(AiError::InvalidConfig {
            field: "context_budget_tokens",
            reason: format!(
                "the notes still exceed the budget of {} tokens after {MAX_MAP_LEVELS} map levels; raise the budget",
                config.context_budget_tokens
            ),
        })
    }
}

fn join_notes(notes: &[String]) -> String {
    let n = notes.len();
    let mut out = String::new();
    for (i, note) in notes.iter().enumerate() {
        out.push_str(&format!("## Part {} of {n}\n{}\n\n", i + 1, note.trim()));
    }
    out
}

/// Runs `job(0..count)` on at most `workers` threads; results in index order. The first real
/// failure wins over the cancellations it causes.
fn run_pool<T: Send>(
    workers: usize,
    count: usize,
    job: impl Fn(usize) -> Result<T, AiError> + Sync,
) -> Result<Vec<T>, AiError> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<T, AiError>>>> =
        Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let result = job(i);
                    slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
                }
            });
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::with_capacity(count);
    let mut cancelled = None;
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(Ok(v)) => out.push(v),
            Some(Err(e @ AiError::Cancelled { .. })) => cancelled = cancelled.or(Some(e)),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(AiError::Cancelled {
                    label: format!("call {i}"),
                });
            }
        }
    }
    match cancelled {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// One request a run would send.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedRequest {
    /// Call label (`section:background`).
    pub label: String,
    /// Map-reduce step.
    pub phase: CallPhase,
    /// Estimated input tokens of the body as shown (chars / chars_per_token).
    pub estimated_input_tokens: usize,
    /// The most the input can reach once earlier replies replace the `<…>` placeholders
    /// (each reply at its whole `max_tokens`); equal to the estimate when there are none.
    pub input_tokens_upper_bound: usize,
    /// Reply limit.
    pub max_output_tokens: u32,
    /// The body, with `<…>` placeholders where earlier replies go.
    pub body: MessagesRequest,
}

/// What `--dry-run` shows: the endpoint, headers (key masked) and every request.
#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    /// `POST` target.
    pub url: String,
    /// Headers sent with every request; the key is masked (`sk-…abcd`).
    pub headers: Vec<(String, String)>,
    /// Parts a long transcript is split into (0 when it fits).
    pub map_chunks: usize,
    /// Whether the shared material is marked cacheable and one section goes first (on when
    /// configured and the shared prefix reaches [`MIN_CACHE_TOKENS`]).
    pub prompt_cache: bool,
    /// Every request in order.
    pub requests: Vec<PlannedRequest>,
    /// Sum of the input estimates.
    pub estimated_input_tokens: usize,
    /// Sum of the input upper bounds.
    pub input_tokens_upper_bound: usize,
    /// Upper bound on output tokens (calls × max_tokens).
    pub max_output_tokens: u64,
}

/// Plans the run without any network: the requests a real run would send first, and the later
/// ones with placeholders for replies it cannot know.
pub fn dry_run(config: &AiConfig, snapshot: &Snapshot) -> DryRun {
    let title = snapshot.summary.title.as_str();
    let context = LocalContext::from_summary(&snapshot.summary).to_json();
    let transcript = chunk::transcript_text(&snapshot.transcript);
    let system = prompt::system();
    let fits = material_budget_chars(config, fixed_section_tokens(config, title, &context));
    let part_chars = material_budget_chars(config, fixed_map_tokens(config, title, &context));
    let mut requests = Vec::new();
    let push = |requests: &mut Vec<PlannedRequest>,
                label: String,
                phase,
                body: MessagesRequest,
                extra_tokens: usize| {
        requests.push(PlannedRequest {
            estimated_input_tokens: body.estimate_input_tokens(config),
            input_tokens_upper_bound: body.estimate_input_tokens(config) + extra_tokens,
            label,
            phase,
            max_output_tokens: config.max_tokens,
            body,
        });
    };

    let (kind, material, notes_tokens, map_chunks) = if transcript.chars().count() <= fits {
        (MaterialKind::Transcript, transcript, 0, 0)
    } else {
        let parts = chunk::split(&transcript, part_chars);
        let n = parts.len();
        for (i, part) in parts.iter().enumerate() {
            let user = prompt::map(i + 1, n, title, &context, MaterialKind::Transcript, part);
            push(
                &mut requests,
                format!("map:L1:{}/{n}", i + 1),
                CallPhase::Map,
                MessagesRequest::new(config, system.clone(), user),
                0,
            );
        }
        let placeholder = format!("<notes from the {n} map replies>");
        (
            MaterialKind::Notes,
            placeholder,
            n * config.max_tokens as usize,
            n,
        )
    };
    let shared = prompt::material(title, &context, kind, &material);
    // With map-reduce the notes are only known later; assume they reach the cache minimum.
    let cache = use_cache(config, &shared) || (config.prompt_cache && map_chunks > 0);
    for spec in SECTIONS.iter().filter(|s| s.key != EXECUTIVE_SUMMARY) {
        push(
            &mut requests,
            format!("section:{}", spec.key),
            CallPhase::Section,
            section_request(config, spec, title, &shared, cache),
            notes_tokens,
        );
    }
    let spec = &SECTIONS[SECTIONS.len() - 1];
    let user = prompt::summary(spec, title, &context, "<the ten sections above, as JSON>");
    push(
        &mut requests,
        format!("summary:{}", spec.key),
        CallPhase::Summary,
        MessagesRequest::new(config, system.clone(), user),
        (SECTIONS.len() - 1) * config.max_tokens as usize,
    );

    let key = config.api_key.as_ref().map_or_else(
        || "(not set: ANTHROPIC_API_KEY)".to_string(),
        |k| k.masked(),
    );
    DryRun {
        url: config.messages_url(),
        headers: vec![
            ("x-api-key".into(), key),
            ("anthropic-version".into(), ANTHROPIC_VERSION.into()),
            ("content-type".into(), "application/json".into()),
        ],
        map_chunks,
        prompt_cache: cache,
        estimated_input_tokens: requests.iter().map(|r| r.estimated_input_tokens).sum(),
        input_tokens_upper_bound: requests.iter().map(|r| r.input_tokens_upper_bound).sum(),
        max_output_tokens: requests.len() as u64 * u64::from(config.max_tokens),
        requests,
    }
}

impl DryRun {
    /// Human-readable listing: a header per request and its JSON body.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "dry run: {} requests to POST {} (no network used)\n",
            self.requests.len(),
            self.url
        ));
        for (name, value) in &self.headers {
            out.push_str(&format!("  {name}: {value}\n"));
        }
        if self.map_chunks > 0 {
            out.push_str(&format!(
                "the transcript exceeds the context budget: {} parts are summarised first (map), then the sections read the notes (reduce)\n",
                self.map_chunks
            ));
        }
        if self.prompt_cache {
            out.push_str(
                "prompt cache: the first section is sent alone and writes the shared material to the cache; the other nine read it from there\n",
            );
        }
        for r in &self.requests {
            let bound = if r.input_tokens_upper_bound > r.estimated_input_tokens {
                format!(
                    " (at most ~{} once earlier replies fill the placeholders)",
                    r.input_tokens_upper_bound
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "\n=== {} ({}): ~{} input tokens{bound}, up to {} output tokens\n",
                r.label,
                r.phase.as_str(),
                r.estimated_input_tokens,
                r.max_output_tokens
            ));
            out.push_str(&serde_json::to_string_pretty(&r.body).unwrap_or_default());
            out.push('\n');
        }
        out.push_str(&format!(
            "\ntotal: {} requests, ~{} input tokens as shown (at most ~{} with earlier replies), up to {} output tokens\n",
            self.requests.len(),
            self.estimated_input_tokens,
            self.input_tokens_upper_bound,
            self.max_output_tokens
        ));
        out
    }
}
