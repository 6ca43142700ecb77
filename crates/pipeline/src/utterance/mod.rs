//! STAGE 2: cues -> utterances (speaker turns).
//!
//! Finds the speaker of each cue (`<v Name>`, a leading `Name:`, `>> Name:`, `>>`, `[Name]`),
//! carries the speaker over cues without a marker, drops YouTube-style rolling caption repeats, and
//! merges consecutive cues of one speaker into one utterance. State is one utterance in progress
//! plus the previous cue's lines, so memory does not grow with the input.

mod speaker;

pub(crate) use speaker::MarkerClass;

use crate::vtt::scan::{Either, next_in_set};
pub use speaker::{Marker, MarkerKind, StyleDetector, StyleStats, parse_marker};

/// One cue as the utterance stage sees it: timing, the `<v>` voice if any, and plain text
/// (tags removed, character references decoded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CueInput<'a> {
    /// Cue start, milliseconds from the start of the media.
    pub start_ms: u64,
    /// Cue end, milliseconds.
    pub end_ms: u64,
    /// Speaker named by a `<v>` tag, if the cue had one.
    pub voice: Option<&'a str>,
    /// Cue text with tags removed and character references decoded.
    pub plain: &'a str,
}

/// One speaker turn: consecutive cues of the same speaker, merged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Utterance {
    /// Speaker name, or `None` when the transcript never named one.
    pub speaker: Option<String>,
    /// Start of the first merged cue, milliseconds.
    pub start_ms: u64,
    /// End of the last merged cue, milliseconds.
    pub end_ms: u64,
    /// Text of the merged cues, speaker markers removed, rolling repeats dropped.
    pub text: String,
}

/// Settings of the [`UtteranceBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UtteranceOptions {
    /// A silence at least this long between two cues of an *unnamed* speaker ends the utterance;
    /// without it a speaker-less caption file would become one utterance as long as the input.
    /// `None` never splits on pauses.
    pub unnamed_pause_ms: Option<u64>,
    /// Once an utterance holds this many bytes it ends at the next cue boundary, whoever speaks.
    pub max_chars: usize,
    /// Cues this short (YouTube's 10 ms "transition" cues) are only checked for rolling repeats.
    pub transition_cue_ms: u64,
}

impl Default for UtteranceOptions {
    fn default() -> Self {
        Self {
            unnamed_pause_ms: Some(2_500),
            max_chars: 2_000,
            transition_cue_ms: 50,
        }
    }
}

/// Turns a stream of cues into speaker turns; see the module docs.
///
/// ```
/// use snapshot_pipeline::utterance::{CueInput, UtteranceBuilder};
/// let mut b = UtteranceBuilder::default();
/// let cue = |s, e, t| CueInput { start_ms: s, end_ms: e, voice: None, plain: t };
/// assert!(b.push(cue(0, 1000, "Ann Lee: Hello there.")).is_none());
/// assert!(b.push(cue(1000, 2000, "How are you?")).is_none());
/// let first = b.push(cue(2000, 3000, "Bo Chen: Fine.")).expect("speaker changed");
/// assert_eq!(first.speaker.as_deref(), Some("Ann Lee"));
/// assert_eq!(first.text, "Hello there. How are you?");
/// assert_eq!(b.finish().expect("last turn").text, "Fine.");
/// ```
#[derive(Debug, Default)]
pub struct UtteranceBuilder {
    opts: UtteranceOptions,
    current: Option<Utterance>,
    /// Speaker the next unmarked cue continues.
    speaker: Option<String>,
    /// Non-empty lines of the previous cue, `\n`-joined, for the rolling-caption check.
    prev_lines: String,
    /// The previous `prev_lines` allocation, reused for the next cue.
    spare_lines: String,
    /// Text of the cue being read, reused.
    text_buf: String,
    /// Utterances handed back by [`UtteranceBuilder::recycle`], whose buffers new ones reuse.
    spare: Vec<Utterance>,
    /// Marker of the last cue's first non-empty line, when `push` parsed that line.
    first_marker: Option<MarkerClass>,
    /// Byte ranges in the last cue's plain text of its first and last non-empty trimmed
    /// lines, so the style detector need not split the cue again.
    seen_lines: Option<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    /// The verdict on the last `Name:` prefix.
    names: speaker::NameMemo,
    stats: StyleStats,
}

impl UtteranceBuilder {
    /// A builder with the given options.
    pub fn new(opts: UtteranceOptions) -> Self {
        Self {
            opts,
            ..Self::default()
        }
    }

