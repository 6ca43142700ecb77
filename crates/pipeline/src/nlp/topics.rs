//! Key phrases over the whole meeting, RAKE-style (Rose et al., "Automatic Keyword Extraction
//! from Individual Documents", 2010): candidate phrases are the runs of words between stop words
//! and punctuation; a word scores degree/frequency (how much it co-occurs inside phrases per
//! use) and a phrase the sum of its words. Unlike classic RAKE, a phrase's score is weighted by
//! how often it was said, because a meeting repeats what matters. Memory is the vocabulary: one
//! counter per distinct word and per distinct phrase, each table capped.

use super::hash::FastMap;

use super::Topic;
use super::patterns::Sent;
use super::vocab::{self, NO_ID, T_WORD, TokInfo, Vocab, W_TOPIC};

/// Distinct phrases kept; later new phrases are not counted.
const MAX_PHRASES: usize = 200_000;
/// Distinct words kept.
const MAX_WORDS: usize = 100_000;
/// Longest candidate phrase, in words.
const MAX_PHRASE_WORDS: usize = 4;

/// A phrase as the vocabulary ids of its words, padded with [`NO_ID`].
type IdPhrase = [u32; MAX_PHRASE_WORDS];

/// Phrase and word counters. Words with a vocabulary id are counted by id (no string is built
/// or hashed per mention); the rest, and every phrase holding one, by string. The two kinds
/// never hold the same word or phrase, and the caps count both.
#[derive(Debug, Default)]
pub(crate) struct Topics {
    /// Word -> (frequency, degree, times said as a one-word phrase).
    words: FastMap<String, (u32, u32, u32)>,
    /// Per vocabulary id: the word's counters, if counted.
    id_words: Vec<Option<(u32, u32, u32)>>,
    /// How many of `id_words` are counted.
    id_word_count: usize,
    /// Phrase of two or more words -> times said.
    pub(crate) phrases: FastMap<String, u32>,
    /// Phrases of words that all have ids -> times said.
    id_phrases: FastMap<IdPhrase, u32>,
    buf: String,
    run: Vec<usize>,
}

impl Topics {
    /// Counts the candidate phrases of one sentence.
    pub fn observe(&mut self, s: &Sent<'_>) {
        let infos = vocab::infos(s);
        let mut run = std::mem::take(&mut self.run);
        run.clear();
        for i in 0..=s.toks.len() {
            let keep = infos.get(i).is_some_and(|f| f.has(T_WORD | W_TOPIC));
            if keep {
                run.push(i);
            } else if !run.is_empty() {
                self.count_phrase(s, &infos, &run);
                run.clear();
            }
        }
        self.run = run;
    }

    fn count_phrase(&mut self, s: &Sent<'_>, infos: &[TokInfo], run: &[usize]) {
        if run.len() > MAX_PHRASE_WORDS {
            return;
        }
        let degree = run.len() as u32;
        // A one-word phrase is counted in the word table itself: one lookup instead of two.
        let solo = u32::from(run.len() == 1);
        let mut all_ids = true;
        for &i in run {
            let id = infos[i].id;
            if id == NO_ID {
                all_ids = false;
                let w = s.l(i);
                if let Some(e) = self.words.get_mut(w) {
                    e.0 += 1;
                    e.1 += degree;
                    e.2 += solo;
                } else if self.word_count() < MAX_WORDS {
                    self.words.insert(w.to_owned(), (1, degree, solo));
                }
                continue;
            }
            let k = id as usize;
            if k >= self.id_words.len() {
                self.id_words.resize(k + 1, None);
            }
            if let Some(e) = &mut self.id_words[k] {
                e.0 += 1;
                e.1 += degree;
                e.2 += solo;
            } else if self.word_count() < MAX_WORDS {
                self.id_words[k] = Some((1, degree, solo));
                self.id_word_count += 1;
            }
        }
        if solo == 1 {
            return;
        }
        let room = self.phrases.len() + self.id_phrases.len() < MAX_PHRASES;
        if all_ids {
            let mut key = [NO_ID; MAX_PHRASE_WORDS];
            for (k, &i) in run.iter().enumerate() {
                key[k] = infos[i].id;
            }
            if let Some(c) = self.id_phrases.get_mut(&key) {
                *c += 1;
            } else if room {
                self.id_phrases.insert(key, 1);
            }
            return;
        }
        self.buf.clear();
        for (k, &i) in run.iter().enumerate() {
            if k > 0 {
                self.buf.push(' ');
            }
            self.buf.push_str(s.l(i));
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
            if let Some(e) = e {
                self.words.insert(vocab.word(id as u32).to_owned(), e);
            }
        }
        self.id_word_count = 0;
        for (key, c) in std::mem::take(&mut self.id_phrases) {
            let mut p = String::new();
            for &id in key.iter().take_while(|&&id| id != NO_ID) {
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
    use crate::nlp::token::tokenize;

    fn feed(t: &mut Topics, text: &str) {
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        let lower = text.to_ascii_lowercase();
        t.observe(&Sent {
            text,
            lower: &lower,
            toks: &toks,
            flags: &[],
        });
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
