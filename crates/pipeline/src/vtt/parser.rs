//! The WebVTT file parser: the spec's "WebVTT parser algorithm" and "collect a WebVTT block",
//! run line by line over a [`Source`] so memory stays flat however large the input is.
//!
//! Lines are found with `memchr` (CR, LF and CRLF all end a line). UTF-8 is validated once per
//! large region of the window rather than per line; only a region that holds invalid bytes or
//! NULs is decoded line by line, with U+FFFD replacements as the spec's decoding requires.

use std::io::{self, Read};
use std::sync::Arc;

use memchr::{memchr, memchr2, memrchr2};

use super::settings::{apply_cue_settings, is_ws, parse_region_settings};
use super::source::{ReadSource, SliceSource, Source};
use super::timestamp::{collect_timestamp, fixed_timing_at, fixed_timing_line};
use super::{Cue, CueSettings, Region, VttError, Warning, WarningKind};

/// A parser reading from any `std::io::Read`.
pub type ReaderParser<R> = Parser<ReadSource<R>>;
/// A parser reading bytes already in memory.
pub type SliceParser<'a> = Parser<SliceSource<'a>>;

/// Upper bound on a UTF-8 validation region, so one bad byte in a huge mmap'd file only sends
/// its own megabyte down the line-by-line path.
const REGION_MAX: usize = 1 << 20;
/// Warnings kept before the caller drains them; beyond this they are only counted.
const MAX_PENDING_WARNINGS: usize = 10_000;
/// How much of an offending line a warning quotes.
const QUOTE_CHARS: usize = 60;

/// A line in the window: content is `window[..end]`, the next line starts at `next`.
#[derive(Debug, Clone, Copy)]
struct Span {
    end: usize,
    next: usize,
    /// False only when the line is known to hold no `>` (so it cannot hold `-->`).
    may_have_gt: bool,
}

/// Warnings and skip counts, kept apart from the line reader so both can be borrowed at once.
#[derive(Debug, Default)]
struct Diagnostics {
    warnings: Vec<Warning>,
    dropped: u64,
    skipped_blocks: u64,
}

impl Diagnostics {
    fn warn(&mut self, line: u64, kind: WarningKind, message: String) {
        if self.warnings.len() < MAX_PENDING_WARNINGS {
            self.warnings.push(Warning {
                line,
                kind,
                message,
            });
        } else {
            self.dropped += 1;
        }
    }
}

/// Quotes the start of `s` for a warning message.
fn quote(s: &str) -> String {
    let mut q: String = s.chars().take(QUOTE_CHARS).collect();
    if q.len() < s.len() {
        q.push('…');
    }
    format!("{q:?}")
}

/// Splits the window into lines and hands them out as `&str`.
#[derive(Debug)]
struct Lines<S> {
    src: S,
    /// Lines consumed so far (the peeked line is number `consumed + 1`).
    consumed: u64,
    bytes_consumed: u64,
    peeked: Option<Span>,
    /// `window[..clean_until]` is valid UTF-8 without NUL bytes.
    clean_until: usize,
    /// `window[..checked_until]` has been region-checked (clean or not).
    checked_until: usize,
    /// `window[..lf_only_until]` holds whole lines ended by LF alone (no CR anywhere).
    lf_only_until: usize,
    /// Decoded copy of a line that needed U+FFFD replacements.
    scratch: String,
}

impl<S: Source> Lines<S> {
    fn new(src: S) -> Self {
        Lines {
            src,
            consumed: 0,
            bytes_consumed: 0,
            peeked: None,
            clean_until: 0,
            checked_until: 0,
            lf_only_until: 0,
            scratch: String::new(),
        }
    }

    /// Fills until the window holds at least `n` bytes or the input ends.
    fn ensure(&mut self, n: usize) -> io::Result<()> {
        while self.src.window().len() < n && !self.src.at_eof() {
            self.src.fill()?;
        }
        Ok(())
    }

    fn skip_bytes(&mut self, n: usize) {
        self.src.consume(n);
        self.bytes_consumed += n as u64;
        self.clean_until = self.clean_until.saturating_sub(n);
        self.checked_until = self.checked_until.saturating_sub(n);
        self.lf_only_until = self.lf_only_until.saturating_sub(n);
        self.peeked = None;
    }

