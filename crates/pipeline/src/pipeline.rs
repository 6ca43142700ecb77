//! Drives the stages over one transcript and reports each to an [`Observer`].
//!
//! Memory stays O(vocabulary): the input is read once, as a stream (a memory map would count every
//! touched page of a large file as resident memory). Pass 1 parses, builds
//! utterances, cleans and splits them and feeds the analyzer, keeping only counts, and [`run`]
//! appends each transcript entry, already rendered, to a spool (memory up to a few MB, then an
//! anonymous temporary file). The summary is then rendered, and pass 2 copies the spooled
//! transcript to the writer, so parsing, utterances, cleaning and rendering run once.
//! [`snapshot`] returns the transcript in memory, so it collects the entries as it goes;
//! [`analyze`] alone (no transcript) keeps neither.
//!
//! Work moves through the stages in batches of [`BATCH_CUES`] cues so that an observer can time
//! each stage separately without a clock read per cue.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crate::nlp::{Analyzer, EntityLabel, NlpOptions};
use crate::render::{EntryRef, Renderer};
use crate::snapshot::{
    MAX_WARNINGS_KEPT, SCHEMA_VERSION, Snapshot, Source, SourceWarning, SpeakerStats, Stats,
    Summary, TranscriptEntry,
};
use crate::text::{self, CleanOptions};
use crate::utterance::{CueInput, StyleDetector, Utterance, UtteranceBuilder, UtteranceOptions};
use crate::vtt::{self, VttError};

mod spool;

use spool::Spool;

/// Where pass 1 keeps the cleaned transcript.
enum SpoolAs<'a> {
    /// As entries in memory ([`snapshot`]).
    Entries(&'a mut Vec<TranscriptEntry>),
    /// Rendered by the renderer, to be copied out after the summary ([`run`]).
    Rendered(&'a mut Spool, &'a mut dyn Renderer),
}

/// Cues moved through the stages per batch.
pub const BATCH_CUES: usize = 256;

/// The pipeline's stages, in data-flow order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Bytes -> cues, including cue-text parsing (tags, character references).
    Parse,
    /// Cues -> speaker turns.
    Utterances,
    /// Cleaning and sentence splitting.
    Sentences,
    /// Entity, phrase, term and action-item extraction per sentence.
    Entities,
    /// Ranking topics and finalising entities at the end of the meeting.
    Topics,
    /// Formatting the snapshot.
    Render,
    /// Handing bytes to the output (file, pipe).
    Write,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 7] = [
        Stage::Parse,
        Stage::Utterances,
        Stage::Sentences,
        Stage::Entities,
        Stage::Topics,
        Stage::Render,
        Stage::Write,
    ];

    /// Short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Parse => "parse",
            Stage::Utterances => "utterances",
            Stage::Sentences => "sentences",
            Stage::Entities => "entities",
            Stage::Topics => "topics",
            Stage::Render => "render",
            Stage::Write => "write",
        }
    }
}

/// What one stage did in one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageStats {
    /// Bytes of input the stage consumed (input file bytes for parse; text bytes after).
    pub bytes_in: u64,
    /// Items the stage produced (cues, utterances, sentences, …).
    pub items_out: u64,
}

/// Listens to the pipeline. Every method defaults to doing nothing, so an unobserved run pays
/// only for a virtual call per stage and batch.
pub trait Observer {
    /// A stage starts working on a batch.
    fn stage_started(&mut self, _stage: Stage) {}
    /// A stage finished a batch.
    fn stage_finished(&mut self, _stage: Stage, _stats: StageStats) {}
    /// Time spent inside the output writer during the last [`Stage::Render`] batch; reported as
    /// its own stage, already excluded from render's share by the observer that cares.
    fn write_time(&mut self, _elapsed: Duration, _bytes: u64) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopObserver;

impl Observer for NoopObserver {}

/// Settings of one pipeline run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Speaker detection and merging.
    pub utterance: UtteranceOptions,
    /// Text cleaning.
    pub clean: CleanOptions,
    /// Entity and topic extraction.
    pub nlp: NlpOptions,
    /// Bytes asked of the input per read (`CHUNK_SIZE`); the parser's buffer starts this big.
    pub read_chunk: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            utterance: UtteranceOptions::default(),
            clean: CleanOptions::default(),
            nlp: NlpOptions::default(),
            read_chunk: vtt::DEFAULT_READ_CHUNK,
        }
    }
}

