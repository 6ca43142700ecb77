//! STAGE 4: entities, key phrases/topics, technical terms, action items and open questions,
//! from rules and gazetteers shipped in the crate (no downloaded model).

use serde::{Deserialize, Serialize};

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
