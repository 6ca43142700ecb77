//! Speaker markers at the start of a cue line, and the transcript style they reveal.
//!
//! A leading `Name:` is a speaker only when `Name` is one to four capitalised words (lower-case
//! particles such as "van" or "de" allowed inside), optionally followed by a role in
//! parentheses: in "John Smith (Customer): Hi" the speaker is "John Smith" and the role is
//! dropped, because the same person is often labelled with and without the role. Labels such as
//! "Note:", "Q:" or "Action Items:" are not people; neither is anything with digits except the
//! "Speaker 2" labels of some recorders.

use serde::{Deserialize, Serialize};

use crate::snapshot::Style;
use crate::vtt::scan::{Either, next_in_set_near};

/// Which kind of named marker opened a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    /// `Name: text`.
    Colon,
    /// `>> Name: text`.
    Chevron,
    /// `[Name] text`.
    Bracket,
}

/// A speaker marker found at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker<'a> {
    /// No marker: the line continues the current speaker.
    None,
    /// `>>` alone: a new speaker whose name is not given.
    Change,
    /// A named speaker.
    Named {
        /// The speaker's name (a role in parentheses removed).
        name: &'a str,
        /// How the name was written.
        kind: MarkerKind,
    },
    /// A sound description such as `[Music]` or `(laughs)`: not speech, not a speaker.
    Sound,
}

/// A [`Marker`] without the name it borrows, to hand a parse result on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkerClass {
    None,
    Change,
    Named(MarkerKind),
    Sound,
}

impl From<Marker<'_>> for MarkerClass {
    fn from(marker: Marker<'_>) -> Self {
        match marker {
            Marker::None => MarkerClass::None,
            Marker::Change => MarkerClass::Change,
            Marker::Named { kind, .. } => MarkerClass::Named(kind),
            Marker::Sound => MarkerClass::Sound,
        }
    }
}

/// Counts of the marker kinds seen, from which [`StyleStats::style`] guesses the source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleStats {
    /// Cues seen.
    pub cues: u64,
    /// Cues with a `<v>` voice.
    pub voice_tags: u64,
    /// `Name:` markers.
    pub colon_names: u64,
    /// `>> Name:` markers.
    pub chevron_names: u64,
    /// `>>` markers without a name.
    pub chevrons: u64,
    /// `[Name]` markers.
    pub bracket_names: u64,
    /// `[Music]`-like sound descriptions.
    pub sound_tags: u64,
    /// Caption lines dropped as rolling repeats.
    pub rolling_repeats: u64,
    /// Cues with inline word timestamps (`<00:00:01.000>`), as YouTube auto-captions have.
    pub timed_cues: u64,
}

/// Guesses the transcript style from the cues alone, for callers that do not run an
/// [`super::UtteranceBuilder`] (or run it in another pass).
#[derive(Debug, Default, Clone)]
pub struct StyleDetector {
    stats: StyleStats,
    prev_last_line: String,
}

impl StyleDetector {
    /// Looks at a cue's raw text (tags included): voice tags and inline word timestamps.
    pub fn observe_raw(&mut self, raw: &str) {
        // Both are tags: one pass over the '<'s (most caption cues have none).
        let bytes = raw.as_bytes();
        let (mut voice, mut timed) = (false, false);
        for at in memchr::memchr_iter(b'<', bytes) {
            match bytes.get(at + 1) {
                Some(b'v') => voice |= matches!(bytes.get(at + 2), Some(b' ' | b'.')),
                Some(d) => timed |= d.is_ascii_digit(),
                None => {}
            }
        }
        self.stats.voice_tags += u64::from(voice);
        self.stats.timed_cues += u64::from(timed);
    }

    /// Looks at a cue as the utterance stage sees it: speaker markers and rolling repeats.
    pub fn observe_cue(&mut self, cue: &super::CueInput<'_>) {
        self.observe_lines(first_and_last_lines(cue.plain), None);
    }

    /// [`StyleDetector::observe_cue`] given the cue's first and last non-empty trimmed lines
    /// (`None` when it has none) and, when the utterance builder already parsed it, the first
    /// line's marker, so neither is found twice.
    pub(crate) fn observe_lines(
        &mut self,
        lines: Option<(&str, &str)>,
        first_marker: Option<MarkerClass>,
    ) {
        self.observe_lines_after(lines, first_marker, None);
        if let Some((_, last)) = lines {
            self.remember_last_line(last);
        }
    }

