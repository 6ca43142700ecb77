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

use super::hash::{head_of, load_partial};

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
    tokenize_with(s, out, |_, _| {});
}

/// [`tokenize`], calling `each(token, head)` as each token is found: `head` is a word token's
/// first eight bytes, zero-padded (see [`head_of`]), which the word scanner has already loaded;
/// 0 for the other tokens. The vocabulary probes each word in the same pass.
#[inline(always)]
pub(crate) fn tokenize_with(s: &str, out: &mut Vec<Tok>, mut each: impl FnMut(Tok, u64)) {
    out.clear();
    let b = s.as_bytes();
    let mut i = 0;
    let mut spaced = true;
    while i < b.len() {
        let byte = b[i];
        let start = i;
        let kind;
        let mut head = 0;
        // Most tokens are words: one predictable branch before the `match`'s jump table (a
        // table of its own, so that the compiler does not fold the test into the jump).
        if ASCII_ALPHA[usize::from(byte)] {
            kind = Kind::Word;
            (i, head) = scan_ascii_word(s, start);
        } else {
            match CLASS[usize::from(byte)] {
                WS => {
                    spaced = true;
                    i += 1;
                    continue;
                }
                DIGIT => {
                    kind = Kind::Num;
                    i = scan_number(b, i);
                }
                OTHER => {
                    kind = if matches!(byte, b'$' | b'%' | b'&' | b'+' | b'#') {
                        Kind::Sym
                    } else {
                        Kind::Punct
                    };
                    i += 1;
                }
                _ => {
                    let c = char_at(s, i);
                    if c.is_whitespace() {
                        spaced = true;
                        i += c.len_utf8();
                        continue;
                    }
                    if c.is_alphabetic() {
                        kind = Kind::Word;
                        i = scan_word(s, i);
                        head = head_of(&b[start..i]);
                    } else {
                        kind = if matches!(c, '€' | '£') {
                            Kind::Sym
                        } else {
                            Kind::Punct
                        };
                        i += c.len_utf8();
                    }
                }
            }
        }
        let t = Tok {
            start,
            end: i,
            kind,
            spaced,
        };
        out.push(t);
        each(t, head);
        // Most tokens are followed by one space: skip it here rather than through the loop.
        spaced = b.get(i) == Some(&b' ');
        i += usize::from(spaced);
    }
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

/// Eight bytes of `b` from `i`, zero-padded past its end.
#[inline(always)]
fn load_at(b: &[u8], i: usize) -> u64 {
    let rest = b.get(i..).unwrap_or_default();
    match rest.first_chunk::<8>() {
        Some(w) => u64::from_le_bytes(*w),
        None => load_partial(rest),
    }
}

const fn splat(c: u8) -> u64 {
    0x0101_0101_0101_0101 * c as u64
}

const HIGH_BITS: u64 = splat(0x80);

/// The high bit of each byte of `w` that is NOT an ASCII letter or digit: eight bytes classified
/// in a dozen instructions instead of a table load and a branch per byte.
#[inline(always)]
fn stops(w: u64) -> u64 {
    // Per byte of a 7-bit value `v`, `v + (0x80 - c)` has its high bit set iff `v >= c`, and no
    // byte carries into the next.
    let ge = |v: u64, c: u8| v.wrapping_add(splat(0x80 - c));
    let low7 = w & splat(0x7f);
    // Setting bit 5 folds capitals onto lower-case letters; digits already have it.
    let folded = low7 | splat(0x20);
    let digit = ge(low7, b'0') & !ge(low7, b'9' + 1);
    let alpha = ge(folded, b'a') & !ge(folded, b'z' + 1);
    // Bytes with the high bit (non-ASCII) stop too.
    !((digit | alpha) & !w) & HIGH_BITS
}

/// [`scan_word`] for a word that starts with an ASCII letter, with the word's head (see
/// [`head_of`]): ASCII letters and digits, and `'` or `-` joining two of them, are read here,
/// eight bytes at a time; a non-ASCII byte, or a dot after a one-letter segment ("U.S."), hands
/// the whole word to [`scan_word`].
#[inline(always)]
fn scan_ascii_word(s: &str, start: usize) -> (usize, u64) {
    let b = s.as_bytes();
    let first = load_at(b, start);
    let stop = stops(first);
    let run_end = if stop != 0 {
        // The word's first eight bytes hold its end: the byte there, 0 past the sentence's end,
        // decides whether it goes on.
        let n = stop.trailing_zeros() as usize / 8;
        if !GOES_ON[((first >> (8 * n)) & 0xff) as usize] {
            // The bytes below the lowest stop bit's byte.
            let below = ((stop & stop.wrapping_neg()) - 1) >> 7;
            return (start + n, first & below);
        }
        start + n
    } else {
        alnum_end(s.as_bytes(), start + 8)
    };
    joined_word(s, start, first, run_end)
}

/// Bytes after a run of letters and digits with which an ASCII word may go on: `'`, `-`, `.`
/// and the bytes of non-ASCII characters.
static GOES_ON: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = c >= 0x80 || matches!(c as u8, b'\'' | b'-' | b'.');
        c += 1;
    }
    t
};

