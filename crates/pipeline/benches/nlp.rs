//! Throughput of stages 2–4 on a realistic corpus: the shared real transcripts and the gold
//! meetings repeated with shifted times. Throughput is counted in bytes of the WebVTT input those
//! cues came from, so the figures compare directly with the whole pipeline's MB/s target.
//!
//! `cargo bench -p snapshot_pipeline --bench nlp`

#[path = "support/corpus.rs"]
mod corpus;

use std::hint::black_box;

use corpus::{corpus, stages_2_3};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use snapshot_pipeline::nlp::{Analyzer, NlpOptions};

fn bench(c: &mut Criterion) {
    let (cues, vtt_bytes) = corpus();
    let mut sentences = Vec::new();
    stages_2_3(&cues, Some(&mut sentences));
    let sentence_bytes: usize = sentences.iter().map(|s| s.2.len()).sum();
    eprintln!(
        "corpus: {:.1} MB of WebVTT, {} cues, {} sentences, {:.1} MB of sentence text",
        vtt_bytes as f64 / 1e6,
        cues.len(),
        sentences.len(),
        sentence_bytes as f64 / 1e6
    );

    let mut g = c.benchmark_group("nlp");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(vtt_bytes));
    g.bench_function("utterances_clean_split", |b| {
        b.iter(|| stages_2_3(black_box(&cues), None))
    });
    g.bench_function("analyzer", |b| {
        b.iter(|| {
            let mut a = Analyzer::new(NlpOptions::default());
            for (speaker, ms, s) in &sentences {
                a.observe(speaker.as_deref(), *ms, s);
            }
            a.finish()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
