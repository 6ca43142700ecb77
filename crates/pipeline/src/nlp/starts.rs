//! Matching a fixed phrase list (the gazetteer, the action triggers) token by token, with the
//! same result as one leftmost-longest Aho-Corasick scan of the sentence's lower-cased text.
//!
//! The scan tries every byte; but a match that starts at a token's start and reaches at least its
//! end begins with the whole token, so it is one of the few phrases listed under that token's
//! text (looked up once per distinct word, see [`Starts::list`]). Matches that start and end
//! inside one token are never aligned to tokens nor whole words here, and they hide nothing: the
//! next token starts after them. Only a match that starts inside a token and runs past its end
//! can hide a later token's match, and it must begin with a suffix of the token followed by the
//! character after the token ([`Starts::cross`]); such tokens, and tokens where words start
//! inside (hyphens, dots), are scanned in full (`phrases`). So the matches come out in the
//! scan's order, each the scan's match, and a sentence without listed words costs no scan.

use super::hash::{FastMap, load_partial, load8};
use super::marks::{Marks, Sel};
use super::patterns::Sent;
use super::phrases::Phrases;
use super::token::Tok;
use super::vocab::{T_WORD, TokInfo};

/// One match: byte range in the sentence and the phrase's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub pattern: usize,
}

/// A class of the character after a token, as a bit: ASCII space, punctuation and digits, and
/// lower-case letters each have their own; everything else shares one.
pub(crate) fn class(c: Option<char>) -> u64 {
    match c {
        None => 0,
        Some(c @ ' '..='?') => 1 << (c as u32 - 32),
        Some(c @ 'a'..='z') => 1 << (32 + c as u32 - 'a' as u32),
        Some(_) => 1 << 63,
    }
}

/// [`class`] of each byte, a byte of a multi-byte character being "other": one load per token.
static CLASS_OF: [u64; 256] = {
    let mut t = [1u64 << 63; 256];
    let mut b = 0;
    while b < 256 {
        if b >= 32 && b <= 63 {
            t[b] = 1 << (b - 32);
        } else if b >= 97 && b <= 122 {
            t[b] = 1 << (32 + b - 97);
        }
        b += 1;
    }
    t
};

/// [`class`] of the character at byte `i` of `s` (a byte of a multi-byte character is "other").
#[inline]
fn class_at(s: &str, i: usize) -> u64 {
    s.as_bytes().get(i).map_or(0, |&b| CLASS_OF[usize::from(b)])
}

/// Whether the tokenizer can end a word right before `c` (followed by `next`, `None` when
/// unknown): see `token::scan_word`.
fn token_may_end(c: char, next: Option<char>) -> bool {
    !c.is_alphanumeric()
        && match c {
            '\'' | '’' => !next.is_some_and(char::is_alphabetic),
            '-' => !next.is_some_and(char::is_alphanumeric),
            _ => true,
        }
}

/// The phrases of a list by the word they can start with. Phrases and keys borrow the list's
/// text, and the lists share one vector: start-up copies nothing and allocates a few times.
#[derive(Debug, Default)]
pub(crate) struct Starts<'a> {
    /// Token text -> 1 + index into `lists`.
    index: FastMap<&'a str, u16>,
    /// Per list: its range in `phrases` and `tails`, the length of the token that opens it and
    /// the bytes its phrases go on with (see [`List`]).
    lists: Vec<List>,
    /// The phrases (index, lower-cased text) of each list in turn, longest first.
    phrases: Vec<(usize, &'a str)>,
    /// Per phrase: how it goes on after its list's opening token (see [`Tail`]).
    tails: Vec<Tail>,
    /// A proper prefix of a phrase that a token can end with -> classes of the next character.
    cross: FastMap<&'a str, u64>,
    /// Per length, the first bytes of the keys of `cross` that long (up to the longest key):
    /// most parts of a word are ruled out without hashing them.
    cross_heads: Vec<[u64; 4]>,
    /// First bytes of the phrases.
    first: Vec<bool>,
    /// A phrase's first character, when it is not a letter or digit -> 1 + index into
    /// `lists` of the phrases starting with it (a one-character token opens all of them).
    by_symbol: FastMap<char, u16>,
    /// Longest phrase, in bytes.
    max_len: usize,
    /// `by_symbol` of the ASCII characters, 0 for none: one load.
    by_ascii: Vec<u16>,
    /// Per ASCII character: the phrase its symbol list matches in a text of only that
    /// character, [`NO_LONE_MATCH`] for none, [`NOT_LONE`] when it has no symbol list.
    lone: Vec<u32>,
}

