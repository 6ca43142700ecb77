//! Markdown rendering: a snapshot a sales engineer can paste into a document.

use std::io::{self, Write};

use super::escape::{Markdown, escape_into, fill_string, push_clock};
use super::{EntryRef, Renderer, entity_groups, label_heading};
use crate::snapshot::{Summary, clock, human_duration};

/// Renders Markdown.
#[derive(Debug, Default)]
pub struct MarkdownRenderer {
    /// Reused buffer for escaping, so entries do not allocate.
    buf: String,
}

/// Escapes text so Markdown shows it literally (and embedded HTML stays text).
pub fn escape_md(text: &str, out: &mut String) {
    fill_string(out, |bytes| escape_md_into(text, bytes));
}

/// [`escape_md`], appending to bytes.
fn escape_md_into(text: &str, out: &mut Vec<u8>) {
    escape_into::<Markdown>(text, out, |b, out| {
        if matches!(b, b'\n' | b'\r') {
            out.push(b' ');
        } else {
            out.extend_from_slice(&[b'\\', b]);
        }
    });
}

impl MarkdownRenderer {
    fn esc(&mut self, text: &str) -> &str {
        escape_md(text, &mut self.buf);
        &self.buf
    }
}

impl Renderer for MarkdownRenderer {
    fn begin(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()> {
        writeln!(
            out,
            "# Customer Solution Snapshot: {}\n",
            self.esc(&s.title)
        )?;
        writeln!(out, "## Meeting facts\n")?;
        writeln!(out, "| | |\n|---|---|")?;
        if let Some(date) = &s.meeting_date {
            writeln!(out, "| Date mentioned | {} |", self.esc(date))?;
        }
        writeln!(
            out,
            "| Duration | {} |",
            human_duration(s.source.duration_seconds)
        )?;
        writeln!(out, "| Participants | {} |", s.speakers.len())?;
        writeln!(
            out,
            "| Words / sentences | {} / {} |",
            s.stats.words, s.stats.sentences
        )?;
        writeln!(
            out,
            "| Source | `{}` ({} style, {} cues) |",
            s.source.path.replace('`', "'"),
            s.source.style.as_str(),
            s.source.cues
        )?;
        if s.stats.warnings > 0 {
            writeln!(out, "| Input warnings | {} |", s.stats.warnings)?;
        }

        if !s.speakers.is_empty() {
            writeln!(out, "\n## Participants\n")?;
            writeln!(
                out,
                "| Speaker | Talk time | Share | Turns | Words |\n|---|---:|---:|---:|---:|"
            )?;
            for sp in &s.speakers {
                writeln!(
                    out,
                    "| {} | {} | {:.0}% | {} | {} |",
                    self.esc(&sp.name),
                    human_duration(sp.talk_seconds),
                    sp.talk_share * 100.0,
                    sp.utterances,
                    sp.words
                )?;
            }
        }

        let groups = entity_groups(s);
        if !groups.is_empty() {
            writeln!(out, "\n## Key entities\n")?;
            for (label, group) in groups {
                write!(out, "- **{}:** ", label_heading(label))?;
                for (i, e) in group.iter().enumerate() {
                    if i > 0 {
                        write!(out, ", ")?;
                    }
                    write!(out, "{}", self.esc(&e.text))?;
                    if e.count > 1 {
                        write!(out, " ({})", e.count)?;
                    }
                }
                writeln!(out)?;
            }
        }

        if !s.topics.is_empty() {
            writeln!(out, "\n## Topics\n")?;
            for (i, t) in s.topics.iter().enumerate() {
                writeln!(out, "{}. {} ({:.1})", i + 1, self.esc(&t.phrase), t.score)?;
            }
        }

        if !s.technical_terms.is_empty() {
            writeln!(out, "\n## Technical terms\n")?;
            let mut line = String::new();
            for (i, term) in s.technical_terms.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                line.push_str(self.esc(term));
            }
            writeln!(out, "{line}")?;
        }

        writeln!(out, "\n## Action items\n")?;
        if s.action_items.is_empty() {
            writeln!(out, "No commitments were detected.")?;
        }
        for a in &s.action_items {
            let owner = a.owner.as_deref().unwrap_or("Unassigned");
            let owner = self.esc(owner).to_string();
            writeln!(
                out,
                "- [ ] **{owner}** ({}): {}",
                clock(a.seconds),
                self.esc(&a.text)
            )?;
        }

        if !s.questions.is_empty() {
            writeln!(out, "\n## Open questions\n")?;
            for q in &s.questions {
                let who = q.speaker.as_deref().unwrap_or("Unknown");
                let who = self.esc(who).to_string();
                writeln!(out, "- {who} ({}): {}", clock(q.seconds), self.esc(&q.text))?;
            }
        }

        writeln!(out, "\n## Transcript\n")
    }

    fn entry(&mut self, out: &mut Vec<u8>, _index: u64, e: EntryRef<'_>) {
        out.extend_from_slice(b"**[");
        push_clock(out, e.start);
        match e.speaker {
            Some(name) => {
                out.extend_from_slice(b"] ");
                escape_md_into(name, out);
                out.extend_from_slice(b":** ");
            }
            None => out.extend_from_slice(b"]** "),
        }
        escape_md_into(e.text, out);
        out.extend_from_slice(b"\n\n");
    }

    fn end(&mut self, out: &mut dyn Write, s: &Summary, _entries: u64) -> io::Result<()> {
        writeln!(
            out,
            "---\n*Generated by customer-snapshot {} (schema {}).*",
            env!("CARGO_PKG_VERSION"),
            s.schema_version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::tests::{render_to_string, sample};

    #[test]
    fn markdown_golden() {
        insta::assert_snapshot!(render_to_string(Format::Markdown, &sample()));
    }

    #[test]
    fn markdown_escapes_transcript_text() {
        let md = render_to_string(Format::Markdown, &sample());
        assert!(md.contains(r"\<script\>"));
        assert!(!md.contains("<script>"));
        assert!(md.contains(r"\*stars\*"));
    }

    #[test]
    fn escape_md_handles_every_special_and_keeps_unicode() {
        let mut out = String::new();
        super::escape_md(
            "a\\b`c*d_e[f]g#h|i<j>k~l\nm\rn caf\u{e9} \u{2014}",
            &mut out,
        );
        assert_eq!(
            out,
            "a\\\\b\\`c\\*d\\_e\\[f\\]g\\#h\\|i\\<j\\>k\\~l m n caf\u{e9} \u{2014}"
        );
        super::escape_md("", &mut out);
        assert_eq!(out, "");
    }
}
