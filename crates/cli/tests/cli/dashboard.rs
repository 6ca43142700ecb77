//! `customer-snapshot dashboard`: the page and its JSON rendered from a history filled by the
//! real `benchmark` and `monitor` commands, text from data escaped, empty sections that say what
//! to run, and bad input refused before anything runs or is written.

use predicates::prelude::*;
use serde_json::Value;

use crate::util::{Dir, bin};

/// The binary, run inside `dir`.
fn in_dir(dir: &Dir) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.current_dir(dir.0.path());
    cmd
}

/// Fills `h.sqlite` in `dir` with a tiny benchmark (twice, for a trend) and a 2 s monitor.
fn filled_history(dir: &Dir) -> std::path::PathBuf {
    let h = dir.path("h.sqlite");
    for _ in 0..2 {
        in_dir(dir)
            .args([
                "benchmark",
                "--sizes",
                "0.02",
                "--runs",
                "2",
                "--warmup",
                "0",
                "-q",
            ])
            .args(["-o", "bench.md", "--export-json", "bench.json", "--history"])
            .arg(&h)
            .assert()
            .success();
    }
    in_dir(dir)
        .args([
            "monitor",
            "--duration",
            "2s",
            "--interval",
            "200ms",
            "--json",
            "--history",
        ])
        .arg(&h)
        .assert()
        .success();
    h
}

fn data_file(dir: &Dir) -> Value {
    let name = dir
        .files()
        .into_iter()
        .find(|f| f.starts_with("dashboard_data_") && f.ends_with(".json"))
        .expect("dashboard_data_*.json written beside the page");
    serde_json::from_slice(&std::fs::read(dir.path(&name)).expect("read")).expect("JSON")
}