    /// [`StyleDetector::observe_lines`] with the last line of the latest cue that had one given
    /// by the caller (which still holds that cue; `None`: the copy kept here); nothing is
    /// remembered. Hand over the last such line with [`StyleDetector::remember_last_line`]
    /// before the caller drops it.
    pub(crate) fn observe_lines_after(
        &mut self,
        lines: Option<(&str, &str)>,
        first_marker: Option<MarkerClass>,
        prev_last_line: Option<&str>,
    ) {
        self.stats.cues += 1;
        let Some((first, _)) = lines else { return };
        let prev_last_line = prev_last_line.unwrap_or(&self.prev_last_line);
        if !prev_last_line.is_empty() && first == prev_last_line {
            self.stats.rolling_repeats += 1;
        }
        match first_marker.unwrap_or_else(|| parse_marker(first).0.into()) {
            MarkerClass::Named(kind) => self.stats.count(kind),
            MarkerClass::Change => self.stats.chevrons += 1,
            MarkerClass::Sound => self.stats.sound_tags += 1,
            MarkerClass::None => {}
        }
    }

    /// Keeps `line` as the last line of the latest cue that had one.
    pub(crate) fn remember_last_line(&mut self, line: &str) {
        self.prev_last_line.clear();
        self.prev_last_line.push_str(line);
    }

    /// Counts so far.
    pub fn stats(&self) -> &StyleStats {
        &self.stats
    }

    /// The most likely style.
    pub fn style(&self) -> Style {
        self.stats.style()
    }
}

/// The first and last non-empty lines of a cue's plain text, trimmed (`None` when it has none).
pub(crate) fn first_and_last_lines(plain: &str) -> Option<(&str, &str)> {
    let mut lines = plain.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next()?;
    Some((first, lines.next_back().unwrap_or(first)))
}

impl StyleStats {
    pub(crate) fn count(&mut self, kind: MarkerKind) {
        match kind {
            MarkerKind::Colon => self.colon_names += 1,
            MarkerKind::Chevron => self.chevron_names += 1,
            MarkerKind::Bracket => self.bracket_names += 1,
        }
    }

    /// The most likely source given the markers seen.
    pub fn style(&self) -> Style {
        let named = self.colon_names + self.bracket_names;
        if self.voice_tags > 0 && self.voice_tags >= named {
            Style::Teams
        } else if self.rolling_repeats * 4 >= self.cues.max(1) || self.timed_cues * 2 > self.cues {
            Style::Youtube
        } else if named > 0 && named >= self.chevrons + self.chevron_names {
            Style::Zoom
        } else if self.chevrons + self.chevron_names > 0 {
            Style::Youtube
        } else {
            Style::Generic
        }
    }
}

/// Label words that end in a colon without naming a person ("Note:", "Action Items:"); sorted,
/// for a binary search.
const NOT_SPEAKERS: &[&str] = &[
    "a",
    "action",
    "actions",
    "agenda",
    "also",
    "and",
    "answer",
    "but",
    "caption",
    "captions",
    "chapter",
    "date",
    "decision",
    "decisions",
    "edit",
    "example",
    "fyi",
    "goal",
    "goals",
    "hello",
    "hi",
    "http",
    "https",
    "important",
    "issue",
    "item",
    "items",
    "kind",
    "language",
    "location",
    "next",
    "no",
    "note",
    "notes",
    "objective",
    "ok",
    "okay",
    "option",
    "outcome",
    "part",
    "phase",
    "problem",
    "ps",
    "q",
    "question",
    "questions",
    "re",
    "reminder",
    "response",
    "result",
    "results",
    "section",
    "so",
    "solution",
    "source",
    "status",
    "step",
    "steps",
    "subject",
    "summary",
    "sure",
    "thanks",
    "then",
    "time",
    "tip",
    "title",
    "todo",
    "topic",
    "total",
    "translation",
    "update",
    "warning",
    "well",
    "www",
    "yes",
];

/// Bit `len` of entry `c - 'a'`: some label starts with `c` and has `len` bytes.
static LABEL_SHAPES: [u16; 26] = {
    let mut t = [0u16; 26];
    let mut i = 0;
    while i < NOT_SPEAKERS.len() {
        let w = NOT_SPEAKERS[i].as_bytes();
        t[(w[0] - b'a') as usize] |= 1 << w.len();
        i += 1;
    }
    t
};

