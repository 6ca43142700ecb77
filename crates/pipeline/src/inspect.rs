//! A fast look at a transcript without the NLP stages: cues, duration, speakers with their cue
//! counts and talk time, the export style, and the parser's warnings. Backs `analyze`, which must
//! stream files of any size at parser speed.

use std::collections::HashMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::snapshot::{SourceWarning, Style};
use crate::utterance::{CueInput, Marker, StyleDetector, parse_marker};
use crate::vtt::{self, VttError};

/// A speaker as `analyze` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerCues {
    /// Name from a `<v>` tag or a `Name:`, `>> Name:` or `[Name]` marker.
    pub name: String,
    /// Cues attributed to the speaker (marked, or continuing their turn).
    pub cues: u64,
    /// Sum of those cues' durations, seconds.
    pub talk_seconds: f64,
}

/// What `analyze` reports about a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Inspection {
    /// Bytes read.
    pub bytes: u64,
    /// Cues parsed.
    pub cues: u64,
    /// Last cue end minus first cue start, seconds.
    pub duration_seconds: f64,
    /// Speakers, most talk time first.
    pub speakers: Vec<SpeakerCues>,
    /// Detected export style.
    pub style: Style,
    /// Cue blocks the parser had to skip.
    pub skipped_cues: u64,
    /// Total warnings (the list below keeps the first ones).
    pub warning_count: u64,
    /// The parser's warnings, with line numbers.
    pub warnings: Vec<SourceWarning>,
    /// True when the signature is right and no cue block had to be skipped.
    pub valid: bool,
}

/// Reads the whole input once and reports on it. Fails only where the WebVTT parser aborts
/// (no signature, read error).
pub fn inspect(input: impl Read, max_warnings: usize) -> Result<Inspection, VttError> {
    let mut parser = vtt::Parser::new(input)?;
    let mut plain = String::new();
    let mut speakers: HashMap<String, SpeakerCues> = HashMap::new();
    let mut current: Option<String> = None;
    let mut detector = StyleDetector::default();
    let mut first_ms = None;
    let mut last_ms = 0u64;
    let mut cues = 0u64;
    while let Some(cue) = parser.next_cue()? {
        cues += 1;
        first_ms.get_or_insert(cue.start_ms);
        last_ms = last_ms.max(cue.end_ms);
        detector.observe_raw(&cue.text);
        let voice = vtt::plain_text_and_voice(&cue.text, &mut plain);
        detector.observe_cue(&CueInput {
            start_ms: cue.start_ms,
            end_ms: cue.end_ms,
            voice,
            plain: &plain,
        });
        if let Some(v) = voice.filter(|v| !v.is_empty()) {
            set_speaker(&mut current, v);
        } else {
            match parse_marker(plain.trim_start()).0 {
                Marker::Named { name, .. } => set_speaker(&mut current, name),
                Marker::Change => current = None,
                Marker::Sound | Marker::None => {}
            }
        }
        if let Some(name) = &current {
            let seconds = cue.end_ms.saturating_sub(cue.start_ms) as f64 / 1000.0;
            let entry = speakers.entry(name.clone()).or_insert_with(|| SpeakerCues {
                name: name.clone(),
                cues: 0,
                talk_seconds: 0.0,
            });
            entry.cues += 1;
            entry.talk_seconds += seconds;
        }
    }
    let mut speakers: Vec<SpeakerCues> = speakers.into_values().collect();
    for s in &mut speakers {
        s.talk_seconds = crate::pipeline::round_to(s.talk_seconds, 3);
    }
    speakers.sort_by(|a, b| {
        b.talk_seconds
            .total_cmp(&a.talk_seconds)
            .then_with(|| a.name.cmp(&b.name))
    });
    let warnings = parser.take_warnings();
    let warning_count = warnings.len() as u64 + parser.warnings_dropped();
    let skipped_cues = parser.skipped_blocks();
    Ok(Inspection {
        bytes: parser.bytes_read(),
        cues,
        duration_seconds: first_ms.map_or(0.0, |f| last_ms.saturating_sub(f) as f64 / 1000.0),
        speakers,
        style: detector.style(),
        skipped_cues,
        warning_count,
        warnings: warnings
            .into_iter()
            .take(max_warnings)
            .map(|w| SourceWarning {
                line: w.line,
                message: w.to_string(),
            })
            .collect(),
        valid: skipped_cues == 0,
    })
}

fn set_speaker(current: &mut Option<String>, name: &str) {
    if current.as_deref() != Some(name) {
        *current = Some(name.to_string());
    }
}
