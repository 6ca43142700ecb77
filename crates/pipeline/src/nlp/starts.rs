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

use super::hash::{FastMap, load_partial};
use super::patterns::Sent;
use super::phrases::Phrases;
use super::vocab::TokInfo;

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

/// The character of a one-character string.
fn single_char(t: &str) -> Option<char> {
    let mut c = t.chars();
    c.next().filter(|_| c.next().is_none())
}

/// [`class`] of the character at byte `i` of `s` (a byte of a multi-byte character is "other").
fn class_at(s: &str, i: usize) -> u64 {
    match s.as_bytes().get(i) {
        None => 0,
        Some(&b) if b < 0x80 => class(Some(char::from(b))),
        Some(_) => 1 << 63,
    }
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
    /// Per list: its range in `phrases` and `tails`, and the length of the token that opens it.
    lists: Vec<(usize, usize, usize)>,
    /// The phrases (index, lower-cased text) of each list in turn, longest first.
    phrases: Vec<(usize, &'a str)>,
    /// Per phrase: the (up to) eight bytes after the list's opening token, zero-padded, with
    /// their count: most phrases are ruled out by one comparison.
    tails: Vec<(u64, usize)>,
    /// A proper prefix of a phrase that a token can end with -> classes of the next character.
    cross: FastMap<&'a str, u64>,
    /// First bytes of the phrases.
    first: Vec<bool>,
    /// A phrase's first character, when it is not a letter or digit -> 1 + index into
    /// `lists` of the phrases starting with it (a one-character token opens all of them).
    by_symbol: FastMap<char, u16>,
    /// Longest phrase, in bytes.
    max_len: usize,
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
            let list = members[from..].iter().take_while(|e| e.0 as usize == k + 1);
            for &(_, i, p) in list {
                let tail = &p.as_bytes()[open..];
                let n = tail.len().min(8);
                st.phrases.push((i, p));
                st.tails.push((load_partial(&tail[..n]), n));
            }
            st.lists.push((from, st.phrases.len(), open));
        }
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
    fn longest(&self, list: u16, hay: &str, at: usize) -> Option<Hit> {
        let (from, to, open) = self.lists[list as usize - 1];
        let rest = &hay.as_bytes()[at + open..];
        self.phrases[from..to]
            .iter()
            .zip(&self.tails[from..to])
            .find(|((_, p), (head, n))| {
                let tail = &p.as_bytes()[open..];
                tail.len() <= rest.len()
                    && load_partial(&rest[..*n]) == *head
                    && rest[*n..tail.len()] == tail[*n..]
            })
            .map(|(&(pattern, p), _)| Hit {
                start: at,
                end: at + p.len(),
                pattern,
            })
    }

    /// The scan's matches in the sentence (see the module docs), into `out` (cleared first).
    /// Tokens without a bit of `relevant` open nothing, are not crossed and are not scanned.
    /// `list` and `cross` read a token's list and crossing classes from its info; `scan_inside`
    /// says which word tokens have words starting inside them; `open_other` which other tokens
    /// may start a phrase (searched in `ac`, the full list).
    #[allow(clippy::too_many_arguments)]
    pub fn matches(
        &self,
        ac: &Phrases,
        s: &Sent<'_>,
        infos: &[TokInfo],
        relevant: u32,
        list: impl Fn(&TokInfo) -> u16,
        scan_inside: impl Fn(&TokInfo) -> bool,
        open_other: impl Fn(&TokInfo) -> bool,
        out: &mut Vec<Hit>,
    ) {
        out.clear();
        let l = s.lower;
        let mut pos = 0;
        for (i, f) in infos.iter().enumerate() {
            if f.bits & relevant == 0 {
                continue;
            }
            let t = &s.toks[i];
            let (k, inside) = (list(f), scan_inside(f));
            // Most tokens open nothing and nothing crosses them.
            if k == 0 && f.cross == 0 && !inside && !open_other(f) {
                continue;
            }
            if inside || (f.cross != 0 && f.cross & class_at(l, t.end) != 0) {
                let from = pos.max(t.start);
                if from >= t.end {
                    continue;
                }
                // Every match starting in the token ends before `limit`, so it is the scan's.
                let limit = (t.end + self.max_len).min(l.len());
                for m in ac.find_iter(l, from..limit).starting_before(t.end) {
                    pos = m.end;
                    out.push(m);
                }
                continue;
            }
            if t.start < pos {
                continue;
            }
            let hit = if k != 0 {
                self.longest(k, l, t.start)
            } else if let Some(k) = open_other(f)
                .then(|| single_char(&l[t.start..t.end]))
                .flatten()
                .and_then(|c| self.by_symbol.get(&c))
            {
                self.longest(*k, l, t.start)
            } else if open_other(f) {
                ac.longest_at(l, t.start)
            } else {
                None
            };
            if let Some(h) = hit {
                pos = h.end;
                out.push(h);
            }
        }
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
}
