//! Development tool: runs utterances -> clean -> sentences -> Analyzer over one `.vtt` and prints
//! the JSON that `testdata/gold/score.py` reads (speakers, entities) plus topics, terms, action
//! items and questions for reading.
//!
//! `cargo run -p snapshot_pipeline --example gold_dump -- FILE.vtt > OUT.json`
//!
//! THROWAWAY CUE READER: the project's WebVTT parser (`vtt`) was not on `main` when this was
//! written, so `read_cues` below is a minimal block splitter good enough for the gold files. It is
//! not part of the library; swap it for `vtt` once that lands.

use std::collections::BTreeSet;

use snapshot_pipeline::nlp::{Analyzer, NlpOptions};
use snapshot_pipeline::text::{CleanOptions, clean, split_sentences};
use snapshot_pipeline::utterance::{CueInput, Utterance, UtteranceBuilder};

struct Cue {
    start_ms: u64,
    end_ms: u64,
    voice: Option<String>,
    plain: String,
}

fn parse_ts(s: &str) -> Option<u64> {
    let s = s.trim();
    let (hms, ms) = s.split_once('.')?;
    let parts: Vec<u64> = hms
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let secs = parts.iter().fold(0, |acc, p| acc * 60 + p);
    Some(secs * 1000 + ms.parse::<u64>().ok()?)
}

/// Minimal cue reader (see the module docs): timing line, payload lines, `<v>` voice, tags removed.
fn read_cues(text: &str) -> Vec<Cue> {
    let text = text.replace("\r\n", "\n");
    let mut cues = Vec::new();
    for block in text.split("\n\n") {
        let lines: Vec<&str> = block.lines().collect();
        let Some(t) = lines.iter().position(|l| l.contains("-->")) else {
            continue;
        };
        let (a, b) = lines[t].split_once("-->").unwrap_or_default();
        let b = b.split_whitespace().next().unwrap_or_default();
        let (Some(start_ms), Some(end_ms)) = (parse_ts(a), parse_ts(b)) else {
            continue;
        };
        let payload = lines[t + 1..].join("\n");
        let mut voice = None;
        if let Some(p) = payload.find("<v ") {
            let rest = &payload[p + 3..];
            if let Some(e) = rest.find('>') {
                voice = Some(rest[..e].trim().to_owned());
            }
        }
        let mut plain = String::new();
        let mut in_tag = false;
        for c in payload.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        let plain = plain
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ");
        cues.push(Cue {
            start_ms,
            end_ms,
            voice,
            plain,
        });
    }
    cues
}

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
        if let Some(s) = &u.speaker {
            if speakers.insert(s.clone()) {
                analyzer.add_speaker(s);
            }
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
