//! The 11-section Customer Success Snapshot: the section and field table, the document model,
//! and reading one model answer into a section.
//!
//! The table ([`SECTIONS`]) is the single place that says which sections and fields exist; the
//! prompts list the fields from it and the renderers walk it. A field the model leaves out,
//! leaves empty or marks as unsupported becomes [`NOT_DISCUSSED`], so the document never has a
//! gap a reader might fill with a guess.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the AI snapshot JSON document; bump on any change to its shape.
pub const SCHEMA_VERSION: &str = "1.0.0";

/// What a field says when the transcript does not support it.
pub const NOT_DISCUSSED: &str = "Not discussed";

/// One field of a section: its JSON key, its printed label and what the model should put there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Key in the model's JSON answer and in the document JSON.
    pub key: &'static str,
    /// Label printed in Markdown and HTML.
    pub label: &'static str,
    /// Instruction for the model.
    pub guidance: &'static str,
}

/// One of the 11 sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionSpec {
    /// Key (`customer_information`, …).
    pub key: &'static str,
    /// Printed title.
    pub title: &'static str,
    /// Fields, in print order.
    pub fields: &'static [FieldSpec],
}

const fn f(key: &'static str, label: &'static str, guidance: &'static str) -> FieldSpec {
    FieldSpec {
        key,
        label,
        guidance,
    }
}

/// The 11 sections, in document order. The last one (executive summary) is written from the
/// other ten.
pub const SECTIONS: [SectionSpec; 11] = [
    SectionSpec {
        key: "customer_information",
        title: "Customer Information",
        fields: &[
            f(
                "company_name",
                "Company name",
                "the customer's company name",
            ),
            f("industry", "Industry", "the customer's industry or sector"),
            f("location", "Location", "where the customer is based"),
            f(
                "primary_contact",
                "Primary contact",
                "the customer's main contact person",
            ),
            f("position", "Position", "that person's role or title"),
            f(
                "contact_information",
                "Contact information",
                "email, phone or other contact details given",
            ),
        ],
    },
    SectionSpec {
        key: "background",
        title: "Background",
        fields: &[f(
            "challenge",
            "Challenge",
            "the problem or challenge the customer faced before the engagement",
        )],
    },
    SectionSpec {
        key: "solution",
        title: "Solution",
        fields: &[
            f(
                "product_service",
                "Product/service used",
                "what was offered or used to solve it",
            ),
            f(
                "implementation_process",
                "Implementation process",
                "how it is or was put in place",
            ),
        ],
    },
    SectionSpec {
        key: "engagement",
        title: "Engagement / Implementation Details and Timeline",
        fields: &[
            f(
                "start_date",
                "Start date",
                "when the engagement starts or started",
            ),
            f(
                "key_milestones",
                "Key milestones",
                "milestones with their dates, in order",
            ),
            f(
                "completion_date",
                "Completion date",
                "planned or actual completion",
            ),
            f(
                "post_implementation_review",
                "Post-implementation review",
                "any review planned or held after go-live",
            ),
            f(
                "engagement_team",
                "Engagement team",
                "people on each side and their roles",
            ),
            f(
                "engagement_overview",
                "Engagement overview",
                "a short account of the engagement",
            ),
        ],
    },
    SectionSpec {
        key: "results",
        title: "Results and Achievements",
        fields: &[
            f("key_achievements", "Key achievements", "what was achieved"),
            f(
                "quantifiable_improvements",
                "Quantifiable improvements",
                "improvements with the numbers said",
            ),
            f(
                "customer_quote",
                "Customer quote",
                "a verbatim sentence a customer speaker said, with the speaker's name",
            ),
        ],
    },
    SectionSpec {
        key: "adoption",
        title: "Adoption and Usage",
        fields: &[
            f(
                "adoption_rate",
                "Adoption rate",
                "how widely it is or will be adopted",
            ),
            f("usage_metrics", "Usage metrics", "usage figures mentioned"),
        ],
    },
    SectionSpec {
        key: "financial_impact",
        title: "Financial Impact",
        fields: &[
            f(
                "cost_savings",
                "Cost savings",
                "savings with the amounts said",
            ),
            f(
                "revenue_increase",
                "Revenue increase",
                "revenue effects with the amounts said",
            ),
            f("roi", "ROI", "return on investment as stated"),
        ],
    },
    SectionSpec {
        key: "long_term_impact",
        title: "Long-Term Impact",
        fields: &[
            f(
                "strategic_benefits",
                "Strategic benefits",
                "lasting benefits named",
            ),
            f("future_plans", "Future plans", "next phases or plans named"),
        ],
    },
    SectionSpec {
        key: "visuals",
        title: "Visuals",
        fields: &[
            f(
                "timeline_graphic",
                "Suggested timeline graphic",
                "a timeline graphic the facts would support (dates and milestones said)",
            ),
            f(
                "before_after",
                "Before/after comparison",
                "a before/after comparison the facts would support",
            ),
            f(
                "logo",
                "Logo",
                "the customer logo to use (the company name), if the company is named",
            ),
        ],
    },
    SectionSpec {
        key: "additional_commentary",
        title: "Additional Commentary",
        fields: &[f(
            "commentary",
            "Commentary",
            "risks, open questions or other notable points from the meeting",
        )],
    },
    SectionSpec {
        key: "executive_summary",
        title: "Executive Summary",
        fields: &[f(
            "summary",
            "Summary",
            "three to five sentences summarising the sections above",
        )],
    },
];