/// What the caller knows about the input.
#[derive(Debug, Clone, Default)]
pub struct SourceInfo {
    /// Path as the user gave it (`-` for stdin).
    pub path: String,
    /// Title for the snapshot (usually from the file stem).
    pub title: String,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The input is not WebVTT (or the parser had to abort).
    #[error(transparent)]
    Vtt(#[from] VttError),
    /// The output could not be written.
    #[error("cannot write the snapshot: {0}")]
    Write(#[source] io::Error),
    /// The temporary spool between the two passes failed (disk full, no temp folder).
    #[error("cannot spool the transcript to a temporary file: {0}")]
    Spool(#[source] io::Error),
}

/// The result of checking a transcript without producing a snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validation {
    /// Cues parsed.
    pub cues: u64,
    /// Parser warnings (skipped cues, replaced bytes, …), complete.
    pub warnings: Vec<SourceWarning>,
    /// First cue start to last cue end, seconds.
    pub duration_seconds: f64,
}

/// Parses the whole input and reports cues, warnings and duration, without any NLP.
pub fn validate(input: impl Read) -> Result<Validation, VttError> {
    let mut parser = vtt::Parser::new(input)?;
    let mut out = Validation::default();
    let mut span = Span::default();
    while let Some(cue) = parser.next_cue()? {
        out.cues += 1;
        span.add(cue.start_ms, cue.end_ms);
    }
    out.warnings = parser
        .take_warnings()
        .into_iter()
        .map(|w| SourceWarning {
            line: w.line,
            message: w.to_string(),
        })
        .collect();
    out.duration_seconds = span.seconds();
    Ok(out)
}

/// Runs every stage over `input` and streams the rendered snapshot to `out`.
/// Returns the summary (everything but the transcript).
pub fn run(
    input: impl Read,
    info: &SourceInfo,
    config: &Config,
    renderer: &mut dyn Renderer,
    out: &mut dyn Write,
    observer: &mut dyn Observer,
) -> Result<Summary, PipelineError> {
    let mut spool = Spool::default();
    let (summary, entries) = analyze_inner(
        input,
        info,
        config,
        observer,
        Some(SpoolAs::Rendered(&mut spool, renderer)),
    )?;
    let mut spooled = spool.into_bytes().map_err(PipelineError::Spool)?;
    // Buffer here and time only what reaches `out`, so the write stage measures the output
    // device rather than per-call copies. Chunks of the spool at least as large as both this
    // buffer and a caller's go straight through to the device.
    let mut timed = TimedWriter::new(out);
    let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut timed);
    observer.stage_started(Stage::Render);
    renderer
        .begin(&mut buffered, &summary)
        .map_err(PipelineError::Write)?;
    report_render(observer, &mut buffered, 0, 1);
    observer.stage_started(Stage::Render);
    while let Some(chunk) = spooled.next_chunk().map_err(PipelineError::Spool)? {
        buffered.write_all(chunk).map_err(PipelineError::Write)?;
    }
    renderer
        .end(&mut buffered, &summary, entries)
        .map_err(PipelineError::Write)?;
    report_render(observer, &mut buffered, 0, 0);
    observer.stage_started(Stage::Write);
    buffered.flush().map_err(PipelineError::Write)?;
    let (spent, bytes) = buffered.get_mut().take();
    observer.write_time(spent, bytes);
    observer.stage_finished(
        Stage::Write,
        StageStats {
            bytes_in: bytes,
            items_out: 0,
        },
    );
    Ok(summary)
}

/// Ends a render batch, passing on the time the buffer spent flushing into the output.
fn report_render(
    observer: &mut dyn Observer,
    buffered: &mut io::BufWriter<&mut TimedWriter<'_>>,
    bytes_in: u64,
    items_out: u64,
) {
    let (spent, bytes) = buffered.get_mut().take();
    observer.write_time(spent, bytes);
    observer.stage_finished(
        Stage::Render,
        StageStats {
            bytes_in,
            items_out,
        },
    );
}

/// Runs every stage and returns the whole snapshot in memory (for small inputs and tests).
pub fn snapshot(
    input: impl Read,
    info: &SourceInfo,
    config: &Config,
) -> Result<Snapshot, PipelineError> {
    let mut transcript = Vec::new();
    let (summary, _) = analyze_inner(
        input,
        info,
        config,
        &mut NoopObserver,
        Some(SpoolAs::Entries(&mut transcript)),
    )?;
    Ok(Snapshot {
        summary,
        transcript,
    })
}

/// Pass 1: everything but the transcript.
pub fn analyze(
    input: impl Read,
    info: &SourceInfo,
    config: &Config,
    observer: &mut dyn Observer,
) -> Result<Summary, PipelineError> {
    analyze_inner(input, info, config, observer, None).map(|(summary, ..)| summary)
}

/// Pass 1; also appends each cleaned utterance to `spool` when there is one. Returns the
/// number of transcript entries too.
fn analyze_inner(
    input: impl Read,
    info: &SourceInfo,
    config: &Config,
    observer: &mut dyn Observer,
    mut spool: Option<SpoolAs<'_>>,
) -> Result<(Summary, u64), PipelineError> {
    let mut analyzer = Analyzer::new(config.nlp.clone());
    // Speakers in order of appearance: `names[i]`'s statistics are `speakers[i]`.
    let mut index_of: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut speakers: Vec<SpeakerStats> = Vec::new();
    // Consecutive utterances often share a speaker: compare before hashing.
    let mut last_speaker: Option<u32> = None;
    let mut stats = Stats::default();
    let mut walk = Walk::new(input, config)?;
    loop {
        let Some(batch) = walk.next_batch(observer)? else {
            break;
        };
        observer.stage_started(Stage::Entities);
        let mut text_bytes = 0u64;
        for (utt, words, sentences) in batch {
            let speaker = utt.speaker.as_deref();
            stats.words += words;
            stats.utterances += 1;
            if let Some(name) = speaker {
                let i = match last_speaker {
                    Some(i) if names[i as usize] == name => i,
                    _ => match index_of.get(name) {
                        Some(&i) => i,
                        None => {
                            analyzer.add_speaker(name);
                            let i = names.len() as u32;
                            names.push(name.to_string());
                            speakers.push(SpeakerStats {
                                name: name.to_string(),
                                utterances: 0,
                                words: 0,
                                talk_seconds: 0.0,
                                talk_share: 0.0,
                            });
                            index_of.insert(name.to_string(), i);
                            i
                        }
                    },
                };
                last_speaker = Some(i);
                let entry = &mut speakers[i as usize];
                entry.utterances += 1;
                entry.words += words;
                entry.talk_seconds += utt.end_ms.saturating_sub(utt.start_ms) as f64 / 1000.0;
            }
            if let Some(SpoolAs::Entries(entries)) = &mut spool {
                entries.push(TranscriptEntry {
                    speaker: utt.speaker.clone(),
                    start: utt.start_ms as f64 / 1000.0,
                    end: utt.end_ms as f64 / 1000.0,
                    text: utt.text.clone(),
                });
            }
            for range in sentences {
                let sentence = &utt.text[range.clone()];
                text_bytes += sentence.len() as u64;
                stats.sentences += 1;
                analyzer.observe(speaker, utt.start_ms, sentence);
            }
        }
        observer.stage_finished(
            Stage::Entities,
            StageStats {
                bytes_in: text_bytes,
                items_out: 0,
            },
        );
        if let Some(SpoolAs::Rendered(spool, renderer)) = &mut spool {
            observer.stage_started(Stage::Render);
            let mut bytes_in = 0;
            let batch = walk.utterances.len() as u64;
            // Entries are numbered across batches: this batch's first is the one after all
            // utterances counted before it.
            for (index, utt) in (stats.utterances - batch..).zip(&walk.utterances) {
                bytes_in += utt.text.len() as u64;
                let entry = EntryRef {
                    speaker: utt.speaker.as_deref(),
                    start: utt.start_ms as f64 / 1000.0,
                    end: utt.end_ms as f64 / 1000.0,
                    text: &utt.text,
                };
                spool
                    .push_with(|buf| renderer.entry(buf, index, entry))
                    .map_err(PipelineError::Spool)?;
            }
            observer.stage_finished(
                Stage::Render,
                StageStats {
                    bytes_in,
                    items_out: batch,
                },
            );
        }
    }
    observer.stage_started(Stage::Topics);
    let analysis = analyzer.finish();
    observer.stage_finished(
        Stage::Topics,
        StageStats {
            bytes_in: 0,
            items_out: (analysis.topics.len() + analysis.entities.len()) as u64,
        },
    );

    let total_talk: f64 = speakers.iter().map(|s| s.talk_seconds).sum();
    for s in &mut speakers {
        s.talk_share = if total_talk > 0.0 {
            round_to(s.talk_seconds / total_talk, 4)
        } else {
            0.0
        };
        s.talk_seconds = round_to(s.talk_seconds, 3);
    }
    speakers.sort_by(|a, b| {
        b.talk_seconds
            .total_cmp(&a.talk_seconds)
            .then_with(|| a.name.cmp(&b.name))
    });

    let warnings = walk.finish_warnings();
    stats.warnings = warnings.len() as u64;
    let entries = stats.utterances;
    let meeting_date = analysis
        .entities
        .iter()
        .filter(|e| e.label == EntityLabel::Date && names_a_day(&e.text))
        .min_by(|a, b| a.first_seconds.total_cmp(&b.first_seconds))
        .map(|e| e.text.clone());
    let summary = Summary {
        schema_version: SCHEMA_VERSION.to_string(),
        title: info.title.clone(),
        source: Source {
            path: info.path.clone(),
            bytes: walk.parser.bytes_read(),
            cues: walk.cues,
            duration_seconds: walk.span.seconds(),
            style: walk.style.style(),
        },
        meeting_date,
        speakers,
        entities: analysis.entities,
        topics: analysis.topics,
        technical_terms: analysis.technical_terms,
        action_items: analysis.action_items,
        questions: analysis.questions,
        stats,
        warnings: warnings.into_iter().take(MAX_WARNINGS_KEPT).collect(),
    };
    Ok((summary, entries))
}

/// Rounds to `digits` decimals, so sums of millisecond durations print without float noise.
pub(crate) fn round_to(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// True for dates that pin a day ("July 14th", "March 3rd", "2024-05-01"), not periods.
fn names_a_day(text: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = text.to_ascii_lowercase();
    let has_month = MONTHS.iter().any(|m| lower.contains(m));
    let has_digit = lower.bytes().any(|b| b.is_ascii_digit());
    has_month && has_digit
}

/// First start and last end over a stream of cues.
#[derive(Debug, Default, Clone, Copy)]
struct Span {
    first_ms: Option<u64>,
    last_ms: u64,
}

impl Span {
    fn add(&mut self, start_ms: u64, end_ms: u64) {
        if self.first_ms.is_none() {
            self.first_ms = Some(start_ms);
        }
        self.last_ms = self.last_ms.max(end_ms);
    }

    fn seconds(&self) -> f64 {
        match self.first_ms {
            Some(first) => self.last_ms.saturating_sub(first) as f64 / 1000.0,
            None => 0.0,
        }
    }
}

/// A cue copied out of the parser for one batch (buffers reused across batches).
#[derive(Debug, Default)]
struct CueBuf {
    start_ms: u64,
    end_ms: u64,
    voice: String,
    has_voice: bool,
    plain: String,
    /// Where `plain`'s first `\n` is, when the parser already knows (the parser's cue hints).
    first_break: Option<Option<usize>>,
}

/// Stages 1–3 over the input: parse, utterances, clean and split, one batch at a time.
struct Walk<R: Read> {
    parser: vtt::ReaderParser<R>,
    builder: UtteranceBuilder,
    clean: CleanOptions,
    cues_buf: Vec<CueBuf>,
    utterances: Vec<Utterance>,
    /// [`text::word_count`] of each cleaned utterance.
    word_counts: Vec<u64>,
    /// Sentence byte ranges of each cleaned utterance, flattened; `bounds[i]..bounds[i+1]`.
    sentences: Vec<std::ops::Range<usize>>,
    bounds: Vec<usize>,
    scratch: String,
    clean_scratch: text::CleanScratch,
    /// The default splitter ([`text::split_sentences`]) and its reused masks.
    splitter: text::SentenceSplitter,
    split_scratch: text::SplitScratch,
    done: bool,
    cues: u64,
    span: Span,
    style: StyleDetector,
    consumed: u64,
}

impl<R: Read> Walk<R> {
    fn new(reader: R, config: &Config) -> Result<Self, PipelineError> {
        Ok(Walk {
            parser: vtt::Parser::with_source(vtt::ReadSource::with_capacity(
                reader,
                config.read_chunk,
            ))?,
            builder: UtteranceBuilder::new(config.utterance.clone()),
            clean: config.clean.clone(),
            cues_buf: Vec::new(),
            utterances: Vec::new(),
            word_counts: Vec::new(),
            sentences: Vec::new(),
            bounds: Vec::new(),
            scratch: String::new(),
            clean_scratch: text::CleanScratch::default(),
            splitter: text::SentenceSplitter::default(),
            split_scratch: text::SplitScratch::default(),
            done: false,
            cues: 0,
            span: Span::default(),
            style: StyleDetector::default(),
            consumed: 0,
        })
    }

    /// The next batch of cleaned utterances with their word counts and sentence ranges, or
    /// `None` at the end.
    #[allow(clippy::type_complexity)]
    fn next_batch<'s>(
        &'s mut self,
        observer: &mut dyn Observer,
    ) -> Result<
        Option<
            impl Iterator<Item = (&'s Utterance, u64, &'s [std::ops::Range<usize>])> + use<'s, R>,
        >,
        VttError,
    > {
        if self.done {
            return Ok(None);
        }
        // Parse.
        observer.stage_started(Stage::Parse);
        let mut n = 0;
        while n < BATCH_CUES {
            let Some((cue, hints)) = self.parser.next_cue_and_hints()? else {
                self.done = true;
                break;
            };
            if self.cues_buf.len() == n {
                self.cues_buf.push(CueBuf::default());
            }
            let slot = &mut self.cues_buf[n];
            slot.start_ms = cue.start_ms;
            slot.end_ms = cue.end_ms;
            self.span.add(cue.start_ms, cue.end_ms);
            slot.voice.clear();
            n += 1;
            // The parser mostly knows already that there is no `<` or `&`.
            let markup = if hints.may_have_markup {
                vtt::first_markup(&cue.text)
            } else {
                None
            };
            let Some(first) = markup else {
                // No tag and no reference (most caption cues): the text is the plain text,
                // and there is no voice or timestamp tag for the style detector to count.
                slot.has_voice = false;
                slot.first_break = hints.first_break;
                self.parser.swap_cue_text(&mut slot.plain);
                continue;
            };
            slot.first_break = None;
            let voice = vtt::plain_text_and_voice_from(&cue.text, Some(first), &mut slot.plain);
            slot.has_voice = voice.is_some();
            if let Some(v) = voice {
                slot.voice.push_str(v);
            }
            self.style.observe_raw(&cue.text);
        }
        self.cues += n as u64;
        let position = self.parser.bytes_read();
        observer.stage_finished(
            Stage::Parse,
            StageStats {
                bytes_in: position - self.consumed,
                items_out: n as u64,
            },
        );
        self.consumed = position;

        // Utterances.
        observer.stage_started(Stage::Utterances);
        for u in self.utterances.drain(..) {
            self.builder.recycle(u);
        }
        let mut plain_bytes = 0u64;
        // The last line of the latest cue that had one, borrowed from its slot while the batch
        // lasts, so the style detector copies a line once per batch rather than once per cue.
        let mut prev_last: Option<&str> = None;
        for slot in &self.cues_buf[..n] {
            plain_bytes += slot.plain.len() as u64;
            let input = CueInput {
                start_ms: slot.start_ms,
                end_ms: slot.end_ms,
                voice: slot.has_voice.then_some(slot.voice.as_str()),
                plain: &slot.plain,
            };
            let finished = self.builder.push_knowing(input, slot.first_break);
            let lines = self.builder.seen_lines(input.plain);
            self.style
                .observe_lines_after(lines, self.builder.first_marker(), prev_last);
            if let Some((_, last)) = lines {
                prev_last = Some(last);
            }
            if let Some(u) = finished {
                self.utterances.push(u);
            }
        }
        if let Some(last) = prev_last {
            self.style.remember_last_line(last);
        }
        if self.done
            && let Some(u) = self.builder.finish()
        {
            self.utterances.push(u);
        }
        observer.stage_finished(
            Stage::Utterances,
            StageStats {
                bytes_in: plain_bytes,
                items_out: self.utterances.len() as u64,
            },
        );

        // Clean and split.
        observer.stage_started(Stage::Sentences);
        self.sentences.clear();
        self.word_counts.clear();
        self.bounds.clear();
        self.bounds.push(0);
        let mut text_bytes = 0u64;
        for utt in &mut self.utterances {
            text_bytes += utt.text.len() as u64;
            // `clean` appends; the scratch buffer holds the previous utterance's raw text.
            self.scratch.clear();
            let words = text::clean_with(
                &utt.text,
                &self.clean,
                &mut self.scratch,
                &mut self.clean_scratch,
            );
            self.word_counts.push(words as u64);
            std::mem::swap(&mut utt.text, &mut self.scratch);
            // Most utterances come out of cleaning unchanged: their word starts are known.
            self.splitter.split_cleaned_into(
                &utt.text,
                &self.clean_scratch,
                &mut self.split_scratch,
                &mut self.sentences,
            );
            self.bounds.push(self.sentences.len());
        }
        observer.stage_finished(
            Stage::Sentences,
            StageStats {
                bytes_in: text_bytes,
                items_out: self.sentences.len() as u64,
            },
        );
        let sentences = &self.sentences;
        let bounds = &self.bounds;
        let word_counts = &self.word_counts;
        Ok(Some(self.utterances.iter().enumerate().map(
            move |(i, u)| (u, word_counts[i], &sentences[bounds[i]..bounds[i + 1]]),
        )))
    }

    fn finish_warnings(&mut self) -> Vec<SourceWarning> {
        self.parser
            .take_warnings()
            .into_iter()
            .map(|w| SourceWarning {
                line: w.line,
                message: w.to_string(),
            })
            .collect()
    }
}

/// Counts bytes and time spent in the wrapped writer.
struct TimedWriter<'w> {
    inner: &'w mut dyn Write,
    spent: Duration,
    bytes: u64,
}

