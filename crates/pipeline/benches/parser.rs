//! Parser throughput (stage 1 alone): cues, and cues with plain text and voice, over the shared
//! meeting transcripts repeated to `BENCH_MB` (default 20 MB) with shifted timestamps.
//! Single thread, input in memory. Target: cues + plain text >= 1 GB/s.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use snapshot_pipeline::vtt::{Parser, plain_text_and_voice};

#[path = "support.rs"]
mod support;

fn bench_parser(c: &mut Criterion) {
    let input = support::repeated_transcripts(support::bench_bytes());
    let mut group = c.benchmark_group("parser");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(10);

    group.bench_function("slice/cues", |b| {
        b.iter(|| {
            let mut parser = Parser::from_slice(black_box(&input)).expect("valid bench input");
            let mut n = 0usize;
            while let Some(cue) = parser.next_cue().expect("in-memory input cannot fail") {
                n += cue.text.len();
            }
            n
        })
    });

    group.bench_function("slice/cues+plain", |b| {
        let mut plain = String::new();
        b.iter(|| {
            let mut parser = Parser::from_slice(black_box(&input)).expect("valid bench input");
            let mut n = 0usize;
            while let Some(cue) = parser.next_cue().expect("in-memory input cannot fail") {
                let voice = plain_text_and_voice(&cue.text, &mut plain);
                n += plain.len() + voice.map_or(0, str::len);
            }
            n
        })
    });

    group.bench_function("reader/cues+plain", |b| {
        let mut plain = String::new();
        b.iter(|| {
            let mut parser = Parser::new(black_box(input.as_slice())).expect("valid bench input");
            let mut n = 0usize;
            while let Some(cue) = parser.next_cue().expect("in-memory input cannot fail") {
                let voice = plain_text_and_voice(&cue.text, &mut plain);
                n += plain.len() + voice.map_or(0, str::len);
            }
            n
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parser);
criterion_main!(benches);
