//! `optimize`: report and flamegraph files, per-stage figures from the real pipeline, findings,
//! `--compare`, and exit code 2 with nothing written on bad input.

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{Dir, bin};

/// Fast settings for a debug build: small inputs, short runs, one overhead pair.
fn quick(dir: &Dir) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.arg("optimize")
        .args(["--min-seconds", "0.2", "--overhead-pairs", "1", "--quiet"])
        .arg("--out-dir")
        .arg(dir.0.path())
        .arg("--history")
        .arg(dir.path("history.db"));
    cmd
}

fn only_file(dir: &Dir, prefix: &str) -> std::path::PathBuf {
    let found: Vec<String> = dir
        .files()
        .into_iter()
        .filter(|f| f.starts_with(prefix))
        .collect();
    assert_eq!(found.len(), 1, "{prefix}*: {found:?}");
    dir.path(&found[0])
}

#[test]
fn generated_sizes_give_every_stage_functions_memory_and_a_flamegraph() {
    let dir = Dir::new();
    quick(&dir)
        .args(["--sizes", "0.05,0.2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("entities"))
        .stdout(predicate::str::contains("Top functions"))
        .stdout(predicate::str::contains("Findings"));
    let report: Value =
        serde_json::from_slice(&std::fs::read(only_file(&dir, "optimization_report_")).unwrap())
            .unwrap();
    assert_eq!(report["schema_version"], 1);
    let sizes = report["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 2);
    assert_eq!(sizes[0]["label"], "0.05MB");
    assert_eq!(sizes[1]["input_bytes"], 200_000);
    for size in sizes {
        let stages = size["stages"].as_array().unwrap();
        let names: Vec<&str> = stages
            .iter()
            .map(|s| s["stage"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "parse",
                "utterances",
                "sentences",
                "entities",
                "topics",
                "render",
                "write"
            ]
        );
        for s in stages {
            assert!(s["batches"].as_u64().unwrap() > 0, "{s}");
            // The binary installs the counting allocator, so allocations are known.
            assert!(s["allocations"].is_u64(), "{s}");
        }
        assert!(stages[0]["bytes_in"].as_u64().unwrap() > 0);
        assert!(size["memory"]["peak_heap_bytes"].as_u64().unwrap() > 0);
        let functions = &size["functions"];
        assert!(functions["samples"].as_u64().unwrap() > 0, "{functions}");
        let top = functions["top_self"].as_array().unwrap();
        assert!(!top.is_empty() && top.len() <= 20);
        // The pipeline's own functions are named with their module path.
        let own = functions["top_own"].as_array().unwrap();
        assert!(!own.is_empty(), "{functions}");
        for f in own {
            let name = f["function"].as_str().unwrap();
            assert!(
                name.starts_with("snapshot_pipeline::") || name.starts_with("<snapshot_pipeline::"),
                "{name}"
            );
        }
        // Names, not addresses, and no profiler or harness frames.
        for f in top {
            let name = f["function"].as_str().unwrap();
            assert!(
                !name.starts_with("0x") && !name.starts_with("pprof::"),
                "{name}"
            );
        }
    }
    assert!(report["memory_growth"]["heap_growth_bytes_per_input_mb"].is_number());
    assert!(report["allocator_overhead"]["cost_percent"].is_number());
    let svg = std::fs::read_to_string(only_file(&dir, "optimization_flamegraph_")).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("snapshot_pipeline"));
    assert!(dir.path("history.db").metadata().unwrap().len() > 0);
}

#[test]
fn user_input_and_compare_against_the_previous_report() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let first = dir.path("first.json");
    quick(&dir)
        .args(["--hz", "0", "--no-history", "--input"])
        .arg(&input)
        .arg("-o")
        .arg(&first)
        .assert()
        .success();
    quick(&dir)
        .args(["--hz", "0", "--no-history", "--input"])
        .arg(&input)
        .arg("-o")
        .arg(dir.path("second.json"))
        .arg("--compare")
        .arg(&first)
        .assert()
        .success()
        .stdout(predicate::str::contains("Compared with"));
    let second: Value =
        serde_json::from_slice(&std::fs::read(dir.path("second.json")).unwrap()).unwrap();
    let diff = &second["comparison"]["sizes"][0];
    assert_eq!(diff["stages"].as_array().unwrap().len(), 7);
    assert!(diff["stages"][0]["wall_ratio"].is_number());
    // Same input, same code: the allocation count per stage is deterministic.
    assert_eq!(diff["stages"][3]["allocations_ratio"], 1.0);
    assert!(!dir.path("history.db").exists());
    assert!(second["flamegraph_path"].is_null());
}

#[test]
fn a_missing_input_is_bad_input_and_writes_nothing() {
    let dir = Dir::new();
    quick(&dir)
        .arg("--input")
        .arg(dir.path("nope.vtt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.vtt: no such file"));
    assert!(dir.files().is_empty(), "{:?}", dir.files());
}

#[test]
fn a_file_that_is_not_webvtt_is_bad_input_and_writes_nothing() {
    let dir = Dir::new();
    let bad = dir.write("notes.vtt", "just some notes\n");
    quick(&dir)
        .arg("--input")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.vtt"));
    assert_eq!(dir.files(), vec!["notes.vtt".to_string()]);
}

#[test]
fn bad_sizes_and_bad_compare_files_are_bad_input() {
    let dir = Dir::new();
    quick(&dir)
        .args(["--sizes", "ten"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'ten'"));
    let junk = dir.write("old.json", "{\"not\": \"a report\"}");
    quick(&dir)
        .args(["--sizes", "0.05", "--compare"])
        .arg(&junk)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "old.json: not an optimization report",
        ));
    assert_eq!(dir.files(), vec!["old.json".to_string()]);
}

#[test]
fn the_report_never_overwrites_an_input() {
    let dir = Dir::new();
    let input = dir.example("alpine_health_qbr.vtt");
    let before = std::fs::read(&input).unwrap();
    quick(&dir)
        .arg("--input")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would overwrite an input"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn the_ai_stage_appears_with_measured_wall_time_beside_the_pipeline() {
    let dir = Dir::new();
    quick(&dir)
        .args(["--sizes", "0.05", "--hz", "0", "--no-history"])
        .args(["--ai-loopback-latency", "40ms", "--ai-concurrency", "2"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "AI stage (loopback API, 40.0 ms before each answer, 2 calls in flight; on 0.05MB)",
        ))
        .stdout(predicate::str::is_match(r"\n  ai_api_calls +\d+\.\d{4} +11 +0 +0 ").unwrap())
        .stdout(predicate::str::contains("ai_api_calls took"));
    let report: Value =
        serde_json::from_slice(&std::fs::read(only_file(&dir, "optimization_report_")).unwrap())
            .unwrap();
    let ai = &report["ai_stage"];
    assert_eq!(ai["input"], "0.05MB");
    let stage = &ai["stage"];
    assert_eq!(stage["name"], "ai_api_calls");
    assert_eq!(stage["calls"], 11);
    // Eleven calls, two at a time, each waiting 40 ms: at least six rounds.
    let wall = stage["wall_seconds"].as_f64().unwrap();
    assert!(wall >= 6.0 * 0.04, "{wall}");
    assert!(stage["median_call_seconds"].as_f64().unwrap() >= 0.04);
    assert!(stage["input_tokens"].as_u64().unwrap() > 0);
    assert!(ai["pipeline_wall_seconds"].as_f64().unwrap() > 0.0);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "api_latency" && f["subject"] == "ai_api_calls")
    );
}