    /// The next line, without consuming it; `None` at the end of input.
    fn peek(&mut self) -> io::Result<Option<Span>> {
        if self.peeked.is_some() {
            return Ok(self.peeked);
        }
        // Fast path inside a region known to use LF only: one scan finds the line end and
        // tells whether the line could contain an arrow.
        let w = &self.src.window()[..self.lf_only_until];
        if let Some(line) = scan_line(w, 0) {
            let found = Span {
                end: line.end,
                next: line.end + 1,
                may_have_gt: line.special,
            };
            self.peeked = Some(found);
            return Ok(Some(found));
        }
        let mut from = 0;
        loop {
            let w = self.src.window();
            let span = match memchr2(b'\n', b'\r', &w[from..]) {
                Some(i) => {
                    let i = from + i;
                    if w[i] == b'\n' {
                        Span {
                            end: i,
                            next: i + 1,
                            may_have_gt: true,
                        }
                    } else if i + 1 < w.len() {
                        Span {
                            end: i,
                            next: if w[i + 1] == b'\n' { i + 2 } else { i + 1 },
                            may_have_gt: true,
                        }
                    } else if self.src.at_eof() {
                        Span {
                            end: i,
                            next: i + 1,
                            may_have_gt: true,
                        }
                    } else {
                        // A CR at the window's end: the next byte decides CR vs CRLF.
                        from = i;
                        self.src.fill()?;
                        continue;
                    }
                }
                None if self.src.at_eof() => {
                    if w.is_empty() {
                        return Ok(None);
                    }
                    Span {
                        end: w.len(),
                        next: w.len(),
                        may_have_gt: true,
                    }
                }
                None => {
                    from = w.len();
                    self.src.fill()?;
                    continue;
                }
            };
            self.peeked = Some(span);
            return Ok(Some(span));
        }
    }

    /// Consumes the peeked line.
    fn consume(&mut self, span: Span) {
        self.skip_bytes(span.next);
        self.consumed += 1;
    }

    /// The peeked line's text, decoded per spec (NUL and invalid UTF-8 become U+FFFD).
    fn text(&mut self, span: Span, diag: &mut Diagnostics) -> &str {
        if span.end > self.checked_until {
            self.check_region(span);
        }
        if span.end <= self.clean_until {
            let bytes = &self.src.window()[..span.end];
            debug_assert!(std::str::from_utf8(bytes).is_ok());
            // SAFETY: `check_region` validated `window[..clean_until]` as UTF-8, and the window
            // only ever drops bytes from its front (tracked in `skip_bytes`).
            return unsafe { std::str::from_utf8_unchecked(bytes) };
        }
        let bytes = &self.src.window()[..span.end];
        let has_nul = memchr(0, bytes).is_some();
        let valid = std::str::from_utf8(bytes);
        if let (Ok(s), false) = (valid, has_nul) {
            return s;
        }
        self.scratch.clear();
        let mut bad = false;
        for chunk in bytes.utf8_chunks() {
            for (i, piece) in chunk.valid().split('\0').enumerate() {
                if i > 0 {
                    self.scratch.push('\u{FFFD}');
                }
                self.scratch.push_str(piece);
            }
            if !chunk.invalid().is_empty() {
                bad = true;
                self.scratch.push('\u{FFFD}');
            }
        }
        if bad {
            diag.warn(
                self.consumed + 1,
                WarningKind::InvalidUtf8,
                "bytes that are not UTF-8 were replaced by U+FFFD".to_owned(),
            );
        }
        &self.scratch
    }

    /// Validates a region of whole lines starting at the window's front.
    fn check_region(&mut self, span: Span) {
        let w = self.src.window();
        let limit = w.len().min(span.next.max(REGION_MAX));
        let end = if limit == w.len() && self.src.at_eof() {
            limit
        } else {
            memrchr2(b'\n', b'\r', &w[..limit])
                .map_or(span.next, |i| i + 1)
                .max(span.next)
        };
        let region = &w[..end];
        // One scan for the rare bytes; only when one shows up is it worth telling which.
        let (nul, cr) = match memchr2(0, b'\r', region) {
            None => (false, false),
            Some(_) => (memchr(0, region).is_some(), memchr(b'\r', region).is_some()),
        };
        let clean = !nul && std::str::from_utf8(region).is_ok();
        self.checked_until = end;
        self.clean_until = if clean { end } else { 0 };
        // A region ending at EOF may end without LF; the fast path only takes LF-ended lines.
        self.lf_only_until = if cr { 0 } else { end };
    }
}

/// A line of a region of LF-only lines, as [`scan_line`] finds it.
#[derive(Debug, Clone, Copy)]
struct LineScan {
    /// Index of the line's `\n`.
    end: usize,
    /// False only when the line holds none of `>`, `<` and `&`: then it holds no `-->` (the
    /// parser's concern) and no tag or character reference (the cue text's).
    special: bool,
}

/// True for the bytes [`LineScan::special`] looks for.
const SPECIAL: [bool; 256] = super::scan::table(b"<>&");

