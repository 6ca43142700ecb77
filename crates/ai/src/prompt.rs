//! Prompt templates and the structured context put into every prompt.
//!
//! Templates are versioned files in `crates/ai/prompts/<version>/`, embedded at build time so
//! the binary carries them; a change to a prompt is a new version directory, and the version
//! is recorded in every document ([`PROMPT_VERSION`]). Placeholders are `{{name}}`, filled in
//! one pass so text inside a transcript is never taken for a placeholder.
//!
//! The local NLP result goes into each prompt as [`LocalContext`] JSON, so the model fills
//! fields from evidence the rules found (speakers, entities, dates, money, action items).

use serde::{Deserialize, Serialize};
use snapshot_pipeline::nlp::EntityLabel;
use snapshot_pipeline::snapshot::{Summary, clock, human_duration};

use crate::document::SectionSpec;

/// The prompt template version in use.
pub const PROMPT_VERSION: &str = "v1";

const SYSTEM: &str = include_str!("../prompts/v1/system.md");
const SECTION: &str = include_str!("../prompts/v1/section.md");
const MATERIAL: &str = include_str!("../prompts/v1/material.md");
const MAP: &str = include_str!("../prompts/v1/map.md");
const SUMMARY: &str = include_str!("../prompts/v1/summary.md");

/// Most entries per list in the context, so the context stays small beside the transcript.
const MAX_LIST: usize = 25;

/// A speaker in the context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextSpeaker {
    /// Name as in the transcript.
    pub name: String,
    /// Share of talk time, percent.
    pub talk_percent: u32,
}

/// A dated statement (action item, open question) in the context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextStatement {
    /// Who said it, if known.
    pub speaker: Option<String>,
    /// The sentence.
    pub text: String,
    /// When, `HH:MM:SS` from the start.
    pub at: String,
}

/// The local NLP result as the prompts show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LocalContext {
    /// Meeting title.
    pub title: String,
    /// First spoken calendar date, if any.
    pub meeting_date: Option<String>,
    /// Meeting length, for people.
    pub duration: String,
    /// Speakers, most talk time first.
    pub speakers: Vec<ContextSpeaker>,
    /// Organisations mentioned, most mentioned first.
    pub organizations: Vec<String>,
    /// People mentioned.
    pub people: Vec<String>,
    /// Places mentioned.
    pub places: Vec<String>,
    /// Products mentioned.
    pub products: Vec<String>,
    /// Dates and periods mentioned.
    pub dates: Vec<String>,
    /// Money amounts mentioned.
    pub money: Vec<String>,
    /// Percentages mentioned.
    pub percentages: Vec<String>,
    /// Key phrases, best first.
    pub topics: Vec<String>,
    /// Technical terms.
    pub technical_terms: Vec<String>,
    /// Commitments.
    pub action_items: Vec<ContextStatement>,
    /// Questions nobody answered.
    pub open_questions: Vec<ContextStatement>,
}

impl LocalContext {
    /// The context of a pipeline summary, each list cut to its first entries.
    pub fn from_summary(s: &Summary) -> Self {
        let entities = |label: EntityLabel| -> Vec<String> {
            s.entities
                .iter()
                .filter(|e| e.label == label)
                .take(MAX_LIST)
                .map(|e| e.text.clone())
                .collect()
        };
        LocalContext {
            title: s.title.clone(),
            meeting_date: s.meeting_date.clone(),
            duration: human_duration(s.source.duration_seconds),
            speakers: s
                .speakers
                .iter()
                .take(MAX_LIST)
                .map(|sp| ContextSpeaker {
                    name: sp.name.clone(),
                    talk_percent: (sp.talk_share * 100.0).round().clamp(0.0, 100.0) as u32,
                })
                .collect(),
            organizations: entities(EntityLabel::Org),
            people: entities(EntityLabel::Person),
            places: entities(EntityLabel::Gpe),
            products: entities(EntityLabel::Product),
            dates: entities(EntityLabel::Date),
            money: entities(EntityLabel::Money),
            percentages: entities(EntityLabel::Percent),
            topics: s
                .topics
                .iter()
                .take(MAX_LIST)
                .map(|t| t.phrase.clone())
                .collect(),
            technical_terms: s.technical_terms.iter().take(MAX_LIST).cloned().collect(),
            action_items: s
                .action_items
                .iter()
                .take(MAX_LIST)
                .map(|a| ContextStatement {
                    speaker: a.owner.clone(),
                    text: a.text.clone(),
                    at: clock(a.seconds),
                })
                .collect(),
            open_questions: s
                .questions
                .iter()
                .take(MAX_LIST)
                .map(|q| ContextStatement {
                    speaker: q.speaker.clone(),
                    text: q.text.clone(),
                    at: clock(q.seconds),
                })
                .collect(),
        }
    }

