//! `healthcheck`: each probe's exit code (0 pass/warn, 1 fail) and its health+json shape,
//! checked by deserializing into strict structs.

use std::collections::BTreeMap;

use assert_cmd::Command;
use serde::Deserialize;

use crate::util::{Dir, bin};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(
    dead_code,
    reason = "fields exist to be rejected when missing or extra"
)]
struct Report {
    status: String,
    version: String,
    service_id: String,
    description: String,
    probe: String,
    checks: BTreeMap<String, Vec<Observation>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(
    dead_code,
    reason = "fields exist to be rejected when missing or extra"
)]
struct Observation {
    component_type: String,
    observed_value: serde_json::Value,
    #[serde(default)]
    observed_unit: Option<String>,
    status: String,
    time: String,
    threshold: String,
    #[serde(default)]
    output: Option<String>,
}

/// Thresholds no machine can cross, so probe outcomes do not depend on how busy CI is. It ends
/// inside `[healthcheck]`, so extra keys without a table header land there.
const CALM: &str = "[monitor.thresholds]\n\
cpu_percent = { warning = 100, critical = 100 }\n\
memory_percent = { warning = 100, critical = 100 }\n\
disk_percent = { warning = 100, critical = 100 }\n\
disk_free_gb = { warning = 0, critical = 0 }\n\
[healthcheck]\nresponsiveness_max_ms = 60000\n";

fn probe(dir: &Dir, extra_toml: &str, args: &[&str]) -> (Option<i32>, Report, String) {
    dir.write("customer-snapshot.toml", format!("{CALM}{extra_toml}"));
    let out = bin()
        .current_dir(dir.0.path())
        .env_clear()
        .env("HOME", dir.0.path())
        .arg("healthcheck")
        .args(args)
        .arg("--json")
        .output()
        .expect("runs");
    let report: Report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "health+json ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (
        out.status.code(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn status_of<'a>(r: &'a Report, name: &str) -> &'a str {
    &r.checks
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", r.checks.keys()))[0]
        .status
}

#[test]
fn live_is_memory_and_cpu_only_and_exits_0() {
    let dir = Dir::new();
    let (code, r, _) = probe(&dir, "", &["--probe", "live"]);
    assert_eq!(code, Some(0));
    assert_eq!(r.probe, "live");
    assert_eq!(
        r.checks.keys().collect::<Vec<_>>(),
        ["cpu:utilization", "memory:utilization"]
    );
    for obs in r.checks.values().flatten() {
        assert_eq!(obs.observed_unit.as_deref(), Some("percent"));
        assert!(obs.observed_value.is_number(), "{obs:?}");
        assert!(
            ["container", "system"].contains(&obs.component_type.as_str()),
            "says which: {obs:?}"
        );
        assert!(
            obs.time.ends_with('Z') && obs.time.len() == 24,
            "RFC 3339 UTC: {}",
            obs.time
        );
        assert_eq!(obs.status, "pass");
    }
    assert_eq!(r.status, "pass");
}

#[test]
fn live_fails_with_exit_1_over_the_critical_memory_threshold() {
    let dir = Dir::new();
    // Any machine running this test uses more than 0.001 % of its memory.
    let toml = CALM.replace(
        "memory_percent = { warning = 100, critical = 100 }",
        "memory_percent = { warning = 0.001, critical = 0.001 }",
    );
    dir.write("customer-snapshot.toml", &toml);
    let out = bin()
        .current_dir(dir.0.path())
        .env_clear()
        .env("HOME", dir.0.path())
        .args(["healthcheck", "--probe", "live"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("✗ memory:utilization")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("✓ cpu:utilization")),
        "{text}"
    );
    assert!(text.contains("UNHEALTHY"), "{text}");
}

#[test]
fn ready_is_the_default_and_checks_folders_disk_database_config() {
    let dir = Dir::new();
    let extra = "[process]\noutput_dir = \"out\"\n[history]\npath = \"data/history.sqlite\"\n";
    std::fs::create_dir(dir.path("out")).expect("mkdir");
    let (code, r, _) = probe(&dir, extra, &[]);
    assert_eq!(r.probe, "ready");
    for name in [
        "output:writable",
        "history:writable",
        "disk:free",
        "disk:utilization",
        "history:database",
        "config:valid",
    ] {
        assert_eq!(status_of(&r, name), "pass", "{name}");
    }
    let pipeline = &r.checks["pipeline:responseTime"][0];
    assert_eq!(pipeline.status, "pass");
    assert_eq!(pipeline.observed_unit.as_deref(), Some("ms"));
    assert!(
        pipeline
            .output
            .as_deref()
            .is_some_and(|o| o.starts_with("20 cues, 2 speakers")),
        "{pipeline:?}"
    );
    assert_eq!(r.status, "pass");
    assert_eq!(code, Some(0));
    assert!(
        !dir.path("data").exists(),
        "a probe must not create the history folder"
    );
}

#[test]
fn ready_fails_with_exit_1_when_the_history_database_is_corrupt_or_output_missing() {
    let dir = Dir::new();
    dir.write(
        "data/history.sqlite",
        "not an SQLite database, just text that is long enough to have a header",
    );
    let (code, r, _) = probe(
        &dir,
        "[history]\npath = \"data/history.sqlite\"\n",
        &["--probe", "ready"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r.status, "fail");
    assert_eq!(status_of(&r, "history:database"), "fail");

    let (code, r, _) = probe(
        &dir,
        "[process]\noutput_dir = \"missing\"\n",
        &["--probe", "ready"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(status_of(&r, "output:writable"), "fail");
}

#[test]
fn startup_lists_configuration_problems_in_full() {
    let dir = Dir::new();
    let (code, r, _) = probe(&dir, "", &["--probe", "startup"]);
    assert_eq!(code, Some(0), "problems warn, they do not fail");
    let config = &r.checks["config:valid"][0];
    assert_eq!(config.status, "warn");
    assert!(
        config
            .output
            .as_deref()
            .is_some_and(|o| o.contains("ANTHROPIC_API_KEY is not set")),
        "{config:?}"
    );
}

#[test]
fn a_broken_configuration_is_unhealthy_not_bad_usage() {
    let dir = Dir::new();
    let (code, r, _) = probe(&dir, "bogus = 1\n", &["--probe", "ready"]);
    assert_eq!(code, Some(1));
    let config = &r.checks["config:valid"][0];
    assert_eq!(config.status, "fail");
    assert!(
        config
            .output
            .as_deref()
            .is_some_and(|o| o.contains("healthcheck.bogus")),
        "{config:?}"
    );
}

#[test]
fn the_whole_command_respects_timeout() {
    let dir = Dir::new();
    // The CPU sample alone takes 300 ms, far past a 20 ms deadline: the answer must be the
    // deadline's, not the checks'.
    let (code, r, _) = probe(
        &dir,
        "cpu_sample_ms = 300\n",
        &["--probe", "live", "--timeout", "20ms"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r.status, "fail");
    assert!(
        r.checks["healthcheck:duration"][0]
            .output
            .as_deref()
            .is_some_and(|o| o.contains("timed out"))
    );
}

#[test]
fn bad_timeout_is_a_usage_error() {
    let mut cmd: Command = bin();
    cmd.args(["healthcheck", "--timeout", "soon"])
        .assert()
        .code(2);
}
