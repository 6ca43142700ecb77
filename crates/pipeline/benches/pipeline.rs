//! Whole-pipeline throughput: `pipeline::run` to an in-memory sink, per output format, on a
//! realistic transcript made by repeating the shared meeting transcripts with shifted times.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use snapshot_pipeline::pipeline::{self, Config, NoopObserver, SourceInfo};
use snapshot_pipeline::render::Format;

#[path = "support.rs"]
mod support;

fn bench_pipeline(c: &mut Criterion) {
    let bytes = support::repeated_transcripts(support::bench_bytes());
    let input: &[u8] = &bytes;
    let info = SourceInfo {
        path: "bench.vtt".into(),
        title: "Bench".into(),
    };
    let config = Config::default();
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(10);
    let mut sink = Vec::with_capacity(input.len() * 2);
    for format in [Format::Json, Format::Markdown, Format::Html] {
        group.bench_function(format.extension(), |b| {
            b.iter(|| {
                sink.clear();
                let mut renderer = format.renderer();
                let summary = pipeline::run(
                    black_box(input),
                    &info,
                    &config,
                    renderer.as_mut(),
                    &mut sink,
                    &mut NoopObserver,
                )
                .expect("pipeline runs");
                black_box(summary.stats.words)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