impl<'w> TimedWriter<'w> {
    fn new(inner: &'w mut dyn Write) -> Self {
        TimedWriter {
            inner,
            spent: Duration::ZERO,
            bytes: 0,
        }
    }

    fn take(&mut self) -> (Duration, u64) {
        let out = (self.spent, self.bytes);
        self.spent = Duration::ZERO;
        self.bytes = 0;
        out
    }
}

impl Write for TimedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let start = Instant::now();
        let n = self.inner.write(buf)?;
        self.spent += start.elapsed();
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        let start = Instant::now();
        self.inner.flush()?;
        self.spent += start.elapsed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::utterance::CueInput;

    #[test]
    fn style_counts_rolling_repeats_across_batches_as_cue_by_cue() {
        // Rolling captions (each cue opens with the previous cue's last line) over several
        // batches, with cues without text right at and around the batch boundaries.
        let mut vtt = String::from("WEBVTT\n\n");
        let mut texts = Vec::new();
        for i in 0..3 * BATCH_CUES + 7 {
            let text = if (i % BATCH_CUES < 2 || i % BATCH_CUES == BATCH_CUES - 1) && i % 3 == 0 {
                String::new()
            } else {
                format!("line {}\nline {}", i.saturating_sub(1), i)
            };
            vtt.push_str(&format!(
                "{}.000 --> {}.500\n{text}\n\n",
                clock_of(i),
                clock_of(i)
            ));
            texts.push(text);
        }
        let mut walk = Walk::new(vtt.as_bytes(), &Config::default()).expect("walk");
        let mut observer = NoopObserver;
        while walk.next_batch(&mut observer).expect("batch").is_some() {}
        let mut want = StyleDetector::default();
        for (i, text) in texts.iter().enumerate() {
            want.observe_cue(&CueInput {
                start_ms: i as u64 * 1000,
                end_ms: i as u64 * 1000 + 500,
                voice: None,
                plain: text,
            });
        }
        assert_eq!(walk.cues, texts.len() as u64);
        assert!(want.stats().rolling_repeats > 0);
        assert_eq!(walk.style.stats(), want.stats());
    }

    fn clock_of(i: usize) -> String {
        format!("00:{:02}:{:02}", i / 60 % 60, i % 60)
    }
}
