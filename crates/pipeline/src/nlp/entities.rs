//! Entity candidates and how they become entities.
//!
//! While sentences stream in, every distinct candidate span is interned once (count, mentions
//! that were not sentence-initial, first time): pattern matches, gazetteer hits, capitalised runs
//! in cased text, and given names / unknown words in lower-case captions. Only at the end, with
//! the whole meeting's vocabulary known, are candidates labelled and merged: "Sarah" becomes a
//! mention of the speaker "Sarah Chen", "Halvorsen" of "Halvorsen Marine Supply", "Brightwater
//! Connect" a PRODUCT because "Brightwater Analytics" is an ORG. Memory is bounded by the number
//! of distinct candidates, capped at [`MAX_CANDIDATES`].

use std::collections::HashMap;

use super::hash::FastMap;

use super::lexicon::{
    CasePolicy, GAZ_STARTS, GAZETTEER, GENERIC_HEADS, ORG_SUFFIXES, ROLE_WORDS, is_english,
    is_given_name, is_stop,
};
use super::marks::Marks;
use super::patterns::{Sent, match_at};
use super::starts::Hit;
use super::token::Kind;
use super::{Entity, EntityLabel};

use super::vocab::{
    GREETINGS, NO_ID, T_ASCII, T_CAP, T_NO_UPPER, T_PLAIN, T_TITLE, T_WORD, TokInfo, W_AT_FROM,
    W_CONNECTOR, W_GAZ, W_GAZ_ANY, W_GIVEN, W_GREETING, W_ORG_SUFFIX, W_START, W_STOP,
};

/// Distinct runs of only dictionary words ("Data Connector", "Error Message") beyond which a
/// transcript is taken to capitalise common nouns for emphasis, so such runs stop counting as
/// product names.
const TITLE_CASE_NOISE: usize = 6;

/// Speaker names whose candidate is remembered.
const MAX_SPOKE: usize = 4_096;

/// Distinct candidates kept; later new spans are ignored (existing ones still count).
pub(crate) const MAX_CANDIDATES: usize = 50_000;

/// Spans of words remembered by their vocabulary ids (see [`EntityTable::by_ids`]).
const MAX_ID_SPANS: usize = 16_384;
/// Longest span keyed by ids: six words of 16 bits each fit in a `u128` with their gaps.
const MAX_ID_SPAN_WORDS: usize = 6;

/// Where a candidate came from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Src {
    Speaker,
    Pattern,
    Gaz(CasePolicy),
    /// A given name followed by an unknown word in lower-case text ("elena vasquez").
    NamePair,
    /// An unknown word followed by an organisation suffix ("lumora data").
    OrgPair,
    /// Capitalised words in cased text.
    Run,
    /// One capitalised word, or one given name / unknown word in lower-case text.
    Single,
    /// An unknown word and the next word in lower-case text ("lumora pipelines").
    Bigram,
}

#[derive(Debug, Clone)]
struct Cand {
    text: String,
    label: Option<EntityLabel>,
    src: Src,
    count: u32,
    /// Mentions that did not open a sentence.
    mid: u32,
    first_ms: u64,
    /// Decided not to be an entity (a role, a heading); never relabelled.
    rejected: bool,
    /// Mentions right after "at" or "from" ("VP of Operations at Halvorsen Marine").
    after_at: u32,
}

/// Settings that decide which candidates are reported.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntityLimits {
    pub min_frequency: u32,
    pub min_length: usize,
}

/// The candidate table; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct EntityTable {
    map: FastMap<String, usize>,
    cands: Vec<Cand>,
    key: String,
    /// Value key of the current pattern match.
    pkey: String,
    /// Dictionary answers for the words of lower-case captions, per vocabulary id: 0 not asked
    /// yet, 1 no, 2 yes.
    english_ids: Vec<u8>,
    /// Speakers' candidates by the name as given (a candidate's index never changes).
    spoke: FastMap<String, usize>,
    /// The last name found in `spoke` and its candidate: most sentences have the previous
    /// sentence's speaker.
    last_spoke: Option<(String, usize)>,
    /// The name found in `spoke` before `last_spoke`, and its candidate.
    prev_spoke: Option<(String, usize)>,
    /// Whether the last [`EntityTable::speaker_spoke`] left its name in `last_spoke`: then a
    /// sentence of the same speaker needs no compare.
    last_is_name: bool,
    lower: String,
    claimed: Claimed,
    /// The gazetteer's matches in the current sentence.
    hits: Vec<Hit>,
    /// Candidates of spans of ASCII words by their words' vocabulary ids and the spaces between
    /// them (see [`span_key`]): a name said again costs one integer probe instead of building
    /// and hashing its lower-cased key.
    by_ids: FastMap<u128, u32>,
    /// [`EntityTable::by_ids`] of the spans of one word with no possessive, by the word's id
    /// (below 2^16, see [`span_key`]): 1 + the candidate, 0 for none yet.
    by_word_id: Vec<u32>,
    /// Candidates of gazetteer entries by entry index, `u32::MAX` for none yet.
    gaz_cands: Vec<u32>,
}

/// The current sentence's tokens already part of a candidate, a bit each: a sentence clears a
/// word or two instead of a byte per token.
#[derive(Debug, Default)]
struct Claimed {
    words: Vec<u64>,
    /// Tokens in the sentence.
    n: usize,
}

impl Claimed {
    /// No token of a sentence of `n` tokens claimed.
    #[inline]
    fn reset(&mut self, n: usize) {
        self.n = n;
        let k = n.div_ceil(64);
        if self.words.len() < k {
            self.words.resize(k, 0);
        }
        match &mut self.words[..k] {
            [] => {}
            [w] => *w = 0,
            ws => ws.fill(0),
        }
    }

    /// Whether token `i` (of the sentence) is claimed.
    #[inline]
    fn has(&self, i: usize) -> bool {
        debug_assert!(i < self.n);
        self.words[i / 64] >> (i % 64) & 1 != 0
    }

    /// Whether `i` is a token of the sentence and not claimed.
    #[inline]
    fn free(&self, i: usize) -> bool {
        i < self.n && !self.has(i)
    }