/// The line starting at `w[from..]` and ended by the first `\n` after it (`None`: no `\n`
/// follows), found 32 bytes at a time: each byte is looked at once, the last partial block by
/// loading the final 16 bytes of `w` again and skipping those already seen.
#[inline]
fn scan_line(w: &[u8], from: usize) -> Option<LineScan> {
    #[cfg(target_arch = "x86_64")]
    if w.len() >= 16 {
        use super::scan::sse;
        let load = |i: usize| {
            debug_assert!(i + 16 <= w.len());
            // SAFETY: every caller below checks that the 16 bytes at `i` lie within `w`.
            unsafe { sse::load(w.as_ptr().add(i)) }
        };
        let special = |v| {
            sse::or(
                sse::or(sse::eq(v, b'<'), sse::eq(v, b'>')),
                sse::eq(v, b'&'),
            )
        };
        // `nl` and `special` are masks of the bytes from `i`; `seen`: a special byte came before.
        let found = |i: usize, nl: u32, special: u32, seen: bool| {
            let k = nl.trailing_zeros();
            LineScan {
                end: i + k as usize,
                special: seen || special & ((1 << k) - 1) != 0,
            }
        };
        let mut at = from;
        let mut seen = 0;
        // Caption lines run to a hundred bytes and more.
        while at + 32 <= w.len() {
            let (a, b) = (load(at), load(at + 16));
            let nl = sse::bits(sse::eq(a, b'\n')) | sse::bits(sse::eq(b, b'\n')) << 16;
            let (sa, sb) = (special(a), special(b));
            if nl != 0 {
                let sp = sse::bits(sa) | sse::bits(sb) << 16;
                return Some(found(at, nl, sp, seen != 0));
            }
            seen |= sse::bits(sse::or(sa, sb));
            at += 32;
        }
        if at + 16 <= w.len() {
            let v = load(at);
            let nl = sse::bits(sse::eq(v, b'\n'));
            let sp = sse::bits(special(v));
            if nl != 0 {
                return Some(found(at, nl, sp, seen != 0));
            }
            seen |= sp;
            at += 16;
        }
        if at == w.len() {
            return None;
        }
        let start = w.len() - 16;
        let fresh = 0xFFFF_u32 << (at - start);
        let v = load(start);
        let nl = sse::bits(sse::eq(v, b'\n')) & fresh;
        let sp = sse::bits(special(v)) & fresh;
        return (nl != 0).then(|| found(start, nl, sp, seen != 0));
    }
    let rest = w.get(from..)?;
    let len = memchr(b'\n', rest)?;
    Some(LineScan {
        end: from + len,
        special: rest[..len].iter().any(|&b| SPECIAL[usize::from(b)]),
    })
}

/// Does the line contain `-->`? Searches for `>` (rare in cue text) and looks back.
fn has_arrow(line: &str) -> bool {
    has_arrow_bytes(line.as_bytes())
}

/// [`has_arrow`] on bytes.
fn has_arrow_bytes(b: &[u8]) -> bool {
    memchr::memchr_iter(b'>', b).any(|i| i >= 2 && &b[i - 2..i] == b"--")
}

/// `s` starts with `word` followed by nothing or ASCII whitespace only.
fn is_keyword_block(s: &str, word: &str) -> bool {
    s.strip_prefix(word)
        .is_some_and(|rest| rest.chars().all(is_ws))
}

/// `s` is `NOTE` alone or followed by a space, tab or line break.
fn is_note(s: &str) -> bool {
    s.strip_prefix("NOTE")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n']))
}

/// The spec's "collect WebVTT cue timings and settings" for one timing line.
fn parse_timing_line(
    line: &str,
    regions: &[Arc<Region>],
    settings: &mut CueSettings,
    mut invalid: impl FnMut(&str),
) -> Option<(u64, u64)> {
    let b = line.as_bytes();
    let mut p = 0;
    let skip_ws = |p: &mut usize| {
        while b.get(*p).is_some_and(|&c| is_ws(char::from(c))) {
            *p += 1;
        }
    };
    skip_ws(&mut p);
    let start = collect_timestamp(b, &mut p)?;
    skip_ws(&mut p);
    if b.get(p..p + 3) != Some(b"-->".as_slice()) {
        return None;
    }
    p += 3;
    skip_ws(&mut p);
    let end = collect_timestamp(b, &mut p)?;
    *settings = CueSettings::default();
    apply_cue_settings(&line[p..], regions, settings, &mut invalid);
    Some((start, end))
}

/// What the parser learned about a cue's text while finding its lines, so later stages need
/// not scan it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CueHints {
    /// False when the text holds no `<` or `&`: no tag or character reference, so its plain
    /// text is the text itself.
    pub(crate) may_have_markup: bool,
    /// Where the text's first `\n` is (`Some(None)`: it has none); `None` when not known.
    pub(crate) first_break: Option<Option<usize>>,
}

impl CueHints {
    /// Nothing known.
    const UNKNOWN: CueHints = CueHints {
        may_have_markup: true,
        first_break: None,
    };
}

/// Streaming WebVTT parser. Create it with [`Parser::new`] (any reader) or
/// [`Parser::from_slice`] (bytes in memory), then call [`Parser::next_cue`] until it returns
/// `None`, or iterate it for owned cues.
#[derive(Debug)]
pub struct Parser<S> {
    lines: Lines<S>,
    cue: Cue,
    regions: Vec<Arc<Region>>,
    diag: Diagnostics,
    seen_cue: bool,
    /// What finding the current cue's lines told about its text.
    hints: CueHints,
    done: bool,
}