/// Lower-case contents of `[...]` or `(...)` that describe sounds, not speakers.
const SOUNDS: &[&str] = &[
    "music",
    "applause",
    "laughter",
    "laughs",
    "laughing",
    "inaudible",
    "crosstalk",
    "silence",
    "noise",
    "foreign",
    "cheering",
    "cheers",
    "coughs",
    "coughing",
    "sighs",
    "background noise",
    "no audio",
    "blank_audio",
    "indistinct",
    "unintelligible",
    "static",
    "beep",
    "pause",
];

/// Finds a speaker marker at the start of `line`; returns it and the rest of the line.
pub fn parse_marker(line: &str) -> (Marker<'_>, &str) {
    parse_marker_with(line, &mut name_part)
}

/// [`parse_marker`] with the test for a `Name:` prefix given, so that a caller can remember
/// its verdict on the last name ([`NameMemo`]).
pub(crate) fn parse_marker_with<'a>(
    line: &'a str,
    colon_name_part: &mut dyn FnMut(&'a str) -> Option<&'a str>,
) -> (Marker<'a>, &'a str) {
    let line = super::trim_start(line);
    if let Some(rest) = line.strip_prefix(">>") {
        let rest = rest.trim_start_matches('>').trim_start();
        if let Some((name, after)) = colon_name(rest, colon_name_part) {
            return (
                Marker::Named {
                    name,
                    kind: MarkerKind::Chevron,
                },
                after,
            );
        }
        return (Marker::Change, rest);
    }
    if let Some(inner_start) = line.strip_prefix(['[', '(']) {
        let close = if line.starts_with('[') { ']' } else { ')' };
        if let Some(end) = inner_start.find(close) {
            let inner = inner_start[..end].trim();
            let after = inner_start[end + 1..].trim_start();
            let lower_is_sound = SOUNDS.iter().any(|s| inner.eq_ignore_ascii_case(s))
                || inner.chars().all(|c| c == '♪' || c.is_whitespace());
            if lower_is_sound {
                return (Marker::Sound, after);
            }
            if close == ']' {
                let inner = inner.strip_suffix(':').unwrap_or(inner);
                if let Some(name) = name_part(inner) {
                    return (
                        Marker::Named {
                            name,
                            kind: MarkerKind::Bracket,
                        },
                        after,
                    );
                }
            }
        }
        return (Marker::None, line);
    }
    if let Some((name, after)) = colon_name(line, colon_name_part) {
        return (
            Marker::Named {
                name,
                kind: MarkerKind::Colon,
            },
            after,
        );
    }
    (Marker::None, line)
}

/// `Name: rest` -> (`Name`, `rest`) when the part before the colon is a speaker name.
fn colon_name<'a>(
    line: &'a str,
    name_part: &mut dyn FnMut(&'a str) -> Option<&'a str>,
) -> Option<(&'a str, &'a str)> {
    // Names are short; looking further than 60 characters would only find colons inside
    // sentences. 60 characters take at most 240 bytes.
    let bytes = line.as_bytes();
    let colon = next_in_set_near::<Colon>(&bytes[..bytes.len().min(240)], 0)?;
    if colon >= 60 && line[..colon].chars().count() >= 60 {
        return None;
    }
    let after = &line[colon + 1..];
    // "10:30" and "https://" are not markers.
    if after.starts_with(|c: char| c.is_ascii_digit() || c == '/') {
        return None;
    }
    let name = name_part(&line[..colon])?;
    Some((name, super::trim_start(after)))
}

/// `:`, which ends a `Name:` marker (usually within the first 16 bytes of a line).
type Colon = Either<b':', b':'>;

/// [`name_part`] remembering its verdicts on the last few texts it saw: cues mostly open with
/// the `Name:` of one of a meeting's few speakers, so each name is judged about once.
#[derive(Debug, Default, Clone)]
pub(crate) struct NameMemo {
    /// (text, byte range of the name in it when it is one), replaced in turn.
    seen: [(String, Option<(usize, usize)>); 4],
    next: usize,
    /// The entry that answered last: consecutive cues mostly share a speaker, so it is
    /// compared first.
    last: usize,
}

impl NameMemo {
    /// [`name_part`] of `s`.
    pub(crate) fn name_part<'a>(&mut self, s: &'a str) -> Option<&'a str> {
        let hit = if self.seen[self.last].0 == s {
            Some(self.last)
        } else {
            self.seen.iter().position(|(text, _)| text == s)
        };
        let name = match hit {
            Some(i) => {
                self.last = i;
                self.seen[i].1
            }
            None => {
                let name = name_part(s).map(|n| {
                    let at = n.as_ptr() as usize - s.as_ptr() as usize;
                    (at, at + n.len())
                });
                let slot = &mut self.seen[self.next];
                slot.0.clear();
                slot.0.push_str(s);
                slot.1 = name;
                self.last = self.next;
                self.next = (self.next + 1) % self.seen.len();
                name
            }
        };
        name.map(|(a, b)| &s[a..b])
    }
}