/// In [`Starts`]'s `lone`: the character has no symbol list.
const NOT_LONE: u32 = u32::MAX;
/// In [`Starts`]'s `lone`: the character's symbol list matches nothing in it alone.
const NO_LONE_MATCH: u32 = u32::MAX - 1;

/// One list of phrases that start with the same token (`open` bytes long), at
/// `from..to` in [`Starts`]'s `phrases`: most places are ruled out by the first two bytes after
/// the token, one bit each.
#[derive(Debug, Clone, Copy)]
struct List {
    from: usize,
    to: usize,
    open: usize,
    /// First bytes of the non-empty tails.
    first: [u64; 4],
    /// Second bytes of the tails of two bytes or more; all set when a tail has one byte.
    second: [u64; 4],
    /// The phrase that is the opening token itself, if the list has it.
    itself: Option<usize>,
}

/// One phrase of a list after the token that opens it: its (up to) eight first bytes,
/// zero-padded, the mask of those bytes and their count, and the whole tail's length.
#[derive(Debug, Clone, Copy)]
struct Tail {
    head: u64,
    mask: u64,
    n: usize,
    len: usize,
}

/// Whether byte `b` is in the 256-bit set `set`.
#[inline]
fn in_set(set: &[u64; 4], b: u8) -> bool {
    set[usize::from(b >> 6)] & (1 << (b & 63)) != 0
}

impl List {
    /// Whether a tail may start `rest` (no false "no").
    #[inline]
    fn may_start(&self, rest: &[u8]) -> bool {
        match rest {
            [] => false,
            [a] => in_set(&self.first, *a) && self.second == [u64::MAX; 4],
            [a, b, ..] => in_set(&self.first, *a) && in_set(&self.second, *b),
        }
    }
}

impl Tail {
    /// The tail `tail` (a phrase's bytes after its list's opening token).
    fn new(tail: &[u8]) -> Self {
        let n = tail.len().min(8);
        Tail {
            head: load_partial(&tail[..n]),
            mask: if n == 8 { u64::MAX } else { (1 << (8 * n)) - 1 },
            n,
            len: tail.len(),
        }
    }

    /// Whether `rest` starts with this tail (`tail`, the phrase's bytes after its opening).
    #[inline]
    fn starts(&self, rest: &[u8], tail: &[u8]) -> bool {
        if rest.len() >= 8 {
            (load8(rest) & self.mask) == self.head
                && (self.len <= 8 || (self.len <= rest.len() && rest[8..self.len] == tail[8..]))
        } else {
            self.len <= rest.len()
                && load_partial(&rest[..self.n]) == self.head
                && rest[self.n..self.len] == tail[self.n..]
        }
    }
}