impl<R: Read> Parser<ReadSource<R>> {
    /// Reads and checks the signature and header from `reader`.
    ///
    /// # Errors
    /// [`VttError::Empty`], [`VttError::Binary`] or [`VttError::MissingSignature`] when this is
    /// not a WebVTT file; [`VttError::Io`] when reading fails.
    pub fn new(reader: R) -> Result<Self, VttError> {
        Parser::with_source(ReadSource::new(reader))
    }
}

impl<'a> Parser<SliceSource<'a>> {
    /// Reads and checks the signature and header from bytes in memory (zero-copy).
    ///
    /// # Errors
    /// As [`Parser::new`].
    pub fn from_slice(bytes: &'a [u8]) -> Result<Self, VttError> {
        Parser::with_source(SliceSource::new(bytes))
    }
}

impl<S: Source> Parser<S> {
    /// Reads and checks the signature and header from any [`Source`].
    ///
    /// # Errors
    /// As [`Parser::new`].
    pub fn with_source(src: S) -> Result<Self, VttError> {
        let mut p = Parser {
            lines: Lines::new(src),
            cue: Cue::default(),
            regions: Vec::new(),
            diag: Diagnostics::default(),
            seen_cue: false,
            hints: CueHints::UNKNOWN,
            done: false,
        };
        p.signature()?;
        Ok(p)
    }

    fn io_error(&self, source: io::Error) -> VttError {
        VttError::Io {
            line: self.lines.consumed + 1,
            source,
        }
    }

