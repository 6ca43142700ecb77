//! Action items (sentences that commit someone to do something) and questions nobody answered.
//!
//! Owners: a first-person commitment ("I'll send", "we will") belongs to the speaker; a request
//! ("can you send", "if you could confirm") to the person addressed by name, else to the next
//! other speaker, who is the one answering it (the previous other speaker while nobody else has
//! spoken, e.g. at the end of the meeting); an assignment ("Greg creates the account by Friday") to the named speaker.
//! A question is answered when a different speaker talks next; with no speaker names at all, any
//! following statement counts as the answer, since who spoke cannot be known.

use std::sync::LazyLock;

use super::marks::Marks;
use super::patterns::Sent;
use super::phrases::Phrases;
use super::starts::{Hit, Starts};
use super::vocab::{NO_ID, T_TITLE, T_UPPER0, T_WORD, TokInfo, Vocab, W_JOINED, W_TRIG_ANY};
use super::{ActionItem, Question};

/// Action items and unanswered questions kept; the snapshot is a summary, not the transcript.
const MAX_ITEMS: usize = 1_000;
/// Questions waiting for an answer at once.
const MAX_PENDING: usize = 100;

const COMMITS: &[&str] = &[
    "i'll",
    "i will",
    "we'll",
    "we will",
    "i'm going to",
    "we're going to",
    "i am going to",
    "we are going to",
    "i need to",
    "we need to",
    "i can send",
    "i can have",
    "i send",
    "we send",
    "action item",
    "next step is",
    "next steps are",
    "next step will",
    "to-do",
    "i'll follow up",
    "we'll follow up",
    "will follow up",
    "i'll get back",
    "we'll get back",
];
/// Words after "I'll"/"we'll" that describe the meeting, not a commitment.
const NOT_ACTIONS: &[&str] = &[
    "be", "see", "probably", "go", "walk", "talk", "start", "keep", "just", "never", "hold", "let",
    "need", "have", "stay", "hear", "wrap",
];
const LETS: &[&str] = &[
    "schedule",
    "set",
    "plan",
    "book",
    "meet",
    "sync",
    "send",
    "review",
    "scope",
    "add",
    "get",
    "circle",
    "revisit",
    "follow",
    "put",
    "loop",
    "share",
    "make",
    "do a follow",
];
const REQUESTS: &[&str] = &[
    "can you",
    "could you",
    "would you",
    "if you could",
    "please",
    "you'll need to",
    "you need to",
];
const ACTION_VERBS: &[&str] = &[
    "send",
    "share",
    "confirm",
    "set",
    "create",
    "schedule",
    "review",
    "provide",
    "get",
    "check",
    "make",
    "update",
    "loop",
    "forward",
    "email",
    "book",
    "follow",
    "prepare",
    "sign",
    "approve",
    "add",
    "write",
    "draft",
    "introduce",
    "invite",
    "test",
    "configure",
    "own",
];
const THIRD_PERSON: &[&str] = &[
    "sends",
    "shares",
    "creates",
    "confirms",
    "owns",
    "takes",
    "schedules",
    "sets",
    "handles",
    "provides",
    "reviews",
    "updates",
    "prepares",
    "will",
    "writes",
    "drafts",
    "books",
    "gets",
];

/// What a trigger phrase found in a sentence means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Commit,
    Request,
    Lets,
}