impl<'a> Starts<'a> {
    /// The lists of `patterns` (already lower-cased as the text will be), indexed in order.
    pub fn new(patterns: impl Iterator<Item = &'a str>) -> Self {
        let mut st = Starts {
            first: vec![false; 256],
            ..Starts::default()
        };
        // (1 + list, phrase index, phrase), and per list the length of its opening token.
        let mut members: Vec<(u16, usize, &'a str)> = Vec::new();
        let mut opens: Vec<usize> = Vec::new();
        // About two per phrase (sizing the maps up front too would touch more pages than their
        // rehashing costs).
        members.reserve(2 * patterns.size_hint().0);
        type Members<'a> = Vec<(u16, usize, &'a str)>;
        let add = |st: &mut Starts<'a>,
                   (members, opens): (&mut Members<'a>, &mut Vec<usize>),
                   key: &'a str,
                   i: usize,
                   p: &'a str| {
            let n = opens.len();
            let k = *st.index.entry(key).or_insert_with(|| {
                u16::try_from(n + 1).expect("under 65535 distinct phrase openings")
            });
            if k as usize > opens.len() {
                opens.push(key.len());
            }
            members.push((k, i, p));
        };
        let mut chars: Vec<(usize, char)> = Vec::new();
        for (i, p) in patterns.enumerate() {
            st.max_len = st.max_len.max(p.len());
            if let Some(&b) = p.as_bytes().first() {
                st.first[usize::from(b)] = true;
            }
            chars.clear();
            chars.extend(p.char_indices());
            for (k, &(at, c)) in chars.iter().enumerate() {
                let next = chars.get(k + 1).map(|&(_, n)| n);
                // A token ends before `c`: it is `p[..at]`, and a match from inside a token
                // crosses its end with `c`.
                if at > 0 && token_may_end(c, next) {
                    add(&mut st, (&mut members, &mut opens), &p[..at], i, p);
                    *st.cross.entry(&p[..at]).or_default() |= class(Some(c));
                }
                // A dotted abbreviation ("u.s.") ends after its dot, whatever follows.
                if c == '.' {
                    add(&mut st, (&mut members, &mut opens), &p[..at + 1], i, p);
                    if let Some(n) = next {
                        *st.cross.entry(&p[..at + 1]).or_default() |= class(Some(n));
                    }
                }
            }
            add(&mut st, (&mut members, &mut opens), p, i, p);
            if let Some(c) = p.chars().next().filter(|c| !c.is_alphanumeric()) {
                // One-character tokens open these lists: keyed apart from word tokens.
                let n = opens.len();
                let k = *st.by_symbol.entry(c).or_insert_with(|| {
                    u16::try_from(n + 1).expect("under 65535 distinct phrase openings")
                });
                if k as usize > opens.len() {
                    opens.push(c.len_utf8());
                }
                members.push((k, i, p));
            }
        }
        // By list, then longest first; a phrase listed twice under one key counts once.
        members.sort_unstable_by(|a, b| {
            (a.0.cmp(&b.0))
                .then(b.2.len().cmp(&a.2.len()))
                .then(a.1.cmp(&b.1))
        });
        members.dedup_by_key(|e| (e.0, e.1));
        st.lists = Vec::with_capacity(opens.len());
        st.phrases = Vec::with_capacity(members.len());
        st.tails = Vec::with_capacity(members.len());
        for (k, &open) in opens.iter().enumerate() {
            let from = st.phrases.len();
            let mut entry = List {
                from,
                to: from,
                open,
                first: [0; 4],
                second: [0; 4],
                itself: None,
            };
            let list = members[from..].iter().take_while(|e| e.0 as usize == k + 1);
            for &(_, i, p) in list {
                let tail = &p.as_bytes()[open..];
                match tail {
                    [] => entry.itself = Some(i),
                    [a] => {
                        entry.first[usize::from(a >> 6)] |= 1 << (a & 63);
                        entry.second = [u64::MAX; 4];
                    }
                    [a, b, ..] => {
                        entry.first[usize::from(a >> 6)] |= 1 << (a & 63);
                        entry.second[usize::from(b >> 6)] |= 1 << (b & 63);
                    }
                }
                st.phrases.push((i, p));
                st.tails.push(Tail::new(tail));
            }
            entry.to = st.phrases.len();
            st.lists.push(entry);
        }
        for key in st.cross.keys() {
            let n = key.len();
            if st.cross_heads.len() <= n {
                st.cross_heads.resize(n + 1, [0; 4]);
            }
            let b = key.as_bytes()[0];
            st.cross_heads[n][usize::from(b >> 6)] |= 1 << (b & 63);
        }
        st.by_ascii = (0..128u8)
            .map(|b| st.by_symbol.get(&char::from(b)).copied().unwrap_or(0))
            .collect();
        st.lone = (0..128u8)
            .map(|b| match st.by_ascii[usize::from(b)] {
                0 => NOT_LONE,
                k => st
                    .longest(k, &char::from(b).to_string(), 0)
                    .map_or(NO_LONE_MATCH, |h| {
                        u32::try_from(h.pattern).expect("under 4G phrases")
                    }),
            })
            .collect();
        st
    }

