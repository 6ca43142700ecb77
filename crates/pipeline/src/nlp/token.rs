//! A small tokenizer for one sentence: words (with inner apostrophes, hyphens and dotted
//! abbreviations such as "U.S."), numbers (with thousands separators, decimals and clock
//! colons), currency/percent symbols and other punctuation. Tokens are byte ranges into the
//! sentence, written into a reused vector, so tokenizing does not allocate.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Starts with a letter.
    Word,
    /// Starts with a digit.
    Num,
    /// `$ € £ % & + #`.
    Sym,
    /// Any other non-space character.
    Punct,
}

use std::mem::MaybeUninit;

#[cfg(test)]
use super::hash::head_of;

/// One token: a byte range of the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// Whitespace precedes the token (false for "2pm"'s "pm" or "20%"'s "%").
    pub spaced: bool,
}

/// Byte classes of the tokenizer's ASCII fast path.
const WS: u8 = 1;
const ALPHA: u8 = 2;
const DIGIT: u8 = 3;
const OTHER: u8 = 4;
/// A byte of a multi-byte character: the general path.
const HIGH: u8 = 5;

static CLASS: [u8; 256] = {
    let mut t = [HIGH; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            // What `char::is_whitespace` says of ASCII (it includes the vertical tab).
            WS
        } else if c.is_ascii_alphabetic() {
            ALPHA
        } else if c.is_ascii_digit() {
            DIGIT
        } else {
            OTHER
        };
        b += 1;
    }
    t
};

/// ASCII letters.
static ASCII_ALPHA: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 128 {
        t[c] = (c as u8).is_ascii_alphabetic();
        c += 1;
    }
    t
};

/// Appends the tokens of `s` to `out` (cleared first).
#[cfg(test)]
pub(crate) fn tokenize(s: &str, out: &mut Vec<Tok>) {
    /// Gives every token the same (empty) info.
    struct NoInfo;
    impl Sink for NoInfo {
        type Info = ();
        unsafe fn word(&mut self, _: usize, _: usize, _: u64, _: *mut ()) {}
        fn other(&mut self, _: usize, _: usize) {}
    }
    let mut pad = Padded::default();
    pad.fill(s, &mut String::new());
    pad.tokenize(s, out, &mut Vec::new(), &mut NoInfo);
}

/// Bytes of zeros after a [`Padded`] sentence: the eight-byte loads of the tokenizer and the
/// probes (from at most eight bytes past the end) stay inside, and [`Padded::fill`] writes
/// them in whole 16-byte stores.
const PAD: usize = 64;

/// A sentence as the tokenizer reads it: its bytes then [`PAD`] zero bytes, so that the
/// scanner's 8-byte loads need no length checks and a zero (which no token holds) ends a word
/// at the end; and which of its bytes are ASCII letters or digits, as bits, so that a word's
/// end is found with a shift and a bit scan.
#[derive(Debug, Default)]
pub(crate) struct Padded {
    bytes: Vec<u8>,
    /// Bit `k % 64` of word `k / 64` is set when byte `k` is an ASCII letter or digit; then
    /// zeros, at least one word past the text's end.
    alnum: Vec<u64>,
}