/// Every trigger phrase in one list, so a sentence is searched once.
static TRIGGERS: LazyLock<(Phrases, Vec<(Trigger, &'static str)>)> = LazyLock::new(|| {
    let mut list: Vec<(Trigger, &'static str)> = Vec::new();
    list.extend(COMMITS.iter().map(|c| (Trigger::Commit, *c)));
    list.extend(REQUESTS.iter().map(|c| (Trigger::Request, *c)));
    list.extend(["let's", "let us"].map(|c| (Trigger::Lets, c)));
    // Leftmost-longest, not overlapping: "i'll follow up" and "i'll" mean the same here.
    (Phrases::new(list.iter().map(|(_, p)| p)), list)
});

/// The trigger phrases by the word they can start with.
pub(crate) static TRIGGER_STARTS: LazyLock<Starts<'static>> =
    LazyLock::new(|| Starts::new(TRIGGERS.1.iter().map(|&(_, p)| p)));

/// Action and question tracker.
#[derive(Debug, Default)]
pub(crate) struct Actions {
    pub items: Vec<ActionItem>,
    pub unanswered: Vec<Question>,
    pending: Vec<Question>,
    current: Option<String>,
    other: Option<String>,
    /// Items of requests addressed to nobody by name, owned by the previous other speaker until
    /// somebody other than the asker speaks (indices into `items`, all of one asker).
    awaiting: Vec<usize>,
    /// Who asked the requests in `awaiting`.
    asker: String,
    /// Lower-case first names of the speakers (index into the speaker list), kept in step.
    firsts: Vec<(String, usize)>,
    /// Per vocabulary id: the first speaker whose first name it is, or [`NO_ID`].
    first_ids: Vec<u32>,
    /// The first bytes of `firsts`, a bit each: most tokens without an id are ruled out.
    first_bytes: [u64; 4],
    known_speakers: usize,
    /// The trigger matches of the current sentence.
    hits: Vec<Hit>,
}

/// Whether `hay[a..b]` is whole words.
fn whole_words(hay: &str, a: usize, b: usize) -> bool {
    let before_ok = hay[..a]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric() && c != '\'');
    let after_ok = hay[b..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric() && c != '\'');
    before_ok && after_ok
}

/// `s.trim_end().ends_with('?')`, from the last byte when it is ASCII and not whitespace (a
/// sentence mostly ends with its punctuation): no character walk.
fn ends_with_question_mark(s: &str) -> bool {
    match s.as_bytes().last() {
        Some(b'?') => true,
        Some(&b) if b.is_ascii() && !char::from(b).is_whitespace() => false,
        _ => s.trim_end().ends_with('?'),
    }
}

/// Whether `s` has three words or more, as `split_whitespace` splits it: counting stops at the
/// third (a question is checked once, and splitting all of it cost ~1,500 instructions).
fn three_words(s: &str) -> bool {
    // Bytes while they are ASCII (a question's first three words mostly are): no decoding.
    let bytes = s
        .bytes()
        .map(|b| b.is_ascii().then_some(b.is_ascii_whitespace() || b == 0x0b));
    reaches_three(bytes)
        .or_else(|| reaches_three(s.chars().map(|c| Some(c.is_whitespace()))))
        .unwrap_or(false)
}

/// Whether the text whose characters are spaces or not as `spaces` says has three words or
/// more; `None` when `spaces` gives up (a `None`) before the third word.
fn reaches_three(spaces: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut words = 0;
    let mut in_word = false;
    for space in spaces {
        let space = space?;
        if !space && !in_word {
            words += 1;
            if words == 3 {
                return Some(true);
            }
        }
        in_word = !space;
    }
    Some(false)
}

