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
    // Speakers in order of appearance; the map is consulted only when the speaker changes.
    let mut speakers: Vec<SpeakerCues> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut current: Option<usize> = None;
    let mut detector = StyleDetector::default();
    let mut first_ms = None;
    let mut last_ms = 0u64;
    let mut cues = 0u64;
    while let Some(cue) = parser.next_cue()? {
        cues += 1;
        first_ms.get_or_insert(cue.start_ms);
        last_ms = last_ms.max(cue.end_ms);
        let voice = vtt::plain_text_and_voice(&cue.text, &mut plain);
        if cues <= STYLE_SAMPLE_CUES {
            detector.observe_raw(&cue.text);
            detector.observe_cue(&CueInput {
                start_ms: cue.start_ms,
                end_ms: cue.end_ms,
                voice,
                plain: &plain,
            });
        }
        if let Some(v) = voice.filter(|v| !v.is_empty()) {
            current = Some(speaker_index(&mut speakers, &mut index, current, v));
        } else {
            let line = plain.trim_start();
            if may_have_marker(line) {
                match parse_marker(line).0 {
                    Marker::Named { name, .. } => {
                        current = Some(speaker_index(&mut speakers, &mut index, current, name));
                    }
                    Marker::Change => current = None,
                    Marker::Sound | Marker::None => {}
                }
            }
        }
        if let Some(i) = current {
            speakers[i].cues += 1;
            speakers[i].talk_seconds += cue.end_ms.saturating_sub(cue.start_ms) as f64 / 1000.0;
        }
    }
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

/// Cues the style is judged from: an export's conventions show in its first minutes, and
/// looking further would cost `analyze` a third of its speed on large files.
const STYLE_SAMPLE_CUES: u64 = 2_000;

/// A speaker marker (`Name:`, `>>`, `[Name]`, `(laughs)`) needs one of these bytes on the line,
/// so the full marker rules run only where they can match.
fn may_have_marker(line: &str) -> bool {
    matches!(line.as_bytes().first(), Some(b'>' | b'[' | b'('))
        || memchr::memchr(b':', line.as_bytes()).is_some()
}

/// Index of `name` in `speakers`, adding it on first sight; cheap when the speaker continues.
fn speaker_index(
    speakers: &mut Vec<SpeakerCues>,
    index: &mut HashMap<String, usize>,
    current: Option<usize>,
    name: &str,
) -> usize {
    if let Some(i) = current
        && speakers[i].name == name
    {
        return i;
    }
    if let Some(&i) = index.get(name) {
        return i;
    }
    speakers.push(SpeakerCues {
        name: name.to_string(),
        cues: 0,
        talk_seconds: 0.0,
    });
    index.insert(name.to_string(), speakers.len() - 1);
    speakers.len() - 1
}
