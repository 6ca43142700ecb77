//! Action items (sentences that commit someone to do something) and questions nobody answered.
//!
//! Owners: a first-person commitment ("I'll send", "we will") belongs to the speaker; a request
//! ("can you send", "if you could confirm") to the person addressed by name, else to the previous
//! other speaker; an assignment ("Greg creates the account by Friday") to the named speaker.
//! A question is answered when a different speaker talks next; with no speaker names at all, any
//! following statement counts as the answer, since who spoke cannot be known.

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

/// Action and question tracker.
#[derive(Debug, Default)]
pub(crate) struct Actions {
    pub items: Vec<ActionItem>,
    pub unanswered: Vec<Question>,
    pending: Vec<Question>,
    current: Option<String>,
    other: Option<String>,
    lower: String,
}

/// Byte offset just after `phrase` in `hay` when it occurs as whole words.
fn find_words(hay: &str, phrase: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = hay[from..].find(phrase) {
        let a = from + p;
        let b = a + phrase.len();
        let before_ok = hay[..a]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '\'');
        let after_ok = hay[b..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() && c != '\'');
        if before_ok && after_ok {
            return Some(b);
        }
        from = a + 1;
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    None
}

fn next_word(s: &str) -> &str {
    let s = s.trim_start_matches(|c: char| !c.is_alphanumeric());
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .unwrap_or(s.len());
    &s[..end]
}

impl Actions {
    /// Looks at one sentence. `speakers` are the meeting's known speaker names.
    pub fn observe(&mut self, speaker: Option<&str>, ms: u64, sentence: &str, speakers: &[String]) {
        let is_question = sentence.trim_end().ends_with('?');
        // Answers.
        if let Some(q) = self.pending.first() {
            let answered = match (q.speaker.as_deref(), speaker) {
                (Some(a), Some(b)) => a != b,
                _ => !is_question,
            };
            if answered {
                self.pending.clear();
            }
        }
        if speaker != self.current.as_deref() {
            self.other = self.current.take();
            self.current = speaker.map(str::to_owned);
        }
        if is_question
            && sentence.split_whitespace().count() >= 3
            && self.pending.len() < MAX_PENDING
        {
            self.pending.push(Question {
                speaker: speaker.map(str::to_owned),
                text: sentence.to_owned(),
                seconds: secs(ms),
            });
        }

        self.lower.clear();
        self.lower.extend(
            sentence
                .chars()
                .flat_map(char::to_lowercase)
                .map(|c| if c == '’' { '\'' } else { c }),
        );
        let l = self.lower.as_str();
        if let Some(owner) = self.owner(l, speaker, speakers, is_question)
            && self.items.len() < MAX_ITEMS
        {
            self.items.push(ActionItem {
                owner,
                text: sentence.to_owned(),
                seconds: secs(ms),
            });
        }
    }

    /// `Some(owner)` when the sentence is an action item.
    fn owner(
        &self,
        l: &str,
        speaker: Option<&str>,
        speakers: &[String],
        is_question: bool,
    ) -> Option<Option<String>> {
        let words = l.split_whitespace().count();
        if words < 4 {
            return None;
        }
        let addressed = speakers.iter().find(|s| {
            Some(s.as_str()) != speaker
                && s.split_whitespace()
                    .next()
                    .is_some_and(|first| find_words(l, &first.to_lowercase()).is_some())
        });
        // "Greg creates the service account by June 6th."
        for s in speakers {
            let Some(first) = s.split_whitespace().next() else {
                continue;
            };
            if let Some(end) = find_words(l, &first.to_lowercase())
                && THIRD_PERSON.contains(&next_word(&l[end..]))
            {
                return Some(Some(s.clone()));
            }
        }
        for r in REQUESTS {
            if let Some(end) = find_words(l, r)
                && ACTION_VERBS.contains(&next_word(&l[end..]))
            {
                let owner = addressed.cloned().or_else(|| self.other.clone());
                return Some(owner);
            }
        }
        if is_question {
            return None;
        }
        for c in COMMITS {
            if let Some(end) = find_words(l, c) {
                let next = next_word(&l[end..]);
                if (c.ends_with("ll") || c.ends_with("will")) && NOT_ACTIONS.contains(&next) {
                    continue;
                }
                // "if we need to" is a condition, not a commitment.
                if l[..end].contains("if ") && c.contains("need") {
                    continue;
                }
                return Some(speaker.map(str::to_owned));
            }
        }
        for lets in ["let's", "let us"] {
            if let Some(end) = find_words(l, lets) {
                let rest = l[end..].trim_start();
                if LETS.iter().any(|v| rest.starts_with(v)) {
                    return Some(speaker.map(str::to_owned));
                }
            }
        }
        None
    }

    /// Ends the meeting: questions still waiting were never answered.
    pub fn finish(mut self) -> (Vec<ActionItem>, Vec<Question>) {
        self.unanswered.append(&mut self.pending);
        self.unanswered.truncate(MAX_ITEMS);
        (self.items, self.unanswered)
    }
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[(&str, &str)]) -> (Vec<ActionItem>, Vec<Question>) {
        let speakers: Vec<String> = ["Dana Whitfield", "Greg Lindqvist", "Raj Mehta"]
            .map(String::from)
            .to_vec();
        let mut a = Actions::default();
        for (i, (sp, text)) in lines.iter().enumerate() {
            let sp = (!sp.is_empty()).then_some(*sp);
            a.observe(sp, i as u64 * 1000, text, &speakers);
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