    /// Whether any of tokens `a..b` is claimed.
    #[inline]
    fn any(&self, a: usize, b: usize) -> bool {
        (a..b).any(|i| self.has(i))
    }

    /// Claims tokens `a..b`.
    #[inline]
    fn claim(&mut self, a: usize, b: usize) {
        debug_assert!(b <= self.n);
        for i in a..b {
            self.words[i / 64] |= 1 << (i % 64);
        }
    }
}

/// A key for the span of tokens `a..b` (the last one without its possessive "'s" when
/// `stripped`) such that two spans with the same key have the same candidate key: ASCII words
/// with vocabulary ids (the id of the ASCII-lower-cased word) separated by one space or nothing.
/// `None` for other spans, which take the string path.
fn span_key(s: &Sent<'_>, infos: &[TokInfo], a: usize, b: usize, stripped: bool) -> Option<u128> {
    if b <= a || b - a > MAX_ID_SPAN_WORDS {
        return None;
    }
    // Bits 0-95: the ids; 96-100: one bit per gap, set for a space; 101-103: the word count;
    // 104: stripped.
    let mut key = ((b - a) as u128) << 101 | u128::from(stripped) << 104;
    for (k, (f, t)) in infos[a..b].iter().zip(&s.toks[a..b]).enumerate() {
        if f.id == NO_ID || f.id > 0xffff || !f.has(T_ASCII) {
            return None;
        }
        key |= u128::from(f.id) << (16 * k);
        if k > 0 {
            let prev_end = s.toks[a + k - 1].end;
            match t.start - prev_end {
                0 => {}
                1 if s.text.as_bytes()[prev_end] == b' ' => key |= 1u128 << (96 + k - 1),
                _ => return None,
            }
        }
    }
    Some(key)
}

