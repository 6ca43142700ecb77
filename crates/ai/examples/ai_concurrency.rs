//! Measures the AI stage against the loopback API with an artificial latency per call, for
//! each concurrency limit, with and without the prompt cache: what parallel sections buy when
//! the API is the bottleneck, and what the cache costs in latency and saves in input tokens.
//! Token counts are the stand-in's (4 bytes a token), not Anthropic's.
//!
//! `cargo run --release -p snapshot_ai --example ai_concurrency -- [LATENCY_MS] [SNAPSHOT_JSON]`
//! SNAPSHOT_JSON is a pipeline snapshot (`process -f json` output); the default is the test
//! fixture `tests/data/harbor_freight_kickoff.snapshot.json`.

use std::process::ExitCode;
use std::time::Duration;

use snapshot_ai::AiConfig;
use snapshot_ai::loopback::timed_run;
use snapshot_pipeline::snapshot::Snapshot;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let latency_ms: u64 = match args.next().map(|a| a.parse()) {
        None => 200,
        Some(Ok(ms)) => ms,
        Some(Err(_)) => {
            eprintln!("usage: ai_concurrency [LATENCY_MS] [SNAPSHOT_JSON]");
            return ExitCode::from(2);
        }
    };
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/harbor_freight_kickoff.snapshot.json"
        )
        .to_string()
    });
    let snapshot: Snapshot = match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    println!("latency per call: {latency_ms} ms; input: {path}");
    println!(
        "cache  concurrency  calls  wall_s  sum_of_calls_s  parallelism  input_tokens  cache_write  cache_read"
    );
    for (prompt_cache, concurrency) in [true, false]
        .into_iter()
        .flat_map(|c| [1, 2, 4, 8].map(move |n| (c, n)))
    {
        let config = AiConfig {
            concurrency,
            prompt_cache,
            ..AiConfig::default()
        };
        match timed_run(&snapshot, &config, Duration::from_millis(latency_ms)) {
            Ok(outcome) => {
                let s = outcome.telemetry.stage_entry();
                println!(
                    "{:>5}  {concurrency:>11}  {:>5}  {:>6.3}  {:>14.3}  {:>11.2}  {:>12}  {:>11}  {:>10}",
                    if prompt_cache { "on" } else { "off" },
                    s.calls,
                    s.wall_seconds,
                    s.call_seconds,
                    s.parallelism,
                    s.input_tokens,
                    s.cache_write_tokens,
                    s.cache_read_tokens
                );
            }
            Err(e) => {
                eprintln!("concurrency {concurrency}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