impl Padded {
    /// Copies `text`, and writes it ASCII-lower-cased into `lower` (cleared first) in the same
    /// pass.
    #[cfg(target_arch = "x86_64")]
    pub fn fill(&mut self, text: &str, lower: &mut String) {
        use std::arch::x86_64::{
            __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmplt_epi8, _mm_loadu_si128,
            _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128, _mm_storeu_si128,
        };
        // Signed compares: bytes `lo..lo + count` move to the `count` smallest signed bytes,
        // and nothing else lands there.
        // SAFETY (of each use): SSE2 is part of the x86_64 baseline.
        let within = |x: __m128i, lo: u8, count: i8| unsafe {
            _mm_cmplt_epi8(
                _mm_add_epi8(x, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8)),
                _mm_set1_epi8(i8::MIN + count),
            )
        };
        let src = text.as_bytes();
        let n = src.len();
        self.bytes.clear();
        self.bytes.reserve(n + PAD);
        lower.clear();
        lower.reserve(n + 16);
        let alnum = &mut self.alnum;
        alnum.clear();
        alnum.reserve(n / 64 + 2);
        // SAFETY: SSE2 is part of the x86_64 baseline. Every load reads 16 bytes of `src` (or
        // of `short`), every store writes inside the reserved capacity (`n + PAD` and `n + 16`
        // bytes: the stores of text end by `max(n, 16)`, the zeros by `n + 64`), and the lengths
        // are set after the bytes up to them are written. `lower` stays UTF-8: only bytes
        // `A..=Z` change, to `a..=z`.
        unsafe {
            let lv = lower.as_mut_vec();
            let (p, l) = (self.bytes.as_mut_ptr(), lv.as_mut_ptr());
            // Copies and lower-cases the 16 bytes of `v`, to byte `at`; which of them are
            // ASCII letters or digits, as bits.
            let put16 = |at: usize, v: __m128i| {
                _mm_storeu_si128(p.add(at).cast::<__m128i>(), v);
                let upper = within(v, b'A', 26);
                let lowered = _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
                _mm_storeu_si128(l.add(at).cast::<__m128i>(), lowered);
                let letter = within(lowered, b'a', 26);
                u64::from(_mm_movemask_epi8(_mm_or_si128(letter, within(v, b'0', 10))) as u16)
            };
            let load = |at: usize| _mm_loadu_si128(src.as_ptr().add(at).cast::<__m128i>());
            // The bits of the 64 bytes from `at` rounded down to 64.
            let mut word = 0;
            let mut at = 0;
            // Whole words of 64 bytes first: no test per 16 bytes of whether a word is full.
            while at + 64 <= n {
                alnum.push(
                    put16(at, load(at))
                        | put16(at + 16, load(at + 16)) << 16
                        | put16(at + 32, load(at + 32)) << 32
                        | put16(at + 48, load(at + 48)) << 48,
                );
                at += 64;
            }
            // Then at most three blocks of 16, which do not fill a word.
            while at + 16 <= n {
                word |= put16(at, load(at)) << (at % 64);
                at += 16;
            }
            if at < n {
                if n >= 16 {
                    // The tail as the last 16 bytes: copying twice is copying once. Its bits
                    // before this word's first byte are the last word's, already in place.
                    let bits = put16(n - 16, load(n - 16));
                    let base = at - at % 64;
                    word |= if n - 16 >= base {
                        bits << (n - 16 - base)
                    } else {
                        bits >> (base - (n - 16))
                    };
                } else {
                    let mut short = [0u8; 16];
                    short[..n].copy_from_slice(src);
                    word = put16(0, _mm_loadu_si128(short.as_ptr().cast::<__m128i>()));
                }
            }
            // The word holding the text's end, then one of zeros.
            alnum.push(word);
            alnum.push(0);
            for k in 0..4 {
                _mm_storeu_si128(p.add(n + 16 * k).cast::<__m128i>(), _mm_setzero_si128());
            }
            self.bytes.set_len(n + PAD);
            lv.set_len(n);
        }
    }

    /// Copies `text`, and writes it ASCII-lower-cased into `lower` (cleared first).
    #[cfg(not(target_arch = "x86_64"))]
    pub fn fill(&mut self, text: &str, lower: &mut String) {
        self.bytes.clear();
        self.bytes.extend_from_slice(text.as_bytes());
        self.bytes.extend_from_slice(&[0; PAD]);
        lower.clear();
        lower.push_str(text);
        lower.make_ascii_lowercase();
        self.alnum.clear();
        self.alnum.resize(text.len() / 64 + 2, 0);
        for (k, c) in text.bytes().enumerate() {
            self.alnum[k / 64] |= u64::from(c.is_ascii_alphanumeric()) << (k % 64);
        }
    }

    /// How many ASCII letters and digits follow one another from byte `i` of the sentence, up
    /// to 64.
    ///
    /// # Safety
    /// `i` is at most the length of the text last given to [`Padded::fill`].
    #[inline(always)]
    unsafe fn alnum_run(&self, i: usize) -> usize {
        let (w, sh) = (i / 64, i % 64);
        debug_assert!(w + 1 < self.alnum.len());
        // SAFETY: `alnum` has a word per 64 bytes of the text, from the first to the one
        // holding its end, and one more.
        let (lo, hi) = unsafe {
            (
                *self.alnum.get_unchecked(w),
                *self.alnum.get_unchecked(w + 1),
            )
        };
        // The bits from `i` on: word `w` shifted down, then the next word's low bits above it
        // (two shifts, as one of 64 would overflow when `sh` is 0).
        let bits = (lo >> sh) | ((hi << 1) << (63 - sh));
        bits.trailing_ones() as usize
    }

    /// The end of the run of ASCII letters and digits at `i`.
    ///
    /// # Safety
    /// As for [`Padded::alnum_run`].
    unsafe fn alnum_end(&self, mut i: usize) -> usize {
        loop {
            // SAFETY: a run ends by the text's end.
            let run = unsafe { self.alnum_run(i) };
            i += run;
            if run < 64 {
                return i;
            }
        }
    }

    /// The tokens of `s`, which [`Padded::fill`] was last given, into `toks`, and each one's
    /// info from `sink` into `infos` (both cleared first).
    #[inline(always)]
    pub fn tokenize<S: Sink>(
        &self,
        s: &str,
        toks: &mut Vec<Tok>,
        infos: &mut Vec<S::Info>,
        sink: &mut S,
    ) {
        toks.clear();
        infos.clear();
        let n = s.len();
        let b = &self.bytes[..];
        assert!(b.len() == n + PAD && self.alnum.len() == n / 64 + 2);
        debug_assert_eq!(&b[..n], s.as_bytes());
        // Byte `i` of the padded text.
        // SAFETY (of each use): `i` is at most `n + 8`, inside the `n + PAD` bytes.
        let at = |i: usize| unsafe { *b.get_unchecked(i) };
        let mut i = 0;
        let mut spaced = true;
        while i < n {
            toks.reserve(ROUND);
            infos.reserve(ROUND);
            // Where the round's next token and info go: cursors rather than one index and two
            // bases, one register fewer in a loop that is short of them.
            let tk0 = toks.spare_capacity_mut()[..ROUND].as_mut_ptr();
            let (mut tk, mut ik) = (tk0, infos.spare_capacity_mut()[..ROUND].as_mut_ptr());
            let limit = n.min(i + ROUND);
            while i < limit {
                let byte = at(i);
                let start = i;
                let kind;
                // Most tokens are words: one predictable branch before the `match`'s jump table
                // (a table of its own, so that the compiler does not fold the test into the jump).
                if ASCII_ALPHA[usize::from(byte)] {
                    // SAFETY: `i < n`.
                    let run = unsafe { self.alnum_run(start) };
                    // The byte after the run is at most the first zero after the text. A dot
                    // only continues a word after a one-letter segment ("U.S.", "e.g.").
                    let next = AFTER_RUN[usize::from(at(start + run))];
                    i = if run < 64 && (next == ENDS || (next == DOT && run > 1)) {
                        start + run
                    } else {
                        // SAFETY: `start + run <= n`.
                        unsafe { joined_word(self, s, start, run) }
                    };
                    kind = Kind::Word;
                    // SAFETY: `start < i <= n`, and `ik` is in the round's room (see below).
                    unsafe { sink.word(start, i, self.load(start, i - start), ik.cast()) };
                } else {
                    match CLASS[usize::from(byte)] {
                        WS => {
                            spaced = true;
                            i += 1;
                            continue;
                        }
                        OTHER => {
                            kind = if matches!(byte, b'$' | b'%' | b'&' | b'+' | b'#') {
                                Kind::Sym
                            } else {
                                Kind::Punct
                            };
                            i += 1;
                            // SAFETY: `ik` is in the round's room (see below).
                            unsafe { ik.write(MaybeUninit::new(sink.other(start, i))) };
                        }
                        _ => match rare_token(s, start) {
                            Some((end, Kind::Word)) => {
                                (i, kind) = (end, Kind::Word);
                                // SAFETY: `start < end <= n`, and `ik` is in the round's room (see below).
                                unsafe {
                                    sink.word(start, i, self.load(start, i - start), ik.cast())
                                };
                            }
                            Some((end, k2)) => {
                                (i, kind) = (end, k2);
                                // SAFETY: `ik` is in the round's room (see below).
                                unsafe { ik.write(MaybeUninit::new(sink.other(start, i))) };
                            }
                            None => {
                                // Whitespace outside ASCII.
                                spaced = true;
                                i += char_at(s, i).len_utf8();
                                continue;
                            }
                        },
                    }
                }
                // SAFETY: fewer than `ROUND` tokens came before in the round (each takes at
                // least one of its `ROUND` bytes), and both outputs have room for `ROUND` more.
                unsafe {
                    tk.write(MaybeUninit::new(Tok {
                        start,
                        end: i,
                        kind,
                        spaced,
                    }));
                    tk = tk.add(1);
                    ik = ik.add(1);
                }
                // Most tokens are followed by one space: skip it here rather than through the
                // loop.
                spaced = at(i) == b' ';
                i += usize::from(spaced);
            }
            // SAFETY: the first `k` slots of both spare capacities were written just above.
            unsafe {
                let k = tk.offset_from(tk0) as usize;
                toks.set_len(toks.len() + k);
                infos.set_len(infos.len() + k);
            }
        }
    }

    /// Eight bytes of the text from byte `i`, with those from `i + left` on zeroed: with `left`
    /// the length of a word from `i`, its head (its first eight bytes, zero-padded). With
    /// `left` 0 (the second eight bytes of an eight-byte word) it is 0.
    ///
    /// # Safety
    /// `i` is at most the length of the text last given to [`Padded::fill`], plus eight.
    #[inline(always)]
    pub unsafe fn load(&self, i: usize, left: usize) -> u64 {
        debug_assert!(i + 8 <= self.bytes.len());
        // SAFETY: the text is followed by `PAD` (at least 16) bytes.
        let w = unsafe { self.bytes.as_ptr().add(i).cast::<u64>().read_unaligned() };
        // The low `left` bytes, all eight from eight on: one AND with a table entry.
        w & HEAD_MASKS[left.min(16)]
    }
}