/// The key of the section written last, from the others.
pub const EXECUTIVE_SUMMARY: &str = "executive_summary";

/// One filled field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Key ([`FieldSpec::key`]).
    pub key: String,
    /// Printed label.
    pub label: String,
    /// The text, or [`NOT_DISCUSSED`].
    pub value: String,
    /// False when the value is [`NOT_DISCUSSED`].
    pub discussed: bool,
}

/// One filled section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Key ([`SectionSpec::key`]).
    pub key: String,
    /// Printed title.
    pub title: String,
    /// Fields in print order; always every field of the spec.
    pub fields: Vec<Field>,
}

impl Section {
    /// A section with every field [`NOT_DISCUSSED`].
    pub fn empty(spec: &SectionSpec) -> Self {
        Section {
            key: spec.key.to_string(),
            title: spec.title.to_string(),
            fields: spec
                .fields
                .iter()
                .map(|f| Field {
                    key: f.key.to_string(),
                    label: f.label.to_string(),
                    value: NOT_DISCUSSED.to_string(),
                    discussed: false,
                })
                .collect(),
        }
    }
}

/// Where the document came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// Input path as the user gave it.
    pub path: String,
    /// Input size, bytes.
    pub bytes: u64,
    /// Meeting length, seconds.
    pub duration_seconds: f64,
    /// Speakers, most talk time first.
    pub speakers: Vec<String>,
}

/// How the document was generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Generation {
    /// Model name sent.
    pub model: String,
    /// Prompt template version (`prompts/<version>/`).
    pub prompt_version: String,
    /// Transcript parts summarised first (0 when the transcript fitted the context budget).
    pub map_chunks: usize,
    /// Messages API calls made.
    pub calls: u64,
    /// Input tokens over all calls, cache writes and reads not included.
    pub input_tokens: u64,
    /// Output tokens over all calls.
    pub output_tokens: u64,
    /// Input tokens written to the API's prompt cache.
    pub cache_write_tokens: u64,
    /// Input tokens read from the API's prompt cache.
    pub cache_read_tokens: u64,
}

/// The whole 11-section document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiSnapshot {
    /// [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// Meeting title (from the file name).
    pub title: String,
    /// The input.
    pub source: SourceRef,
    /// Model, prompts and usage.
    pub generation: Generation,
    /// The 11 sections in [`SECTIONS`] order.
    pub sections: Vec<Section>,
}

