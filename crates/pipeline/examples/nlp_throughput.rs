//! Throughput of stages 2–4 in one process, for measuring CPU time on a shared machine where
//! criterion's wall-clock figures swing with the load:
//!
//! `perf stat -e task-clock target/release/examples/nlp_throughput analyzer 5` minus the same
//! with `0` passes gives the CPU time of five passes over the corpus (see `benches/nlp.rs`).
//!
//! Modes: `split` (utterances + clean + split) or `analyzer` (stage 4 on the split sentences).

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::hint::black_box;

use snapshot_pipeline::nlp::{Analyzer, NlpOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "analyzer".to_owned());
    let passes: u32 = args.next().and_then(|p| p.parse().ok()).unwrap_or(1);
    let (cues, vtt_bytes) = corpus::corpus();
    let mut sentences = Vec::new();
    corpus::stages_2_3(&cues, Some(&mut sentences));
    let start = std::time::Instant::now();
    for _ in 0..passes {
        if mode == "split" {
            black_box(corpus::stages_2_3(black_box(&cues), None));
        } else {
            let mut a = Analyzer::new(NlpOptions::default());
            for (speaker, ms, s) in &sentences {
                a.observe(speaker.as_deref(), *ms, s);
            }
            black_box(a.finish());
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let mb = vtt_bytes as f64 / 1e6;
    let rate = if wall > 0.0 {
        mb * f64::from(passes) / wall
    } else {
        0.0
    };
    eprintln!(
        "{mode}: {passes} passes over {mb:.1} MB of WebVTT in {wall:.3} s wall ({rate:.1} MB/s wall)"
    );
}