/// `HEAD_MASKS[k]` keeps the low `k` bytes of a word, all eight from eight on.
static HEAD_MASKS: [u64; 17] = {
    let mut t = [u64::MAX; 17];
    let mut k = 0;
    while k < 8 {
        t[k] = (1 << (8 * k)) - 1;
        k += 1;
    }
    t
};

/// What the tokenizer gives each token to, and gets the token's info from.
pub(crate) trait Sink {
    /// What each token gets.
    type Info;
    /// Writes the info of word `start..end` of the text, whose head (its
    /// first eight bytes, zero-padded) is `head`, to `out` (straight from where it is kept:
    /// no copy on the way).
    ///
    /// # Safety
    /// `start < end <= ` the text's length, and `out` is valid for a write.
    unsafe fn word(&mut self, start: usize, end: usize, head: u64, out: *mut Self::Info);
    /// The info of token `start..end` of the text, which is not a word.
    fn other(&mut self, start: usize, end: usize) -> Self::Info;
}

/// Tokens found per round, each round making room for them once: at most one token starts at
/// each byte of the round's bytes.
const ROUND: usize = 256;

/// What the byte after a word's first run of ASCII letters and digits says: the word ends there.
const ENDS: u8 = 0;
/// It is a dot: the word goes on only after a one-letter segment.
const DOT: u8 = 1;
/// It is `'`, `-` or part of a non-ASCII character: the word may go on.
const MAY_GO_ON: u8 = 2;