    /// Signature line and header block (spec steps 1–12).
    fn signature(&mut self) -> Result<(), VttError> {
        // Look at a bounded prefix first so a huge binary file without newlines is rejected
        // without reading it all.
        self.lines.ensure(512).map_err(|e| self.io_error(e))?;
        if self.lines.src.window().starts_with(b"\xEF\xBB\xBF") {
            self.lines.skip_bytes(3);
        }
        let w = self.lines.src.window();
        if w.is_empty() {
            return Err(VttError::Empty);
        }
        let ok = w.starts_with(b"WEBVTT")
            && matches!(w.get(6), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
        if !ok {
            if w.starts_with(b"\xFF\xFE") || w.starts_with(b"\xFE\xFF") {
                return Err(VttError::Utf16);
            }
            let head = &w[..w.len().min(512)];
            if memchr(0, head).is_some() {
                return Err(VttError::Binary);
            }
            let first = &head[..memchr2(b'\n', b'\r', head).unwrap_or(head.len())];
            let found: String = String::from_utf8_lossy(first)
                .chars()
                .take(QUOTE_CHARS)
                .collect();
            return Err(VttError::MissingSignature { line: 1, found });
        }
        let span = self.peek()?.ok_or(VttError::Empty)?;
        self.lines.consume(span);
        match self.peek()? {
            None => self.done = true,
            Some(span) if span.end == 0 => self.lines.consume(span),
            Some(_) => {
                self.collect_block(true)?;
            }
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Option<Span>, VttError> {
        match self.lines.peek() {
            Ok(s) => Ok(s),
            Err(e) => {
                self.done = true;
                Err(self.io_error(e))
            }
        }
    }

    /// "Collect a WebVTT block" for the shape nearly every cue has, read straight from the
    /// window: an optional identifier line without `-->`, a timing line, caption lines without
    /// `-->`, then a blank line or the next timing line. Returns false having changed nothing
    /// for any other shape, a bad timing line, or a block reaching past the region known to be
    /// clean UTF-8 with LF line ends; [`Parser::collect_block`] then reads it line by line with
    /// the same outcome. `first` is the block's first line, already peeked.
    fn fast_block(&mut self, first: Span) -> bool {
        let lines = &mut self.lines;
        let limit = lines.lf_only_until.min(lines.clean_until);
        if first.next > limit {
            return false;
        }
        let w = &lines.src.window()[..limit];
        // The plain `hh:mm:ss.ttt --> hh:mm:ss.ttt` line is recognised whole; any other line
        // is a timing line when it holds `-->`.
        let is_timing = |line: &[u8]| match fixed_timing_line(line) {
            Some(times) => Some(Some(times)),
            None => has_arrow_bytes(line).then_some(None),
        };
        let first_timing = if first.may_have_gt {
            is_timing(&w[..first.end])
        } else {
            None
        };
        let has_id = first_timing.is_none();
        let (timing_start, timing_end, fixed) = match first_timing {
            Some(fixed) => (0, first.end, fixed),
            // After an identifier, the plain timing line is read without looking for its end.
            None => match fixed_timing_at(w, first.next) {
                Some((start, end, len)) if w.get(first.next + len) == Some(&b'\n') => {
                    (first.next, first.next + len, Some((start, end)))
                }
                _ => match scan_line(w, first.next) {
                    Some(LineScan { end, special: true }) => match is_timing(&w[first.next..end]) {
                        Some(fixed) => (first.next, end, fixed),
                        None => return false,
                    },
                    _ => return false,
                },
            },
        };
        let text_start = timing_end + 1;
        let mut text_end = text_start;
        let mut at = text_start;
        let mut line_count = 1 + u64::from(has_id);
        let mut special = false;
        let mut first_end = None;
        // Where the next block starts: after the blank line, or at the next timing line.
        let block_end = loop {
            if w.get(at) == Some(&b'\n') {
                line_count += 1;
                break at + 1;
            }
            let Some(line) = scan_line(w, at) else {
                return false;
            };
            let end = line.end;
            if line.special && has_arrow_bytes(&w[at..end]) {
                break at;
            }
            special |= line.special;
            first_end.get_or_insert(end);
            line_count += 1;
            text_end = end;
            at = end + 1;
        };
        debug_assert!(std::str::from_utf8(&w[..block_end]).is_ok());
        // SAFETY: `w` lies within `window[..clean_until]`, which `check_region` validated as
        // UTF-8, and every cut is at a `\n` byte, which is a character boundary.
        let text = |a: usize, b: usize| unsafe { std::str::from_utf8_unchecked(&w[a..b]) };
        let line_no = lines.consumed + 1 + u64::from(has_id);
        let diag = &mut self.diag;
        let cue = &mut self.cue;
        let timing = match fixed {
            Some(times) => {
                cue.settings = CueSettings::default();
                Some(times)
            }
            None => parse_timing_line(
                text(timing_start, timing_end),
                &self.regions,
                &mut cue.settings,
                |s| {
                    diag.warn(
                        line_no,
                        WarningKind::InvalidSetting,
                        format!("ignored invalid cue setting {}", quote(s)),
                    )
                },
            ),
        };
        // A bad timing line leaves the settings untouched and warns nothing: the general loop
        // reports it.
        let Some((start, end)) = timing else {
            return false;
        };
        cue.start_ms = start;
        cue.end_ms = end;
        cue.line = line_no;
        cue.id.clear();
        if has_id {
            cue.id.push_str(text(0, first.end));
        }
        cue.text.clear();
        cue.text.push_str(text(text_start, text_end));
        self.hints = CueHints {
            may_have_markup: special,
            first_break: Some(first_end.filter(|&e| e < text_end).map(|e| e - text_start)),
        };
        self.seen_cue = true;
        lines.skip_bytes(block_end);
        lines.consumed += line_count;
        true
    }

    /// The spec's "collect a WebVTT block". Returns true when the block is a cue, which is then
    /// in `self.cue`. The cue's text buffer doubles as the spec's `buffer`.
    fn collect_block(&mut self, in_header: bool) -> Result<bool, VttError> {
        #[derive(PartialEq)]
        enum Kind {
            Unknown,
            Cue,
            Style,
            Region,
            BadTiming,
        }
        let first_line = self.lines.consumed + 1;
        let mut kind = Kind::Unknown;
        let mut line_count = 0u32;
        let mut seen_arrow = false;
        self.cue.text.clear();
        while let Some(span) = self.peek()? {
            line_count += 1;
            let line_no = self.lines.consumed + 1;
            let line = self.lines.text(span, &mut self.diag);
            if span.may_have_gt && has_arrow(line) {
                if in_header || !(line_count == 1 || (line_count == 2 && !seen_arrow)) {
                    // Leave the line for the next block.
                    break;
                }
                seen_arrow = true;
                let diag = &mut self.diag;
                let timing = parse_timing_line(line, &self.regions, &mut self.cue.settings, |s| {
                    diag.warn(
                        line_no,
                        WarningKind::InvalidSetting,
                        format!("ignored invalid cue setting {}", quote(s)),
                    )
                });
                match timing {
                    Some((start, end)) => {
                        self.cue.start_ms = start;
                        self.cue.end_ms = end;
                        self.cue.line = line_no;
                        std::mem::swap(&mut self.cue.id, &mut self.cue.text);
                        self.cue.text.clear();
                        self.seen_cue = true;
                        kind = Kind::Cue;
                    }
                    None => {
                        self.diag.warn(
                            line_no,
                            WarningKind::InvalidTiming,
                            format!("cue skipped: invalid timing line {}", quote(line)),
                        );
                        self.diag.skipped_blocks += 1;
                        kind = Kind::BadTiming;
                    }
                }
                self.lines.consume(span);
                continue;
            }
            if line.is_empty() {
                self.lines.consume(span);
                break;
            }
            if !in_header && line_count == 2 && kind == Kind::Unknown && !self.seen_cue {
                if is_keyword_block(&self.cue.text, "STYLE") {
                    kind = Kind::Style;
                    self.cue.text.clear();
                } else if is_keyword_block(&self.cue.text, "REGION") {
                    kind = Kind::Region;
                    self.cue.text.clear();
                }
            }
            // Only a cue, a region, or a possible identifier needs the text kept; NOTE blocks,
            // stylesheets and junk are dropped, so a huge comment costs no memory.
            if !in_header && (kind == Kind::Cue || kind == Kind::Region || line_count == 1) {
                if !self.cue.text.is_empty() {
                    self.cue.text.push('\n');
                }
                self.cue.text.push_str(line);
            }
            self.lines.consume(span);
        }
        if in_header {
            return Ok(false);
        }
        match kind {
            Kind::Cue => return Ok(true),
            Kind::Region => {
                let diag = &mut self.diag;
                let region = parse_region_settings(&self.cue.text, |s| {
                    diag.warn(
                        first_line,
                        WarningKind::InvalidSetting,
                        format!("ignored invalid region setting {}", quote(s)),
                    )
                });
                self.regions.push(Arc::new(region));
            }
            Kind::Style | Kind::BadTiming => {}
            Kind::Unknown => {
                let first = self.cue.text.as_str();
                if is_note(first) {
                } else if is_keyword_block(first, "STYLE") || is_keyword_block(first, "REGION") {
                    if self.seen_cue {
                        self.diag.warn(
                            first_line,
                            WarningKind::LateHeaderBlock,
                            format!("{} block after the first cue ignored", quote(first.trim())),
                        );
                    }
                } else {
                    self.diag.warn(
                        first_line,
                        WarningKind::StrayBlock,
                        format!("block without a timing line skipped: {}", quote(first)),
                    );
                    self.diag.skipped_blocks += 1;
                }
            }
        }
        Ok(false)
    }

    /// The next cue, lent from a buffer the parser reuses (no allocation per cue once warm).
    /// `Ok(None)` at the end of input.
    ///
    /// # Errors
    /// [`VttError::Io`] when reading fails; the parser then stays finished.
    pub fn next_cue(&mut self) -> Result<Option<&Cue>, VttError> {
        while !self.done {
            match self.peek()? {
                None => self.done = true,
                Some(span) if span.end == 0 => self.lines.consume(span),
                Some(span) => {
                    if self.fast_block(span) {
                        return Ok(Some(&self.cue));
                    }
                    self.hints = CueHints::UNKNOWN;
                    if self.collect_block(false)? {
                        return Ok(Some(&self.cue));
                    }
                }
            }
        }
        Ok(None)
    }

    /// [`Parser::next_cue`], and what the parser learned about the cue's text on the way.
    pub(crate) fn next_cue_and_hints(&mut self) -> Result<Option<(&Cue, CueHints)>, VttError> {
        if self.next_cue()?.is_none() {
            return Ok(None);
        }
        Ok(Some((&self.cue, self.hints)))
    }

    /// Swaps the text of the cue [`Parser::next_cue`] last returned with `buf`, so a caller can
    /// keep the text without copying it; the parser clears whatever it gets back before use.
    pub fn swap_cue_text(&mut self, buf: &mut String) {
        std::mem::swap(&mut self.cue.text, buf);
    }

    /// Warnings not yet taken, oldest first.
    pub fn warnings(&self) -> &[Warning] {
        &self.diag.warnings
    }

    /// Takes the pending warnings (drain them as you go to keep memory flat on huge inputs).
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.diag.warnings)
    }

    /// Warnings not kept because more than 10 000 were pending at once (only counted).
    pub fn warnings_dropped(&self) -> u64 {
        self.diag.dropped
    }

    /// Blocks skipped so far: bad timing lines and text blocks without a timing line.
    pub fn skipped_blocks(&self) -> u64 {
        self.diag.skipped_blocks
    }

    /// REGION blocks from the header, in file order (cues point at them by `Arc`).
    pub fn regions(&self) -> &[Arc<Region>] {
        &self.regions
    }

    /// Lines consumed so far.
    pub fn lines_read(&self) -> u64 {
        self.lines.consumed
    }

    /// Bytes consumed so far (including the byte order mark).
    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_consumed
    }
}

