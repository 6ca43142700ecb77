//! Long transcripts: the text shown to the model, and its split into parts under a budget.
//!
//! A transcript that fits the context budget goes into every section prompt whole. A longer
//! one is cut into consecutive parts at line (speaker turn) boundaries, each part is summarised
//! into notes (map), and the sections are written from the notes (reduce). A single turn longer
//! than a part is cut at whitespace, so no part exceeds the budget.

use std::fmt::Write as _;

use snapshot_pipeline::snapshot::{TranscriptEntry, clock};

/// The transcript as prompt text: `[HH:MM:SS] Speaker: text`, one line per turn.
pub fn transcript_text(entries: &[TranscriptEntry]) -> String {
    let mut out = String::with_capacity(entries.iter().map(|e| e.text.len() + 24).sum());
    for e in entries {
        let _ = write!(out, "[{}] ", clock(e.start));
        if let Some(speaker) = &e.speaker {
            out.push_str(speaker);
            out.push_str(": ");
        }
        out.push_str(&e.text);
        out.push('\n');
    }
    out
}

/// Splits `text` into parts of at most `max_chars` characters, at line ends where possible,
/// else at whitespace, else anywhere on a character boundary. `max_chars` of 0 counts as 1.
pub fn split(text: &str, max_chars: usize) -> Vec<String> {
    let max = max_chars.max(1);
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_chars = 0usize;
    for line in text.split_inclusive('\n') {
        let mut line = line;
        let mut line_chars = line.chars().count();
        if current_chars + line_chars > max && current_chars > 0 {
            parts.push(std::mem::take(&mut current));
            current_chars = 0;
        }
        while line_chars > max {
            let cut = cut_point(line, max);
            // Subtract rather than recount: one merged turn can be megabytes long.
            line_chars -= line[..cut].chars().count();
            parts.push(line[..cut].to_string());
            line = &line[cut..];
        }
        current.push_str(line);
        current_chars += line_chars;
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Byte index to cut `line` so the head has at most `max` characters, preferring whitespace.
fn cut_point(line: &str, max: usize) -> usize {
    let limit = line.char_indices().nth(max).map_or(line.len(), |(i, _)| i);
    match line[..limit].rfind(char::is_whitespace) {
        // Cut after the whitespace unless that leaves a tiny head.
        Some(ws) if ws > limit / 2 => ws + line[ws..].chars().next().map_or(1, char::len_utf8),
        _ => limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(speaker: Option<&str>, start: f64, text: &str) -> TranscriptEntry {
        TranscriptEntry {
            speaker: speaker.map(str::to_string),
            start,
            end: start + 1.0,
            text: text.into(),
        }
    }

    #[test]
    fn lines_carry_time_and_speaker() {
        let text = transcript_text(&[
            entry(Some("Ana"), 61.0, "Hello."),
            entry(None, 3600.0, "Music."),
        ]);
        assert_eq!(text, "[00:01:01] Ana: Hello.\n[01:00:00] Music.\n");
    }

    #[test]
    fn parts_respect_the_limit_and_keep_every_character() {
        let text = "aaaa bbbb\ncc\ndddddddddddddddddddd eeee\nf\n";
        for max in [1, 3, 5, 10, 12, 100] {
            let parts = split(text, max);
            assert!(
                parts.iter().all(|p| p.chars().count() <= max),
                "{max}: {parts:?}"
            );
            assert_eq!(parts.concat(), text, "{max}");
        }
        assert_eq!(split(text, 100).len(), 1);
        assert_eq!(
            split(text, 13),
            vec!["aaaa bbbb\ncc\n", "ddddddddddddd", "ddddddd eeee\n", "f\n"]
        );
    }

    #[test]
    fn one_huge_turn_is_cut_into_full_parts() {
        let line = "word ".repeat(2_000_000) + "\n";
        let parts = split(&line, 40_000);
        // 10,000,001 characters: 250 full parts and the newline.
        assert_eq!(parts.len(), 251);
        assert!(parts[..250].iter().all(|p| p.chars().count() == 40_000));
        assert_eq!(parts.concat(), line);
    }

    #[test]
    fn multibyte_text_is_cut_on_char_boundaries() {
        let parts = split("ééééé ééééé", 4);
        assert_eq!(parts.concat(), "ééééé ééééé");
        assert!(parts.iter().all(|p| p.chars().count() <= 4));
    }
}