    /// The list of phrases a word token written (lower-cased) `w` can open: 0 for none.
    pub fn list(&self, w: &str) -> u16 {
        self.index.get(w).copied().unwrap_or(0)
    }

    /// The classes of next characters with which a match starting inside a word token `w`
    /// (lower-cased) can run past its end.
    pub fn cross(&self, w: &str) -> u64 {
        w.char_indices()
            .skip(1)
            .filter_map(|(k, _)| self.cross.get(&w[k..]))
            .fold(0, |a, &m| a | m)
    }

    /// [`Starts::cross`] for a token that is not a word: anything when a phrase can start at any
    /// of its bytes after the first.
    pub fn cross_other(&self, t: &str) -> u64 {
        if t.bytes().skip(1).any(|b| self.first[usize::from(b)]) {
            u64::MAX
        } else {
            0
        }
    }

    /// Whether a phrase starts with the first byte of `t`.
    pub fn may_open(&self, t: &str) -> bool {
        t.bytes().next().is_some_and(|b| self.first[usize::from(b)])
    }

    /// The longest phrase of `list` at `at` in `hay` (every phrase of the list starts with the
    /// token there).
    #[inline(always)]
    fn longest(&self, list: u16, hay: &str, at: usize) -> Option<Hit> {
        let entry = &self.lists[list as usize - 1];
        let rest = &hay.as_bytes()[at + entry.open..];
        let hit = |&(pattern, p): &(usize, &str)| Hit {
            start: at,
            end: at + p.len(),
            pattern,
        };
        if !entry.may_start(rest) {
            // Only the phrase that is the token itself (the shortest, so the last) can match.
            return entry.itself.map(|pattern| Hit {
                start: at,
                end: at + entry.open,
                pattern,
            });
        }
        self.phrases[entry.from..entry.to]
            .iter()
            .zip(&self.tails[entry.from..entry.to])
            .find(|((_, p), t)| t.starts(rest, &p.as_bytes()[entry.open..]))
            .map(|(e, _)| hit(e))
    }

    /// The list of the phrases that start with the first character of `t`, a token that is not
    /// a word, when that character is not a letter or digit.
    fn symbol_list(&self, t: &str) -> Option<u16> {
        let k = match t.as_bytes().first() {
            Some(&b) if b < 0x80 => self.by_ascii[usize::from(b)],
            Some(_) => self.by_symbol.get(&t.chars().next()?).copied().unwrap_or(0),
            None => 0,
        };
        (k != 0).then_some(k)
    }

    /// What the symbol list of a one-byte token `t` that ends the sentence `l` matches there,
    /// known from the byte (`None` when it has no symbol list): a sentence's closing "." opens
    /// ".net", with nothing after it.
    #[inline]
    fn alone(&self, l: &str, t: &Tok) -> Option<Option<Hit>> {
        if t.end != l.len() || t.end - t.start != 1 {
            return None;
        }
        let pattern = self.lone[usize::from(l.as_bytes()[t.start] & 0x7f)];
        (pattern != NOT_LONE).then(|| {
            (pattern != NO_LONE_MATCH).then_some(Hit {
                start: t.start,
                end: t.end,
                pattern: pattern as usize,
            })
        })
    }

    /// Whether `part` (not empty) may be a key of `cross`, from its length and first byte.
    #[inline]
    fn may_cross(&self, part: &str) -> bool {
        self.cross_heads
            .get(part.len())
            .is_some_and(|heads| in_set(heads, part.as_bytes()[0]))
    }

