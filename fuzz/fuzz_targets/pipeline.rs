//! Fuzzes the whole pipeline (parser, utterances, cleaning, splitting, vocabulary, entities,
//! topics, actions, renderers), where the fast paths and their `unsafe` loads live. Properties
//! beyond "no panic": the output does not depend on how the input arrives (one read or seven
//! bytes at a time through a 16-byte buffer), JSON output parses, and HTML output never holds a
//! tag the transcript supplied.
#![no_main]

mod dribble;

use std::io::Read;

use dribble::Dribble;
use libfuzzer_sys::fuzz_target;
use snapshot_pipeline::pipeline::{self, Config, NoopObserver, SourceInfo};
use snapshot_pipeline::render::Format;

fn render(input: impl Read, format: Format, config: &Config) -> Option<Vec<u8>> {
    let info = SourceInfo {
        path: "fuzz.vtt".into(),
        title: "fuzz".into(),
    };
    let mut out = Vec::new();
    let mut renderer = format.renderer();
    pipeline::run(
        input,
        &info,
        config,
        renderer.as_mut(),
        &mut out,
        &mut NoopObserver,
    )
    .ok()
    .map(|_| out)
}

fuzz_target!(|data: &[u8]| {
    // Behind a valid signature, so the fuzzer spends its time past the header.
    let mut input = b"WEBVTT\n\n".to_vec();
    input.extend_from_slice(data);
    let small = Config {
        read_chunk: 16,
        ..Config::default()
    };
    for format in [Format::Json, Format::Markdown, Format::Html] {
        let whole = render(input.as_slice(), format, &Config::default());
        let dribbled = render(Dribble(&input), format, &small);
        assert_eq!(whole, dribbled, "{format:?}: output depends on read sizes");
        let Some(out) = whole else { continue };
        match format {
            Format::Json => {
                serde_json::from_slice::<serde_json::Value>(&out).expect("valid JSON");
            }
            Format::Html => {
                let html = String::from_utf8_lossy(&out).to_ascii_lowercase();
                for tag in ["<script", "<img", "<iframe", "<ruby", "<rt", "<v "] {
                    assert!(!html.contains(tag), "unescaped {tag}");
                }
            }
            Format::Markdown => {}
        }
    }
});
