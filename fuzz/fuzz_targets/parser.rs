//! Fuzzes the WebVTT parser end to end: signature, blocks, settings, regions, cue text.
//! Properties checked beyond "no panic": the streaming reader (tiny reads) and the slice parser
//! agree, and the fast plain-text path equals the cue-text tree's text content.
#![no_main]

mod dribble;

use dribble::Dribble;
use libfuzzer_sys::fuzz_target;
use snapshot_pipeline::vtt::{Node, Parser, ReadSource, parse_cue_text, plain_text_and_voice};

fn text_content(nodes: &[Node], out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => text_content(&e.children, out),
            Node::Timestamp(_) => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Also try every input behind a valid signature, so the fuzzer spends its time in blocks.
    let mut with_sig = b"WEBVTT\n".to_vec();
    with_sig.extend_from_slice(data);
    for input in [data, with_sig.as_slice()] {
        let slice = Parser::from_slice(input).map(|p| p.collect::<Vec<_>>());
        // A 16-byte buffer that must grow for long lines, fed 7 bytes per read.
        let source = ReadSource::with_capacity(Dribble(input), 16);
        let streamed = Parser::with_source(source).map(|p| p.collect::<Vec<_>>());
        match (slice, streamed) {
            (Ok(a), Ok(b)) => {
                let a: Vec<_> = a
                    .into_iter()
                    .map(|c| c.expect("slice cannot fail"))
                    .collect();
                let b: Vec<_> = b
                    .into_iter()
                    .map(|c| c.expect("reader cannot fail"))
                    .collect();
                assert_eq!(a, b, "slice and reader disagree");
                let mut plain = String::new();
                for cue in &a {
                    plain_text_and_voice(&cue.text, &mut plain);
                    let mut expected = String::new();
                    text_content(&parse_cue_text(&cue.text), &mut expected);
                    assert_eq!(plain, expected, "fast path and tree disagree");
                }
            }
            (Err(_), Err(_)) => {}
            _ => panic!("slice and reader disagree on validity"),
        }
    }
});
