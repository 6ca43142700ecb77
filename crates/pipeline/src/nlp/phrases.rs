//! Leftmost-longest search for a fixed list of phrases (the gazetteer, the action triggers):
//! the matches of an Aho-Corasick automaton built with `MatchKind::LeftmostLongest`, from a
//! plain trie of the phrases instead.
//!
//! Matching goes token by token (`starts`) and searches only a few bytes here and there, where
//! the trie is as quick as the automaton; but a trie needs no failure transitions, so the
//! gazetteer's thousand phrases build in tens of microseconds where their automaton took over a
//! millisecond, a third of a three-cue file's run.

use std::collections::VecDeque;
use std::ops::Range;

use super::starts::Hit;

/// No node, no phrase.
const NONE: u32 = u32::MAX;

/// A fixed list of non-empty phrases, searched leftmost-longest.
#[derive(Debug)]
pub(crate) struct Phrases {
    /// The phrases' bytes, one after another in sorted order.
    bytes: Vec<u8>,
    /// Per phrase in sorted order (by bytes, then index): its range in `bytes` and its index.
    sorted: Vec<Span>,
    /// The trie's nodes below the root; a node's children are consecutive.
    nodes: Vec<Node>,
    /// The last byte of each node's prefix, apart so that a node's children are looked up in
    /// a few consecutive bytes.
    node_bytes: Vec<u8>,
    /// The root's child for each first byte, or [`NONE`].
    root: Vec<u32>,
}

/// One phrase of [`Phrases::sorted`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
    pattern: u32,
}

/// A trie node: the phrases starting with one prefix.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// The phrase that is the prefix (the first listed of equal ones), or [`NONE`].
    pattern: u32,
    /// The children, consecutive in `nodes` (none when `tail` is set).
    first_child: u32,
    children: u32,
    /// When a single longer phrase starts with the prefix: its index in `sorted`, or [`NONE`].
    tail: u32,
}

impl Phrases {
    /// The phrases, indexed in order (matches report the index). Duplicates are allowed: the
    /// first one is reported, as the automaton does.
    ///
    /// # Panics
    /// On an empty phrase (it would match everywhere), or over 4 GB of phrases.
    pub fn new<P: AsRef<[u8]>>(patterns: impl IntoIterator<Item = P>) -> Self {
        let mut bytes = Vec::new();
        let mut spans = Vec::new();
        for (i, p) in patterns.into_iter().enumerate() {
            let p = p.as_ref();
            assert!(!p.is_empty(), "phrase {i} is empty");
            spans.push(Span {
                start: index(bytes.len()),
                len: index(p.len()),
                pattern: index(i),
            });
            bytes.extend_from_slice(p);
        }
        let text = |s: &Span| &bytes[s.start as usize..(s.start + s.len) as usize];
        // Most phrases differ in their first eight bytes: compare those as one number first.
        let head = |s: &Span| {
            let t = text(s);
            let mut w = [0u8; 8];
            let n = t.len().min(8);
            w[..n].copy_from_slice(&t[..n]);
            u64::from_be_bytes(w)
        };
        let mut keyed: Vec<(u64, Span)> = spans.iter().map(|s| (head(s), *s)).collect();
        keyed.sort_unstable_by(|(ha, a), (hb, b)| {
            ha.cmp(hb)
                .then_with(|| text(a).cmp(text(b)))
                .then(a.pattern.cmp(&b.pattern))
        });
        let spans = keyed.into_iter().map(|(_, s)| s);
        let mut sorted_bytes = Vec::with_capacity(bytes.len());
        let sorted: Vec<Span> = spans
            .map(|s| {
                let start = index(sorted_bytes.len());
                sorted_bytes.extend_from_slice(text(&s));
                Span { start, ..s }
            })
            .collect();
        let mut trie = Phrases {
            bytes: sorted_bytes,
            sorted,
            nodes: Vec::new(),
            node_bytes: Vec::new(),
            root: vec![NONE; 256],
        };
        trie.build();
        trie
    }

    /// Byte `d` of sorted phrase `k` (which is longer).
    fn byte(&self, k: usize, d: usize) -> u8 {
        self.bytes[self.sorted[k].start as usize + d]
    }

    /// Builds the trie breadth first, so that each node's children are consecutive. A node
    /// stands for `sorted[lo..hi]`, the phrases starting with its prefix of `d` bytes.
    fn build(&mut self) {
        let mut queue = VecDeque::new();
        let mut kids = Vec::new();
        self.groups(0, self.sorted.len(), 0, &mut kids);
        for &(b, lo, hi) in &kids {
            self.root[usize::from(b)] = self.push_node(b, lo, hi, 1);
            queue.push_back((self.nodes.len() - 1, lo, hi, 1));
        }
        while let Some((n, lo, hi, d)) = queue.pop_front() {
            if self.nodes[n].tail != NONE {
                continue;
            }
            // The phrases that end here come first; the others have a byte `d`.
            let lo = lo + self.ending(lo, hi, d);
            self.groups(lo, hi, d, &mut kids);
            self.nodes[n].first_child = index(self.nodes.len());
            self.nodes[n].children = index(kids.len());
            for &(b, lo, hi) in &kids {
                self.push_node(b, lo, hi, d + 1);
                queue.push_back((self.nodes.len() - 1, lo, hi, d + 1));
            }
        }
    }

