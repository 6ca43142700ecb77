//! Key phrases over the whole meeting, RAKE-style (Rose et al., "Automatic Keyword Extraction
//! from Individual Documents", 2010): candidate phrases are the runs of words between stop words
//! and punctuation; a word scores degree/frequency (how much it co-occurs inside phrases per
//! use) and a phrase the sum of its words. Unlike classic RAKE, a phrase's score is weighted by
//! how often it was said, because a meeting repeats what matters. Memory is the vocabulary: one
//! counter per distinct word and per distinct phrase, each table capped.

use super::hash::FastMap;

use super::Topic;
use super::marks::Marks;
use super::patterns::Sent;
use super::vocab::{NO_ID, T_WORD, TokInfo, Vocab, W_TOPIC};

/// Distinct phrases kept; later new phrases are not counted.
const MAX_PHRASES: usize = 200_000;
/// Distinct words kept.
const MAX_WORDS: usize = 100_000;
/// Longest candidate phrase, in words.
const MAX_PHRASE_WORDS: usize = 4;

/// Phrase and word counters. Words with a vocabulary id are counted by id (no string is built
/// or hashed per mention); the rest, and every phrase holding one, by string. The two kinds
/// never hold the same word or phrase, and the caps count both.
#[derive(Debug, Default)]
pub(crate) struct Topics {
    /// Word -> (frequency, degree, times said as a one-word phrase).
    words: FastMap<String, (u32, u32, u32)>,
    /// Per vocabulary id: the word's counters; a frequency of 0 means not counted. Twelve bytes
    /// a word instead of sixteen with an `Option`: the table is read once per topic word.
    id_words: Vec<(u32, u32, u32)>,
    /// How many of `id_words` are counted.
    id_word_count: usize,
    /// Phrase of two or more words -> times said.
    pub(crate) phrases: FastMap<String, u32>,
    /// Phrases of words that all have small ids -> times said.
    id_phrases: IdPhrases,
    buf: String,
}

/// A phrase of two to [`MAX_PHRASE_WORDS`] words, each with a vocabulary id below
/// [`u16::MAX`], as one number: 16 bits a word, holding the id plus one (0 = no word). The
/// vocabulary has far fewer ids than that; a phrase holding a larger one is counted by string.
fn pack(ids: &[u32]) -> Option<u64> {
    let mut key = 0u64;
    for (k, &id) in ids.iter().enumerate() {
        if id >= u32::from(u16::MAX) {
            return None;
        }
        key |= u64::from(id + 1) << (16 * k);
    }
    Some(key)
}

/// The ids packed by [`pack`].
fn unpack(key: u64) -> impl Iterator<Item = u32> {
    (0..MAX_PHRASE_WORDS)
        .map(move |k| (key >> (16 * k)) as u16)
        .take_while(|&lane| lane != 0)
        .map(|lane| u32::from(lane) - 1)
}

/// One slot of [`IdPhrases`]: a packed phrase (0 = empty) and its count, twelve bytes.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
struct Slot {
    lo: u32,
    hi: u32,
    count: u32,
}

/// Open-addressing table (linear probing) from packed phrases to counts. The phrase table is
/// the largest working set of the analysis (up to [`MAX_PHRASES`] entries) and probed once
/// per phrase said, mostly missing the cache: a slot of twelve bytes, found from one multiply,
/// holds five phrases per cache line (a general map of id arrays about three).
#[derive(Debug, Default)]
struct IdPhrases {
    slots: Vec<Slot>,
    len: usize,
}

impl IdPhrases {
    /// Slots of a new table; a power of two.
    const FIRST: usize = 1 << 10;

    fn len(&self) -> usize {
        self.len
    }

    fn index(key: u64, mask: usize) -> usize {
        // The multiply's best-mixed bits are the top ones.
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask
    }

    /// Adds one to `key`'s count; a new key is only added if `room`.
    fn bump(&mut self, key: u64, room: bool) {
        if self.slots.is_empty() {
            if !room {
                return;
            }
            self.slots = vec![Slot::default(); Self::FIRST];
        }
        let (lo, hi) = (key as u32, (key >> 32) as u32);
        let mask = self.slots.len() - 1;
        let mut i = Self::index(key, mask);
        loop {
            let s = &mut self.slots[i];
            if s.lo == lo && s.hi == hi {
                s.count += 1;
                return;
            }
            if s.lo == 0 && s.hi == 0 {
                break;
            }
            i = (i + 1) & mask;
        }
        if !room {
            return;
        }
        self.slots[i] = Slot { lo, hi, count: 1 };
        self.len += 1;
        // At most 13/16 full: a miss probes a few slots of one or two cache lines.
        if self.len * 16 > self.slots.len() * 13 {
            self.grow();
        }
    }

