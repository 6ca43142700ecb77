//! Development tool: runs the real pipeline (`pipeline::analyze`: WebVTT parser, utterances,
//! clean, sentences, Analyzer) over one `.vtt` and prints the JSON that `testdata/gold/score.py`
//! reads (speakers, entities) plus topics, terms, action items and questions for reading.
//!
//! `cargo run --release -p snapshot_pipeline --example gold_dump -- FILE.vtt > OUT.json`

use snapshot_pipeline::pipeline::{self, Config, NoopObserver, SourceInfo};

fn main() {
    let path = std::env::args().nth(1).expect("usage: gold_dump FILE.vtt");
    let bytes = std::fs::read(&path).expect("readable file");
    let info = SourceInfo {
        path: path.clone(),
        title: path.clone(),
    };
    let summary = pipeline::analyze(
        bytes.as_slice(),
        &info,
        &Config::default(),
        &mut NoopObserver,
    )
    .expect("a WebVTT file");
    let out = serde_json::json!({
        "style": summary.source.style,
        "cues": summary.source.cues,
        "utterances": summary.stats.utterances,
        "sentences": summary.stats.sentences,
        "speakers": summary.speakers.iter().map(|s| serde_json::json!({ "name": s.name })).collect::<Vec<_>>(),
        "entities": summary.entities,
        "topics": summary.topics,
        "technical_terms": summary.technical_terms,
        "action_items": summary.action_items,
        "questions": summary.questions,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("JSON values serialise")
    );
}
