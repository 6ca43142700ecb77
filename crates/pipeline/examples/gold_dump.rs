//! Development tool: runs utterances -> clean -> sentences -> Analyzer over one `.vtt` and prints
//! the JSON that `testdata/gold/score.py` reads (speakers, entities) plus topics, terms, action
//! items and questions for reading.
//!
//! `cargo run -p snapshot_pipeline --example gold_dump -- FILE.vtt > OUT.json`
//!
//! THROWAWAY CUE READER: the project's WebVTT parser (`vtt`) was not on `main` when this was
//! written, so `benches/support/mini_cues.rs` is a minimal block splitter good enough for the
//! gold files. It is not part of the library; swap it for `vtt` once that lands.

use std::collections::BTreeSet;

#[path = "../benches/support/mini_cues.rs"]
mod mini_cues;

use mini_cues::read_cues;
use snapshot_pipeline::nlp::{Analyzer, NlpOptions};
use snapshot_pipeline::text::{CleanOptions, clean, split_sentences};
use snapshot_pipeline::utterance::{CueInput, Utterance, UtteranceBuilder};

fn main() {
    let path = std::env::args().nth(1).expect("usage: gold_dump FILE.vtt");
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let cues = read_cues(&text);
    let mut builder = UtteranceBuilder::default();
    let mut utterances: Vec<Utterance> = Vec::new();
    for c in &cues {
        let input = CueInput {
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            voice: c.voice.as_deref(),
            plain: &c.plain,
        };
        utterances.extend(builder.push(input));
    }
    utterances.extend(builder.finish());

    let mut analyzer = Analyzer::new(NlpOptions::default());
    let mut speakers = BTreeSet::new();
    let mut cleaned = String::new();
    let mut sentences = 0;
    for u in &utterances {
        if let Some(s) = &u.speaker
            && speakers.insert(s.clone())
        {
            analyzer.add_speaker(s);
        }
        cleaned.clear();
        clean(&u.text, &CleanOptions::default(), &mut cleaned);
        for s in split_sentences(&cleaned) {
            sentences += 1;
            analyzer.observe(u.speaker.as_deref(), u.start_ms, s);
        }
    }
    let a = analyzer.finish();
    let out = serde_json::json!({
        "style": builder.stats().style(),
        "cues": cues.len(),
        "utterances": utterances.len(),
        "sentences": sentences,
        "speakers": speakers.iter().map(|s| serde_json::json!({ "name": s })).collect::<Vec<_>>(),
        "entities": a.entities,
        "topics": a.topics,
        "technical_terms": a.technical_terms,
        "action_items": a.action_items,
        "questions": a.questions,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("JSON values serialise")
    );
}