    fn grow(&mut self) {
        let bigger = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.lo != 0 || s.hi != 0) {
            let mut i = Self::index(u64::from(s.lo) | u64::from(s.hi) << 32, mask);
            while self.slots[i].lo != 0 || self.slots[i].hi != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// The packed phrases and their counts, emptying the table.
    fn drain(&mut self) -> impl Iterator<Item = (u64, u32)> + use<> {
        self.len = 0;
        std::mem::take(&mut self.slots)
            .into_iter()
            .filter(|s| s.lo != 0 || s.hi != 0)
            .map(|s| (u64::from(s.lo) | u64::from(s.hi) << 32, s.count))
    }
}

impl Topics {
    /// Counts the candidate phrases of one sentence.
    #[inline]
    pub fn observe(&mut self, s: &Sent<'_>) {
        s.with_infos(|infos, marks| self.observe_marked(s, infos, marks));
    }

    /// [`Topics::observe`] with the sentence's token infos and marks.
    #[inline(never)]
    fn observe_marked(&mut self, s: &Sent<'_>, infos: &[TokInfo], marks: &Marks) {
        // The runs of topic words, from the set of them: other tokens are not visited.
        // The current run: its first token and the one after its last (none yet: 0, 0).
        let (mut start, mut end) = (0, 0);
        marks.for_each(T_WORD | W_TOPIC, 0, |i| {
            if i != end {
                if end > start {
                    self.count_phrase(s, &infos[start..end], start);
                }
                start = i;
            }
            end = i + 1;
        });
        if end > start {
            self.count_phrase(s, &infos[start..end], start);
        }
    }

    /// Counts the phrase of the tokens `run`, the first of which is token `first` of `s`.
    #[inline(always)]
    fn count_phrase(&mut self, s: &Sent<'_>, run: &[TokInfo], first: usize) {
        match run {
            // Most runs are one word with an id (two thirds of them): counted here, without
            // the set-up of the general path below.
            [f] if f.id != NO_ID => self.count_id_word(f.id, 1, 1),
            [a, b] if a.id != NO_ID && b.id != NO_ID => {
                self.count_id_word(a.id, 2, 0);
                self.count_id_word(b.id, 2, 0);
                let room = self.phrases.len() + self.id_phrases.len() < MAX_PHRASES;
                match pack(&[a.id, b.id]) {
                    Some(key) => self.id_phrases.bump(key, room),
                    None => self.count_phrase_text(s, 2, first, room),
                }
            }
            _ => self.count_phrase_any(s, run, first),
        }
    }

    /// Counts one use of the word with vocabulary id `id` in a phrase of `degree` words
    /// (`solo` is 1 for a one-word phrase).
    #[inline(always)]
    fn count_id_word(&mut self, id: u32, degree: u32, solo: u32) {
        let k = id as usize;
        if k >= self.id_words.len() {
            self.id_words.resize(k + 1, (0, 0, 0));
        }
        let e = &mut self.id_words[k];
        if e.0 > 0 {
            e.0 += 1;
            e.1 += degree;
            e.2 += solo;
        } else if self.id_word_count + self.words.len() < MAX_WORDS {
            *e = (1, degree, solo);
            self.id_word_count += 1;
        }
    }

    /// [`Topics::count_phrase`] of any run: longer ones, and words without an id.
    #[inline(never)]
    fn count_phrase_any(&mut self, s: &Sent<'_>, run: &[TokInfo], first: usize) {
        if run.len() > MAX_PHRASE_WORDS {
            return;
        }
        let degree = run.len() as u32;
        // A one-word phrase is counted in the word table itself: one lookup instead of two.
        let solo = u32::from(run.len() == 1);
        let mut ids = [NO_ID; MAX_PHRASE_WORDS];
        let mut all_ids = true;
        for (k, f) in run.iter().enumerate() {
            let id = f.id;
            ids[k] = id;
            if id == NO_ID {
                all_ids = false;
                let w = s.l(first + k);
                if let Some(e) = self.words.get_mut(w) {
                    e.0 += 1;
                    e.1 += degree;
                    e.2 += solo;
                } else if self.word_count() < MAX_WORDS {
                    self.words.insert(w.to_owned(), (1, degree, solo));
                }
                continue;
            }
            self.count_id_word(id, degree, solo);
        }
        if solo == 1 {
            return;
        }
        let room = self.phrases.len() + self.id_phrases.len() < MAX_PHRASES;
        if all_ids && let Some(key) = pack(&ids[..run.len()]) {
            self.id_phrases.bump(key, room);
            return;
        }
        self.count_phrase_text(s, run.len(), first, room);
    }

    /// Counts the phrase of the `len` tokens from token `first` of `s` by its text (a new one
    /// only if `room`).
    #[inline(never)]
    fn count_phrase_text(&mut self, s: &Sent<'_>, len: usize, first: usize, room: bool) {
        self.buf.clear();
        for k in 0..len {
            if k > 0 {
                self.buf.push(' ');
            }
            self.buf.push_str(s.l(first + k));
        }
        if let Some(c) = self.phrases.get_mut(self.buf.as_str()) {
            *c += 1;
        } else if room {
            self.phrases.insert(self.buf.clone(), 1);
        }
    }