/// [`scan_ascii_word`] past the first eight bytes or a `'`, `-`, `.` or non-ASCII byte, from the
/// end of the word's first run of letters and digits, `run_end`.
fn joined_word(s: &str, start: usize, first: u64, run_end: usize) -> (usize, u64) {
    let b = s.as_bytes();
    let mut i = run_end;
    // The start of the current segment (after the last `'` or `-`).
    let mut seg = start;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied().unwrap_or(0);
        match c {
            b'\'' if next.is_ascii_alphabetic() => {}
            b'-' if next.is_ascii_alphanumeric() => {}
            // Whether a non-ASCII character continues the word is the general scanner's call.
            b'\'' | b'-' if next >= 0x80 => return general_word(s, start),
            // A dot only continues a word after a one-letter segment: "U.S.", "e.g.".
            b'.' if i - seg == 1 => return general_word(s, start),
            0x80.. => return general_word(s, start),
            _ => break,
        }
        seg = i + 1;
        i = alnum_end(b, i + 2);
    }
    let len = i - start;
    let head = if len >= 8 {
        first
    } else {
        first & ((1 << (8 * len)) - 1)
    };
    (i, head)
}

/// The end of the run of ASCII letters and digits at `i`.
#[inline(always)]
fn alnum_end(b: &[u8], mut i: usize) -> usize {
    loop {
        let n = stops(load_at(b, i)).trailing_zeros() as usize / 8;
        i += n;
        if n < 8 {
            return i;
        }
    }
}

/// [`scan_word`] from `start`, with the word's head.
#[cold]
fn general_word(s: &str, start: usize) -> (usize, u64) {
    let end = scan_word(s, start);
    (end, head_of(&s.as_bytes()[start..end]))
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

    proptest! {
        #[test]
        fn fast_path_is_the_general_tokenizer(
            s in "\\PC{0,60}|([A-Za-z0-9$%.,:'’\u{b}\t -]{0,10}[éÉ€ ]?){0,8}|([A-Za-z0-9'.-]{1,20}[ ,é]?){0,6}",
        ) {
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            tokenize(&s, &mut fast);
            tokenize_general(&s, &mut general);
            prop_assert_eq!(&fast, &general);
            // The head given with each word is its first eight bytes.
            let mut heads = Vec::new();
            tokenize_with(&s, &mut fast, |t, head| heads.push((t, head)));
            for (t, head) in heads {
                let want = if t.kind == Kind::Word { head_of(&s.as_bytes()[t.start..t.end]) } else { 0 };
                prop_assert_eq!(head, want, "{:?}", t);
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