    /// How many of `sorted[lo..hi]` (sharing a prefix of `d` bytes) are just that prefix.
    fn ending(&self, lo: usize, hi: usize, d: usize) -> usize {
        self.sorted[lo..hi]
            .iter()
            .take_while(|s| s.len as usize == d)
            .count()
    }

    /// `sorted[lo..hi]` (all longer than `d` bytes) split by their byte `d`, into `out`.
    fn groups(&self, lo: usize, hi: usize, d: usize, out: &mut Vec<(u8, usize, usize)>) {
        out.clear();
        let mut k = lo;
        while k < hi {
            let b = self.byte(k, d);
            let mut end = k + 1;
            while end < hi && self.byte(end, d) == b {
                end += 1;
            }
            out.push((b, k, end));
            k = end;
        }
    }

    /// Adds the node of `sorted[lo..hi]`, whose prefix of `d` bytes ends with `b`, without its
    /// children; returns its index.
    fn push_node(&mut self, b: u8, lo: usize, hi: usize, d: usize) -> u32 {
        let ends = self.ending(lo, hi, d);
        self.node_bytes.push(b);
        self.nodes.push(Node {
            pattern: if ends > 0 {
                self.sorted[lo].pattern
            } else {
                NONE
            },
            first_child: 0,
            children: 0,
            tail: if hi - lo - ends == 1 {
                index(lo + ends)
            } else {
                NONE
            },
        });
        index(self.nodes.len() - 1)
    }

    /// The longest phrase (the first listed among equal ones) that `hay` starts with: its
    /// length and index.
    #[inline]
    pub fn longest_prefix(&self, hay: &[u8]) -> Option<(usize, usize)> {
        let mut n = self.root[usize::from(*hay.first()?)];
        let mut best = None;
        let mut d = 1;
        while n != NONE {
            let node = self.nodes[n as usize];
            if node.pattern != NONE {
                best = Some((d, node.pattern as usize));
            }
            if node.tail != NONE {
                let s = self.sorted[node.tail as usize];
                let (start, len) = (s.start as usize, s.len as usize);
                if hay.get(d..len) == Some(&self.bytes[start + d..start + len]) {
                    best = Some((len, s.pattern as usize));
                }
                break;
            }
            let Some(&c) = hay.get(d) else { break };
            let first = node.first_child as usize;
            n = self.node_bytes[first..first + node.children as usize]
                .iter()
                .position(|&b| b == c)
                .map_or(NONE, |i| index(first + i));
            d += 1;
        }
        best
    }

    /// The phrase match starting at `at` in `hay`, if any: the longest.
    pub fn longest_at(&self, hay: &str, at: usize) -> Option<Hit> {
        self.longest_prefix(&hay.as_bytes()[at..])
            .map(|(len, pattern)| Hit {
                start: at,
                end: at + len,
                pattern,
            })
    }

    /// The leftmost-longest, non-overlapping matches that start and end within `range` of `hay`,
    /// in order (an Aho-Corasick automaton's `find_iter` over `Input::new(hay).range(range)`).
    pub fn find_iter<'a>(&'a self, hay: &'a str, range: Range<usize>) -> FindIter<'a> {
        FindIter {
            phrases: self,
            hay: &hay.as_bytes()[..range.end],
            at: range.start,
            starts_before: range.end,
        }
    }
}

/// `n` as a `u32` index.
fn index(n: usize) -> u32 {
    u32::try_from(n).expect("phrase lists are under 4 GB")
}

/// The matches of [`Phrases::find_iter`].
pub(crate) struct FindIter<'a> {
    phrases: &'a Phrases,
    hay: &'a [u8],
    at: usize,
    /// No match starts here or later.
    starts_before: usize,
}

impl FindIter<'_> {
    /// Only the matches that start before `end` (the first ones): the search stops there
    /// instead of looking for a match to drop.
    pub fn starting_before(mut self, end: usize) -> Self {
        self.starts_before = self.starts_before.min(end);
        self
    }
}