/// [`ENDS`], [`DOT`] or [`MAY_GO_ON`] by byte.
static AFTER_RUN: [u8; 256] = {
    let mut t = [ENDS; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = if c >= 0x80 || c == b'\'' as usize || c == b'-' as usize {
            MAY_GO_ON
        } else if c == b'.' as usize {
            DOT
        } else {
            ENDS
        };
        c += 1;
    }
    t
};

/// The token at `start` when it starts with a digit or a non-ASCII character: its end and kind;
/// `None` for whitespace.
#[inline(never)]
fn rare_token(s: &str, start: usize) -> Option<(usize, Kind)> {
    if s.as_bytes()[start].is_ascii_digit() {
        return Some((scan_number(s.as_bytes(), start), Kind::Num));
    }
    let c = char_at(s, start);
    if c.is_whitespace() {
        return None;
    }
    if c.is_alphabetic() {
        return Some((scan_word(s, start), Kind::Word));
    }
    let kind = if matches!(c, '€' | '£') {
        Kind::Sym
    } else {
        Kind::Punct
    };
    Some((start + c.len_utf8(), kind))
}

/// The tokenizer without its fast path, to check that the fast path changes nothing.
#[cfg(test)]
fn tokenize_general(s: &str, out: &mut Vec<Tok>) {
    out.clear();
    let b = s.as_bytes();
    let mut i = 0;
    let mut spaced = true;
    while i < b.len() {
        let c = char_at(s, i);
        if c.is_whitespace() {
            spaced = true;
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let kind;
        if c.is_alphabetic() {
            kind = Kind::Word;
            i = scan_word(s, i);
        } else if c.is_ascii_digit() {
            kind = Kind::Num;
            i = scan_number(b, i);
        } else {
            kind = if matches!(c, '$' | '€' | '£' | '%' | '&' | '+' | '#') {
                Kind::Sym
            } else {
                Kind::Punct
            };
            i += c.len_utf8();
        }
        out.push(Tok {
            start,
            end: i,
            kind,
            spaced,
        });
        spaced = false;
    }
}

fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(' ')
}

