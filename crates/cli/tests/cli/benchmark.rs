//! `benchmark`: corpus generation, report files, history, baseline comparison and the
//! regression gate (with the hidden deterministic `--debug-mode` executor, as hyperfine tests
//! its scheduler), and one real child-process run of `process`.

use predicates::prelude::*;
use snapshot_perf::bench::report::BenchmarkReport;

use crate::util::{Dir, bin};

fn read_report(path: &std::path::Path) -> BenchmarkReport {
    let text = std::fs::read_to_string(path).expect("report written");
    // The library's wire types reject unknown fields, so this also pins the layout.
    serde_json::from_str(&text).expect("a valid benchmark report")
}

/// A mock benchmark run in `dir`, with its own history file.
fn mock_run(dir: &Dir, seconds_per_mb: &str, seed: &str) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.current_dir(dir.0.path()).args([
        "benchmark",
        "--debug-mode",
        seconds_per_mb,
        "--seed",
        seed,
        "--sizes",
        "0.05,0.2",
        "--runs",
        "7",
        "--history",
        "h.sqlite",
    ]);
    cmd
}

#[test]
fn generate_writes_an_exact_size_and_the_same_bytes_for_the_same_seed() {
    let d = Dir::new();
    for (name, seed) in [("a.vtt", "7"), ("b.vtt", "7"), ("c.vtt", "8")] {
        bin()
            .args([
                "benchmark",
                "generate",
                "--size",
                "200KB",
                "--seed",
                seed,
                "-o",
            ])
            .arg(d.path(name))
            .assert()
            .success();
    }
    let a = std::fs::read(d.path("a.vtt")).unwrap();
    assert_eq!(a.len(), 200_000);
    assert!(a.starts_with(b"WEBVTT\n\n"));
    assert_eq!(a, std::fs::read(d.path("b.vtt")).unwrap());
    assert_ne!(a, std::fs::read(d.path("c.vtt")).unwrap());

    bin()
        .args([
            "benchmark",
            "generate",
            "--size",
            "3KB",
            "--corpus",
            "seed",
            "-o",
            "-",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Test Speaker "));
}

#[test]
fn generate_rejects_a_bad_size_and_an_unwritable_place() {
    bin()
        .args(["benchmark", "generate", "--size", "lots", "-o", "x.vtt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad size 'lots'"));
    // A folder cannot be created under a regular file, even by root.
    let d = Dir::new();
    let file = d.write("plain-file", "x");
    let target = file.join("x.vtt");
    bin()
        .args(["benchmark", "generate", "--size", "1KB", "-o"])
        .arg(&target)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("plain-file"));
}

#[test]
fn a_run_writes_every_report_and_stores_history() {
    let d = Dir::new();
    mock_run(&d, "0.05", "1")
        .args([
            "--export-csv",
            "r.csv",
            "--export-markdown",
            "r.md",
            "--quiet",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("| 0.2 MB  | 7 ").and(predicate::str::contains("PASS")));
    let json: Vec<String> = d
        .files()
        .into_iter()
        .filter(|f| f.starts_with("benchmark_results_") && f.ends_with(".json"))
        .collect();
    assert_eq!(json.len(), 1, "{:?}", d.files());
    let r = read_report(&d.path(&json[0]));
    assert!(r.complete);
    assert!(r.ai.is_none(), "no AI stage unless asked for");
    assert!(
        !std::fs::read_to_string(d.path(&json[0]))
            .unwrap()
            .contains("\"ai\"")
    );
    assert_eq!(r.settings.sizes_bytes, [50_000, 200_000]);
    assert_eq!(r.results.len(), 2);
    assert!(
        r.results
            .iter()
            .all(|x| x.runs == 7 && x.success_rate == 1.0)
    );
    let csv = std::fs::read_to_string(d.path("r.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(
        std::fs::read_to_string(d.path("r.md"))
            .unwrap()
            .contains("## ")
    );

    bin()
        .args(["benchmark", "history", "--history"])
        .arg(d.path("h.sqlite"))
        .assert()
        .success()
        .stdout(predicate::str::contains("| 1   |").and(predicate::str::contains("2/2 met")));
}

#[test]
fn the_ai_stage_shows_what_concurrency_buys_and_is_stored() {
    let d = Dir::new();
    mock_run(&d, "0.05", "1")
        .args([
            "--export-json",
            "r.json",
            "--export-markdown",
            "r.md",
            "--ai-loopback-latency",
            "50ms",
            "--ai-concurrency",
            "1,4",
            "--quiet",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "## AI stage (loopback API, 50.0 ms before each answer",
        ));
    let r = read_report(&d.path("r.json"));
    let ai = r.ai.expect("the AI stage in the JSON report");
    assert_eq!(ai.latency_seconds, 0.05);
    assert_eq!(
        ai.results.iter().map(|x| x.concurrency).collect::<Vec<_>>(),
        [1, 4]
    );
    for x in &ai.results {
        assert_eq!((x.calls, x.failed_calls), (11, 0));
        assert!(x.input_tokens > 0 && x.output_tokens > 0);
        let p50 = x.p50_call_seconds.expect("p50");
        assert!(p50 >= 0.05, "every call waits the latency: {p50}");
        assert!(x.p95_call_seconds.expect("p95") >= p50);
    }
    // 11 calls one at a time take at least 11 latencies; four at a time about 5 rounds.
    assert!(ai.results[0].wall_seconds >= 11.0 * 0.05);
    let ratio = ai.results[1].wall_seconds / ai.results[0].wall_seconds;
    assert!(ratio < 0.8, "concurrency 4 over 1: {ratio}");
    assert!(
        std::fs::read_to_string(d.path("r.md"))
            .unwrap()
            .contains("| Concurrency |")
    );
    bin()
        .args(["benchmark", "history", "--history"])
        .arg(d.path("h.sqlite"))
        .assert()
        .success()
        .stdout(predicate::str::contains("AI stage").and(predicate::str::contains("| 1: ")));

    // Against that run, the AI stage is compared per concurrency limit both runs have.
    mock_run(&d, "0.05", "2")
        .args(["--export-json", "again.json", "--baseline", "latest", "-q"])
        .args(["--ai-loopback-latency", "50ms", "--ai-concurrency", "4,2"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "### AI stage against the baseline",
        ));
    let again = read_report(&d.path("again.json"));
    let cmp = again.baseline.expect("baseline comparison");
    assert_eq!(cmp.ai.len(), 1, "only concurrency 4 is in both runs");
    assert_eq!(cmp.ai[0].concurrency, 4);
    assert_eq!(cmp.ai[0].baseline_wall_seconds, ai.results[1].wall_seconds);
    assert!(cmp.ai[0].same_latency && cmp.ai[0].wall_ratio.is_some());
    let page = |d: &Dir| {
        let _ = std::fs::remove_file(d.path("page.html"));
        bin()
            .current_dir(d.0.path())
            .args(["dashboard", "--mode", "dashboard", "-o", "page.html"])
            .args(["--history", "h.sqlite"])
            .assert()
            .success();
        std::fs::read_to_string(d.path("page.html")).expect("page")
    };
    // The dashboard draws the latest run's AI stage, self-contained like the rest.
    let html = page(&d);
    assert!(html.contains(r#"<section id="ai">"#));
    assert!(html.contains("AI stage wall time per concurrency limit"));
    assert!(html.contains("AI call latency (p50, p95) per concurrency limit"));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    // A run without the AI stage against one with it: sizes compared, no AI rows, no failure.
    mock_run(&d, "0.05", "3")
        .args(["--export-json", "plain.json", "--baseline", "latest", "-q"])
        .assert()
        .success()
        .stdout(predicate::str::contains("AI stage against the baseline").not());
    let plain = read_report(&d.path("plain.json"));
    let cmp = plain.baseline.expect("baseline comparison");
    assert!(cmp.ai.is_empty() && !cmp.sizes.is_empty());
    // The latest run has no AI stage now, so neither has the page.
    assert!(!page(&d).contains(r#"<section id="ai">"#));
}

#[test]
fn ai_stage_flags_are_checked_before_any_run() {
    let d = Dir::new();
    mock_run(&d, "0.05", "1")
        .args(["--ai-concurrency", "4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--ai-loopback-latency"));
    mock_run(&d, "0.05", "1")
        .args(["--ai-loopback-latency", "10ms", "--ai-concurrency", "2,0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--ai-concurrency 0"));
    assert!(!d.path("h.sqlite").exists());
}

#[test]
fn json_format_goes_to_output_and_no_history_stores_nothing() {
    let d = Dir::new();
    mock_run(&d, "0.05", "1")
        .args([
            "--no-history",
            "--format",
            "json",
            "-o",
            "out.json",
            "--export-json",
            "r.json",
        ])
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        read_report(&d.path("out.json")),
        read_report(&d.path("r.json"))
    );
    assert!(!d.path("h.sqlite").exists());
}

#[test]
fn a_noisy_but_equal_run_passes_the_gate() {
    let d = Dir::new();
    mock_run(&d, "0.05", "1").arg("-q").assert().success();
    // Same speed, different noise draws: the interval straddles 1.
    mock_run(&d, "0.05", "2")
        .args(["--baseline", "latest", "--fail-if-slower", "10", "-q"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "## Against baseline history run 1",
        ));
}

#[test]
fn a_two_fold_slowdown_fails_the_gate_with_exit_3() {
    let d = Dir::new();
    mock_run(&d, "0.05", "1")
        .args(["--export-json", "base.json", "-q", "--no-history"])
        .assert()
        .success();
    mock_run(&d, "0.1", "2")
        .args([
            "--baseline",
            "base.json",
            "--fail-if-slower",
            "10",
            "--export-json",
            "now.json",
            "-q",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "regression: 0.05 MB, 0.2 MB slower than the baseline by more than 10%",
        ));
    // The report still carries the comparison that failed.
    let r = read_report(&d.path("now.json"));
    let cmp = r.baseline.expect("comparison stored");
    assert!(cmp.sizes.iter().all(|c| c.wall_ratio.lower > 1.1));
    // Without a threshold the same slowdown is reported but does not fail.
    mock_run(&d, "0.1", "3")
        .args(["--baseline", "base.json", "-q"])
        .assert()
        .success()
        .stdout(predicate::str::contains("× slower ±"));
}

#[test]
fn bad_baselines_and_flags_are_usage_errors() {
    let d = Dir::new();
    bin()
        .args(["benchmark", "--fail-if-slower", "10"])
        .assert()
        .code(2);
    let bogus = d.write("bogus.json", "{\"schema_version\": 1}");
    mock_run(&d, "0.05", "1")
        .arg("--baseline")
        .arg(&bogus)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bogus.json")
                .and(predicate::str::contains("not a benchmark report")),
        );
    mock_run(&d, "0.05", "1")
        .args(["--baseline", "latest"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no history at"));
    bin()
        .current_dir(d.0.path())
        .args([
            "benchmark",
            "--debug-mode",
            "0.05",
            "--runs",
            "0",
            "--no-history",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--runs must be at least 1"));
    let empty = d.write("empty.toml", "[benchmark]\nsizes_mb = []\n");
    bin()
        .current_dir(d.0.path())
        .arg("--config")
        .arg(&empty)
        .args(["benchmark", "--debug-mode", "0.05", "--no-history"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("empty.toml:2")
                .and(predicate::str::contains("benchmark.sizes_mb")),
        );
    // Nothing ran, so no report file was left behind.
    assert_eq!(d.files(), ["bogus.json", "empty.toml"]);
}

#[test]
fn a_real_run_measures_the_process_subcommand() {
    let d = Dir::new();
    let out = bin()
        .current_dir(d.0.path())
        .args([
            "benchmark",
            "--sizes",
            "0.02",
            "--runs",
            "2",
            "--warmup",
            "0",
            "--no-history",
            "-q",
        ])
        .args(["--export-json", "r.json"])
        .output()
        .expect("runs");
    let r = read_report(&d.path("r.json"));
    let x = &r.results[0];
    assert_eq!(x.size_bytes, 20_000);
    assert_eq!(x.run_records.len(), 2);
    for run in &x.run_records {
        assert!(run.wall_seconds > 0.0 && run.peak_rss_bytes > 0, "{run:?}");
    }
    // The child is this very binary: a run succeeds only when `process` wrote every section.
    assert!(out.status.success(), "{out:?}");
    assert_eq!(x.success_rate, 1.0, "{:?}", x.run_records);
    // Judged against the "< 1 MB" row (whether it passes depends on the build and the machine).
    assert_eq!(x.verdict.as_ref().map(|v| v.tier.as_str()), Some("< 1 MB"));
    // The in-process breakdown names every pipeline stage.
    let stages: Vec<&str> = x.stages.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(
        stages,
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
    // The measuring process stays smaller than its children, so their peaks are the kernel's.
    assert!(
        x.run_records.iter().all(|r| r.peak_rss_exact),
        "{:?}",
        x.run_records
    );
    assert!(
        !x.warnings.iter().any(|w| w.contains("peak RSS")),
        "{:?}",
        x.warnings
    );
    // The temporary corpus and outputs are gone; only the report is left.
    assert_eq!(d.files(), ["r.json"]);
}

#[test]
fn the_internal_stage_run_rejects_a_missing_file() {
    bin()
        .args(["benchmark", "stages", "/nonexistent/x.vtt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/x.vtt"));
}

#[test]
fn the_config_file_sets_sizes_and_targets_and_xdg_places_the_history() {
    let d = Dir::new();
    d.write(
        "customer-snapshot.toml",
        "[benchmark]\nsizes_mb = [0.03]\ntargets = [{ max_input_mb = 1, max_wall_seconds = 0.000001, \
         max_peak_rss_mb = 100, min_throughput_mb_per_s = 0.2 }]\n",
    );
    bin()
        .current_dir(d.0.path())
        .env("XDG_DATA_HOME", d.path("data"))
        .args([
            "--config",
            "customer-snapshot.toml",
            "benchmark",
            "--debug-mode",
            "0.05",
            "-q",
        ])
        .args(["--export-json", "r.json"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("| 0.03 MB |")
                .and(predicate::str::contains("MISS (median wall")),
        );
    let r = read_report(&d.path("r.json"));
    assert_eq!(r.settings.sizes_bytes, [30_000]);
    assert_eq!(r.settings.targets.tiers.len(), 1);
    assert!(d.path("data/customer-snapshot/history.sqlite").exists());
}