#[test]
fn dashboard_mode_renders_benchmark_trends_and_monitor_from_history() {
    let dir = Dir::new();
    let h = filled_history(&dir);
    in_dir(&dir)
        .args([
            "dashboard",
            "--mode",
            "dashboard",
            "-o",
            "page.html",
            "--history",
        ])
        .arg(&h)
        .assert()
        .success()
        .stdout(predicate::str::contains("page.html"));
    let html = std::fs::read_to_string(dir.path("page.html")).expect("page");
    // Self-contained: a policy forbidding every load, no script, no external reference.
    assert!(html.contains(r#"content="default-src 'none'"#));
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    for chart in [
        "Throughput vs file size",
        "Peak RSS vs file size",
        "Wall time per size",
        "Median throughput per run",
        "System CPU",
        "System memory",
        "Disk use",
        "Application RSS",
    ] {
        assert!(html.contains(chart), "missing chart {chart}");
    }
    // The real benchmark stores its per-stage breakdown; the stage bar is drawn from the
    // newest run's and says so, although no profile exists to fall back on.
    assert!(
        html.contains("Stage breakdown: benchmark run 2 ("),
        "stage bar from the benchmark run"
    );
    // No AI stage was asked for: no AI section.
    assert!(!html.contains(r#"<section id="ai">"#));
    assert!(html.contains(r#"class="ref target""#), "target lines");
    assert!(html.contains(r#"class="ref warn""#), "threshold lines");
    // No profile stored yet: the section says what to run.
    assert!(html.contains("customer-snapshot dashboard --mode optimize"));
    let data = data_file(&dir);
    assert_eq!(data["schema_version"], 1);
    assert_eq!(data["mode"], "dashboard");
    assert_eq!(data["trend"].as_array().map(Vec::len), Some(2));
    assert_eq!(data["benchmark"]["results"][0]["size_bytes"], 20_000);
    let points = data["monitor"]["points"]
        .as_array()
        .expect("monitor points");
    assert!(points.len() >= 5);
    // Drawn against time since the session began, not the gap between samples.
    let last = points.last().and_then(|p| p["elapsed_seconds"].as_f64());
    assert!(last.is_some_and(|t| t > 1.0), "{last:?}");
    assert!(data["profile"].is_null());
    assert_eq!(data["stage_breakdown"]["source"]["kind"], "benchmark");
    assert_eq!(data["stage_breakdown"]["source"]["run_id"], 2);
    assert!(
        data["stage_breakdown"]["stages"]
            .as_array()
            .is_some_and(|s| s.len() >= 3),
        "{}",
        data["stage_breakdown"]
    );
    assert_eq!(
        data["monitor"]["thresholds"]["cpu_percent"]["warning"],
        80.0
    );
    // The threshold lines follow the installation's [monitor] levels.
    dir.write(
        "customer-snapshot.toml",
        "[monitor.thresholds]\ncpu_percent = { warning = 42.0, critical = 60.0 }\n",
    );
    for f in dir.files() {
        if f == "page.html" || f.starts_with("dashboard_data_") {
            std::fs::remove_file(dir.path(&f)).expect("rm");
        }
    }
    in_dir(&dir)
        .args([
            "dashboard",
            "--mode",
            "dashboard",
            "-o",
            "page.html",
            "--history",
        ])
        .arg(&h)
        .assert()
        .success();
    assert_eq!(
        data_file(&dir)["monitor"]["thresholds"]["cpu_percent"]["warning"],
        42.0
    );
}

#[test]
fn text_from_data_is_escaped() {
    let dir = Dir::new();
    let h = dir.path("h.sqlite");
    // A transcript whose name is markup, profiled into the history.
    let hostile = "<img src=x onerror=alert(1)>.vtt";
    in_dir(&dir)
        .args(["benchmark", "generate", "--size", "0.1", "-o", hostile])
        .assert()
        .success();
    in_dir(&dir)
        .args([
            "optimize",
            "--input",
            hostile,
            "--min-seconds",
            "0",
            "--overhead-pairs",
            "0",
        ])
        .args(["--hz", "0", "-q", "--out-dir", ".", "--history"])
        .arg(&h)
        .assert()
        .success();
    in_dir(&dir)
        .args([
            "dashboard",
            "--mode",
            "dashboard",
            "-o",
            "page.html",
            "-q",
            "--history",
        ])
        .arg(&h)
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path("page.html")).expect("page");
    assert!(
        !html.contains("<img"),
        "markup from a file name reached the page"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;.vtt"));
    assert!(html.contains("sentences"), "the per-stage table is drawn");
    let data = data_file(&dir);
    assert_eq!(data["profile"]["sizes"][0]["label"], hostile);
}

#[test]
fn an_empty_history_gives_a_page_that_says_what_to_run() {
    let dir = Dir::new();
    in_dir(&dir)
        .args([
            "dashboard",
            "--mode",
            "dashboard",
            "-q",
            "--history",
            "none.sqlite",
        ])
        .assert()
        .success();
    let page = dir
        .files()
        .into_iter()
        .find(|f| f.starts_with("performance_dashboard_") && f.ends_with(".html"))
        .expect("default page name");
    let html = std::fs::read_to_string(dir.path(&page)).expect("page");
    assert!(html.contains("customer-snapshot dashboard --mode benchmark"));
    assert!(html.contains("customer-snapshot dashboard --mode monitor"));
    assert!(
        !dir.path("none.sqlite").exists(),
        "an absent history is not created"
    );
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    let dir = Dir::new();
    let notes = dir.write("notes.txt", "not a database, just text\n");
    in_dir(&dir)
        .args(["dashboard", "--mode", "benchmark", "--history"])
        .arg(&notes)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("notes.txt")
                .and(predicate::str::contains("not a history database")),
        );
    assert_eq!(
        std::fs::read_to_string(&notes).expect("notes"),
        "not a database, just text\n"
    );
    in_dir(&dir)
        .args(["dashboard", "--mode", "monitor", "--duration", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--duration"));
    in_dir(&dir)
        .args([
            "dashboard",
            "--mode",
            "dashboard",
            "-o",
            "missing/page.html",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing"));
    // Nothing was written.
    assert_eq!(dir.files(), vec!["notes.txt".to_owned()]);
}

#[test]
fn open_without_a_browser_says_so_and_keeps_the_page() {
    let dir = Dir::new();
    in_dir(&dir)
        .env("PATH", "")
        .env_remove("BROWSER")
        .args(["dashboard", "--mode", "dashboard", "--open", "-q"])
        .args(["-o", "page.html", "--history", "none.sqlite"])
        .assert()
        .success()
        .stderr(predicate::str::contains("could not open a browser"));
    assert!(dir.path("page.html").exists());
}