    /// Which speaker markers were seen so far.
    pub fn stats(&self) -> &StyleStats {
        &self.stats
    }

    /// Hands back a finished utterance so that the next ones reuse its buffers instead of
    /// allocating (one turn per few cues adds up over a long meeting).
    pub fn recycle(&mut self, utterance: Utterance) {
        // A batch's worth is plenty; more would only hold memory.
        if self.spare.len() < 256 {
            self.spare.push(utterance);
        }
    }

    /// The speaker marker of the last pushed cue's first non-empty line, if `push` parsed it
    /// (it does unless that line was a rolling repeat).
    pub(crate) fn first_marker(&self) -> Option<MarkerClass> {
        self.first_marker
    }

    /// The first and last non-empty trimmed lines of the last pushed cue, whose plain text
    /// must be passed again as `plain`; `None` when it had no such line.
    pub(crate) fn seen_lines<'a>(&self, plain: &'a str) -> Option<(&'a str, &'a str)> {
        let (first, last) = self.seen_lines.clone()?;
        Some((plain.get(first)?, plain.get(last)?))
    }

    /// Feeds one cue; returns the previous utterance when this cue starts a new turn.
    pub fn push(&mut self, cue: CueInput<'_>) -> Option<Utterance> {
        self.push_knowing(cue, None)
    }

    /// [`UtteranceBuilder::push`] given where the first `\n` of `cue.plain` is (`Some(None)`:
    /// it has none) when the caller knows it already.
    pub(crate) fn push_knowing(
        &mut self,
        cue: CueInput<'_>,
        first_break: Option<Option<usize>>,
    ) -> Option<Utterance> {
        self.stats.cues += 1;
        let duration = cue.end_ms.saturating_sub(cue.start_ms);
        // A line break followed by anything but more line breaks (one short vector scan;
        // most cues have a single line and no break at all).
        let first_break =
            first_break.unwrap_or_else(|| next_in_set::<Newline>(cue.plain.as_bytes(), 0));
        let raw_multi_line = first_break.is_some_and(|i| {
            cue.plain.as_bytes()[i..]
                .iter()
                .any(|b| !matches!(b, b'\n' | b'\r'))
        });
        // Rolling captions repeat the previous cue's last line as their first line; transition
        // cues repeat it alone. Only then are repeats dropped, so a speaker who really says
        // "Yes." twice in two single-line cues keeps both.
        let rolling = raw_multi_line || duration <= self.opts.transition_cue_ms;
        let mut finished = None;

        // Buffers reused across cues: no allocation per cue once they have grown.
        let mut text = std::mem::take(&mut self.text_buf);
        text.clear();
        // The cue's text while it is a single piece, not copied yet: a cue that continues the
        // utterance is then copied once, straight into it.
        let mut only: Option<&str> = None;
        // Borrowed from the cue: the speaker is copied only when it changes.
        let mut marker_speaker: Option<Option<&str>> = None;
        if let Some(v) = cue.voice {
            self.stats.voice_tags += 1;
            let v = v.trim();
            marker_speaker = Some(if v.is_empty() { None } else { Some(v) });
        }
        let mut new_prev = std::mem::take(&mut self.spare_lines);
        new_prev.clear();
        self.first_marker = None;
        self.seen_lines = None;
        let mut first_line = true;
        for (i, line) in plain_lines(cue.plain, first_break).enumerate() {
            let mut line = trim(line);
            if line.is_empty() {
                continue;
            }
            let at = line.as_ptr() as usize - cue.plain.as_ptr() as usize;
            let span = at..at + line.len();
            match &mut self.seen_lines {
                Some((_, last)) => *last = span,
                none => *none = Some((span.clone(), span)),
            }
            let is_first = std::mem::take(&mut first_line);
            if rolling && self.prev_lines.split('\n').any(|p| p == line) {
                self.stats.rolling_repeats += 1;
                push_line(&mut new_prev, line);
                continue;
            }
            push_line(&mut new_prev, line);
            // A marker may open any line of a cue ("- Ann: Hi\n- Bo: Hello" is rare; a
            // mid-cue marker is handled by treating only the first line as a turn start).
            if i == 0 || (text.is_empty() && only.is_none()) {
                let memo = &mut self.names;
                let (marker, rest) = speaker::parse_marker_with(line, &mut |s| memo.name_part(s));
                if is_first {
                    self.first_marker = Some(marker.into());
                }
                match marker {
                    Marker::None => {}
                    Marker::Sound => {
                        self.stats.sound_tags += 1;
                        line = rest;
                    }
                    Marker::Change => {
                        self.stats.chevrons += 1;
                        if cue.voice.is_none() {
                            marker_speaker = Some(None);
                        }
                        line = rest;
                    }
                    Marker::Named { name, kind } => {
                        self.stats.count(kind);
                        if cue.voice.is_none() {
                            marker_speaker = Some(Some(name));
                        }
                        line = rest;
                    }
                }
            }
            if line.is_empty() {
                continue;
            }
            if let Some(first) = only.take() {
                text.push_str(first);
            } else if text.is_empty() {
                only = Some(line);
                continue;
            }
            text.push(' ');
            text.push_str(line);
        }
        self.spare_lines = std::mem::replace(&mut self.prev_lines, new_prev);

        if let Some(sp) = marker_speaker {
            // `>>` alone always starts a new turn even when the name stays unknown.
            let forced = sp.is_none();
            if forced || sp != self.speaker.as_deref() {
                finished = self.current.take();
            }
            match (sp, &mut self.speaker) {
                (Some(name), Some(current)) => {
                    if current != name {
                        current.clear();
                        current.push_str(name);
                    }
                }
                (sp, speaker) => *speaker = sp.map(str::to_owned),
            }
        }
        if text.is_empty() && only.is_none() {
            self.text_buf = text;
            return finished;
        }
        if let Some(cur) = &self.current {
            let pause = cue.start_ms.saturating_sub(cur.end_ms);
            let long_pause =
                cur.speaker.is_none() && self.opts.unnamed_pause_ms.is_some_and(|p| pause >= p);
            if long_pause || cur.text.len() >= self.opts.max_chars {
                finished = finished.or_else(|| self.current.take());
            }
        }
        match &mut self.current {
            Some(cur) => {
                cur.text.push(' ');
                cur.text.push_str(only.unwrap_or(&text));
                self.text_buf = text;
                cur.end_ms = cur.end_ms.max(cue.end_ms);
            }
            None => {
                let mut utterance = self.spare.pop().unwrap_or_else(|| Utterance {
                    speaker: None,
                    start_ms: 0,
                    end_ms: 0,
                    text: String::new(),
                });
                match (&self.speaker, &mut utterance.speaker) {
                    (Some(name), Some(buf)) => buf.clone_from(name),
                    (speaker, buf) => *buf = speaker.clone(),
                }
                utterance.start_ms = cue.start_ms;
                utterance.end_ms = cue.end_ms;
                if let Some(line) = only {
                    text.push_str(line);
                }
                // The cue's text becomes the utterance's; its old buffer reads the next cue.
                self.text_buf = std::mem::replace(&mut utterance.text, text);
                self.current = Some(utterance);
            }
        }
        finished
    }

    /// Ends the stream; returns the last utterance, if any.
    pub fn finish(&mut self) -> Option<Utterance> {
        self.prev_lines.clear();
        self.current.take()
    }
}