/// The name in `John Smith (Customer)`, if the text is a plausible speaker name.
fn name_part<'a>(s: &'a str) -> Option<&'a str> {
    let s = s.trim();
    let name = match s.find('(') {
        Some(open) if s.ends_with(')') => s[..open].trim_end(),
        Some(_) => return None,
        None => s,
    };
    if name.is_empty() || name.len() > 50 {
        return None;
    }
    // At most four words, kept on the stack.
    let mut words = [""; 4];
    let mut n = 0;
    let mut add = |w: &'a str| {
        if n == 4 {
            return false;
        }
        words[n] = w;
        n += 1;
        true
    };
    let fits = if name.is_ascii() {
        // `char::is_whitespace` over ASCII, without decoding.
        name.as_bytes()
            .split(|&c| matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r'))
            .filter(|w| !w.is_empty())
            .all(|w| {
                let at = w.as_ptr() as usize - name.as_ptr() as usize;
                add(&name[at..at + w.len()])
            })
    } else {
        name.split_whitespace().all(&mut add)
    };
    if !fits {
        return None;
    }
    let words = &words[..n];
    if words.len() == 2
        && words[0] == "Speaker"
        && words[1].chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Some(name);
    }
    if is_label(words[0]) {
        return None;
    }
    let last = words.len() - 1;
    for (i, w) in words.iter().enumerate() {
        let particle = i > 0 && i < last && PARTICLES.contains(w);
        if particle {
            continue;
        }
        let ok = if w.is_ascii() {
            let b = w.as_bytes();
            b[0].is_ascii_uppercase()
                && b.iter()
                    .all(|c| c.is_ascii_alphabetic() || matches!(c, b'\'' | b'-' | b'.'))
        } else {
            w.starts_with(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
        };
        if !ok {
            return None;
        }
    }
    Some(name)
}

/// Whether `word`, lower-cased and without trailing dots, is one of [`NOT_SPEAKERS`].
fn is_label(word: &str) -> bool {
    if !word.is_ascii() {
        let lower = word.to_lowercase();
        return NOT_SPEAKERS
            .binary_search(&lower.trim_end_matches('.'))
            .is_ok();
    }
    let word = word.trim_end_matches('.');
    // Most names fail here: no label has their first letter and length.
    let shape = |first: u8, len: usize| {
        usize::from(first.to_ascii_lowercase().wrapping_sub(b'a')) < 26
            && len < 16
            && LABEL_SHAPES[usize::from(first.to_ascii_lowercase() - b'a')] & (1 << len) != 0
    };
    if !word
        .as_bytes()
        .first()
        .is_some_and(|&f| shape(f, word.len()))
    {
        return false;
    }
    // The longest label has 11 letters.
    let mut buf = [0u8; 11];
    let Some(lower) = buf.get_mut(..word.len()) else {
        return false;
    };
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    NOT_SPEAKERS
        .binary_search_by(|probe| probe.as_bytes().cmp(lower))
        .is_ok()
}

