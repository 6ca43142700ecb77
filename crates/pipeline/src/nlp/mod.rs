//! STAGE 4: entities, key phrases/topics, technical terms, action items and open questions,
//! from rules and gazetteers shipped in the crate (no downloaded model).
//!
//! [`Analyzer`] takes one sentence at a time and keeps only per-vocabulary counters (distinct
//! entity candidates, words, phrases, terms), so memory does not grow with the meeting's
//! length beyond the capped lists of action items and questions. Each token costs one probe in
//! the meeting's vocabulary (`vocab`), which gives its word id and lexicon bits computed once per
//! distinct word; the gazetteer and the action triggers are matched token by token from the
//! words they can start with, with the same matches as one Aho-Corasick scan (`starts`), and
//! numbers and dates by hand-written scanners. Nothing allocates per token.

mod actions;
mod entities;
mod hash;
mod lexicon;
mod marks;
mod patterns;
mod phrases;
mod starts;
mod terms;
mod token;
mod topics;
mod vocab;

use serde::{Deserialize, Serialize};

/// Settings of the [`Analyzer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NlpOptions {
    /// Entities mentioned fewer times are not reported (`MIN_ENTITY_FREQUENCY`).
    pub min_entity_frequency: u32,
    /// Entities found by shape alone (capitalised or unknown words) shorter than this many
    /// characters are not reported (`MIN_ENTITY_LENGTH`). Gazetteer, speaker and pattern entities
    /// are exempt: "US", "Q3" and "2%" are short but certain.
    pub min_entity_length: usize,
    /// How many key phrases to report.
    pub top_topics: usize,
    /// How many technical terms to report at most.
    pub max_technical_terms: usize,
}

impl Default for NlpOptions {
    fn default() -> Self {
        Self {
            min_entity_frequency: 1,
            min_entity_length: 3,
            top_topics: 15,
            max_technical_terms: 40,
        }
    }
}

/// Speakers remembered for owners and name matching; more are still counted as entities.
const MAX_SPEAKERS: usize = 1_000;

/// Streams sentences into entities, topics, terms, action items and open questions.
///
/// ```
/// use snapshot_pipeline::nlp::{Analyzer, EntityLabel, NlpOptions};
/// let mut a = Analyzer::new(NlpOptions::default());
/// a.add_speaker("Dana Whitfield");
/// a.observe(Some("Dana Whitfield"), 0, "We moved to Snowflake in January.");
/// a.observe(Some("Dana Whitfield"), 1_000, "I'll send the plan by Friday.");
/// let out = a.finish();
/// assert!(out.entities.iter().any(|e| e.text == "Snowflake" && e.label == EntityLabel::Product));
/// assert!(out.entities.iter().any(|e| e.text == "January" && e.label == EntityLabel::Date));
/// assert_eq!(out.action_items[0].owner.as_deref(), Some("Dana Whitfield"));
/// ```
#[derive(Debug)]
pub struct Analyzer {
    opts: NlpOptions,
    toks: Vec<token::Tok>,
    /// The current sentence, ASCII-lower-cased.
    lower: String,
    /// Each token's vocabulary id and bits.
    flags: Vec<vocab::TokInfo>,
    /// The tokens by their bits.
    marks: marks::Marks,
    /// The meeting's distinct words.
    vocab: vocab::Vocab,
    entities: entities::EntityTable,
    topics: topics::Topics,
    terms: terms::Terms,
    actions: actions::Actions,
    speakers: Vec<String>,
    /// Names already given to [`Analyzer::add_speaker`], which does nothing for them again.
    seen_speakers: hash::FastSet<String>,
    /// The last speaker named, already registered: a turn is several sentences, and
    /// comparing a short name is cheaper than hashing it.
    last_speaker: String,
    /// Whether the previous sentence had a speaker (then `last_speaker`).
    last_named: bool,
}

/// Names remembered in `seen_speakers`; more are checked the long way.
const MAX_SEEN_SPEAKERS: usize = 4_096;

impl Analyzer {
    /// An analyzer with the given options.
    pub fn new(opts: NlpOptions) -> Self {
        Self {
            opts,
            toks: Vec::new(),
            lower: String::new(),
            flags: Vec::new(),
            marks: marks::Marks::default(),
            vocab: vocab::Vocab::default(),
            entities: entities::EntityTable::default(),
            topics: topics::Topics::default(),
            terms: terms::Terms::default(),
            actions: actions::Actions::default(),
            speakers: Vec::new(),
            seen_speakers: hash::FastSet::default(),
            last_speaker: String::new(),
            last_named: false,
        }
    }

    /// Registers a speaker: a PERSON entity whose first name and surname, said alone, count as
    /// mentions of the full name. Speakers seen by [`Analyzer::observe`] are registered too.
    pub fn add_speaker(&mut self, name: &str) {
        if self.seen_speakers.len() < MAX_SEEN_SPEAKERS && !self.seen_speakers.contains(name) {
            self.seen_speakers.insert(name.to_owned());
        }
        let name = name.trim();
        if name.is_empty()
            || self.speakers.iter().any(|s| s == name)
            || self.speakers.len() >= MAX_SPEAKERS
        {
            return;
        }
        self.speakers.push(name.to_owned());
        self.entities.add_speaker(name);
    }