/// [`scan_word`] for a word that starts with an ASCII letter at `start` and does not end after
/// its first `run` letters and digits (`run` is at most 64): ASCII letters and digits, and `'`
/// or `-` joining two of them, are read here by runs; a non-ASCII byte, or a dot after a
/// one-letter segment ("U.S."), hands the whole word to [`scan_word`].
///
/// # Safety
/// `start + run` is at most the length of `s`, which `pad` holds.
#[inline(never)]
unsafe fn joined_word(pad: &Padded, s: &str, start: usize, run: usize) -> usize {
    let b = &pad.bytes[..];
    // SAFETY: as the caller says; each later run starts at most at the text's end.
    let end_of_run = |i: usize| unsafe { pad.alnum_end(i) };
    let mut i = if run < 64 {
        start + run
    } else {
        end_of_run(start + run)
    };
    // The start of the current segment (after the last `'` or `-`).
    let mut seg = start;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied().unwrap_or(0);
        match c {
            b'\'' if next.is_ascii_alphabetic() => {}
            b'-' if next.is_ascii_alphanumeric() => {}
            // Whether a non-ASCII character continues the word is the general scanner's call.
            b'\'' | b'-' if next >= 0x80 => return scan_word(s, start),
            // A dot only continues a word after a one-letter segment: "U.S.", "e.g.".
            b'.' if i - seg == 1 => return scan_word(s, start),
            0x80.. => return scan_word(s, start),
            _ => break,
        }
        seg = i + 1;
        i = end_of_run(i + 2);
    }
    i
}

fn scan_word(s: &str, mut i: usize) -> usize {
    let b = s.as_bytes();
    let mut seg_len = 0usize;
    let mut dotted = false;
    while i < b.len() {
        if b[i].is_ascii_alphanumeric() {
            seg_len += 1;
            i += 1;
            continue;
        }
        let c = char_at(s, i);
        if c.is_alphanumeric() {
            seg_len += 1;
            i += c.len_utf8();
            continue;
        }
        let next = s[i + c.len_utf8()..].chars().next();
        let next_alpha = next.is_some_and(char::is_alphabetic);
        match c {
            '\'' | '’' if next_alpha => {}
            '-' if next.is_some_and(char::is_alphanumeric) => {}
            // "U.S.", "e.g.", "a.m.": one-letter segments joined by dots.
            '.' if seg_len == 1 && (next_alpha || dotted) => {
                dotted = true;
                if !next_alpha {
                    return i + 1;
                }
            }
            _ => return i,
        }
        seg_len = 0;
        i += c.len_utf8();
    }
    i
}

