//! STAGE 6: renderers. One trait, one file per format.
//!
//! A document is the [`Summary`], then the transcript one entry at a time, then a closing part,
//! so a transcript of any size streams to the writer without being held in memory. Entries do
//! not depend on the summary: the pipeline renders them while it reads the input, keeps the
//! bytes in its spool, and copies them out between [`Renderer::begin`] and [`Renderer::end`].

mod escape;
mod html;
mod json;
mod markdown;

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::snapshot::{Snapshot, Summary, TranscriptEntry};

pub use escape::{push_json_seconds, push_json_str};
pub use html::{HtmlRenderer, escape_html};
pub use json::JsonRenderer;
pub use markdown::{MarkdownRenderer, escape_md};

/// Output formats of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Markdown, for pasting into documents (default).
    #[default]
    Markdown,
    /// One self-contained HTML page.
    Html,
    /// JSON following `docs/snapshot.schema.json`.
    Json,
}

impl Format {
    /// File extension for this format, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Json => "json",
        }
    }

    /// Parses `markdown`/`md`, `html`, `json` (case-insensitive).
    pub fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "markdown" | "md" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// A renderer for this format.
    pub fn renderer(self) -> Box<dyn Renderer> {
        match self {
            Format::Markdown => Box::new(MarkdownRenderer::default()),
            Format::Html => Box::new(HtmlRenderer::default()),
            Format::Json => Box::new(JsonRenderer::default()),
        }
    }
}

/// One transcript entry as the renderers read it: a [`TranscriptEntry`] without owning its text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EntryRef<'a> {
    /// Speaker, if known.
    pub speaker: Option<&'a str>,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Cleaned text.
    pub text: &'a str,
}

impl<'a> From<&'a TranscriptEntry> for EntryRef<'a> {
    fn from(e: &'a TranscriptEntry) -> Self {
        EntryRef {
            speaker: e.speaker.as_deref(),
            start: e.start,
            end: e.end,
            text: &e.text,
        }
    }
}

/// Turns a snapshot into bytes, streaming the transcript.
pub trait Renderer {
    /// Writes everything before the transcript.
    fn begin(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()>;
    /// Appends transcript entry number `index` (from 0) to `out`. Depends only on the entry
    /// and its index, so entries may be rendered before [`Renderer::begin`] and kept until
    /// they are written after it.
    fn entry(&mut self, out: &mut Vec<u8>, index: u64, entry: EntryRef<'_>);
    /// Closes the document after `entries` transcript entries.
    fn end(&mut self, out: &mut dyn Write, summary: &Summary, entries: u64) -> io::Result<()>;
}

/// Renders a whole in-memory snapshot.
pub fn render_snapshot(format: Format, snapshot: &Snapshot, out: &mut dyn Write) -> io::Result<()> {
    let mut renderer = format.renderer();
    renderer.begin(out, &snapshot.summary)?;
    let mut buf = Vec::new();
    for (i, entry) in snapshot.transcript.iter().enumerate() {
        buf.clear();
        renderer.entry(&mut buf, i as u64, entry.into());
        out.write_all(&buf)?;
    }
    renderer.end(out, &snapshot.summary, snapshot.transcript.len() as u64)
}

/// Entities grouped by label in a fixed, reader-friendly order, each group most mentioned first.
pub(crate) fn entity_groups(
    summary: &Summary,
) -> Vec<(crate::nlp::EntityLabel, Vec<&crate::nlp::Entity>)> {
    use crate::nlp::EntityLabel as L;
    const ORDER: [L; 8] = [
        L::Org,
        L::Person,
        L::Product,
        L::Gpe,
        L::Date,
        L::Time,
        L::Money,
        L::Percent,
    ];
    ORDER
        .iter()
        .filter_map(|label| {
            let mut group: Vec<_> = summary
                .entities
                .iter()
                .filter(|e| e.label == *label)
                .collect();
            group.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
            (!group.is_empty()).then_some((*label, group))
        })
        .collect()
}

/// Heading used for an entity group.
pub(crate) fn label_heading(label: crate::nlp::EntityLabel) -> &'static str {
    use crate::nlp::EntityLabel as L;
    match label {
        L::Org => "Organisations",
        L::Person => "People",
        L::Product => "Products",
        L::Gpe => "Places",
        L::Date => "Dates",
        L::Time => "Times",
        L::Money => "Money",
        L::Percent => "Percentages",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::nlp::{ActionItem, Entity, EntityLabel, Question, Topic};
    use crate::snapshot::{SCHEMA_VERSION, Source, SpeakerStats, Stats, Style};

    /// A small but complete snapshot with hostile text, shared by the renderer tests.
    pub(crate) fn sample() -> Snapshot {
        Snapshot {
            summary: Summary {
                schema_version: SCHEMA_VERSION.to_string(),
                title: "Acme Kickoff".into(),
                source: Source {
                    path: "acme_kickoff.vtt".into(),
                    bytes: 1234,
                    cues: 3,
                    duration_seconds: 95.5,
                    style: Style::Zoom,
                },
                meeting_date: Some("July 14th".into()),
                speakers: vec![
                    SpeakerStats {
                        name: "Dana Wu".into(),
                        utterances: 2,
                        words: 30,
                        talk_seconds: 60.0,
                        talk_share: 0.75,
                    },
                    SpeakerStats {
                        name: "Raj <Patel>".into(),
                        utterances: 1,
                        words: 10,
                        talk_seconds: 20.0,
                        talk_share: 0.25,
                    },
                ],
                entities: vec![
                    Entity {
                        text: "Acme Corp".into(),
                        label: EntityLabel::Org,
                        count: 3,
                        first_seconds: 1.0,
                    },
                    Entity {
                        text: "$1.2 million".into(),
                        label: EntityLabel::Money,
                        count: 1,
                        first_seconds: 40.0,
                    },
                ],
                topics: vec![Topic {
                    phrase: "data warehouse migration".into(),
                    score: 9.5,
                }],
                technical_terms: vec!["API".into(), "SSO".into()],
                action_items: vec![ActionItem {
                    owner: Some("Dana Wu".into()),
                    text: "I'll send the SSO notes by Friday.".into(),
                    seconds: 61.0,
                }],
                questions: vec![Question {
                    speaker: Some("Raj <Patel>".into()),
                    text: "Who owns the <b>budget</b>?".into(),
                    seconds: 80.0,
                }],
                stats: Stats {
                    words: 40,
                    sentences: 5,
                    utterances: 3,
                    warnings: 0,
                },
                warnings: vec![],
            },
            transcript: vec![
                TranscriptEntry {
                    speaker: Some("Dana Wu".into()),
                    start: 1.0,
                    end: 30.0,
                    text: "Welcome to Acme Corp. Budget is $1.2 million.".into(),
                },
                TranscriptEntry {
                    speaker: Some("Raj <Patel>".into()),
                    start: 31.0,
                    end: 51.0,
                    text: "<script>alert('x')</script> & *stars* [link](http://x)".into(),
                },
                TranscriptEntry {
                    speaker: None,
                    start: 60.0,
                    end: 95.5,
                    text: "I'll send the SSO notes by Friday.".into(),
                },
            ],
        }
    }

    pub(crate) fn render_to_string(format: Format, snapshot: &Snapshot) -> String {
        let mut out = Vec::new();
        render_snapshot(format, snapshot, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn formats_parse_and_have_extensions() {
        assert_eq!(Format::parse("MD"), Some(Format::Markdown));
        assert_eq!(Format::parse("json"), Some(Format::Json));
        assert_eq!(Format::parse("pdf"), None);
        assert_eq!(Format::Html.extension(), "html");
    }
}