/// The lines of `text` split at `\n` (a trailing `\r` stays): after trimming and skipping
/// empty ones, the same lines at the same indices as `str::lines`, found with a vector scan.
/// `first_break` is where the first `\n` of `text` is (`None`: it has none), which the caller
/// has already searched for; the first line then needs no second scan.
fn plain_lines(text: &str, first_break: Option<usize>) -> impl Iterator<Item = &str> {
    debug_assert_eq!(first_break, next_in_set::<Newline>(text.as_bytes(), 0));
    let mut rest = Some(text);
    let mut known = Some(first_break);
    std::iter::from_fn(move || {
        let t = rest?;
        let found = match known.take() {
            Some(first) => first,
            None => next_in_set::<Newline>(t.as_bytes(), 0),
        };
        match found {
            Some(i) => {
                rest = Some(&t[i + 1..]);
                Some(&t[..i])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

/// `\n`, searched for in cue text.
type Newline = Either<b'\n', b'\n'>;

/// `str::trim`, answered from the end bytes when they are printable ASCII (no whitespace can
/// be cut then).
pub(crate) fn trim(s: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|b| (0x21..0x80).contains(b));
    if printable(s.as_bytes().first()) && printable(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// `str::trim_start`, answered from the first two bytes in the common cases (nothing to cut,
/// or one space).
pub(crate) fn trim_start(s: &str) -> &str {
    let b = s.as_bytes();
    let printable = |i: usize| b.get(i).is_some_and(|b| (0x21..0x80).contains(b));
    if printable(0) {
        s
    } else if b.first() == Some(&b' ') && printable(1) {
        &s[1..]
    } else {
        s.trim_start()
    }
}

fn push_line(buf: &mut String, line: &str) {
    if !buf.is_empty() {
        buf.push('\n');
    }
    buf.push_str(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_split_at_every_line_feed_given_the_first() {
        for text in [
            "",
            "one",
            "one\ntwo",
            "\none",
            "one\n",
            "one\r\ntwo\n\nthree",
            "a line longer than sixteen bytes\nand another one after it\nx",
        ] {
            let first = next_in_set::<Newline>(text.as_bytes(), 0);
            let got: Vec<&str> = plain_lines(text, first).collect();
            let want: Vec<&str> = text.split('\n').collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    fn cue(s: u64, e: u64, t: &str) -> CueInput<'_> {
        CueInput {
            start_ms: s,
            end_ms: e,
            voice: None,
            plain: t,
        }
    }

    #[test]
    fn fast_trims_agree_with_str_trims() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "  a b  ",
            "\u{a0}a\u{a0}",
            "\u{b}x\u{b}",
            "é",
            " é",
            "x\u{2003}",
            "\ta",
            " \u{3000}a",
            "a\u{85}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
            assert_eq!(trim_start(s), s.trim_start(), "{s:?}");
        }
    }

    fn run(b: &mut UtteranceBuilder, cues: &[CueInput<'_>]) -> Vec<Utterance> {
        let mut out: Vec<Utterance> = cues.iter().filter_map(|c| b.push(*c)).collect();
        out.extend(b.finish());
        out
    }

    #[test]
    fn voice_tag_names_the_speaker() {
        let mut b = UtteranceBuilder::default();
        let c = CueInput {
            start_ms: 0,
            end_ms: 10,
            voice: Some("Ann Lee"),
            plain: "Hi.",
        };
        let u = run(&mut b, &[c]);
        assert_eq!(u[0].speaker.as_deref(), Some("Ann Lee"));
        assert_eq!(u[0].text, "Hi.");
        assert_eq!(b.stats().style(), crate::snapshot::Style::Teams);
    }

    #[test]
    fn same_speaker_cues_merge_and_unmarked_cues_continue() {
        let mut b = UtteranceBuilder::default();
        let u = run(
            &mut b,
            &[
                cue(0, 1000, "Dana Whitfield: Okay."),
                cue(1000, 2000, "Dana Whitfield: Second."),
                cue(2000, 3000, "and third"),
                cue(3000, 4000, "Raj Mehta: Sure."),
            ],
        );
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].text, "Okay. Second. and third");
        assert_eq!((u[0].start_ms, u[0].end_ms), (0, 3000));
        assert_eq!(u[1].speaker.as_deref(), Some("Raj Mehta"));
        assert_eq!(b.stats().style(), crate::snapshot::Style::Zoom);
    }

    #[test]
    fn chevrons_change_speaker_even_without_a_name() {
        let mut b = UtteranceBuilder::default();
        let u = run(
            &mut b,
            &[
                cue(0, 1000, ">> Ann: Hi."),
                cue(1000, 2000, ">> Hello."),
                cue(2000, 3000, ">> Bye."),
            ],
        );
        assert_eq!(u.len(), 3);
        assert_eq!(u[0].speaker.as_deref(), Some("Ann"));
        assert_eq!(u[1].speaker, None);
        assert_eq!(u[1].text, "Hello.");
        assert_eq!(u[2].text, "Bye.");
    }

    #[test]
    fn bracket_names_and_sound_tags() {
        let mut b = UtteranceBuilder::default();
        let u = run(
            &mut b,
            &[
                cue(0, 1000, "[Music]"),
                cue(1000, 2000, "[Ann Lee] Welcome back."),
            ],
        );
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].speaker.as_deref(), Some("Ann Lee"));
        assert_eq!(u[0].text, "Welcome back.");
    }

    #[test]
    fn rolling_captions_keep_every_word_once() {
        let mut b = UtteranceBuilder::default();
        let u = run(
            &mut b,
            &[
                cue(400, 2650, " \nokay so i think"),
                cue(2650, 2660, "okay so i think\n "),
                cue(2660, 4912, "okay so i think\nnow um thanks"),
                cue(4912, 4922, "now um thanks\n "),
                cue(4922, 7921, "now um thanks\nis the session"),
            ],
        );
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].text, "okay so i think now um thanks is the session");
        assert_eq!((u[0].start_ms, u[0].end_ms), (400, 7921));
    }

    #[test]
    fn single_line_repeats_are_kept() {
        let mut b = UtteranceBuilder::default();
        let u = run(
            &mut b,
            &[cue(0, 1000, "Ann: Yes."), cue(1000, 2000, "Yes.")],
        );
        assert_eq!(u[0].text, "Yes. Yes.");
    }

    #[test]
    fn unnamed_speech_splits_on_long_pauses_and_length() {
        let mut b = UtteranceBuilder::default();
        let u = run(
            &mut b,
            &[
                cue(0, 1000, "one"),
                cue(1100, 2000, "two"),
                cue(9000, 9500, "three"),
            ],
        );
        assert_eq!(
            u.iter().map(|u| u.text.as_str()).collect::<Vec<_>>(),
            ["one two", "three"]
        );

        let mut b = UtteranceBuilder::new(UtteranceOptions {
            max_chars: 10,
            ..Default::default()
        });
        let cues: Vec<_> = (0..10)
            .map(|i| cue(i * 100, i * 100 + 100, "abcdef"))
            .collect();
        let u = run(&mut b, &cues);
        assert!(u.len() >= 4, "{u:?}");
        assert!(u.iter().all(|u| u.text.len() <= 13));
        let words: usize = u.iter().map(|u| u.text.split(' ').count()).sum();
        assert_eq!(words, 10);
    }

    #[test]
    fn named_speaker_is_not_split_on_pauses() {
        let mut b = UtteranceBuilder::default();
        let u = run(
            &mut b,
            &[cue(0, 1000, "Ann: one"), cue(60_000, 61_000, "two")],
        );
        assert_eq!(u.len(), 1);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn builder_takes_any_cue(texts in proptest::collection::vec("\\PC{0,60}(\n\\PC{0,30})?", 0..30)) {
            let mut b = UtteranceBuilder::default();
            let mut out = Vec::new();
            for (i, t) in texts.iter().enumerate() {
                let start = i as u64 * 700;
                out.extend(b.push(CueInput { start_ms: start, end_ms: start + 600, voice: None, plain: t }));
            }
            out.extend(b.finish());
            prop_assert!(out.iter().all(|u| !u.text.is_empty() && u.start_ms <= u.end_ms));
        }

        #[test]
        fn detector_given_the_builders_marker_counts_as_alone(
            texts in proptest::collection::vec("((Ann Lee|Note|Bob): |>> |\\[Music\\] |\\[Ann\\] |)(\\PC{0,12}|[a-z ]{0,12})(\n(Ann: )?[a-z ]{0,12}){0,2}", 0..30)
        ) {
            let mut b = UtteranceBuilder::default();
            let mut alone = StyleDetector::default();
            let mut marked = StyleDetector::default();
            let mut given_lines = StyleDetector::default();
            for (i, t) in texts.iter().enumerate() {
                let start = i as u64 * 700;
                // Every third cue is a transition cue, so rolling repeats occur.
                let end = start + if i % 3 == 0 { 10 } else { 600 };
                let cue = CueInput { start_ms: start, end_ms: end, voice: None, plain: t };
                b.push(cue);
                alone.observe_cue(&cue);
                marked.observe_lines(speaker::first_and_last_lines(t), b.first_marker());
                given_lines.observe_lines(b.seen_lines(t), b.first_marker());
            }
            prop_assert_eq!(alone.stats(), marked.stats());
            prop_assert_eq!(alone.stats(), given_lines.stats());
        }

        #[test]
        fn recycled_buffers_change_nothing(texts in proptest::collection::vec("((Ann|Bo): )?[a-z ]{0,20}", 0..30)) {
            let mut fresh = UtteranceBuilder::default();
            let mut reusing = UtteranceBuilder::default();
            for (i, t) in texts.iter().enumerate() {
                let start = i as u64 * 3000;
                let cue = CueInput { start_ms: start, end_ms: start + 600, voice: None, plain: t };
                let a = fresh.push(cue);
                let b = reusing.push(cue);
                prop_assert_eq!(&a, &b);
                if let Some(u) = b {
                    reusing.recycle(u);
                }
            }
            prop_assert_eq!(fresh.finish(), reusing.finish());
        }

        #[test]
        fn plain_single_line_cues_keep_every_word_in_order(words in proptest::collection::vec("[a-z]{1,8}", 1..60)) {
            let mut b = UtteranceBuilder::default();
            let mut out = Vec::new();
            for (i, chunk) in words.chunks(5).enumerate() {
                let text = chunk.join(" ");
                let start = i as u64 * 1000;
                out.extend(b.push(CueInput { start_ms: start, end_ms: start + 900, voice: None, plain: &text }));
            }
            out.extend(b.finish());
            let got: Vec<&str> = out.iter().flat_map(|u| u.text.split(' ')).collect();
            prop_assert_eq!(got, words.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
