//! The NLP bench corpus, shared by `benches/nlp.rs` and `examples/nlp_throughput.rs`: the shared
//! real transcripts and the gold meetings repeated with shifted times, read with the project's
//! WebVTT parser, and stages 2–3 over it.

use snapshot_pipeline::text::{CleanOptions, clean, split_sentences};
use snapshot_pipeline::utterance::{CueInput, UtteranceBuilder};
use snapshot_pipeline::vtt;

/// One cue as stage 2 sees it: timing, `<v>` voice and plain text.
pub struct Cue {
    /// Start, milliseconds.
    pub start_ms: u64,
    /// End, milliseconds.
    pub end_ms: u64,
    /// `<v>` voice.
    pub voice: Option<String>,
    /// Text without tags, character references decoded.
    pub plain: String,
}

/// The cues of one WebVTT file, through [`vtt::Parser`] and [`vtt::plain_text_and_voice`].
fn read_cues(path: &str, text: &str) -> Vec<Cue> {
    let mut parser =
        vtt::Parser::from_slice(text.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut cues = Vec::new();
    while let Some(cue) = parser.next_cue().unwrap_or_else(|e| panic!("{path}: {e}")) {
        let mut plain = String::new();
        let voice = vtt::plain_text_and_voice(&cue.text, &mut plain).map(str::to_owned);
        cues.push(Cue {
            start_ms: cue.start_ms,
            end_ms: cue.end_ms,
            voice,
            plain,
        });
    }
    cues
}

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata");
const FILES: &[&str] = &[
    "transcripts/quest_enterprises_kickoff.vtt",
    "transcripts/project_kickoff_short_cues.vtt",
    "transcripts/sample_input.vtt",
    "gold/zoom.vtt",
    "gold/youtube.vtt",
];
/// Approximate corpus size; big enough that per-call setup is noise, small enough for 2 cores.
const TARGET_BYTES: usize = 8 << 20;

/// Cues of the corpus and the WebVTT bytes they came from.
pub fn corpus() -> (Vec<Cue>, u64) {
    let mut cues = Vec::new();
    let mut bytes = 0usize;
    let mut offset_ms = 0u64;
    while bytes < TARGET_BYTES {
        for f in FILES {
            let path = format!("{DATA}/{f}");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            bytes += text.len();
            let mut last = 0;
            for mut c in read_cues(&path, &text) {
                c.start_ms += offset_ms;
                c.end_ms += offset_ms;
                last = last.max(c.end_ms);
                cues.push(c);
            }
            offset_ms = last + 5_000;
        }
    }
    (cues, bytes as u64)
}

/// Stages 2–3: utterances, cleaning, sentence splitting; returns the number of sentences and,
/// with `keep`, stores them (speaker, start, text) for stage 4.
pub fn stages_2_3(cues: &[Cue], keep: Option<&mut Vec<(Option<String>, u64, String)>>) -> usize {
    let mut builder = UtteranceBuilder::default();
    let mut cleaned = String::new();
    let mut count = 0;
    let mut keep = keep;
    let mut on_utterance = |u: snapshot_pipeline::utterance::Utterance| {
        cleaned.clear();
        clean(&u.text, &CleanOptions::default(), &mut cleaned);
        for s in split_sentences(&cleaned) {
            count += 1;
            if let Some(k) = keep.as_deref_mut() {
                k.push((u.speaker.clone(), u.start_ms, s.to_owned()));
            }
        }
    };
    for c in cues {
        let input = CueInput {
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            voice: c.voice.as_deref(),
            plain: &c.plain,
        };
        if let Some(u) = builder.push(input) {
            on_utterance(u);
        }
    }
    if let Some(u) = builder.finish() {
        on_utterance(u);
    }
    count
}