    /// Pretty JSON for the prompt.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// What the `<material>` of a prompt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaterialKind {
    /// The cleaned transcript itself.
    Transcript,
    /// Notes made from parts of the transcript (map-reduce).
    Notes,
}

impl MaterialKind {
    fn describe(self) -> &'static str {
        match self {
            MaterialKind::Transcript => "the cleaned transcript, one line per speaker turn",
            MaterialKind::Notes => "notes made from consecutive parts of the transcript",
        }
    }
}

/// Replaces each `{{name}}` of `template` with its value, in one pass (values are not scanned).
/// Unknown placeholders stay as they are, which the tests catch.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let extra: usize = vars.iter().map(|(_, v)| v.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let name = &after[..close];
                match vars.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push_str("{{");
                        out.push_str(name);
                        out.push_str("}}");
                    }
                }
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The system prompt.
pub fn system() -> String {
    SYSTEM.trim_end().to_string()
}

fn field_lines(spec: &SectionSpec) -> String {
    spec.fields
        .iter()
        .map(|f| format!("- {}: {}", f.key, f.guidance))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The system block every section call shares: the local analysis and the meeting material.
/// It is identical across the ten calls, so the API can cache it.
pub fn material(title: &str, context_json: &str, kind: MaterialKind, material: &str) -> String {
    fill(
        MATERIAL,
        &[
            ("title", title),
            ("context", context_json),
            ("material_kind", kind.describe()),
            ("material", material),
        ],
    )
}

/// The user message asking for one of the first ten sections (the material is in
/// [`material`], sent as a system block).
pub fn section(spec: &SectionSpec, title: &str) -> String {
    fill(
        SECTION,
        &[
            ("section_key", spec.key),
            ("section_title", spec.title),
            ("title", title),
            ("fields", &field_lines(spec)),
        ],
    )
}

/// The user message asking for notes on one part of a long transcript (or of longer notes).
pub fn map(
    part: usize,
    parts: usize,
    title: &str,
    context_json: &str,
    kind: MaterialKind,
    material: &str,
) -> String {
    fill(
        MAP,
        &[
            ("part", &part.to_string()),
            ("parts", &parts.to_string()),
            ("title", title),
            ("context", context_json),
            ("material_kind", kind.describe()),
            ("material", material),
        ],
    )
}

/// The user message asking for the executive summary from the other sections' JSON.
pub fn summary(spec: &SectionSpec, title: &str, context_json: &str, sections_json: &str) -> String {
    fill(
        SUMMARY,
        &[
            ("section_key", spec.key),
            ("section_title", spec.title),
            ("title", title),
            ("fields", &field_lines(spec)),
            ("context", context_json),
            ("sections", sections_json),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::SECTIONS;

    #[test]
    fn fill_is_one_pass() {
        assert_eq!(
            fill("a {{x}} b {{y}}", &[("x", "{{y}}"), ("y", "2")]),
            "a {{y}} b 2"
        );
        assert_eq!(fill("{{unknown}} {{", &[]), "{{unknown}} {{");
    }

    #[test]
    fn every_placeholder_is_filled() {
        for spec in &SECTIONS {
            let text = if spec.key == crate::document::EXECUTIVE_SUMMARY {
                summary(spec, "T", "{}", "[]")
            } else {
                section(spec, "T")
            };
            assert!(!text.contains("{{"), "{}: {text}", spec.key);
            assert!(text.contains(&format!("<section key=\"{}\">", spec.key)));
            for field in spec.fields {
                assert!(text.contains(&format!("- {}: ", field.key)));
            }
        }
        let shared = material("T", "{}", MaterialKind::Transcript, "line");
        assert!(!shared.contains("{{"), "{shared}");
        assert!(shared.contains("<material>\nline\n</material>"));
        let m = map(2, 5, "T", "{}", MaterialKind::Notes, "x");
        assert!(!m.contains("{{"), "{m}");
        assert!(m.contains("part 2 of 5"));
        assert!(system().contains("Not discussed"));
    }
}