impl Iterator for FindIter<'_> {
    type Item = Hit;

    fn next(&mut self) -> Option<Hit> {
        while self.at < self.starts_before {
            if let Some((len, pattern)) = self.phrases.longest_prefix(&self.hay[self.at..]) {
                let start = self.at;
                self.at += len;
                return Some(Hit {
                    start,
                    end: self.at,
                    pattern,
                });
            }
            self.at += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, Input, MatchKind};
    use proptest::prelude::*;

    /// The automaton's matches, the reference.
    fn automaton(ac: &AhoCorasick, hay: &str, range: Range<usize>) -> Vec<Hit> {
        ac.find_iter(Input::new(hay).range(range))
            .map(|m| Hit {
                start: m.start(),
                end: m.end(),
                pattern: m.pattern().as_usize(),
            })
            .collect()
    }

    fn leftmost_longest(patterns: &[String]) -> AhoCorasick {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(aho_corasick::StartKind::Both)
            .build(patterns)
            .expect("test patterns")
    }

    fn small_list() -> Vec<String> {
        [
            "new york",
            "new york city",
            "new",
            "york",
            "us",
            "u.s.",
            "u.s.a.",
            "at&t",
            "at",
            "s3",
            "amazon s3",
            "são paulo",
            "são",
            "i'll",
            "i'll send",
            "we",
            "we will",
            "will",
            "us",
            ".net",
            "a",
            "ab",
            "abc",
            "abd",
            "b",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn matches_like_the_automaton() {
        let list = small_list();
        let (ours, ac) = (Phrases::new(&list), leftmost_longest(&list));
        for hay in [
            "",
            "new york city hall in new yorkshire",
            "the u.s.a. and the u.s. and us",
            "at&t at t amazon s3 s3",
            "são paulo, são, sã",
            "i'll send it; we will see; i'll",
            "abcd abd ab a b .net x.net",
        ] {
            assert_eq!(
                ours.find_iter(hay, 0..hay.len()).collect::<Vec<_>>(),
                automaton(&ac, hay, 0..hay.len()),
                "{hay}"
            );
        }
        // Duplicates report the first listed; a range bounds both ends of a match.
        assert_eq!(ours.longest_at("us", 0).map(|h| h.pattern), Some(4));
        let hay = "new york city";
        assert_eq!(
            ours.find_iter(hay, 1..10).collect::<Vec<_>>(),
            automaton(&ac, hay, 1..10)
        );
        assert_eq!(
            ours.find_iter(hay, 0..10)
                .map(|h| h.end)
                .collect::<Vec<_>>(),
            [8]
        );
        assert_eq!(
            ours.find_iter(hay, 0..hay.len())
                .starting_before(9)
                .collect::<Vec<_>>(),
            automaton(&ac, hay, 0..hay.len())
        );
        let late = "xx new york";
        assert_eq!(
            ours.find_iter(late, 0..late.len())
                .starting_before(3)
                .count(),
            0
        );
        assert_eq!(
            ours.find_iter(late, 0..late.len())
                .starting_before(4)
                .count(),
            1
        );
        assert_eq!(ours.longest_at("abx", 0).map(|h| h.end), Some(2));
        assert_eq!(ours.longest_at("xab", 0), None);
    }

    #[test]
    fn gazetteer_matches_like_its_automaton() {
        let names: Vec<String> = super::super::lexicon::GAZETTEER
            .entries
            .iter()
            .map(|e| e.name.to_ascii_lowercase())
            .collect();
        let (ours, ac) = (Phrases::new(&names), leftmost_longest(&names));
        let hay = names.join(" x");
        assert_eq!(
            ours.find_iter(&hay, 0..hay.len()).collect::<Vec<_>>(),
            automaton(&ac, &hay, 0..hay.len())
        );
        let glued = names.concat();
        assert_eq!(
            ours.find_iter(&glued, 0..glued.len()).collect::<Vec<_>>(),
            automaton(&ac, &glued, 0..glued.len())
        );
    }

    proptest! {
        #[test]
        fn any_text_matches_like_the_automaton(
            parts in prop::collection::vec(0usize..40, 0..30),
            cut in 0usize..200,
        ) {
            let list = small_list();
            let (ours, ac) = (Phrases::new(&list), leftmost_longest(&list));
            // Pieces of phrases, their prefixes and separators, glued together.
            let pieces = ["new ", "yor", "york", " city", "u.", "s.", "a.", "at", "&t", "são",
                "sã", " ", ".", "i'll", " send", "we ", "will", "ab", "c", "d", "x", "s3",
                "amazon ", ".net", "é", "us", "a", "b", ",", "paulo"];
            let hay: String = parts.iter().map(|&i| pieces[i % pieces.len()]).collect();
            let mut from = cut.min(hay.len());
            while !hay.is_char_boundary(from) {
                from -= 1;
            }
            prop_assert_eq!(
                ours.find_iter(&hay, from..hay.len()).collect::<Vec<_>>(),
                automaton(&ac, &hay, from..hay.len())
            );
            for at in (0..hay.len()).filter(|&i| hay.is_char_boundary(i)) {
                let anchored = ac
                    .try_find(Input::new(&hay).range(at..).anchored(aho_corasick::Anchored::Yes));
                let want = anchored.expect("anchored searches are supported").map(|m| (m.end(), m.pattern().as_usize()));
                prop_assert_eq!(ours.longest_at(&hay, at).map(|h| (h.end, h.pattern)), want);
            }
        }
    }
}