    /// Whether a phrase that starts inside word token `t` (after its first character) runs past
    /// its end here: only then can the scan find a match there that the token-by-token path
    /// does not (see the module docs).
    fn crossing(&self, l: &str, t: &Tok, class: u64) -> bool {
        let w = &l[t.start..t.end];
        w.char_indices().skip(1).any(|(k, _)| {
            let part = &w[k..];
            self.may_cross(part)
                && self.cross.get(part).is_some_and(|&m| m & class != 0)
                && self
                    .index
                    .get(part)
                    .and_then(|&list| self.longest(list, l, t.start + k))
                    .is_some_and(|h| h.end > t.end)
        })
    }

    /// The scan's matches in the sentence (see the module docs), into `out` (cleared first).
    /// Only the tokens with the bits `relevant.1` (in the marks `relevant.0`) can open, be
    /// crossed or be scanned.
    /// `list` and `crossing` read a token's list and crossing classes from its info; `scan_inside`
    /// says which word tokens have words starting inside them; `open_other` which other tokens
    /// may start a phrase (searched in `ac`, the full list).
    ///
    /// Most sentences match nothing: a first pass over the set finds the first token where
    /// the matching below finds a match or scans (before any match, nothing is hidden, so that
    /// token decides alone), and the matching proper, with its set-up, starts there or not at all.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn matches(
        &self,
        ac: &Phrases,
        s: &Sent<'_>,
        infos: &[TokInfo],
        relevant: (&Marks, u32),
        list: impl Fn(&TokInfo) -> u16,
        crossing: impl Fn(&TokInfo) -> u64,
        scan_inside: impl Fn(&TokInfo) -> bool,
        open_other: impl Fn(&TokInfo) -> bool,
        out: &mut Vec<Hit>,
    ) {
        out.clear();
        let l = s.lower;
        let (marks, bits) = relevant;
        let from = marks.find_map(bits, |i| {
            let (f, t) = (&infos[i], &s.toks[i]);
            let k = list(f);
            let cross = crossing(f) & class_at(l, t.end);
            // What `matches_from` does at the token: a scan, a list's match, or another token
            // that may open a phrase (not a sentence's closing symbol that matches nothing alone).
            let act = scan_inside(f)
                || (cross != 0 && (!f.has(T_WORD) || self.crossing(l, t, cross)))
                || (k != 0 && self.longest(k, l, t.start).is_some())
                || (k == 0 && open_other(f) && self.alone(l, t) != Some(None));
            act.then_some(i)
        });
        if let Some(from) = from {
            self.matches_from(
                from,
                (ac, s, infos, (marks, Sel::new(bits, 0))),
                (list, crossing, scan_inside, open_other),
                out,
            );
        }
    }

    /// [`Starts::matches`] from token `from` on: the tokens before it match nothing and
    /// hide nothing.
    #[inline(never)]
    fn matches_from(
        &self,
        from: usize,
        (ac, s, infos, relevant): (&Phrases, &Sent<'_>, &[TokInfo], (&Marks, Sel)),
        (list, crossing, scan_inside, open_other): (
            impl Fn(&TokInfo) -> u16,
            impl Fn(&TokInfo) -> u64,
            impl Fn(&TokInfo) -> bool,
            impl Fn(&TokInfo) -> bool,
        ),
        out: &mut Vec<Hit>,
    ) {
        let l = s.lower;
        let mut pos = 0;
        let (marks, sel) = relevant;
        marks.for_each_in(sel, |i| {
            if i < from {
                return;
            }
            let (f, t) = (&infos[i], &s.toks[i]);
            let (k, inside) = (list(f), scan_inside(f));
            let cross = crossing(f) & class_at(l, t.end);
            // Most tokens open nothing and nothing crosses them.
            if k == 0 && cross == 0 && !inside && !open_other(f) {
                return;
            }
            // The info's crossing classes are those of every phrase crossing any part of the
            // word: a word is scanned only when one of them does cross here.
            if inside || (cross != 0 && (!f.has(T_WORD) || self.crossing(l, t, cross))) {
                let from = pos.max(t.start);
                if from >= t.end {
                    return;
                }
                // Every match starting in the token ends before `limit`, so it is the scan's.
                let limit = (t.end + self.max_len).min(l.len());
                for m in ac.find_iter(l, from..limit).starting_before(t.end) {
                    pos = m.end;
                    out.push(m);
                }
                return;
            }
            if t.start < pos {
                return;
            }
            let hit = if k != 0 {
                self.longest(k, l, t.start)
            } else if !open_other(f) {
                None
            } else if let Some(hit) = self.alone(l, t) {
                hit
            } else if let Some(k) = self.symbol_list(&l[t.start..t.end]) {
                // Every phrase that can start here starts with the token's first character.
                self.longest(k, l, t.start)
            } else {
                ac.longest_at(l, t.start)
            };
            if let Some(h) = hit {
                pos = h.end;
                out.push(h);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_crossings() {
        let st = Starts::new(["new york", "new york city", "us", "u.s.", "at&t"].into_iter());
        let l = st.list("new");
        assert!(l != 0 && st.list("york") == 0);
        assert_eq!(
            st.longest(l, "new york city hall", 0).map(|h| h.pattern),
            Some(1)
        );
        assert_eq!(st.longest(l, "new york", 0).map(|h| h.pattern), Some(0));
        assert_eq!(st.longest(l, "new yorkshire", 0).map(|h| h.end), Some(8));
        assert_eq!(st.longest(l, "new", 0), None);
        assert!(st.list("u.s.") != 0 && st.list("u") != 0 && st.list("at") != 0);
        // "renew york": "new york" starts inside "renew" and crosses with a space.
        assert_ne!(st.cross("renew") & class(Some(' ')), 0);
        assert_eq!(st.cross("renew") & class(Some(',')), 0);
        assert_ne!(st.cross("that") & class(Some('&')), 0);
        assert_eq!(st.cross("that") & class(Some(' ')), 0);
    }

    #[test]
    fn a_lone_closing_symbol_is_what_the_list_finds() {
        let st = Starts::new([".net", "!", "?!", "a"].into_iter());
        for l in ["it is.", "wow!", "what?", "so ?", ".", "!"] {
            let at = l.len() - 1;
            let t = Tok {
                start: at,
                end: l.len(),
                kind: super::super::token::Kind::Punct,
                spaced: false,
            };
            let full = st
                .symbol_list(&l[at..])
                .map(|k| st.longest(k, l, at).map(|h| (h.start, h.end, h.pattern)));
            let known = st
                .alone(l, &t)
                .map(|hit| hit.map(|h| (h.start, h.end, h.pattern)));
            assert_eq!(known, full, "{l}");
        }
        // Not the last token, or longer than a byte: the scan decides.
        let t = Tok {
            start: 0,
            end: 1,
            kind: super::super::token::Kind::Punct,
            spaced: false,
        };
        assert!(st.alone(".net", &t).is_none());
    }

    #[test]
    fn longest_is_the_naive_longest() {
        let phrases = [
            "new york",
            "new york city",
            "new",
            "new south wales",
            "new york stock exchange group",
            "the hague",
            "the bronx",
            "x",
            "xy",
            ".net",
            ".net core runtime",
        ];
        let st = Starts::new(phrases.into_iter());
        let hays = [
            "new",
            "new ",
            "new y",
            "new york",
            "new york c",
            "new york city",
            "new yorkers",
            "new south wales",
            "new york stock exchange grou",
            "new york stock exchange group!",
            "the",
            "the h",
            "the hague",
            "the bronx zoo",
            "the best",
            "x",
            "xy",
            "x y",
            ".n",
            ".net",
            ".net core runtime",
            ".net core",
            ". next",
        ];
        for hay in hays {
            let naive = phrases
                .iter()
                .enumerate()
                .filter(|(_, p)| hay.starts_with(*p))
                .max_by_key(|(i, p)| (p.len(), usize::MAX - i))
                .map(|(i, p)| (i, p.len()));
            let opener = hay.split(' ').next().unwrap();
            let list = st.list(opener);
            let list = if list != 0 {
                Some(list)
            } else {
                st.symbol_list(hay)
            };
            let got = list
                .and_then(|k| st.longest(k, hay, 0))
                .map(|h| (h.pattern, h.end));
            assert_eq!(got, naive, "{hay}");
        }
    }
}
