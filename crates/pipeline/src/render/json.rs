//! JSON rendering, following `docs/snapshot.schema.json`: the summary's fields, then
//! `"transcript"` as an array streamed one entry per line.

use std::io::{self, Write};

use super::escape::{push_json_seconds, push_json_str};
use super::{EntryRef, Renderer};
use crate::snapshot::Summary;

/// Renders JSON.
#[derive(Debug, Default)]
pub struct JsonRenderer {
    /// Speaker names with their JSON string literals, in the order first seen (the oldest goes
    /// when the list is full): a meeting has a few speakers, each written once per turn.
    speakers: Vec<(String, Vec<u8>)>,
}

/// Speakers whose literals [`JsonRenderer`] keeps.
const SPEAKERS_KEPT: usize = 8;

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
        out.write_all(b",\n  \"transcript\": [")
    }

    fn entry(&mut self, out: &mut Vec<u8>, index: u64, entry: EntryRef<'_>) {
        out.extend_from_slice(if index > 0 { b",\n    " } else { b"\n    " });
        let speaker = entry.speaker.map(|name| self.speaker_literal(name));
        write_entry_with(out, entry, speaker);
    }

    fn end(&mut self, out: &mut dyn Write, _summary: &Summary, entries: u64) -> io::Result<()> {
        out.write_all(if entries > 0 {
            b"\n  ]\n}\n"
        } else {
            b"]\n}\n"
        })
    }
}

impl JsonRenderer {
    /// The JSON string literal of speaker `name`, escaped once per speaker.
    fn speaker_literal(&mut self, name: &str) -> &[u8] {
        let i = match self.speakers.iter().rposition(|(known, _)| known == name) {
            Some(i) => i,
            None => {
                if self.speakers.len() == SPEAKERS_KEPT {
                    self.speakers.remove(0);
                }
                let mut literal = Vec::new();
                push_json_str(&mut literal, name);
                self.speakers.push((name.to_owned(), literal));
                self.speakers.len() - 1
            }
        };
        &self.speakers[i].1
    }
}

/// Writes `entry` exactly as `serde_json::to_writer` writes a [`crate::snapshot::TranscriptEntry`]
/// (compact, fields in declaration order), without serde's per-character escaping loop.
#[cfg(test)]
fn write_entry(out: &mut Vec<u8>, entry: EntryRef<'_>) {
    let mut literal = Vec::new();
    let speaker = entry.speaker.map(|name| {
        push_json_str(&mut literal, name);
        literal.as_slice()
    });
    write_entry_with(out, entry, speaker);
}

/// [`write_entry`] given the speaker's JSON string literal.
fn write_entry_with(out: &mut Vec<u8>, entry: EntryRef<'_>, speaker: Option<&[u8]>) {
    out.extend_from_slice(b"{\"speaker\":");
    out.extend_from_slice(speaker.unwrap_or(b"null"));
    out.extend_from_slice(b",\"start\":");
    push_json_seconds(out, entry.start);
    out.extend_from_slice(b",\"end\":");
    push_json_seconds(out, entry.end);
    out.extend_from_slice(b",\"text\":");
    push_json_str(out, entry.text);
    out.push(b'}');
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
                super::write_entry(&mut ours, (&e).into());
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
