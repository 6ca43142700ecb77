//! HTML rendering: one self-contained page (inline CSS, no external URL, a CSP that forbids
//! loads), readable on a phone. Every string from the transcript is escaped.

use std::io::{self, Write};

use super::escape::{Html, escape_into, fill_string, push_clock};
use super::{EntryRef, Renderer, entity_groups, label_heading};
use crate::snapshot::{Summary, clock, human_duration};

const CSS: &str = include_str!("snapshot.css");

/// Renders HTML.
#[derive(Debug, Default)]
pub struct HtmlRenderer {
    /// Reused buffer for escaping, so entries do not allocate.
    buf: String,
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape_html(text: &str, out: &mut String) {
    fill_string(out, |bytes| escape_html_into(text, bytes));
}

/// [`escape_html`], appending to bytes.
fn escape_html_into(text: &str, out: &mut Vec<u8>) {
    escape_into::<Html>(text, out, |b, out| {
        out.extend_from_slice(match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            _ => b"&#39;",
        })
    });
}

impl HtmlRenderer {
    fn esc(&mut self, text: &str) -> &str {
        escape_html(text, &mut self.buf);
        &self.buf
    }
}

impl Renderer for HtmlRenderer {
    fn begin(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()> {
        let title = self.esc(&s.title).to_string();
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <title>Customer Solution Snapshot: {title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n\
             <h1>Customer Solution Snapshot: {title}</h1>\n"
        )?;

        writeln!(out, "<section class=\"facts\">")?;
        if let Some(date) = &s.meeting_date {
            let date = self.esc(date).to_string();
            writeln!(
                out,
                "<div class=\"fact\"><b>{date}</b><span>date mentioned</span></div>"
            )?;
        }
        writeln!(
            out,
            "<div class=\"fact\"><b>{}</b><span>duration</span></div>\n\
             <div class=\"fact\"><b>{}</b><span>participants</span></div>\n\
             <div class=\"fact\"><b>{}</b><span>words</span></div>\n\
             <div class=\"fact\"><b>{}</b><span>action items</span></div>\n</section>",
            human_duration(s.source.duration_seconds),
            s.speakers.len(),
            s.stats.words,
            s.action_items.len()
        )?;

        if !s.speakers.is_empty() {
            writeln!(
                out,
                "<h2>Participants</h2>\n<table>\n<thead><tr><th>Speaker</th><th class=\"num\">Talk time</th>\
                 <th>Share</th><th class=\"num hide\">Turns</th><th class=\"num hide\">Words</th></tr></thead>\n<tbody>"
            )?;
            for sp in &s.speakers {
                let name = self.esc(&sp.name).to_string();
                let pct = sp.talk_share * 100.0;
                writeln!(
                    out,
                    "<tr><td>{name}</td><td class=\"num\">{}</td><td><div class=\"bar\" style=\"width:{pct:.0}%\" title=\"{pct:.0}%\"></div>{pct:.0}%</td>\
                     <td class=\"num hide\">{}</td><td class=\"num hide\">{}</td></tr>",
                    human_duration(sp.talk_seconds),
                    sp.utterances,
                    sp.words
                )?;
            }
            writeln!(out, "</tbody>\n</table>")?;
        }

        let groups = entity_groups(s);
        if !groups.is_empty() {
            writeln!(out, "<h2>Key entities</h2>\n<dl class=\"entities\">")?;
            for (label, group) in groups {
                writeln!(
                    out,
                    "<dt>{}</dt><dd><ul class=\"chips\">",
                    label_heading(label)
                )?;
                for e in group {
                    let text = self.esc(&e.text).to_string();
                    if e.count > 1 {
                        writeln!(out, "<li>{text} <small>×{}</small></li>", e.count)?;
                    } else {
                        writeln!(out, "<li>{text}</li>")?;
                    }
                }
                writeln!(out, "</ul></dd>")?;
            }
            writeln!(out, "</dl>")?;
        }

        if !s.topics.is_empty() {
            writeln!(out, "<h2>Topics</h2>\n<ol>")?;
            for t in &s.topics {
                let phrase = self.esc(&t.phrase).to_string();
                writeln!(
                    out,
                    "<li>{phrase} <span class=\"time\">{:.1}</span></li>",
                    t.score
                )?;
            }
            writeln!(out, "</ol>")?;
        }

        if !s.technical_terms.is_empty() {
            writeln!(out, "<h2>Technical terms</h2>\n<ul class=\"chips\">")?;
            for term in &s.technical_terms {
                let term = self.esc(term).to_string();
                writeln!(out, "<li>{term}</li>")?;
            }
            writeln!(out, "</ul>")?;
        }

        writeln!(out, "<h2>Action items</h2>")?;
        if s.action_items.is_empty() {
            writeln!(out, "<p>No commitments were detected.</p>")?;
        } else {
            writeln!(out, "<ul class=\"items\">")?;
            for a in &s.action_items {
                let owner = self
                    .esc(a.owner.as_deref().unwrap_or("Unassigned"))
                    .to_string();
                let text = self.esc(&a.text).to_string();
                writeln!(
                    out,
                    "<li><b>{owner}</b> <span class=\"time\">{}</span><br>{text}</li>",
                    clock(a.seconds)
                )?;
            }
            writeln!(out, "</ul>")?;
        }

        if !s.questions.is_empty() {
            writeln!(out, "<h2>Open questions</h2>\n<ul class=\"items\">")?;
            for q in &s.questions {
                let who = self
                    .esc(q.speaker.as_deref().unwrap_or("Unknown"))
                    .to_string();
                let text = self.esc(&q.text).to_string();
                writeln!(
                    out,
                    "<li><b>{who}</b> <span class=\"time\">{}</span><br>{text}</li>",
                    clock(q.seconds)
                )?;
            }
            writeln!(out, "</ul>")?;
        }

        writeln!(out, "<h2>Transcript</h2>\n<section class=\"transcript\">")
    }

    fn entry(&mut self, out: &mut Vec<u8>, _index: u64, e: EntryRef<'_>) {
        out.extend_from_slice(b"<p class=\"utt\"><span class=\"time\">");
        push_clock(out, e.start);
        out.extend_from_slice(b"</span> ");
        if let Some(name) = e.speaker {
            out.extend_from_slice(b"<span class=\"who\">");
            escape_html_into(name, out);
            out.extend_from_slice(b":</span> ");
        }
        escape_html_into(e.text, out);
        out.extend_from_slice(b"</p>\n");
    }

    fn end(&mut self, out: &mut dyn Write, s: &Summary, _entries: u64) -> io::Result<()> {
        let path = self.esc(&s.source.path).to_string();
        writeln!(
            out,
            "</section>\n<footer>Generated by customer-snapshot {} from <code>{path}</code> \
             ({} style, {} cues, schema {}).</footer>\n</main>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION"),
            s.source.style.as_str(),
            s.source.cues,
            s.schema_version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::tests::{render_to_string, sample};

    #[test]
    fn html_golden() {
        let html = render_to_string(Format::Html, &sample());
        // The stylesheet is a file of its own; keep the golden about structure and escaping.
        let body = html.split("</style>").nth(1).expect("has a style element");
        insta::assert_snapshot!(body);
    }

    #[test]
    fn html_escapes_every_transcript_string() {
        let html = render_to_string(Format::Html, &sample());
        assert!(!html.contains("<script>"), "script tag must be escaped");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("Raj &lt;Patel&gt;"));
        assert!(html.contains("Who owns the &lt;b&gt;budget&lt;/b&gt;?"));
    }

    #[test]
    fn escape_html_handles_every_special_and_keeps_unicode() {
        let mut out = String::from("old");
        super::escape_html("a&b<c>d\"e'f caf\u{e9}&", &mut out);
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&#39;f caf\u{e9}&amp;");
    }

    #[test]
    fn html_is_self_contained() {
        let html = render_to_string(Format::Html, &sample());
        assert!(html.contains("Content-Security-Policy"));
        for needle in ["http://", "https://", "<link", "<script", "src="] {
            let outside_text = html.replace("(http://x)", "");
            assert!(!outside_text.contains(needle), "found {needle}");
        }
    }
}
