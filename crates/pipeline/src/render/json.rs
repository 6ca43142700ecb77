//! JSON rendering, following `docs/snapshot.schema.json`: the summary's fields, then
//! `"transcript"` as an array streamed one entry per line.

use std::io::{self, Write};

use super::Renderer;
use crate::snapshot::{Summary, TranscriptEntry};

/// Renders JSON.
#[derive(Debug, Default)]
pub struct JsonRenderer {
    /// Whether an entry has been written (for the separating comma).
    wrote_entry: bool,
}

impl Renderer for JsonRenderer {
    fn begin(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        let mut head = serde_json::to_vec_pretty(summary).map_err(io::Error::other)?;
        // Re-open the object so the transcript can stream into it.
        let trim = |head: &mut Vec<u8>| {
            while head.last().is_some_and(u8::is_ascii_whitespace) {
                head.pop();
            }
        };
        trim(&mut head);
        if head.pop() != Some(b'}') {
            return Err(io::Error::other(
                "summary did not serialize as a JSON object",
            ));
        }
        trim(&mut head);
        out.write_all(&head)?;
        out.write_all(b",\n  \"transcript\": [")?;
        self.wrote_entry = false;
        Ok(())
    }

    fn entry(&mut self, out: &mut dyn Write, entry: &TranscriptEntry) -> io::Result<()> {
        out.write_all(if self.wrote_entry {
            b",\n    "
        } else {
            b"\n    "
        })?;
        write_entry(out, entry)?;
        self.wrote_entry = true;
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, _summary: &Summary) -> io::Result<()> {
        out.write_all(if self.wrote_entry {
            b"\n  ]\n}\n"
        } else {
            b"]\n}\n"
        })
    }
}

/// Writes `entry` exactly as `serde_json::to_writer` would (compact, fields in declaration
/// order), without serde's per-character escaping loop for the common string that needs none.
fn write_entry(out: &mut dyn Write, entry: &TranscriptEntry) -> io::Result<()> {
    out.write_all(b"{\"speaker\":")?;
    match &entry.speaker {
        Some(name) => write_json_str(out, name)?,
        None => out.write_all(b"null")?,
    }
    out.write_all(b",\"start\":")?;
    serde_json::to_writer(&mut *out, &entry.start).map_err(io::Error::other)?;
    out.write_all(b",\"end\":")?;
    serde_json::to_writer(&mut *out, &entry.end).map_err(io::Error::other)?;
    out.write_all(b",\"text\":")?;
    write_json_str(out, &entry.text)?;
    out.write_all(b"}")
}

/// A JSON string literal: copied as is when nothing in it needs escaping (no `"`, `\\` or
/// control character; serde_json leaves everything else alone), else through serde_json.
fn write_json_str(out: &mut dyn Write, s: &str) -> io::Result<()> {
    // No early exit, so the check runs as a vector loop.
    let plain = !s.bytes().fold(false, |esc, b| {
        esc | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.write_all(b"\"")?;
        out.write_all(s.as_bytes())?;
        out.write_all(b"\"")
    } else {
        serde_json::to_writer(&mut *out, s).map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::tests::{render_to_string, sample};
    use crate::snapshot::Snapshot;

    #[test]
    fn json_round_trips_to_the_model() {
        let snap = sample();
        let json = render_to_string(Format::Json, &snap);
        let back: Snapshot = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back, snap);
    }

    #[test]
    fn entries_are_written_as_serde_json_writes_them() {
        use crate::snapshot::TranscriptEntry;
        for (speaker, text) in [
            (Some("Ann \"A\" Lee"), "plain text, caf\u{e9} \u{2014} ok"),
            (
                None,
                "quote \" back\\slash \n tab\t bell\u{7} del\u{7f} </script>",
            ),
            (Some(""), ""),
        ] {
            for (start, end) in [(0.0, 1.5), (12.345, 1e21), (f64::NAN, -0.0)] {
                let e = TranscriptEntry {
                    speaker: speaker.map(str::to_owned),
                    start,
                    end,
                    text: text.to_owned(),
                };
                let mut ours = Vec::new();
                super::write_entry(&mut ours, &e).expect("write to a Vec");
                let theirs = serde_json::to_vec(&e).expect("serialize");
                assert_eq!(
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&theirs)
                );
            }
        }
    }

    #[test]
    fn json_with_empty_transcript_is_valid() {
        let mut snap = sample();
        snap.transcript.clear();
        let json = render_to_string(Format::Json, &snap);
        let back: Snapshot = serde_json::from_str(&json).expect("valid JSON");
        assert!(back.transcript.is_empty());
    }

    #[test]
    fn json_golden() {
        insta::assert_snapshot!(render_to_string(Format::Json, &sample()));
    }
}