fn next_word(s: &str) -> &str {
    let s = s.trim_start_matches(|c: char| !c.is_alphanumeric());
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Speakers whose first names are checked for assignments ("Greg creates ...").
const MAX_NAMED_OWNERS: usize = 50;

impl Actions {
    /// Looks at one sentence (`lower` is its ASCII-lower-cased copy). `speakers` are the
    /// meeting's known speaker names.
    #[cfg(test)]
    pub fn observe(&mut self, speaker: Option<&str>, ms: u64, s: &Sent<'_>, speakers: &[String]) {
        let same = speaker == self.current.as_deref();
        self.observe_with((speaker, same), ms, s, speakers, None);
    }

    /// [`Actions::observe`] with the vocabulary that gave the sentence's token ids (so speakers'
    /// first names are found by id). Use the same vocabulary, or none, for every sentence.
    /// `turn.1` says whether `turn.0`, the speaker, is the previous sentence's.
    pub fn observe_with(
        &mut self,
        (speaker, same): (Option<&str>, bool),
        ms: u64,
        s: &Sent<'_>,
        speakers: &[String],
        mut vocab: Option<&mut Vocab>,
    ) {
        let sentence = s.text;
        let is_question = ends_with_question_mark(sentence);
        // Answers.
        if let Some(q) = self.pending.first() {
            let answered = match (q.speaker.as_deref(), speaker) {
                // A question still pending after the previous sentence, of this same speaker,
                // was asked by them (else that sentence answered it).
                (Some(_), Some(_)) if same => false,
                (Some(a), Some(b)) => a != b,
                _ => !is_question,
            };
            if answered {
                self.pending.clear();
            }
        }
        if !same {
            // The previous speaker becomes the other one, and the buffer of the one before is
            // reused for the new speaker: turns change often.
            std::mem::swap(&mut self.other, &mut self.current);
            match (speaker, &mut self.current) {
                (Some(sp), Some(buf)) => {
                    buf.clear();
                    buf.push_str(sp);
                }
                (sp, current) => *current = sp.map(str::to_owned),
            }
            // The first other voice after an unaddressed request answers it: theirs is the
            // request.
            if let Some(sp) = speaker.filter(|&sp| !self.awaiting.is_empty() && sp != self.asker) {
                for &i in &self.awaiting {
                    self.items[i].owner = Some(sp.to_owned());
                }
                self.awaiting.clear();
            }
        }
        if is_question && three_words(sentence) && self.pending.len() < MAX_PENDING {
            self.pending.push(Question {
                speaker: speaker.map(str::to_owned),
                text: sentence.to_owned(),
                seconds: secs(ms),
            });
        }
        while self.known_speakers < speakers.len().min(MAX_NAMED_OWNERS) {
            let i = self.known_speakers;
            if let Some(first) = speakers[i].split_whitespace().next() {
                let first = first.to_lowercase();
                if let Some(v) = vocab.as_deref_mut() {
                    let id = v.intern(&first).0;
                    if id != NO_ID {
                        let k = id as usize;
                        if k >= self.first_ids.len() {
                            self.first_ids.resize(k + 1, NO_ID);
                        }
                        if self.first_ids[k] == NO_ID {
                            self.first_ids[k] = i as u32;
                        }
                    }
                }
                if let Some(&b) = first.as_bytes().first() {
                    self.first_bytes[usize::from(b >> 6)] |= 1 << (b & 63);
                }
                self.firsts.push((first, i));
            }
            self.known_speakers += 1;
        }
        let mut hits = std::mem::take(&mut self.hits);
        let owner = self.owner(s, speaker, speakers, is_question, &mut hits);
        self.hits = hits;
        if let Some((owner, unaddressed)) = owner
            && self.items.len() < MAX_ITEMS
        {
            if let Some(sp) = speaker.filter(|_| unaddressed) {
                // Any other named speaker's turn resolves those waiting: all are this asker's.
                if self.awaiting.is_empty() {
                    self.asker.clear();
                    self.asker.push_str(sp);
                }
                self.awaiting.push(self.items.len());
            }
            self.items.push(ActionItem {
                owner,
                text: sentence.to_owned(),
                seconds: secs(ms),
            });
        }
    }

    /// `Some((owner, unaddressed))` when the sentence is an action item; `unaddressed` marks a
    /// request to nobody by name, whose owner is provisional.
    fn owner(
        &self,
        s: &Sent<'_>,
        speaker: Option<&str>,
        speakers: &[String],
        is_question: bool,
        hits: &mut Vec<Hit>,
    ) -> Option<(Option<String>, bool)> {
        if s.toks.len() < 4 {
            return None;
        }
        s.with_infos(|infos, marks| {
            self.owner_marked(s, (infos, marks), speaker, speakers, is_question, hits)
        })
    }

    /// [`Actions::owner`] with the sentence's token infos and marks.
    #[inline(never)]
    fn owner_marked(
        &self,
        s: &Sent<'_>,
        (infos, marks): (&[TokInfo], &Marks),
        speaker: Option<&str>,
        speakers: &[String],
        is_question: bool,
        hits: &mut Vec<Hit>,
    ) -> Option<(Option<String>, bool)> {
        let l = s.lower;
        // "Greg creates the service account by June 6th." Names are looked up per token: one
        // pass whatever the number of speakers.
        // In cased text a name is capitalised, which spares comparing every other word.
        let cased = marks.any & T_TITLE != 0;
        let named = |k: usize| {
            let f = infos[k];
            if cased && !f.has(T_UPPER0) {
                return None;
            }
            if f.id != NO_ID {
                return self
                    .first_ids
                    .get(f.id as usize)
                    .filter(|&&i| i != NO_ID)
                    .map(|&i| i as usize);
            }
            let w = s.l(k);
            let b = *w.as_bytes().first()?;
            if self.first_bytes[usize::from(b >> 6)] & (1 << (b & 63)) == 0 {
                return None;
            }
            self.firsts.iter().find(|(f, _)| f == w).map(|&(_, i)| i)
        };
        // In cased text only the capitalised tokens are visited.
        let assigned = marks.find_map(if cased { T_UPPER0 } else { 0 }, |k| {
            // Cheap rejections first: a word with an id that is nobody's first name.
            let f = infos[k];
            if f.id != NO_ID
                && self
                    .first_ids
                    .get(f.id as usize)
                    .is_none_or(|&i| i == NO_ID)
            {
                return None;
            }
            named(k).filter(|_| THIRD_PERSON.contains(&s.l(k + 1)))
        });
        if let Some(i) = assigned {
            return Some((Some(speakers[i].clone()), false));
        }
        // A sentence without a trigger's opening word (a third of them) is not scanned.
        if marks.any & W_TRIG_ANY == 0 {
            return None;
        }
        triggers(s, infos, marks, hits);
        if hits.is_empty() {
            return None;
        }
        let (_, list) = &*TRIGGERS;
        let mut commit = false;
        for &m in hits.iter() {
            if !whole_words(l, m.start, m.end) {
                continue;
            }
            let (kind, phrase) = list[m.pattern];
            let next = next_word(&l[m.end..]);
            match kind {
                Trigger::Request if ACTION_VERBS.contains(&next) => {
                    let addressed = (0..s.toks.len())
                        .filter_map(named)
                        .find(|&i| Some(speakers[i].as_str()) != speaker)
                        .map(|i| speakers[i].clone());
                    return Some(match addressed {
                        Some(name) => (Some(name), false),
                        None => (self.other.clone(), true),
                    });
                }
                Trigger::Commit if !is_question => {
                    let meeting_talk = (phrase.ends_with("ll") || phrase.ends_with("will"))
                        && NOT_ACTIONS.contains(&next);
                    // "if we need to" is a condition, not a commitment.
                    let condition = phrase.contains("need") && l[..m.end].contains("if ");
                    commit |= !meeting_talk && !condition;
                }
                Trigger::Lets if !is_question => {
                    let rest = l[m.end..].trim_start();
                    commit |= LETS.iter().any(|v| rest.starts_with(v));
                }
                _ => {}
            }
        }
        commit.then(|| (speaker.map(str::to_owned), false))
    }

    /// Ends the meeting: questions still waiting were never answered.
    pub fn finish(mut self) -> (Vec<ActionItem>, Vec<Question>) {
        self.unanswered.append(&mut self.pending);
        self.unanswered.truncate(MAX_ITEMS);
        (self.items, self.unanswered)
    }
}

/// The trigger automaton's matches in the sentence, as one scan finds them (see
/// [`Starts`]); words start inside hyphenated, dotted and `’` tokens, so those are scanned.
fn triggers(s: &Sent<'_>, infos: &[TokInfo], marks: &Marks, out: &mut Vec<Hit>) {
    TRIGGER_STARTS.matches(
        &TRIGGERS.0,
        s,
        infos,
        (marks, W_TRIG_ANY),
        |f| f.trig,
        |f| f.trig_cross,
        |f| f.has(T_WORD | W_JOINED),
        |_| false,
        out,
    );
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::patterns::TestSent;
    use crate::nlp::{marks, vocab};
    use proptest::prelude::*;

    /// The whole-word triggers the full scan finds, and those found token by token.
    fn both_ways(text: &str) -> (Vec<Hit>, Vec<Hit>) {
        let owned = TestSent::new(text);
        let s = owned.sent();
        let lower = s.lower;
        let accepted = |h: &Hit| whole_words(lower, h.start, h.end);
        let full = TRIGGERS
            .0
            .find_iter(lower, 0..lower.len())
            .filter(accepted)
            .collect();
        let mut fast = Vec::new();
        let infos = vocab::infos(&s);
        triggers(&s, &infos, &marks::marks(&s, &infos), &mut fast);
        let fast = fast.into_iter().filter(accepted).collect();
        (full, fast)
    }

    #[test]
    fn triggers_by_token_are_the_full_scan() {
        for text in [
            "I'll send it",
            "so i will follow up",
            "hawaii will follow up",
            "co-i will do it",
            "x’i will do it",
            "the please-based flow",
            "a to-do list",
            "u.s.we will go",
            "next step is this",
            "the transaction item and action item",
        ] {
            let (full, fast) = both_ways(text);
            assert_eq!(full, fast, "{text}");
        }
        assert!(both_ways("the data is ready").0.is_empty());
        // The scan's "i will" inside "hawaii" hides "will follow up".
        assert!(both_ways("hawaii will follow up").0.is_empty());
        assert_eq!(both_ways("so i will follow up").0.len(), 1);
    }

    proptest! {
        #[test]
        fn triggers_by_token_match_the_full_scan(
            words in proptest::collection::vec(
                "i|i'll|we|will|we'll|can|you|could|please|let's|let|us|next|step|is|action|item|\
                 to|do|follow|up|need|am|going|hawaii|co|x|scan|outlet|[a-z]{1,5}|[0-9]{1,2}",
                0..10,
            ),
            seps in proptest::collection::vec(" |-|\\.|'|’|, ", 10),
        ) {
            let text: String = words.iter().zip(&seps).flat_map(|(w, sep)| [w.as_str(), sep]).collect();
            let (full, fast) = both_ways(&text);
            prop_assert_eq!(full, fast, "{}", text);
        }
    }

    proptest! {
        /// Counting up to three words is `split_whitespace` counting them all.
        #[test]
        fn three_words_is_split_whitespace(s in "[a \t\u{a0}\u{2003}\u{b}é?.]{0,12}") {
            prop_assert_eq!(three_words(&s), s.split_whitespace().count() >= 3, "{:?}", s);
        }

        /// The last-byte test is the trimmed text's.
        #[test]
        fn question_mark_is_trimmed_ends_with(s in "[a ?.\t\u{b}\u{a0}\u{2003}é]{0,8}") {
            prop_assert_eq!(ends_with_question_mark(&s), s.trim_end().ends_with('?'), "{:?}", s);
        }
    }

    fn run(lines: &[(&str, &str)]) -> (Vec<ActionItem>, Vec<Question>) {
        let speakers: Vec<String> = ["Dana Whitfield", "Greg Lindqvist", "Raj Mehta"]
            .map(String::from)
            .to_vec();
        let mut a = Actions::default();
        for (i, (sp, text)) in lines.iter().enumerate() {
            let sp = (!sp.is_empty()).then_some(*sp);
            a.observe(sp, i as u64 * 1000, &TestSent::new(text).sent(), &speakers);
        }
        a.finish()
    }

    #[test]
    fn commitments_belong_to_the_speaker() {
        let (items, _) = run(&[
            ("Dana Whitfield", "I'll send the project plan by Friday."),
            ("Dana Whitfield", "I'll be your implementation lead."),
            ("Greg Lindqvist", "We will set up the service account."),
            ("Raj Mehta", "Let's schedule a follow-up next Thursday."),
            ("Raj Mehta", "Let's see how it goes."),
            ("Raj Mehta", "The weather will be nice."),
        ]);
        let got: Vec<_> = items
            .iter()
            .map(|i| (i.owner.as_deref(), i.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("Dana Whitfield"),
                    "I'll send the project plan by Friday."
                ),
                (
                    Some("Greg Lindqvist"),
                    "We will set up the service account."
                ),
                (
                    Some("Raj Mehta"),
                    "Let's schedule a follow-up next Thursday."
                ),
            ]
        );
    }

    #[test]
    fn an_unaddressed_request_belongs_to_whoever_answers_it() {
        let (items, _) = run(&[
            ("Greg Lindqvist", "Hello there everyone."),
            ("Dana Whitfield", "Can you send the SOC 2 report?"),
            ("Dana Whitfield", "We need it for the audit."),
            ("Raj Mehta", "Sure, I'll send it by Friday."),
            ("Raj Mehta", "Could you share the audit scope?"),
        ]);
        let owners: Vec<_> = items
            .iter()
            .map(|i| (i.owner.as_deref(), i.text.as_str()))
            .collect();
        assert_eq!(
            owners,
            [
                // Greg spoke before, but Raj answered.
                (Some("Raj Mehta"), "Can you send the SOC 2 report?"),
                (Some("Raj Mehta"), "Sure, I'll send it by Friday."),
                // Nobody answered: the previous other speaker.
                (Some("Dana Whitfield"), "Could you share the audit scope?"),
            ]
        );
        // A request that opens the meeting goes to the first one to answer.
        let (items, _) = run(&[
            ("Dana Whitfield", "Can you send the SOC 2 report?"),
            ("Greg Lindqvist", "Yes."),
        ]);
        assert_eq!(items[0].owner.as_deref(), Some("Greg Lindqvist"));
    }

    #[test]
    fn requests_and_assignments_go_to_the_other_person() {
        let (items, _) = run(&[
            ("Greg Lindqvist", "Hello there everyone."),
            ("Dana Whitfield", "Can you send the SOC 2 report?"),
            (
                "Dana Whitfield",
                "Number one, Greg creates the service account by June 6th.",
            ),
            (
                "Dana Whitfield",
                "Raj, could you confirm the rollout order?",
            ),
        ]);
        let owners: Vec<_> = items.iter().map(|i| i.owner.as_deref()).collect();
        assert_eq!(
            owners,
            [
                Some("Greg Lindqvist"),
                Some("Greg Lindqvist"),
                Some("Raj Mehta")
            ]
        );
    }

    #[test]
    fn unanswered_questions() {
        let (_, q) = run(&[
            ("Dana Whitfield", "Does Thursday work for everyone?"),
            ("Greg Lindqvist", "Thursdays are bad for us."),
            ("Greg Lindqvist", "Can we push that a bit?"),
            ("Greg Lindqvist", "Also, who owns the budget?"),
        ]);
        let texts: Vec<_> = q.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Can we push that a bit?", "Also, who owns the budget?"]
        );
    }

    #[test]
    fn speakerless_questions_are_answered_by_any_statement() {
        let (_, q) = run(&[
            ("", "what is your uptime SLA?"),
            ("", "it is 99.9% for the control plane"),
            ("", "is that all for today?"),
        ]);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].text, "is that all for today?");
    }
}