fn lower_into(s: &str, buf: &mut String) {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// Writes a named candidate's key ("n:" and the lower-cased name) into `key`, in one pass.
fn name_key_into(name: &str, key: &mut String) {
    key.clear();
    key.push_str("n:");
    if name.is_ascii() {
        key.push_str(name);
        key.make_ascii_lowercase();
    } else {
        key.extend(name.chars().flat_map(char::to_lowercase));
    }
}

fn strip_possessive(w: &str) -> &str {
    // Most words do not end in "s": one byte test.
    if !w.ends_with('s') {
        return w;
    }
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}

/// Whether token `i` ends with a possessive "'s" or "’s" (what [`strip_possessive`] strips),
/// from its bytes.
fn possessive(s: &Sent<'_>, i: usize) -> bool {
    let t = &s.toks[i];
    let b = &s.text.as_bytes()[t.start..t.end];
    b.last() == Some(&b's') && (b.ends_with(b"'s") || b.ends_with("’s".as_bytes()))
}

fn is_title(w: &str) -> bool {
    let mut c = w.chars();
    c.next().is_some_and(char::is_uppercase) && c.next().is_some_and(char::is_lowercase)
}

pub(crate) fn is_camel(w: &str) -> bool {
    let b = w.as_bytes();
    if b.len() < 4 || w.starts_with("Mc") || w.starts_with("Mac") || w.starts_with("O'") {
        return false;
    }
    b.windows(2)
        .any(|p| p[0].is_ascii_lowercase() && p[1].is_ascii_uppercase())
        && b.iter().filter(|c| c.is_ascii_lowercase()).count() >= 2
}

/// The gazetteer's matches in the sentence's lower-cased text, as one leftmost-longest scan
/// finds them (see [`Starts`](super::starts::Starts)).
fn gazetteer_hits(s: &Sent<'_>, infos: &[TokInfo], marks: &Marks, out: &mut Vec<Hit>) {
    GAZ_STARTS.matches(
        &GAZETTEER.phrases,
        s,
        infos,
        (marks, W_GAZ_ANY),
        |f| f.gaz,
        |f| f.gaz_cross,
        |_| false,
        |f| !f.has(T_WORD) && f.has(W_GAZ),
        out,
    );
}

impl EntityTable {
    /// Registers a speaker as a PERSON ("Speaker 2"-style labels are not people).
    pub fn add_speaker(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_ascii_digit()) {
            return;
        }
        name_key_into(name, &mut self.key);
        let key = std::mem::take(&mut self.key);
        self.upsert(&key, name, Some(EntityLabel::Person), Src::Speaker, None);
        self.key = key;
    }

    /// Notes that `name` spoke at `ms`, so a speaker's first mention is no later than that.
    #[inline]
    /// `same` says the previous call had the same name.
    pub fn speaker_spoke(&mut self, name: &str, ms: u64, same: bool) {
        // Turns are many and speakers few: their candidates are remembered, and most sentences
        // have the previous sentence's speaker (known without comparing names).
        if let Some((last, i)) = &self.last_spoke
            && ((same && self.last_is_name) || last == name)
        {
            let c = &mut self.cands[*i];
            c.first_ms = c.first_ms.min(ms);
            self.last_is_name = true;
            return;
        }
        self.last_is_name = self.other_speaker_spoke(name, ms);
    }

    /// [`EntityTable::speaker_spoke`] of a speaker other than the previous sentence's: most
    /// often the one before (two people talking), else looked up.
    /// Whether `last_spoke` then holds `name`.
    #[inline(never)]
    fn other_speaker_spoke(&mut self, name: &str, ms: u64) -> bool {
        if let Some((prev, i)) = &self.prev_spoke
            && prev == name
        {
            let c = &mut self.cands[*i];
            c.first_ms = c.first_ms.min(ms);
            std::mem::swap(&mut self.last_spoke, &mut self.prev_spoke);
            return true;
        }
        if let Some(&i) = self.spoke.get(name) {
            let c = &mut self.cands[i];
            c.first_ms = c.first_ms.min(ms);
            // The name's buffer is reused from the speaker before the previous one's.
            let (mut last, _) = self.prev_spoke.take().unwrap_or_default();
            last.clear();
            last.push_str(name);
            self.prev_spoke = self.last_spoke.replace((last, i));
            return true;
        }
        name_key_into(name.trim(), &mut self.key);
        if let Some(&i) = self.map.get(self.key.as_str()) {
            let c = &mut self.cands[i];
            c.first_ms = c.first_ms.min(ms);
            if self.spoke.len() < MAX_SPOKE {
                self.spoke.insert(name.to_owned(), i);
            }
        }
        false
    }

    /// Inserts or counts a candidate. `mention` is `Some(initial)` for a mention in the text,
    /// `None` for a registration that is not a mention.
    fn upsert(
        &mut self,
        key: &str,
        text: &str,
        label: Option<EntityLabel>,
        src: Src,
        mention: Option<(bool, u64)>,
    ) -> Option<usize> {
        let idx = match self.map.get(key) {
            Some(&i) => i,
            None => {
                if self.cands.len() >= MAX_CANDIDATES {
                    return None;
                }
                self.cands.push(Cand {
                    text: text.to_owned(),
                    label,
                    src,
                    count: 0,
                    mid: 0,
                    first_ms: u64::MAX,
                    rejected: false,
                    after_at: 0,
                });
                self.map.insert(key.to_owned(), self.cands.len() - 1);
                self.cands.len() - 1
            }
        };
        self.update(idx, text, label, src, mention);
        Some(idx)
    }

    /// Counts a mention (or registration) of candidate `idx`; see [`EntityTable::upsert`].
    #[inline]
    fn update(
        &mut self,
        idx: usize,
        text: &str,
        label: Option<EntityLabel>,
        src: Src,
        mention: Option<(bool, u64)>,
    ) {
        let c = &mut self.cands[idx];
        if src < c.src {
            c.src = src;
            c.label = label;
            if src != Src::Speaker {
                c.text.clear();
                c.text.push_str(text);
            }
        }
        // The same value said in words and digits is shown in digits ("20%", not "twenty percent").
        if src == Src::Pattern
            && c.src == Src::Pattern
            && text.bytes().any(|b| b.is_ascii_digit())
            && !c.text.bytes().any(|b| b.is_ascii_digit())
        {
            c.text.clear();
            c.text.push_str(text);
        }
        if let Some((initial, ms)) = mention {
            c.count += 1;
            c.mid += u32::from(!initial);
            c.first_ms = c.first_ms.min(ms);
        }
    }

    /// [`is_english`] of a word token (`lower` its lower-cased text) through a per-meeting cache
    /// by vocabulary id: captions repeat their words, and an index is several times cheaper than
    /// the dictionary's binary search. Words the full vocabulary gave no id are looked up directly.
    fn known_token(&mut self, info: TokInfo, lower: &str) -> bool {
        if info.id == NO_ID {
            return is_english(lower);
        }
        let k = info.id as usize;
        if k >= self.english_ids.len() {
            self.english_ids.resize(k + 1, 0);
        }
        match self.english_ids[k] {
            0 => {
                let known = is_english(lower);
                self.english_ids[k] = 1 + u8::from(known);
                known
            }
            v => v == 2,
        }
    }

    /// Records a mention of a named candidate; returns its index unless the table is full.
    fn record_named(
        &mut self,
        text: &str,
        label: Option<EntityLabel>,
        src: Src,
        initial: bool,
        ms: u64,
    ) -> Option<usize> {
        name_key_into(text, &mut self.key);
        let key = std::mem::take(&mut self.key);
        let idx = self.upsert(&key, text, label, src, Some((initial, ms)));
        self.key = key;
        idx
    }

    /// A single word of a lower-case caption (token `i`), unlabelled.
    fn record_word(&mut self, s: &Sent<'_>, infos: &[TokInfo], i: usize, initial: bool, ms: u64) {
        let len = s.s(i).len();
        self.record_span(s, infos, (i, i + 1), len, None, Src::Single, initial, ms);
    }

    /// [`EntityTable::record_named`] of the text of tokens `a..b` (the last one `last_len`
    /// bytes long, without a possessive), through [`EntityTable::by_ids`] when it can.
    #[allow(clippy::too_many_arguments)]
    fn record_span(
        &mut self,
        s: &Sent<'_>,
        infos: &[TokInfo],
        (a, b): (usize, usize),
        last_len: usize,
        label: Option<EntityLabel>,
        src: Src,
        initial: bool,
        ms: u64,
    ) -> Option<usize> {
        let text = &s.text[s.toks[a].start..s.toks[b - 1].start + last_len];
        let stripped = last_len != s.toks[b - 1].end - s.toks[b - 1].start;
        let key = span_key(s, infos, a, b, stripped);
        // One word as written is found by its id alone (most spans are one word).
        let word = (key.is_some() && b == a + 1 && !stripped).then(|| infos[a].id as usize);
        let known = match (word, key) {
            (Some(id), _) => self.by_word_id.get(id).and_then(|&i| i.checked_sub(1)),
            (None, Some(k)) => self.by_ids.get(&k).copied(),
            (None, None) => None,
        };
        if let Some(i) = known {
            self.update(i as usize, text, label, src, Some((initial, ms)));
            return Some(i as usize);
        }
        let idx = self.record_named(text, label, src, initial, ms);
        if let Some(i) = idx {
            match (word, key) {
                (Some(id), _) => {
                    if self.by_word_id.len() <= id {
                        self.by_word_id.resize(id + 1, 0);
                    }
                    self.by_word_id[id] = i as u32 + 1;
                }
                (None, Some(k)) if self.by_ids.len() < MAX_ID_SPANS => {
                    self.by_ids.insert(k, i as u32);
                }
                _ => {}
            }
        }
        idx
    }

    /// Finds the candidates in one sentence.
    #[inline]
    pub fn observe(&mut self, s: &Sent<'_>, ms: u64) {
        s.with_infos(|infos, marks| self.observe_marked(s, infos, marks, ms));
    }

    /// [`EntityTable::observe`] with the sentence's token infos and marks.
    #[inline(never)]
    fn observe_marked(&mut self, s: &Sent<'_>, infos: &[TokInfo], marks: &Marks, ms: u64) {
        let toks = s.toks;
        let n = toks.len();
        // What the sentence's tokens have between them: a step none of them concerns skips the
        // sentence with one test.
        let any = marks.any;
        // Only word tokens have `T_TITLE`.
        let cased = any & T_TITLE != 0;
        let first = (0..n)
            .find(|&i| matches!(s.kind(i), Some(Kind::Word | Kind::Num)))
            .unwrap_or(0);
        let mut claimed = std::mem::take(&mut self.claimed);
        claimed.reset(n);

        // 1. Numbers, dates and times.
        let mut key = std::mem::take(&mut self.pkey);
        // Patterns open at a number, a symbol or a starter word: a token that is not a word, or
        // a starter.
        let mut i = 0;
        marks.for_each(W_START, T_WORD, |c| {
            if c < i {
                return;
            }
            i = c;
            // What `match_at` turns away first, without the call.
            let skip = match toks[i].kind {
                Kind::Word => !s.may_start(i),
                Kind::Punct => true,
                Kind::Sym | Kind::Num => false,
            };
            if skip {
                i += 1;
                return;
            }
            match match_at(s, i, cased, &mut key) {
                Some(m) => {
                    let surface = s.span(m.start, m.end);
                    self.upsert(
                        &key,
                        surface,
                        Some(m.label),
                        Src::Pattern,
                        Some((m.start == first, ms)),
                    );
                    claimed.claim(m.start, m.end);
                    i = m.end;
                }
                None => i += 1,
            }
        });
        self.pkey = key;

        // 2. Gazetteer.
        let mut hits = std::mem::take(&mut self.hits);
        if any & W_GAZ_ANY != 0 {
            gazetteer_hits(s, infos, marks, &mut hits);
            self.gazetteer(s, &hits, &mut claimed, cased, first, ms);
        }
        self.hits = hits;

        // 3. Names.
        if cased {
            // A run starts at a capitalised word.
            if any & T_CAP != 0 {
                self.runs(s, infos, marks, &mut claimed, first, ms);
            }
        } else {
            self.lower_case_names(s, infos, marks, &mut claimed, first, ms);
        }
        self.claimed = claimed;
    }

    /// Records the gazetteer's entries among `hits` (see [`gazetteer_hits`]) that start and end
    /// at token boundaries and fit the entry's case policy.
    fn gazetteer(
        &mut self,
        s: &Sent<'_>,
        hits: &[Hit],
        claimed: &mut Claimed,
        cased: bool,
        first: usize,
        ms: u64,
    ) {
        let (text, toks) = (s.text, s.toks);
        let n = toks.len();
        let gaz = &*GAZETTEER;
        for hit in hits {
            let Some(a) = toks.iter().position(|t| t.start == hit.start) else {
                continue;
            };
            let Some(b) = toks[a..]
                .iter()
                .position(|t| t.end == hit.end)
                .map(|p| a + p + 1)
            else {
                continue;
            };
            if claimed.any(a, b) {
                continue;
            }
            let e = &gaz.entries[hit.pattern];
            let surface = &text[hit.start..hit.end];
            let ok = match e.case {
                CasePolicy::Exact => surface == e.name,
                CasePolicy::Normal => !cased || surface.chars().next() == e.name.chars().next(),
                CasePolicy::Ambiguous => cased && surface.chars().next() == e.name.chars().next(),
            };
            if !ok {
                continue;
            }
            // "Victoria Beckham": a given name followed by a capitalised word is a person.
            if cased && b == a + 1 && b < n && is_title(s.s(b)) && !claimed.has(b) {
                lower_into(surface, &mut self.lower);
                if is_given_name(&self.lower) {
                    continue;
                }
            }
            // An entry's candidate is looked up by its name once.
            let mention = Some((a == first, ms));
            match self.gaz_cands.get(hit.pattern) {
                Some(&i) if i != u32::MAX => {
                    self.update(i as usize, e.name, Some(e.label), Src::Gaz(e.case), mention);
                }
                _ => {
                    let idx =
                        self.record_named(e.name, Some(e.label), Src::Gaz(e.case), a == first, ms);
                    if let Some(i) = idx {
                        if self.gaz_cands.len() <= hit.pattern {
                            self.gaz_cands.resize(hit.pattern + 1, u32::MAX);
                        }
                        self.gaz_cands[hit.pattern] = i as u32;
                    }
                }
            }
            claimed.claim(a, b);
        }
    }

    fn is_cap_word(&self, infos: &[TokInfo], i: usize, claimed: &Claimed) -> bool {
        // The bits first: most words are not capitalised.
        infos.get(i).is_some_and(|f| f.has(T_WORD | T_CAP)) && !claimed.has(i)
    }

    /// Capitalised runs in cased text: "Halvorsen Marine Supply", "Bank of America".
    fn runs(
        &mut self,
        s: &Sent<'_>,
        infos: &[TokInfo],
        marks: &Marks,
        claimed: &mut Claimed,
        first: usize,
        ms: u64,
    ) {
        // Runs start at capitalised words: the others are not visited.
        let mut i = 0;
        marks.for_each(T_WORD | T_CAP, 0, |c| {
            if c < i {
                return;
            }
            i = c;
            if !self.is_cap_word(infos, i, claimed) {
                i += 1;
                return;
            }
            let mut start = i;
            let mut end = i + 1;
            loop {
                if possessive(s, end - 1) {
                    break;
                }
                if self.is_cap_word(infos, end, claimed) && s.toks[end].spaced {
                    end += 1;
                } else if infos.get(end).is_some_and(|f| f.has(W_CONNECTOR))
                    && self.is_cap_word(infos, end + 1, claimed)
                {
                    end += 2;
                } else {
                    break;
                }
            }
            i = end;
            // "Thanks Dana", "Hi Raj": a sentence's opening word or a greeting is not part of a
            // name, but a capitalised "First" inside one is ("First National Bank").
            while start < end {
                let f = infos[start];
                let (stop, greeting) = if f.has(T_ASCII) {
                    (f.has(W_STOP), f.has(W_GREETING))
                } else {
                    // Unicode lower-casing can turn a non-ASCII word into an ASCII one.
                    lower_into(s.s(start), &mut self.lower);
                    (
                        is_stop(&self.lower),
                        GREETINGS.contains(&self.lower.as_str()),
                    )
                };
                let opener = start == first && stop;
                if !opener && !greeting {
                    break;
                }
                start += 1;
            }
            if start == end || end - start > 6 {
                return;
            }
            let initial = start == first;
            let last = strip_possessive(s.s(end - 1));
            claimed.claim(start, end);
            let src = if end - start == 1 {
                Src::Single
            } else {
                Src::Run
            };
            let idx = self.record_span(s, infos, (start, end), last.len(), None, src, initial, ms);
            // Seen right after "at"/"from".
            if start > 0
                && infos[start - 1].has(W_AT_FROM)
                && let Some(i) = idx
            {
                self.cands[i].after_at += 1;
            }
        });
    }

    /// Lower-case captions: given names ("elena vasquez") and words no dictionary knows.
    fn lower_case_names(
        &mut self,
        s: &Sent<'_>,
        infos: &[TokInfo],
        marks: &Marks,
        claimed: &mut Claimed,
        first: usize,
        ms: u64,
    ) {
        let plain_word =
            |i: usize, claimed: &Claimed| claimed.free(i) && infos[i].has(T_WORD | T_PLAIN);
        // Every name here starts at a plain word: the others are not visited.
        let mut i = 0;
        marks.for_each(T_WORD | T_PLAIN, 0, |c| {
            if c < i {
                return;
            }
            i = c;
            if !plain_word(i, claimed) || s.toks[i].end - s.toks[i].start < 3 {
                i += 1;
                return;
            }
            let w = s.s(i);
            let f = infos[i];
            // "at kestrel health": an everyday word is still a company name before an
            // organisation suffix right after "at"/"from".
            let workplace = i > 0
                && infos[i - 1].has(W_AT_FROM)
                && plain_word(i + 1, claimed)
                && infos[i + 1].has(W_ORG_SUFFIX)
                && !f.has(W_STOP);
            if workplace {
                let org = Some(EntityLabel::Org);
                let len = s.s(i + 1).len();
                self.record_span(s, infos, (i, i + 2), len, org, Src::OrgPair, i == first, ms);
                claimed.claim(i, i + 2);
                i += 2;
                return;
            }
            if f.has(W_STOP) || self.known_token(f, w) {
                i += 1;
                return;
            }
            let initial = i == first;
            if f.has(W_GIVEN) {
                let next_unknown = plain_word(i + 1, claimed) && {
                    let next = s.s(i + 1);
                    next.len() >= 3
                        && !infos[i + 1].has(W_STOP)
                        && !self.known_token(infos[i + 1], next)
                };
                if next_unknown && !infos[i + 1].has(W_GIVEN) {
                    let person = Some(EntityLabel::Person);
                    let len = s.s(i + 1).len();
                    self.record_span(
                        s,
                        infos,
                        (i, i + 2),
                        len,
                        person,
                        Src::NamePair,
                        initial,
                        ms,
                    );
                    claimed.claim(i, i + 2);
                    i += 2;
                } else {
                    self.record_word(s, infos, i, initial, ms);
                    i += 1;
                }
                return;
            }
            // `is_stop` of the text as written: a stop word only when it has no capital.
            let stop_as_written =
                |k: usize| infos.get(k).is_some_and(|f| f.has(W_STOP | T_NO_UPPER));
            let suffix_at = (i + 1..=i + 2).find(|&j| {
                plain_word(j, claimed)
                    && infos[j].has(W_ORG_SUFFIX)
                    && (j == i + 1 || !stop_as_written(i + 1))
            });
            if let Some(j) = suffix_at {
                let org = Some(EntityLabel::Org);
                let len = s.s(j).len();
                self.record_span(s, infos, (i, j + 1), len, org, Src::OrgPair, initial, ms);
                claimed.claim(i, j + 1);
                i = j + 1;
                return;
            }
            self.record_word(s, infos, i, initial, ms);
            if plain_word(i + 1, claimed) && !infos[i + 1].has(W_STOP) {
                let len = s.s(i + 1).len();
                self.record_span(s, infos, (i, i + 2), len, None, Src::Bigram, initial, ms);
            }
            i += 1;
        });
    }

    /// Labels, merges and filters the candidates; see the module docs.
    pub fn finish(self, limits: EntityLimits) -> Vec<Entity> {
        let mut cands = self.cands;
        let words_of = |t: &str| {
            t.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        let all_dictionary = |words: &[String]| {
            words
                .iter()
                .all(|w| is_stop(w) || (w.bytes().all(|b| b.is_ascii_lowercase()) && is_english(w)))
        };

        // A transcript that capitalises many runs of plain
        // dictionary words does so for emphasis; then such runs are not names.
        let plain_runs = cands
            .iter()
            .filter(|c| {
                c.src == Src::Run && c.label.is_none() && !c.rejected && c.count >= 2 && c.mid >= 1
            })
            .filter(|c| all_dictionary(&words_of(&c.text)))
            .count();
        let emphasis_caps = plain_runs > TITLE_CASE_NOISE;

        // A. Multi-word capitalised runs whose shape decides their label.
        for c in cands.iter_mut().filter(|c| c.src == Src::Run) {
            let words = words_of(&c.text);
            let (first, last) = (&words[0], &words[words.len() - 1]);
            let role =
                ROLE_WORDS.contains(&first.as_str()) || GENERIC_HEADS.contains(&first.as_str());
            if role
                || (ROLE_WORDS.contains(&last.as_str()) && !ORG_SUFFIXES.contains(&last.as_str()))
            {
                // "Head of Data", "Senior Business Systems Analyst", "Company Contact".
                c.rejected = true;
            } else if ORG_SUFFIXES.contains(&last.as_str()) {
                // "Business Services" said once or twice in a transcript that capitalises for
                // emphasis; the customer's own "Quest Enterprises" recurs all meeting.
                if emphasis_caps && all_dictionary(&words) && c.count < 3 {
                    c.rejected = true;
                } else {
                    c.label = Some(EntityLabel::Org);
                }
            } else if is_given_name(first)
                && words.len() <= 3
                && words[1..].iter().all(|w| !is_stop(w))
            {
                c.label = Some(EntityLabel::Person);
            } else if c.after_at > 0 && !all_dictionary(&words) {
                // "Head of Data at Northstar Freight": where people work is an organisation.
                c.label = Some(EntityLabel::Org);
            }
        }

        // B. A shorter form of one longer organisation is a mention of it ("Alpine Health" of
        // "Alpine Health Group").
        let mut merge: Vec<Option<usize>> = vec![None; cands.len()];
        let orgs: Vec<(usize, Vec<String>)> = cands
            .iter()
            .enumerate()
            .filter(|(_, c)| c.label == Some(EntityLabel::Org) && !c.rejected)
            .map(|(i, c)| (i, words_of(&c.text)))
            .collect();
        for (i, c) in cands.iter().enumerate() {
            if c.rejected
                || c.src == Src::Speaker
                || !matches!(c.label, None | Some(EntityLabel::Org))
            {
                continue;
            }
            let words = words_of(&c.text);
            if words.len() < 2 {
                continue;
            }
            // Only a legal-form tail may differ: "Alpine Health" + "Group", not "Booking Data" +
            // "Dashboard".
            let mut longer = orgs.iter().filter(|(j, w)| {
                *j != i
                    && w.len() > words.len()
                    && w.starts_with(&words)
                    && w[words.len()..]
                        .iter()
                        .all(|x| ORG_SUFFIXES.contains(&x.as_str()))
            });
            if let (Some((j, _)), None) = (longer.next(), longer.next()) {
                merge[i] = Some(*j);
            }
        }

        // C. Name parts of people, organisations and products.
        let mut person_part: HashMap<String, Option<usize>> = HashMap::new();
        let mut org_stem: HashMap<String, Option<usize>> = HashMap::new();
        let mut product_part: HashMap<String, Option<usize>> = HashMap::new();
        let add = |map: &mut HashMap<String, Option<usize>>, k: &str, i: usize| {
            map.entry(k.to_owned())
                .and_modify(|v| *v = if *v == Some(i) { *v } else { None })
                .or_insert(Some(i));
        };
        for (i, c) in cands.iter().enumerate() {
            let words = words_of(&c.text);
            if words.len() < 2 || c.rejected || merge[i].is_some() {
                continue;
            }
            let (first, last) = (&words[0], &words[words.len() - 1]);
            match c.label {
                Some(EntityLabel::Person) => {
                    add(&mut person_part, first, i);
                    add(&mut person_part, last, i);
                }
                Some(EntityLabel::Org) if !is_stop(first) => add(&mut org_stem, first, i),
                Some(EntityLabel::Product) if matches!(c.src, Src::Gaz(_)) => {
                    add(&mut product_part, first, i);
                    add(&mut product_part, last, i);
                }
                _ => {}
            }
        }

        // D. Unlabelled multi-word candidates.
        for i in 0..cands.len() {
            let c = &cands[i];
            if c.label.is_some() || c.rejected || merge[i].is_some() {
                continue;
            }
            let words = words_of(&c.text);
            if words.len() < 2 {
                continue;
            }
            // "Brightwater Connect" next to "Brightwater Analytics": a vendor names its products
            // after itself. Long runs and ones holding a role word are descriptions, not names.
            let stem_of_org = words.len() <= 3
                && !words.iter().any(|w| ROLE_WORDS.contains(&w.as_str()))
                && org_stem
                    .get(words[0].as_str())
                    .copied()
                    .flatten()
                    .is_some_and(|o| o != i);
            let recurring = c.src == Src::Run && c.count >= 2 && c.mid >= 1;
            if stem_of_org || (recurring && !(emphasis_caps && all_dictionary(&words))) {
                cands[i].label = Some(EntityLabel::Product);
            }
        }

        // E. Single words: a part of a longer name is a mention of it, else a given name or a
        // CamelCase product name.
        for i in 0..cands.len() {
            let c = &cands[i];
            if c.rejected
                || merge[i].is_some()
                || (c.label.is_some() && !matches!(c.src, Src::Gaz(_)))
            {
                continue;
            }
            let words = words_of(&c.text);
            let [word] = words.as_slice() else { continue };
            let target = [&person_part, &org_stem, &product_part]
                .iter()
                .find_map(|m| m.get(word.as_str()).copied().flatten())
                .filter(|&t| t != i);
            if let Some(t) = target {
                merge[i] = Some(t);
                continue;
            }
            if c.label.is_some() {
                continue;
            }
            let cased_word = c.text.starts_with(char::is_uppercase);
            cands[i].label = if is_given_name(word) && (c.mid >= 1 || !cased_word) {
                Some(EntityLabel::Person)
            } else if is_camel(&c.text) && (c.mid >= 1 || c.count >= 2) {
                Some(EntityLabel::Product)
            } else {
                None
            };
        }
        for i in 0..cands.len() {
            // Follow chains ("Alpine" -> "Alpine Health" -> "Alpine Health Group").
            let mut t = match merge[i] {
                Some(t) => t,
                None => continue,
            };
            let mut hops = 0;
            while let Some(next) = merge[t] {
                t = next;
                hops += 1;
                if hops > 8 {
                    break;
                }
            }
            let (count, mid, first_ms) = (cands[i].count, cands[i].mid, cands[i].first_ms);
            let target = &mut cands[t];
            target.count += count;
            target.mid += mid;
            target.first_ms = target.first_ms.min(first_ms);
            cands[i].label = None;
        }

        // F. Report.
        let mut out: Vec<Entity> = cands
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let label = c.label?;
                if c.rejected || merge[i].is_some() {
                    return None;
                }
                let count = if c.src == Src::Speaker {
                    c.count.max(1)
                } else {
                    c.count
                };
                let curated = matches!(c.src, Src::Speaker | Src::Pattern | Src::Gaz(_));
                if c.src == Src::Gaz(CasePolicy::Ambiguous) && c.mid == 0 {
                    return None;
                }
                if count < limits.min_frequency
                    || (!curated && c.text.chars().count() < limits.min_length)
                {
                    return None;
                }
                let first_ms = if c.first_ms == u64::MAX {
                    0
                } else {
                    c.first_ms
                };
                Some(Entity {
                    text: c.text,
                    label,
                    count,
                    first_seconds: first_ms as f64 / 1000.0,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.first_seconds.total_cmp(&b.first_seconds))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::patterns::TestSent;
    use crate::nlp::token::tokenize;
    use crate::nlp::{marks, vocab};
    use proptest::prelude::*;

    /// The aligned gazetteer matches of `text`: token by token, and by the full scan.
    fn aligned_both_ways(text: &str) -> (Vec<Hit>, Vec<Hit>) {
        let owned = TestSent::new(text);
        let s = owned.sent();
        let (toks, lower) = (s.toks, s.lower);
        let infos = vocab::infos(&s);
        let aligned = |h: &Hit| {
            toks.iter().any(|t| t.start == h.start) && toks.iter().any(|t| t.end == h.end)
        };
        let mut hits = Vec::new();
        gazetteer_hits(&s, &infos, &marks::marks(&s, &infos), &mut hits);
        let fast = hits.into_iter().filter(aligned).collect();
        let full = GAZETTEER
            .phrases
            .find_iter(lower, 0..lower.len())
            .filter(aligned)
            .collect();
        (fast, full)
    }

    #[test]
    fn gazetteer_by_token_is_the_full_scan() {
        for text in [
            "we renew york contracts in New York City and the U.S. on AWS",
            "the status of us and new york citywide at AT&T with .NET in São Paulo",
            "Ohioan teams use Slack, Box and Microsoft Teams in the US",
            // The scan's "new mexico" inside "renew" hides "mexico".
            "we renew mexico deals and anew mexico, then xwest virginia",
        ] {
            let (fast, full) = aligned_both_ways(text);
            assert_eq!(fast, full, "{text}");
        }
        assert!(
            !aligned_both_ways("we moved to Snowflake in Oregon")
                .0
                .is_empty()
        );
    }

    proptest! {
        #[test]
        fn gazetteer_by_token_matches_the_full_scan(
            words in proptest::collection::vec(
                "new|york|city|renew|anew|mexico|xwest|virginia|north|korea|us|status|u\\.s\\.|\\.net|at&t|slack|box|the|hague|san|paulo|são|\
                 amazon|web|services|oracle|[a-z]{1,6}|[0-9]{1,3}|-|,|\\.",
                0..12,
            ),
            seps in proptest::collection::vec(" |  |-|\\.|'|’|", 12),
        ) {
            let text: String = words.iter().zip(&seps).flat_map(|(w, sep)| [w.as_str(), sep]).collect();
            let (fast, full) = aligned_both_ways(&text);
            prop_assert_eq!(fast, full, "{}", text);
        }
    }

    fn run_with(
        speakers: &[&str],
        sentences: &[&str],
        limits: EntityLimits,
    ) -> Vec<(String, EntityLabel, u32)> {
        let mut t = EntityTable::default();
        for s in speakers {
            t.add_speaker(s);
        }
        for (i, s) in sentences.iter().enumerate() {
            t.observe(&TestSent::new(s).sent(), i as u64 * 1000);
        }
        t.finish(limits)
            .into_iter()
            .map(|e| (e.text, e.label, e.count))
            .collect()
    }

    fn run(speakers: &[&str], sentences: &[&str]) -> Vec<(String, EntityLabel, u32)> {
        run_with(
            speakers,
            sentences,
            EntityLimits {
                min_frequency: 1,
                min_length: 3,
            },
        )
    }

    /// Entities with first mention times, with the sentences' token ids from a vocabulary (the
    /// id-keyed spans) or without (every span by its string key).
    fn with_ids(ids: bool, sentences: &[&str]) -> Vec<Entity> {
        let mut t = EntityTable::default();
        t.add_speaker("Dana Whitfield");
        let mut v = vocab::Vocab::default();
        let (mut toks, mut flags) = (Vec::new(), Vec::new());
        for (i, text) in sentences.iter().enumerate() {
            tokenize(text, &mut toks);
            let lower = text.to_ascii_lowercase();
            flags.clear();
            if ids {
                v.annotate(text, &toks, &mut flags);
            }
            let s = Sent {
                text,
                lower: &lower,
                toks: &toks,
                flags: &flags,
                marks: &super::super::marks::NONE,
            };
            t.observe(&s, i as u64 * 1000);
        }
        t.finish(EntityLimits {
            min_frequency: 1,
            min_length: 3,
        })
    }

    #[test]
    fn spans_by_ids_are_spans_by_string() {
        let sentences = [
            "We met Quest Enterprises and Dana Whitfield at Brightwater Analytics today.",
            "Then Quest Enterprises's team and QUEST ENTERPRISES'S lead came, Dana Whitfield too.",
            "Quest  Enterprises again, with Quest Enterprises’s staff in New York.",
            "Dana Whitfield's plan: Quest Enterprises-Quest Enterprises, at Brightwater Analytics.",
            "at kestrel health we use lumora pipelines with elena vasquez and lumora data",
            "elena vasquez said lumora pipelines and kestrel health work at kestrel health",
        ];
        let by_ids = with_ids(true, &sentences);
        assert_eq!(by_ids, with_ids(false, &sentences));
        let count = |text: &str| by_ids.iter().find(|e| e.text == text).map(|e| e.count);
        // Twice by ids, once by string ("’s" is not ASCII); the all-caps form is no name.
        assert_eq!(count("Quest Enterprises"), Some(3), "{by_ids:?}");
        assert_eq!(count("Dana Whitfield"), Some(3), "{by_ids:?}");
    }

    fn has(out: &[(String, EntityLabel, u32)], text: &str, label: EntityLabel) -> bool {
        out.iter().any(|(t, l, _)| t == text && *l == label)
    }

    use EntityLabel::*;

    #[test]
    fn speaker_first_names_and_surnames_are_mentions_of_the_speaker() {
        let out = run(
            &["Sarah Chen"],
            &["Thanks, Sarah.", "Chen said so.", "Sarah's team agrees."],
        );
        assert_eq!(out, [("Sarah Chen".to_owned(), Person, 3)]);
    }

    #[test]
    fn sentence_initial_capitals_are_not_entities() {
        let out = run(
            &[],
            &[
                "Okay.",
                "So, that works.",
                "Thanks everyone.",
                "Great, perfect.",
                "Honestly it is fine.",
                "Phase one is data.",
            ],
        );
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn organisation_suffixes_and_their_products() {
        let out = run(
            &[],
            &[
                "We use Brightwater Connect for the feeds.",
                "I'm Raj, architect at Brightwater Analytics.",
                "The kickoff at Halvorsen Marine Supply went well.",
                "Everyone at Halvorsen agrees.",
            ],
        );
        assert!(has(&out, "Brightwater Analytics", Org), "{out:?}");
        assert!(has(&out, "Brightwater Connect", Product), "{out:?}");
        assert!(
            out.contains(&("Halvorsen Marine Supply".to_owned(), Org, 2)),
            "{out:?}"
        );
        assert!(!out.iter().any(|(t, _, _)| t == "Halvorsen"), "{out:?}");
        assert!(
            has(&out, "Raj", Person),
            "a given name mid-sentence is a person: {out:?}"
        );
    }

    #[test]
    fn shorter_form_of_an_organisation_is_one_entity() {
        let out = run(
            &[],
            &[
                "Welcome to Alpine Health Group.",
                "James is CIO at Alpine Health now.",
            ],
        );
        assert_eq!(out, [("Alpine Health Group".to_owned(), Org, 2)]);
    }

    #[test]
    fn gazetteer_respects_case() {
        let out = run(
            &[],
            &[
                "We moved to Snowflake on AWS in Oregon.",
                "Give us a minute.",
                "For US customers only.",
            ],
        );
        assert!(
            has(&out, "Snowflake", Product) && has(&out, "AWS", Org) && has(&out, "Oregon", Gpe)
        );
        assert!(has(&out, "US", Gpe));
        assert_eq!(
            out.iter()
                .filter(|(t, _, _)| t == "US")
                .map(|e| e.2)
                .sum::<u32>(),
            1
        );
        let out = run(
            &[],
            &["we are on snowflake and oracle in ohio", "tell us more"],
        );
        assert!(
            has(&out, "Snowflake", Product)
                && has(&out, "Oracle", Product)
                && has(&out, "Ohio", Gpe)
        );
        assert!(!out.iter().any(|(t, _, _)| t == "US"));
    }

    #[test]
    fn everyday_word_vendors_need_a_capital_mid_sentence() {
        assert!(run(&[], &["Slack isn't approved here."]).is_empty());
        assert!(run(&[], &["cut them some slack"]).is_empty());
        let out = run(
            &[],
            &[
                "We set up a shared Slack channel.",
                "Slack isn't approved here.",
            ],
        );
        assert_eq!(out, [("Slack".to_owned(), Product, 2)]);
    }

    #[test]
    fn lower_case_captions() {
        let out = run(
            &[],
            &[
                "this is the session between lumora data and greystone mutual",
                "i'm elena vasquez a solutions engineer",
                "elena pretty much knows",
                "i'm the architect at greystone",
                "with lumora pipelines the reader is light",
                "the system modstamp is there",
            ],
        );
        assert!(has(&out, "lumora data", Org), "{out:?}");
        assert!(
            out.contains(&("greystone mutual".to_owned(), Org, 2)),
            "{out:?}"
        );
        assert!(
            out.contains(&("elena vasquez".to_owned(), Person, 2)),
            "{out:?}"
        );
        assert!(has(&out, "lumora pipelines", Product), "{out:?}");
        assert!(
            !out.iter()
                .any(|(t, _, _)| t.contains("modstamp") || t == "pretty"),
            "{out:?}"
        );
    }

    #[test]
    fn people_from_given_names_and_possessives() {
        let out = run(
            &[],
            &[
                "After go-live you'll work with Ben Castellano's team.",
                "Ben runs support.",
            ],
        );
        assert_eq!(out, [("Ben Castellano".to_owned(), Person, 2)]);
        let out = run(
            &[],
            &[
                "Aisha Okafor from finance couldn't make it.",
                "Right, Aisha is our CFO.",
            ],
        );
        assert_eq!(out, [("Aisha Okafor".to_owned(), Person, 2)]);
    }

    #[test]
    fn roles_and_headings_are_not_names() {
        let out = run(
            &[],
            &[
                "I'm Colleen, VP of Operations at the company.",
                "My title is Senior Business Systems Analyst, really.",
                "The next question is the Company Contact Role, right.",
                "So the next question is the Company Contact Role.",
            ],
        );
        assert!(out.iter().all(|(_, l, _)| *l == Person), "{out:?}");
    }

    #[test]
    fn repeated_capitalised_names_become_products() {
        let once = run(
            &[],
            &["Phase two is the models, that's Insight Forecaster."],
        );
        assert!(once.is_empty(), "{once:?}");
        let twice = run(
            &[],
            &[
                "Phase two is the models, that's Insight Forecaster.",
                "Yes. Insight Forecaster detects seasonality.",
            ],
        );
        assert_eq!(twice, [("Insight Forecaster".to_owned(), Product, 2)]);
    }

    #[test]
    fn one_value_said_two_ways_is_one_entity_in_digits() {
        let out = run(
            &[],
            &[
                "We want to cut it by twenty percent.",
                "So a 20% reduction.",
            ],
        );
        assert_eq!(out, [("20%".to_owned(), Percent, 2)]);
    }

    #[test]
    fn limits() {
        let s = ["Ask Ann about it.", "We use Snowflake.", "Snowflake again."];
        let out = run_with(
            &[],
            &s,
            EntityLimits {
                min_frequency: 2,
                min_length: 3,
            },
        );
        assert_eq!(out, [("Snowflake".to_owned(), Product, 2)]);
        let out = run_with(
            &[],
            &s,
            EntityLimits {
                min_frequency: 1,
                min_length: 4,
            },
        );
        assert!(!out.iter().any(|(t, _, _)| t == "Ann"));
        let out = run_with(
            &[],
            &s,
            EntityLimits {
                min_frequency: 1,
                min_length: 3,
            },
        );
        assert!(has(&out, "Ann", Person));
    }

    #[test]
    fn workplaces_after_at_are_organisations_and_titles_are_not() {
        let out = run(
            &[],
            &["Hi, I'm Jennifer, Head of Data at Northstar Freight."],
        );
        assert!(has(&out, "Northstar Freight", Org), "{out:?}");
        assert!(!out.iter().any(|(t, _, _)| t.contains("Head")), "{out:?}");
    }

    #[test]
    fn lower_case_workplace_with_an_everyday_word() {
        let out = run(
            &[],
            &[
                "i lead data engineering at kestrel health",
                "we moved the data from the data team",
            ],
        );
        assert_eq!(out, [("kestrel health".to_owned(), Org, 1)]);
    }
}