    /// Analyses one sentence said by `speaker` at `start_ms`.
    pub fn observe(&mut self, speaker: Option<&str>, start_ms: u64, sentence: &str) {
        // Whether the previous sentence had this speaker (or none, like this one): compared
        // once here for every stage.
        let same = match speaker {
            Some(sp) => self.last_named && hash::short_eq(sp, &self.last_speaker),
            None => !self.last_named,
        };
        self.last_named = speaker.is_some();
        if let Some(sp) = speaker {
            // Once given a name, `add_speaker` has nothing more to do with it.
            if !same && sp != self.last_speaker {
                if !self.seen_speakers.contains(sp) {
                    self.add_speaker(sp);
                }
                self.last_speaker.clear();
                self.last_speaker.push_str(sp);
            }
            self.entities.speaker_spoke(sp, start_ms, same);
        }
        // One vocabulary lookup per token, shared by every stage below, made just after the
        // sentence is tokenized (words new to the meeting after that); the lower-cased copy is
        // written while the text is copied for the tokenizer.
        self.vocab
            .read(sentence, &mut self.lower, &mut self.toks, &mut self.flags);
        self.marks.fill(&self.flags);
        let s = patterns::Sent {
            text: sentence,
            lower: &self.lower,
            toks: &self.toks,
            flags: &self.flags,
            marks: &self.marks,
        };
        self.entities.observe(&s, start_ms);
        self.topics.observe(&s);
        self.terms.observe(&s);
        self.actions.observe_with(
            (speaker, same),
            start_ms,
            &s,
            &self.speakers,
            Some(&mut self.vocab),
        );
    }

    /// Ends the meeting and returns what was found.
    pub fn finish(mut self) -> Analysis {
        self.topics.materialize(&self.vocab);
        let limits = entities::EntityLimits {
            min_frequency: self.opts.min_entity_frequency,
            min_length: self.opts.min_entity_length,
        };
        let technical_terms = self
            .terms
            .finish(&self.topics.phrases, self.opts.max_technical_terms);
        let entities = self.entities.finish(limits);
        // People's names are who spoke, not what the meeting was about.
        let name_words: std::collections::HashSet<String> = entities
            .iter()
            .filter(|e| e.label == EntityLabel::Person)
            .flat_map(|e| e.text.split_whitespace().map(str::to_lowercase))
            .collect();
        let mut topics = self.topics.top(self.opts.top_topics + name_words.len());
        topics.retain(|t| !t.phrase.split(' ').all(|w| name_words.contains(w)));
        topics.truncate(self.opts.top_topics);
        // An organisation's name ("tessellate systems") is an entity, not a technical term.
        let entity_texts: std::collections::HashSet<String> =
            entities.iter().map(|e| e.text.to_lowercase()).collect();
        let technical_terms: Vec<String> = technical_terms
            .into_iter()
            .filter(|t| !entity_texts.contains(&t.to_lowercase()))
            .collect();
        let (action_items, questions) = self.actions.finish();
        Analysis {
            entities,
            topics,
            technical_terms,
            action_items,
            questions,
        }
    }
}

/// Entity labels with their OntoNotes/spaCy meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EntityLabel {
    /// People, including the meeting's speakers.
    Person,
    /// Companies, agencies, institutions.
    Org,
    /// Countries, cities, states.
    Gpe,
    /// Absolute or relative dates and periods ("next Tuesday", "Q3", "two weeks").
    Date,
    /// Times of day and durations under a day ("9 AM Eastern", "80 hours").
    Time,
    /// Monetary values ("$1.2 million").
    Money,
    /// Percentages ("20%", "twenty percent").
    Percent,
    /// Products and named software.
    Product,
}

/// A distinct entity with how often and when it was first mentioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Canonical surface text.
    pub text: String,
    /// Entity type.
    pub label: EntityLabel,
    /// Number of mentions.
    pub count: u32,
    /// Time of the first mention, seconds from the start.
    pub first_seconds: f64,
}

/// A key phrase scored over the whole meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// The phrase, lower-cased.
    pub phrase: String,
    /// Score; higher is more central. Comparable only within one snapshot.
    pub score: f64,
}

/// A sentence that commits someone to do something.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionItem {
    /// Who committed (the speaker), if known.
    pub owner: Option<String>,
    /// The sentence.
    pub text: String,
    /// When it was said, seconds from the start.
    pub seconds: f64,
}

/// A question that no other speaker answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Who asked, if known.
    pub speaker: Option<String>,
    /// The question sentence.
    pub text: String,
    /// When it was asked, seconds from the start.
    pub seconds: f64,
}

