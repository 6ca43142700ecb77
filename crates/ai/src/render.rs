//! Rendering the 11-section document: Markdown, one self-contained HTML page, and JSON.
//!
//! Every value that came from the model is escaped for its format (the model read a transcript
//! anyone could have written). The HTML has inline CSS, no external URL and a CSP that forbids
//! loads. The JSON is the [`AiSnapshot`] itself, wrapped by its `schema_version`.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use snapshot_pipeline::render::{escape_html, escape_md};
use snapshot_pipeline::snapshot::human_duration;

use crate::document::AiSnapshot;

const CSS: &str = include_str!("ai_snapshot.css");

/// Output formats of the AI snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AiFormat {
    /// Markdown (`snapshot-md`).
    Markdown,
    /// Self-contained HTML (`snapshot-html`).
    Html,
    /// JSON (`snapshot-json`).
    Json,
}

impl AiFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            AiFormat::Markdown => "md",
            AiFormat::Html => "html",
            AiFormat::Json => "json",
        }
    }
}

/// Writes `doc` in `format`.
pub fn render(doc: &AiSnapshot, format: AiFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        AiFormat::Markdown => markdown(doc, out),
        AiFormat::Html => html(doc, out),
        AiFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, doc)?;
            writeln!(out)
        }
    }
}

fn md(text: &str) -> String {
    let mut s = String::new();
    escape_md(text, &mut s);
    s
}

fn h(text: &str) -> String {
    let mut s = String::new();
    escape_html(text, &mut s);
    s
}

/// The line under the title: source, length, speakers, model.
fn meta_line(doc: &AiSnapshot) -> String {
    let g = &doc.generation;
    let mut parts = vec![
        format!("Source: {}", doc.source.path),
        format!("length {}", human_duration(doc.source.duration_seconds)),
    ];
    if !doc.source.speakers.is_empty() {
        parts.push(format!("speakers: {}", doc.source.speakers.join(", ")));
    }
    parts.push(format!(
        "written by {} (prompts {}) in {} calls, {} input / {} output tokens",
        g.model, g.prompt_version, g.calls, g.input_tokens, g.output_tokens
    ));
    if g.cache_read_tokens + g.cache_write_tokens > 0 {
        parts.push(format!(
            "prompt cache: {} tokens written, {} read",
            g.cache_write_tokens, g.cache_read_tokens
        ));
    }
    if g.map_chunks > 0 {
        parts.push(format!(
            "long transcript summarised in {} parts first",
            g.map_chunks
        ));
    }
    parts.join(" · ")
}

fn markdown(doc: &AiSnapshot, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Customer Success Snapshot: {}\n", md(&doc.title))?;
    writeln!(out, "_{}_\n", md(&meta_line(doc)))?;
    for (i, section) in doc.sections.iter().enumerate() {
        writeln!(out, "## {}. {}\n", i + 1, md(&section.title))?;
        if let [only] = section.fields.as_slice() {
            writeln!(out, "{}\n", md(&only.value))?;
            continue;
        }
        for field in &section.fields {
            writeln!(out, "- **{}:** {}", md(&field.label), md(&field.value))?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "---\n_Fields marked \"Not discussed\" are not supported by the transcript. Check every statement against the recording before publishing._"
    )
}

fn html(doc: &AiSnapshot, out: &mut dyn Write) -> io::Result<()> {
    let title = h(&doc.title);
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>Customer Success Snapshot: {title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>Customer Success Snapshot: {title}</h1>\n<p class=\"meta\">{}</p>\n",
        h(&meta_line(doc))
    )?;
    for (i, section) in doc.sections.iter().enumerate() {
        writeln!(
            out,
            "<section id=\"{}\">\n<h2>{}. {}</h2>\n<dl>",
            h(&section.key),
            i + 1,
            h(&section.title)
        )?;
        for field in &section.fields {
            let class = if field.discussed { "" } else { " class=\"nd\"" };
            writeln!(
                out,
                "<dt>{}</dt><dd{class}>{}</dd>",
                h(&field.label),
                h(&field.value)
            )?;
        }
        writeln!(out, "</dl>\n</section>")?;
    }
    writeln!(
        out,
        "<footer>Fields marked “Not discussed” are not supported by the transcript. Check every statement against the recording before publishing.</footer>\n</main>\n</body>\n</html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Generation, SECTIONS, Section, SourceRef};

    fn doc() -> AiSnapshot {
        let mut sections: Vec<Section> = SECTIONS.iter().map(Section::empty).collect();
        sections[0].fields[0].value = "Acme <script>alert(1)</script> & *Co*".into();
        sections[0].fields[0].discussed = true;
        sections[1].fields[0].value = "Manual reports took two days.".into();
        sections[1].fields[0].discussed = true;
        AiSnapshot {
            schema_version: crate::document::SCHEMA_VERSION.into(),
            title: "Acme Kickoff".into(),
            source: SourceRef {
                path: "acme.vtt".into(),
                bytes: 100,
                duration_seconds: 1800.0,
                speakers: vec!["Ana".into(), "Ben".into()],
            },
            generation: Generation {
                model: "claude-test".into(),
                prompt_version: "v1".into(),
                map_chunks: 0,
                calls: 11,
                input_tokens: 1000,
                output_tokens: 100,
                cache_write_tokens: 0,
                cache_read_tokens: 0,
            },
            sections,
        }
    }

    fn render_to_string(format: AiFormat) -> String {
        let mut out = Vec::new();
        render(&doc(), format, &mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn markdown_has_eleven_numbered_sections_and_escapes() {
        let text = render_to_string(AiFormat::Markdown);
        assert_eq!(text.matches("\n## ").count(), 11);
        assert!(text.contains("## 11. Executive Summary\n\nNot discussed\n"));
        assert!(
            text.contains("- **Company name:** Acme \\<script\\>alert(1)\\</script\\> & \\*Co\\*")
        );
        assert!(text.contains("## 2. Background\n\nManual reports took two days.\n"));
        assert!(text.contains("- **Industry:** Not discussed\n"));
    }

    #[test]
    fn html_is_escaped_and_self_contained() {
        let text = render_to_string(AiFormat::Html);
        assert!(!text.contains("<script>"));
        assert!(text.contains("Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; *Co*"));
        assert_eq!(text.matches("<section id=").count(), 11);
        assert!(!text.contains("http://") && !text.contains("https://"));
        assert!(text.contains("<dd class=\"nd\">Not discussed</dd>"));
    }

    #[test]
    fn json_round_trips_strictly() {
        let text = render_to_string(AiFormat::Json);
        let back: AiSnapshot = serde_json::from_str(&text).expect("strict parse");
        assert_eq!(back, doc());
        assert!(text.contains("\"schema_version\": \"1.0.0\""));
    }
}
