//! STAGE 5: the Snapshot model — what a customer solution snapshot contains.
//!
//! The model is split in two so the transcript can stream: [`Summary`] holds everything that is
//! O(vocabulary) (speakers, entities, topics, …) and is rendered first; the transcript entries
//! ([`TranscriptEntry`]) follow one at a time. [`Snapshot`] joins both for callers that want the
//! whole thing in memory (small files, tests, the health check). The JSON wire format is
//! documented in `docs/snapshot.schema.json`; bump [`SCHEMA_VERSION`] on any change to it.

use serde::{Deserialize, Serialize};

use crate::nlp::{ActionItem, Entity, Question, Topic};

/// Version of the snapshot JSON schema (`docs/snapshot.schema.json`), semver.
pub const SCHEMA_VERSION: &str = "1.0.0";

/// Where a transcript came from, as detected from its cue markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// Zoom: `Name: text` cues, usually numbered.
    Zoom,
    /// Microsoft Teams: `<v Name>text</v>` voice tags.
    Teams,
    /// YouTube auto-captions: inline word timings, rolling duplicated lines.
    Youtube,
    /// Anything else.
    #[default]
    Generic,
}

impl Style {
    /// Lower-case name, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Zoom => "zoom",
            Style::Teams => "teams",
            Style::Youtube => "youtube",
            Style::Generic => "generic",
        }
    }
}

/// Facts about the input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Source {
    /// Path as given by the user (`-` for standard input).
    pub path: String,
    /// Size of the input in bytes.
    pub bytes: u64,
    /// Cues parsed (skipped cue blocks not included).
    pub cues: u64,
    /// Last cue end minus first cue start, seconds.
    pub duration_seconds: f64,
    /// Detected source style.
    pub style: Style,
}

/// Per-speaker participation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerStats {
    /// Speaker name as the transcript gives it.
    pub name: String,
    /// Number of utterances (speaker turns).
    pub utterances: u64,
    /// Words spoken.
    pub words: u64,
    /// Sum of the speaker's utterance durations, seconds.
    pub talk_seconds: f64,
    /// Share of all speakers' talk time, 0–1.
    pub talk_share: f64,
}

/// A parser warning kept in the snapshot (a skipped cue, replaced bytes, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceWarning {
    /// 1-based line in the input.
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

/// Counts over the whole meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Stats {
    /// Words in the cleaned transcript.
    pub words: u64,
    /// Sentences after splitting.
    pub sentences: u64,
    /// Utterances (speaker turns) after merging.
    pub utterances: u64,
    /// Parser warnings (skipped or repaired input).
    pub warnings: u64,
}

/// One utterance of the cleaned transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// Speaker, or null when the transcript names none.
    pub speaker: Option<String>,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Cleaned text.
    pub text: String,
}

/// Everything in a snapshot except the transcript: rendered before the transcript streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Summary {
    /// Schema version of this document ([`SCHEMA_VERSION`]).
    pub schema_version: String,
    /// Human title, from the file name.
    pub title: String,
    /// The input file.
    pub source: Source,
    /// First spoken date that names a day or month, if any ("July 14th").
    pub meeting_date: Option<String>,
    /// Speakers, most talk time first.
    pub speakers: Vec<SpeakerStats>,
    /// Distinct entities, most mentioned first.
    pub entities: Vec<Entity>,
    /// Key phrases, best first.
    pub topics: Vec<Topic>,
    /// Technical terms.
    pub technical_terms: Vec<String>,
    /// Commitments with owner and time.
    pub action_items: Vec<ActionItem>,
    /// Questions nobody else answered.
    pub questions: Vec<Question>,
    /// Counts.
    pub stats: Stats,
    /// The first parser warnings (at most [`MAX_WARNINGS_KEPT`]); `stats.warnings` has the total.
    pub warnings: Vec<SourceWarning>,
}

/// How many parser warnings a snapshot lists (the count is always complete).
pub const MAX_WARNINGS_KEPT: usize = 50;

/// A whole snapshot in memory: the summary and the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    /// Everything but the transcript (flattened into the same JSON object).
    #[serde(flatten)]
    pub summary: Summary,
    /// The cleaned transcript, one entry per utterance.
    pub transcript: Vec<TranscriptEntry>,
}

/// Turns a file stem like `acme_corp-kickoff_2024` into `Acme Corp Kickoff 2024`.
pub fn title_from_stem(stem: &str) -> String {
    let mut title = String::with_capacity(stem.len());
    for word in stem
        .split(|c: char| c == '_' || c == '-' || c == '.' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !title.is_empty() {
            title.push(' ');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            title.extend(first.to_uppercase());
            title.push_str(chars.as_str());
        }
    }
    if title.is_empty() {
        title.push_str("Meeting");
    }
    title
}

/// Formats seconds as `HH:MM:SS` (hours grow as needed).
pub fn clock(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds as u64
    } else {
        0
    };
    format!(
        "{:02}:{:02}:{:02}",
        total / 3600,
        (total / 60) % 60,
        total % 60
    )
}

/// Formats a duration for people: `1 h 05 min`, `12 min 30 s`, `45 s`.
pub fn human_duration(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_stems() {
        assert_eq!(title_from_stem("acme_corp-kickoff"), "Acme Corp Kickoff");
        assert_eq!(title_from_stem("___"), "Meeting");
        assert_eq!(title_from_stem("édition 2"), "Édition 2");
    }

    #[test]
    fn clock_and_durations() {
        assert_eq!(clock(0.0), "00:00:00");
        assert_eq!(clock(3725.9), "01:02:05");
        assert_eq!(clock(f64::NAN), "00:00:00");
        assert_eq!(human_duration(3900.0), "1 h 05 min");
        assert_eq!(human_duration(750.0), "12 min 30 s");
        assert_eq!(human_duration(45.2), "45 s");
    }

    #[test]
    fn snapshot_json_is_flat() {
        let snap = Snapshot::default();
        let value = serde_json::to_value(&snap).expect("serializes");
        let obj = value.as_object().expect("object");
        assert!(obj.contains_key("schema_version"));
        assert!(obj.contains_key("transcript"));
        assert!(!obj.contains_key("summary"));
    }
}
