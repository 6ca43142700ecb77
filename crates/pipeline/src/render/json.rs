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
        serde_json::to_writer(&mut *out, entry).map_err(io::Error::other)?;
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