    fn word_count(&self) -> usize {
        self.words.len() + self.id_word_count
    }

    /// Moves the words and phrases counted by id into the string tables, for [`Topics::top`]
    /// and the technical terms.
    pub fn materialize(&mut self, vocab: &Vocab) {
        for (id, e) in std::mem::take(&mut self.id_words).into_iter().enumerate() {
            if e.0 > 0 {
                self.words.insert(vocab.word(id as u32).to_owned(), e);
            }
        }
        self.id_word_count = 0;
        for (key, c) in self.id_phrases.drain() {
            let mut p = String::new();
            for id in unpack(key) {
                if !p.is_empty() {
                    p.push(' ');
                }
                p.push_str(vocab.word(id));
            }
            self.phrases.insert(p, c);
        }
    }

    /// The `top` best phrases. Phrases said at least twice are preferred when there are enough.
    pub fn top(&self, top: usize) -> Vec<Topic> {
        let singles = self
            .words
            .iter()
            .filter(|(_, e)| e.2 > 0)
            .map(|(w, e)| (w, e.2));
        let all = self.phrases.iter().map(|(p, &c)| (p, c)).chain(singles);
        let repeated = all.clone().filter(|&(_, c)| c >= 2).count();
        let min_count = if repeated >= top { 2 } else { 1 };
        let mut scored: Vec<Topic> = all
            .filter(|&(_, c)| c >= min_count)
            .map(|(p, c)| {
                let rake: f64 = p
                    .split(' ')
                    .map(|w| {
                        self.words
                            .get(w)
                            .map_or(0.0, |&(f, d, _)| f64::from(d) / f64::from(f.max(1)))
                    })
                    .sum();
                Topic {
                    phrase: p.clone(),
                    score: round3(rake * (1.0 + f64::from(c).ln())),
                }
            })
            .collect();
        scored.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.phrase.cmp(&b.phrase))
        });
        scored.truncate(top);
        scored
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::patterns::TestSent;

    fn feed(t: &mut Topics, text: &str) {
        t.observe(&TestSent::new(text).sent());
    }

    #[test]
    fn repeated_multi_word_phrases_rank_first() {
        let mut t = Topics::default();
        for s in [
            "We need the service account in Snowflake.",
            "The service account needs read access.",
            "Read access to the inventory schema is enough.",
            "Is the service account ready?",
            "Yeah, okay, so, um, right.",
            "The weather is nice.",
        ] {
            feed(&mut t, s);
        }
        let top = t.top(3);
        assert_eq!(top[0].phrase, "service account");
        assert!(top.iter().any(|p| p.phrase == "read access"));
        assert!(
            top.iter()
                .all(|p| !p.phrase.contains("yeah") && !p.phrase.contains("um"))
        );
        assert!(top[0].score >= top[1].score);
    }

    #[test]
    fn stop_words_split_phrases() {
        let mut t = Topics::default();
        feed(&mut t, "data access and change freeze");
        assert_eq!(t.phrases.get("data access"), Some(&1));
        assert_eq!(t.phrases.get("change freeze"), Some(&1));
        assert_eq!(t.phrases.len(), 2);
    }

    #[test]
    fn verbs_and_number_words_split_phrases() {
        let mut t = Topics::default();
        feed(
            &mut t,
            "reduce late shipments, heavy queries run nightly, two million requests",
        );
        assert_eq!(t.phrases.get("late shipments"), Some(&1));
        assert_eq!(t.phrases.get("heavy queries"), Some(&1));
        assert!(
            t.phrases
                .keys()
                .all(|p| !p.contains("reduce") && !p.contains("million") && !p.contains(" run")),
            "{:?}",
            t.phrases
        );
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn packed_phrases_round_trip_and_large_ids_do_not_pack() {
        let key = pack(&[0, 7, 65_533]).expect("small ids pack");
        assert_eq!(unpack(key).collect::<Vec<_>>(), [0, 7, 65_533]);
        assert_eq!(pack(&[3, u32::from(u16::MAX)]), None);
        assert_eq!(pack(&[NO_ID, 1]), None);
    }

    #[test]
    fn the_table_counts_through_growth_and_stops_adding_without_room() {
        let mut t = IdPhrases::default();
        let keys: Vec<u64> = (0..5_000u32).map(|i| pack(&[i, i + 1]).unwrap()).collect();
        for _ in 0..3 {
            for &k in &keys {
                t.bump(k, true);
            }
        }
        let extra = pack(&[9_999, 1]).unwrap();
        t.bump(extra, false);
        assert_eq!(t.len(), keys.len());
        let mut got: Vec<(u64, u32)> = t.drain().collect();
        got.sort_unstable();
        let mut want: Vec<(u64, u32)> = keys.iter().map(|&k| (k, 3)).collect();
        want.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(t.len(), 0);
    }
}