impl<S: Source> Iterator for Parser<S> {
    type Item = Result<Cue, VttError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_cue().map(|c| c.cloned()).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues(input: &[u8]) -> Vec<Cue> {
        let slice: Vec<Cue> = Parser::from_slice(input)
            .expect("valid signature")
            .collect::<Result<_, _>>()
            .expect("no io error");
        // The reader path must agree with the slice path, also with one-byte reads into a
        // buffer that starts at one byte and has to grow for every longer line.
        let reader: Vec<Cue> = Parser::new(OneByte(input))
            .expect("valid signature")
            .collect::<Result<_, _>>()
            .expect("no io error");
        assert_eq!(slice, reader);
        let tiny: Vec<Cue> = Parser::with_source(ReadSource::with_capacity(OneByte(input), 1))
            .expect("valid signature")
            .collect::<Result<_, _>>()
            .expect("no io error");
        assert_eq!(slice, tiny);
        slice
    }

    /// A reader that returns one byte per call, to exercise every buffer boundary.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn parses_ids_times_text_and_line_numbers() {
        let c = cues(b"WEBVTT\n\n1\n00:01.000 --> 00:02.500 align:start\nHello\nworld\n\n00:03.000 --> 01:00:04.000\nBye");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].id, "1");
        assert_eq!((c[0].start_ms, c[0].end_ms), (1000, 2500));
        assert_eq!(c[0].text, "Hello\nworld");
        assert_eq!(c[0].line, 4);
        assert_eq!(c[1].id, "");
        assert_eq!(c[1].end_ms, 3_604_000);
        assert_eq!(c[1].line, 8);
    }

    #[test]
    fn crlf_cr_bom_and_nul() {
        let c = cues(b"\xEF\xBB\xBFWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\na\0b\rc\r\n\r\n");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].text, "a\u{FFFD}b\nc");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_warned() {
        let input = b"WEBVTT\n\n00:01.000 --> 00:02.000\nbad \xFF byte\n";
        let mut p = Parser::from_slice(input).expect("valid signature");
        assert_eq!(
            p.next_cue().expect("ok").map(|c| c.text.clone()).as_deref(),
            Some("bad \u{FFFD} byte")
        );
        let w = p.take_warnings();
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].line, &w[0].kind), (4, &WarningKind::InvalidUtf8));
    }

    #[test]
    fn bad_block_is_skipped_with_a_warning() {
        let input =
            b"WEBVTT\n\n00:01.000 --> 00:02\nlost\n\nstray text\n\n00:03.000 --> 00:04.000\nkept\n";
        let mut p = Parser::from_slice(input).expect("valid signature");
        let mut texts = Vec::new();
        while let Some(c) = p.next_cue().expect("ok") {
            texts.push(c.text.clone());
        }
        assert_eq!(texts, ["kept"]);
        assert_eq!(p.skipped_blocks(), 2);
        let lines: Vec<(u64, WarningKind)> =
            p.warnings().iter().map(|w| (w.line, w.kind)).collect();
        assert_eq!(
            lines,
            [
                (3, WarningKind::InvalidTiming),
                (6, WarningKind::StrayBlock)
            ]
        );
    }

    /// Cues and warnings of `input` as the parser reads it.
    fn cues_and_warnings(input: &[u8]) -> (Vec<Cue>, Vec<Warning>) {
        let mut p = Parser::from_slice(input).expect("valid signature");
        let mut out = Vec::new();
        while let Some(c) = p.next_cue().expect("ok") {
            out.push(c.clone());
        }
        (out, p.take_warnings())
    }

    #[test]
    fn whole_block_fast_path_agrees_with_the_line_by_line_rules() {
        // LF-only input takes the whole-block path where it can; the same file with CRLF line
        // ends is read line by line. Both must give the same cues, warnings and line numbers.
        let lf = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nHello > there\nsecond line\n\n\
                  00:00:03.000 --> 00:00:04.000 align:start bogus:1\nno id\n\
                  00:00:05.000 --> 00:00:06.000\nafter an arrow line\n\n\
                  NOTE a comment\n\nid only\n\n7\n00:00:07.000 --> 00:0x:08.000\nbad timing\n\n\
                  8\n100:00:08.000 --> 100:00:09.000\n\n\
                  x -> y\n00:00:09.000 --> 00:00:10.000 line:0\ncaf\u{e9}\n\n\
                  00:00:11.000 --> 00:00:12.000\nat the end";
        let crlf = lf.replace('\n', "\r\n");
        let (fast, fast_warnings) = cues_and_warnings(lf.as_bytes());
        let (slow, slow_warnings) = cues_and_warnings(crlf.as_bytes());
        assert_eq!(fast, slow);
        assert_eq!(fast_warnings, slow_warnings);
        let texts: Vec<(&str, &str)> = fast
            .iter()
            .map(|c| (c.id.as_str(), c.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                ("1", "Hello > there\nsecond line"),
                ("", "no id"),
                ("", "after an arrow line"),
                ("8", ""),
                ("x -> y", "caf\u{e9}"),
                ("", "at the end"),
            ]
        );
        assert_eq!(fast[3].start_ms, 360_008_000);
        assert_eq!((fast[3].line, fast[4].line), (22, 25));
        let kinds: Vec<(u64, WarningKind)> =
            fast_warnings.iter().map(|w| (w.line, w.kind)).collect();
        assert_eq!(
            kinds,
            [
                (8, WarningKind::InvalidSetting),
                (15, WarningKind::StrayBlock),
                (18, WarningKind::InvalidTiming),
            ]
        );
    }

    #[test]
    fn line_scan_agrees_with_a_byte_by_byte_search() {
        // Every start in windows of every length up to 80, with line feeds and special bytes
        // in and around each block of 16 and 32 and the overlapping last block.
        let pattern = b"ab\ncd<e>f&g\n\nhijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV>\nWXYZ&abcdefghijklmnop\n";
        for len in 0..=pattern.len() {
            for shift in 0..3 {
                let w: Vec<u8> = pattern
                    .iter()
                    .cycle()
                    .skip(shift * 7)
                    .take(len)
                    .copied()
                    .collect();
                for from in 0..=len {
                    let want = w[from..].iter().position(|&b| b == b'\n').map(|i| {
                        let line = &w[from..from + i];
                        (from + i, line.iter().any(|b| b"<>&".contains(b)))
                    });
                    let got = scan_line(&w, from).map(|l| (l.end, l.special));
                    assert_eq!(got, want, "len {len} shift {shift} from {from}");
                }
            }
        }
    }

    #[test]
    fn arrow_line_inside_cue_text_starts_a_new_block() {
        let c = cues(b"WEBVTT\n\n00:01.000 --> 00:02.000\none\n00:02.000 --> 00:03.000\ntwo\n");
        let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["one", "two"]);
    }

    #[test]
    fn header_timing_line_is_a_cue_and_note_is_silent() {
        let input = b"WEBVTT header\n00:01.000 --> 00:02.000\nx\n\nNOTE a\nb\n\n";
        let mut p = Parser::from_slice(input).expect("valid signature");
        assert!(p.next_cue().expect("ok").is_some());
        assert!(p.next_cue().expect("ok").is_none());
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn signature_errors() {
        assert!(matches!(Parser::from_slice(b""), Err(VttError::Empty)));
        assert!(matches!(
            Parser::from_slice(b"\xEF\xBB\xBF"),
            Err(VttError::Empty)
        ));
        assert!(matches!(
            Parser::from_slice(b"WEBVTTX\n"),
            Err(VttError::MissingSignature { line: 1, .. })
        ));
        assert!(matches!(
            Parser::from_slice(b"\xFF\xFEW\0E\0B\0"),
            Err(VttError::Utf16)
        ));
        assert!(matches!(
            Parser::from_slice(b"\0\0\x01\x02"),
            Err(VttError::Binary)
        ));
        assert!(Parser::from_slice(b"WEBVTT").is_ok());
        assert!(Parser::from_slice(b"WEBVTT\tx").is_ok());
    }

    #[test]
    fn regions_are_shared_by_cues() {
        let input =
            b"WEBVTT\n\nREGION\nid:r width:40% lines:2\n\n00:01.000 --> 00:02.000 region:r\nx\n";
        let mut p = Parser::from_slice(input).expect("valid signature");
        let region = p
            .next_cue()
            .expect("ok")
            .and_then(|c| c.settings.region.clone())
            .expect("region");
        assert_eq!((region.width, region.lines), (40.0, 2.0));
        assert!(Arc::ptr_eq(&region, &p.regions()[0]));
    }

    mod round_trip {
        use crate::vtt::{format_timestamp, parse_cue_settings};
        use proptest::prelude::*;

        fn line() -> impl Strategy<Value = String> {
            "[a-zA-Z0-9 <>&;.:/-]{1,24}".prop_filter("no arrow", |l| !l.contains("-->"))
        }

        fn cue() -> impl Strategy<Value = (String, u64, u64, String, Vec<String>)> {
            (
                prop_oneof![Just(String::new()), "[a-z0-9][a-z0-9 ]{0,8}"],
                0u64..400_000_000,
                0u64..400_000_000,
                prop_oneof![
                    Just(""),
                    Just("align:start position:0%"),
                    Just("line:-1 size:50% vertical:lr"),
                    Just("line:10%,end position:20%,line-right")
                ]
                .prop_map(str::to_owned),
                prop::collection::vec(line(), 0..4),
            )
        }

        proptest! {
            /// Writing cues out and parsing them back gives the same cues, whatever the line
            /// endings, BOM or reader chunking.
            #[test]
            fn written_cues_parse_back(
                cues in prop::collection::vec(cue(), 0..6),
                eol in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
                bom in any::<bool>(),
            ) {
                let mut file = String::new();
                if bom {
                    file.push('\u{FEFF}');
                }
                file.push_str("WEBVTT");
                file.push_str(eol);
                for (id, start, end, settings, lines) in &cues {
                    file.push_str(eol);
                    if !id.is_empty() {
                        file.push_str(id);
                        file.push_str(eol);
                    }
                    file.push_str(&format!("{} --> {} {settings}", format_timestamp(*start), format_timestamp(*end)));
                    for l in lines {
                        file.push_str(eol);
                        file.push_str(l);
                    }
                    file.push_str(eol);
                }
                let parsed = super::cues(file.as_bytes());
                prop_assert_eq!(parsed.len(), cues.len());
                for (got, (id, start, end, settings, lines)) in parsed.iter().zip(&cues) {
                    prop_assert_eq!(&got.id, id);
                    prop_assert_eq!((got.start_ms, got.end_ms), (*start, *end));
                    prop_assert_eq!(&got.text, &lines.join("\n"));
                    prop_assert_eq!(&got.settings, &parse_cue_settings(settings, &[]));
                }
            }
        }
    }
}