#[test]
fn the_ai_stage_of_a_real_run_comes_from_its_telemetry_file() {
    use snapshot_ai::loopback::{Behaviour, LoopbackServer, Script};
    let dir = Dir::new();
    let server = LoopbackServer::start(Script::then_ok([Behaviour::RateLimited {
        retry_after_seconds: 0.05,
    }]))
    .expect("loopback server");
    bin()
        .env("ANTHROPIC_BASE_URL", server.base_url())
        .env("ANTHROPIC_API_KEY", "sk-ant-optimize-test-0000")
        .args(["process", "--ai", "-o"])
        .arg(dir.path("out.md"))
        .arg("--ai-telemetry")
        .arg(dir.path("t.json"))
        .arg(dir.example("northwind_kickoff.vtt"))
        .assert()
        .success();
    quick(&dir)
        .args([
            "--sizes",
            "0.05",
            "--hz",
            "0",
            "--no-history",
            "--ai-telemetry",
        ])
        .arg(dir.path("t.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("AI stage (process --ai telemetry"))
        .stdout(predicate::str::is_match(r"\n  ai_api_calls +\d+\.\d{4} +11 +0 +1 ").unwrap());
    std::fs::write(dir.path("bad.json"), "{\"telemetry\": 3}").unwrap();
    quick(&dir)
        .args(["--sizes", "0.05", "--ai-telemetry"])
        .arg(dir.path("bad.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not the telemetry"));
}