/// Reads the model's answer for `spec`: a JSON object keyed by field, possibly inside a code
/// fence or a sentence. Missing, empty, null and "not discussed" values become
/// [`NOT_DISCUSSED`]; keys not in the spec are ignored.
pub fn parse_section(spec: &SectionSpec, answer: &str) -> Result<Section, String> {
    let object = extract_object(answer)?;
    let mut section = Section::empty(spec);
    for field in &mut section.fields {
        if let Some(text) = object.get(&field.key).and_then(value_text) {
            field.value = text;
            field.discussed = true;
        }
    }
    Ok(section)
}

/// The first `{` to the last `}` of `answer`, parsed as a JSON object.
fn extract_object(answer: &str) -> Result<serde_json::Map<String, Value>, String> {
    let (Some(start), Some(end)) = (answer.find('{'), answer.rfind('}')) else {
        return Err(format!("no JSON object in the answer: {}", preview(answer)));
    };
    if end < start {
        return Err(format!("no JSON object in the answer: {}", preview(answer)));
    }
    match serde_json::from_str::<Value>(&answer[start..=end]) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the answer's JSON is not an object".to_string()),
        Err(e) => Err(format!("invalid JSON ({e}): {}", preview(answer))),
    }
}

fn preview(text: &str) -> String {
    let p: String = text.chars().take(120).collect();
    if p.trim().is_empty() {
        "(empty answer)".to_string()
    } else {
        format!("'{}'", p.replace('\n', " "))
    }
}

/// A JSON value as field text; `None` for values that say nothing.
fn value_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) => s.trim().to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(value_text)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| value_text(v).map(|t| format!("{k}: {t}")))
            .collect::<Vec<_>>()
            .join("; "),
    };
    let bare = text.trim_end_matches('.').trim().to_ascii_lowercase();
    // Models vary the wording ("Not discussed in the meeting.", "Not mentioned"); any of these
    // openings means the field has no support, and the document says so in one fixed way.
    let says_nothing = [
        "not discussed",
        "not mentioned",
        "not specified",
        "not stated",
    ]
    .iter()
    .any(|p| bare.starts_with(p))
        || ["", "n/a", "none", "unknown"].contains(&bare.as_str());
    if says_nothing { None } else { Some(text) }
}

/// The spec of a section key.
pub fn section_spec(key: &str) -> Option<&'static SectionSpec> {
    SECTIONS.iter().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_eleven_sections_with_unique_keys() {
        assert_eq!(SECTIONS.len(), 11);
        let mut keys: Vec<&str> = SECTIONS.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 11);
        assert_eq!(SECTIONS[10].key, EXECUTIVE_SUMMARY);
    }

    #[test]
    fn missing_and_unsupported_fields_say_not_discussed() {
        let spec = section_spec("customer_information").expect("exists");
        let answer = "Here you go:\n```json\n{\"company_name\": \"Acme Corp\", \"industry\": \"Not discussed.\", \
                      \"location\": null, \"position\": \"\", \"primary_contact\": \"Not mentioned in the call.\", \"contact_information\": [\"a@acme.test\", \"555-0100\"], \"extra\": 1}\n```";
        let section = parse_section(spec, answer).expect("parses");
        let values: Vec<(&str, &str, bool)> = section
            .fields
            .iter()
            .map(|f| (f.key.as_str(), f.value.as_str(), f.discussed))
            .collect();
        assert_eq!(
            values,
            vec![
                ("company_name", "Acme Corp", true),
                ("industry", NOT_DISCUSSED, false),
                ("location", NOT_DISCUSSED, false),
                ("primary_contact", NOT_DISCUSSED, false),
                ("position", NOT_DISCUSSED, false),
                ("contact_information", "a@acme.test; 555-0100", true),
            ]
        );
    }

    #[test]
    fn answers_without_an_object_are_errors() {
        let spec = section_spec("background").expect("exists");
        assert!(parse_section(spec, "I cannot help with that.").is_err());
        assert!(parse_section(spec, "{\"challenge\": \"cut off").is_err());
        assert!(parse_section(spec, "} {").is_err());
    }
}