/// Everything stage 4 found in one meeting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Distinct entities, most mentioned first.
    pub entities: Vec<Entity>,
    /// Top key phrases, best first.
    pub topics: Vec<Topic>,
    /// Acronyms, CamelCase names and technical phrases.
    pub technical_terms: Vec<String>,
    /// Commitments, in order of time.
    pub action_items: Vec<ActionItem>,
    /// Unanswered questions, in order of time.
    pub questions: Vec<Question>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyse(lines: &[(&str, &str)]) -> Analysis {
        let mut a = Analyzer::new(NlpOptions::default());
        for (i, (speaker, text)) in lines.iter().enumerate() {
            a.observe(Some(speaker), i as u64 * 1000, text);
        }
        a.finish()
    }

    #[test]
    fn each_speaker_keeps_its_own_earliest_turn() {
        let mut a = Analyzer::new(NlpOptions::default());
        // Times out of order, and the same speaker twice in a row (the remembered last speaker).
        for (speaker, ms) in [
            ("Dana Whitfield", 9_000),
            ("Dana Whitfield", 7_000),
            ("Greg Lindqvist", 8_000),
            ("Dana Whitfield", 2_000),
            ("Greg Lindqvist", 5_000),
            ("Greg Lindqvist", 6_000),
        ] {
            a.observe(Some(speaker), ms, "The rollout looks fine.");
        }
        let out = a.finish();
        let first = |name: &str| {
            out.entities
                .iter()
                .find(|e| e.text == name)
                .map(|e| e.first_seconds)
        };
        assert_eq!(first("Dana Whitfield"), Some(2.0), "{:?}", out.entities);
        assert_eq!(first("Greg Lindqvist"), Some(5.0), "{:?}", out.entities);
    }

    #[test]
    fn names_stay_out_of_topics_and_entities_out_of_terms() {
        let out = analyse(&[
            (
                "Dana Whitfield",
                "Thanks Greg, the service account is ready.",
            ),
            (
                "Greg Lindqvist",
                "Great, Dana, the service account works with Brightwater Analytics.",
            ),
            (
                "Dana Whitfield",
                "Brightwater Analytics will check the service account again.",
            ),
        ]);
        assert_eq!(out.topics[0].phrase, "service account");
        assert!(
            out.topics
                .iter()
                .all(|t| t.phrase != "dana" && t.phrase != "greg"),
            "{:?}",
            out.topics
        );
        assert!(
            out.technical_terms
                .iter()
                .all(|t| t != "brightwater analytics"),
            "{:?}",
            out.technical_terms
        );
        assert!(
            out.technical_terms.contains(&"service account".to_owned()),
            "{:?}",
            out.technical_terms
        );
    }

    #[test]
    fn a_full_vocabulary_changes_nothing() {
        let lines = [
            (
                "Dana Whitfield",
                "Thanks Greg, the service account is ready in Snowflake.",
            ),
            (
                "Greg Lindqvist",
                "Great, Dana, I'll send the SSO plan to Brightwater Analytics.",
            ),
            (
                "Dana Whitfield",
                "Greg creates the service account by June 6th, right?",
            ),
            (
                "Greg Lindqvist",
                "we moved twenty percent of the data to aws in new york",
            ),
            (
                "Raj Mehta",
                "Can you confirm the service account with Dana next Tuesday?",
            ),
        ];
        let run = |small: Option<usize>| {
            let mut a = Analyzer::new(NlpOptions::default());
            a.vocab.small = small;
            for (i, (speaker, text)) in lines.iter().enumerate() {
                a.observe(Some(speaker), i as u64 * 1000, text);
            }
            a.finish()
        };
        let full = run(None);
        assert!(!full.entities.is_empty() && !full.action_items.is_empty());
        for small in [0, 3, 12, 40] {
            assert_eq!(run(Some(small)), full, "{small} words with ids");
        }
    }

    #[test]
    fn speakers_are_people_from_their_first_turn() {
        let out = analyse(&[
            ("Ann Lee", "Hello everyone."),
            ("Bo Chen", "Hi Ann, welcome."),
        ]);
        let ann = out
            .entities
            .iter()
            .find(|e| e.text == "Ann Lee")
            .expect("speaker is an entity");
        assert_eq!(
            (ann.label, ann.count, ann.first_seconds),
            (EntityLabel::Person, 1, 0.0)
        );
        let bo = out
            .entities
            .iter()
            .find(|e| e.text == "Bo Chen")
            .expect("speaker is an entity");
        assert_eq!((bo.count, bo.first_seconds), (1, 1.0));
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn analyzer_takes_any_text(
            sentences in proptest::collection::vec("\\PC{0,80}|([A-Za-z$%0-9.:'’ -]{0,12} ){0,8}", 0..20),
            speaker in proptest::option::of("[A-Z][a-z]{0,6}( [A-Z][a-z]{0,6})?"),
        ) {
            let mut a = Analyzer::new(NlpOptions::default());
            for (i, s) in sentences.iter().enumerate() {
                a.observe(speaker.as_deref(), i as u64, s);
            }
            let out = a.finish();
            prop_assert!(out.topics.len() <= 15);
            prop_assert!(out.entities.iter().all(|e| e.count >= 1 && !e.text.is_empty()));
        }
    }
}