fn scan_number(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let digits_after = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
        match c {
            b',' if digits_after == 3 => {}
            b'.' if digits_after > 0 => {}
            b':' if digits_after == 2 => {}
            _ => return i,
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn load_zeroes_past_the_word_and_the_second_half_of_an_eight_byte_word_is_zero() {
        let mut pad = Padded::default();
        let mut lower = String::new();
        let text = "customer VTTsales";
        pad.fill(text, &mut lower);
        // SAFETY (all three): inside the text, or at most eight bytes past its end.
        assert_eq!(unsafe { pad.load(0, 8) }, head_of(b"customer"));
        assert_eq!(unsafe { pad.load(0, 3) }, head_of(b"cus"));
        // The fuzzer's case: the probe of an 8-byte word asks for its (empty) second half.
        assert_eq!(unsafe { pad.load(8 + 1 + 8, 0) }, 0);
    }

    proptest! {
        #[test]
        fn fast_path_is_the_general_tokenizer(
            s in "\\PC{0,60}|([A-Za-z0-9$%.,:'’\u{b}\t -]{0,10}[éÉ€ ]?){0,8}|([A-Za-z0-9'.-]{1,20}[ ,é]?){0,6}|([A-Za-z0-9'.-]{1,70}[ ,é]?){0,9}|[@-\\[`-{ A-Za-zÉé0-9/:]{0,150}",
        ) {
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            tokenize(&s, &mut fast);
            tokenize_general(&s, &mut general);
            prop_assert_eq!(&fast, &general);
            // The head of each token is its first eight bytes, and the lower-cased copy is.
            let (mut pad, mut lower) = (Padded::default(), String::from("stale"));
            pad.fill(&s, &mut lower);
            prop_assert_eq!(&lower, &s.to_ascii_lowercase());
            for t in &fast {
                prop_assert_eq!(unsafe { pad.load(t.start, t.end - t.start) }, head_of(&s.as_bytes()[t.start..t.end]), "{:?}", t);
            }
        }
    }

    #[test]
    fn every_length_and_offset_of_a_text_is_tokenized_as_in_general() {
        // Lengths around the 16-byte copies and the 64-byte masks, words across their edges.
        let text =
            "ab1 Cd-ef x.y it's 12,000 ünï wörd a.b.c. TEST-ing interoperability, ok? ".repeat(4);
        let (mut fast, mut general, mut pad, mut lower) =
            (Vec::new(), Vec::new(), Padded::default(), String::new());
        for start in (0..8).filter(|&i| text.is_char_boundary(i)) {
            for end in (start..text.len()).filter(|&i| text.is_char_boundary(i)) {
                let s = &text[start..end];
                tokenize(s, &mut fast);
                tokenize_general(s, &mut general);
                assert_eq!(fast, general, "{s:?}");
                pad.fill(s, &mut lower);
                assert_eq!(lower, s.to_ascii_lowercase());
            }
        }
    }

    fn toks(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        tokenize(s, &mut v);
        v.iter().map(|t| &s[t.start..t.end]).collect()
    }

    #[test]
    fn words_numbers_and_symbols() {
        assert_eq!(
            toks("It's $45,000, right?"),
            ["It's", "$", "45,000", ",", "right", "?"]
        );
        assert_eq!(
            toks("99.9% at 9:30 in the U.S. now"),
            ["99.9", "%", "at", "9:30", "in", "the", "U.S.", "now"]
        );
        assert_eq!(
            toks("go-live 2pm e.g. Q3"),
            ["go-live", "2", "pm", "e.g.", "Q3"]
        );
        assert_eq!(toks("Tomás's team."), ["Tomás's", "team", "."]);
        assert_eq!(toks("a 6-hour outage"), ["a", "6", "-", "hour", "outage"]);
        // Words longer than the scanner's eight-byte steps, joined or not.
        assert_eq!(
            toks("interoperability of state-of-the-art, we'll-do-it.Done"),
            [
                "interoperability",
                "of",
                "state-of-the-art",
                ",",
                "we'll-do-it",
                ".",
                "Done"
            ]
        );
        assert_eq!(toks("abcdefgh abcdefg."), ["abcdefgh", "abcdefg", "."]);
    }

    #[test]
    fn glued_tokens_are_marked() {
        let mut v = Vec::new();
        tokenize("20% of 2pm", &mut v);
        assert!(v[0].spaced && !v[1].spaced && v[2].spaced && !v[4].spaced);
    }
}