const PARTICLES: &[&str] = &[
    "van", "von", "de", "da", "del", "der", "di", "la", "le", "bin", "al",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_memo_agrees_with_name_part() {
        let mut memo = NameMemo::default();
        let texts = [
            "Bob Jones",
            "Ann Lee",
            "Bob Jones",
            "",
            "Note",
            "Ann Lee",
            "John Smith (Customer)",
            "Speaker 1",
            "we said",
            "Bob Jones",
            "Q",
            "Bob Jones",
            "John Smith (Customer)",
        ];
        for _ in 0..2 {
            for t in texts {
                assert_eq!(memo.name_part(t), name_part(t), "{t:?}");
            }
        }
    }

    fn named(line: &str) -> Option<&str> {
        match parse_marker(line).0 {
            Marker::Named { name, .. } => Some(name),
            _ => None,
        }
    }

    #[test]
    fn colon_names() {
        assert_eq!(named("Dana Whitfield: Okay"), Some("Dana Whitfield"));
        assert_eq!(named("Tomás Reyes: Hey"), Some("Tomás Reyes"));
        assert_eq!(named("John Smith (Customer): Hi"), Some("John Smith"));
        assert_eq!(
            named("Charles Michaels (Solutions Architect): x"),
            Some("Charles Michaels")
        );
        assert_eq!(
            named("Ludwig van Beethoven: hi"),
            Some("Ludwig van Beethoven")
        );
        assert_eq!(named("Speaker 2: hi"), Some("Speaker 2"));
        assert_eq!(parse_marker("Ann: Hello").1, "Hello");
    }

    #[test]
    fn colon_negatives() {
        for line in [
            "Note: this is not a person",
            "Action Items: send the deck",
            "Q: what is it",
            "10:30 works for me",
            "At 10:30: we meet",
            "So the answer is: yes",
            "Visit https://example.com",
            "One Two Three Four Five: too many",
            "the agenda: first",
            "Summary: fine",
        ] {
            assert_eq!(named(line), None, "{line}");
        }
    }

    #[test]
    fn chevrons_brackets_and_sounds() {
        assert_eq!(parse_marker(">> Hello").0, Marker::Change);
        assert_eq!(parse_marker(">> Hello").1, "Hello");
        assert_eq!(named(">> Ann Lee: Hi"), Some("Ann Lee"));
        assert_eq!(named("[Ann Lee] Hi"), Some("Ann Lee"));
        assert_eq!(parse_marker("[Music]").0, Marker::Sound);
        assert_eq!(parse_marker("(laughs) okay").1, "okay");
        assert_eq!(parse_marker("[inaudible] so").0, Marker::Sound);
        assert_eq!(parse_marker("(in parentheses) text").0, Marker::None);
    }

    #[test]
    fn raw_cues_show_voices_and_word_times() {
        let mut d = StyleDetector::default();
        for raw in [
            "<v Ann>Hi",
            "<v.loud Bo>Hi",
            "a <vx> b",
            "x<",
            "<c>t</c>",
            "<00:01.000>w",
        ] {
            d.observe_raw(raw);
        }
        assert_eq!((d.stats().voice_tags, d.stats().timed_cues), (2, 1));
        let mut d = StyleDetector::default();
        d.observe_raw("<v Ann><00:00:01.000>both");
        assert_eq!((d.stats().voice_tags, d.stats().timed_cues), (1, 1));
    }

    #[test]
    fn labels_are_found_in_any_case() {
        assert!(NOT_SPEAKERS.windows(2).all(|w| w[0] < w[1]), "sorted");
        for w in ["Note", "NOTES", "note.", "Translation", "q", "Q.", "www"] {
            assert!(is_label(w), "{w}");
        }
        for w in ["Ann", "Notes2", "translations", "", "Ünote", "nöte"] {
            assert!(!is_label(w), "{w}");
        }
        // Lower-casing is Unicode-aware: the Kelvin sign lower-cases to 'k'.
        assert!(is_label("\u{212A}ind"));
    }

    #[test]
    fn style_from_counts() {
        let s = StyleStats {
            cues: 10,
            colon_names: 10,
            ..Default::default()
        };
        assert_eq!(s.style(), Style::Zoom);
        let s = StyleStats {
            cues: 10,
            rolling_repeats: 8,
            ..Default::default()
        };
        assert_eq!(s.style(), Style::Youtube);
        let s = StyleStats {
            cues: 10,
            voice_tags: 10,
            ..Default::default()
        };
        assert_eq!(s.style(), Style::Teams);
        assert_eq!(
            StyleStats {
                cues: 3,
                ..Default::default()
            }
            .style(),
            Style::Generic
        );
    }

    #[test]
    fn detector_sees_youtube_and_teams() {
        let mut d = StyleDetector::default();
        let cue = |plain| super::super::CueInput {
            start_ms: 0,
            end_ms: 1,
            voice: None,
            plain,
        };
        for (raw, plain) in [
            ("okay<00:00:00.818><c> so</c>", "okay so"),
            ("okay so\n ", "okay so"),
            ("okay so\nnow<00:00:02.964><c> um</c>", "okay so\nnow um"),
        ] {
            d.observe_raw(raw);
            d.observe_cue(&cue(plain));
        }
        assert_eq!(d.style(), Style::Youtube);
        let mut d = StyleDetector::default();
        d.observe_raw("<v Ann>Hi</v>");
        d.observe_cue(&cue("Hi"));
        assert_eq!(d.style(), Style::Teams);
    }
}
