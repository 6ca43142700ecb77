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

/// ASCII letters and digits: one load per byte in the word loop.
static ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// Appends the tokens of `s` to `out` (cleared first).
pub(crate) fn tokenize(s: &str, out: &mut Vec<Tok>) {
    out.clear();
    let b = s.as_bytes();
    let mut i = 0;
    let mut spaced = true;
    while i < b.len() {
        let byte = b[i];
        let start = i;
        let kind;
        match CLASS[usize::from(byte)] {
            WS => {
                spaced = true;
                i += 1;
                continue;
            }
            ALPHA => {
                kind = Kind::Word;
                i = scan_ascii_word(s, start);
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
        out.push(Tok {
            start,
            end: i,
            kind,
            spaced,
        });
        spaced = false;
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

/// [`scan_word`] for a word that starts with an ASCII letter: ASCII letters and digits, and
/// `'` or `-` joining two of them, are read here; a dot or a non-ASCII byte hands the whole word
/// to [`scan_word`].
fn scan_ascii_word(s: &str, start: usize) -> usize {
    let b = s.as_bytes();
    let mut i = start + 1;
    loop {
        while i < b.len() && ALNUM[usize::from(b[i])] {
            i += 1;
        }
        let Some(&c) = b.get(i) else { return i };
        let next = b.get(i + 1).copied();
        match c {
            b'\'' if next.is_some_and(|n| n.is_ascii_alphabetic()) => i += 2,
            b'-' if next.is_some_and(|n| n.is_ascii_alphanumeric()) => i += 2,
            // Whether a non-ASCII character continues the word is the general scanner's call.
            b'\'' | b'-' if next.is_some_and(|n| n >= 0x80) => return scan_word(s, start),
            b'.' => return scan_word(s, start),
            c if c >= 0x80 => return scan_word(s, start),
            _ => return i,
        }
    }
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
            s in "\\PC{0,60}|([A-Za-z0-9$%.,:'’\u{b}\t -]{0,10}[éÉ€ ]?){0,8}",
        ) {
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            tokenize(&s, &mut fast);
            tokenize_general(&s, &mut general);
            prop_assert_eq!(fast, general);
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
    }

    #[test]
    fn glued_tokens_are_marked() {
        let mut v = Vec::new();
        tokenize("20% of 2pm", &mut v);
        assert!(v[0].spaced && !v[1].spaced && v[2].spaced && !v[4].spaced);
    }
}
