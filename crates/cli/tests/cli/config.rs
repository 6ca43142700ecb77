//! `config`, the settings layers and logging: precedence (defaults < file < env < flag), where
//! each value came from, unknown keys and bad values, and secrets never printed or logged.

use assert_cmd::Command;
use serde_json::Value;

use crate::util::{Dir, bin};

/// The binary run in `dir` with a clean environment (only HOME, inside the folder).
fn in_dir(dir: &Dir) -> Command {
    let mut cmd = bin();
    cmd.current_dir(dir.0.path())
        .env_clear()
        .env("HOME", dir.0.path());
    cmd
}

fn config_json(cmd: &mut Command) -> Value {
    let out = cmd.args(["config", "--json"]).output().expect("runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("config --json prints JSON")
}

#[test]
fn file_then_env_then_flag_each_wins_and_is_named() {
    let dir = Dir::new();
    let file = dir.write(
        "customer-snapshot.toml",
        "[process]\nmin_entity_length = 4\n[ai]\nmax_tokens = 100\n[log]\nlevel = \"info\"\n",
    );
    let v = config_json(
        in_dir(&dir)
            .env("MAX_TOKENS", "200")
            .env("LOG_LEVEL", "debug")
            .args(["--log-level", "error"]),
    );
    let s = &v["settings"];
    assert_eq!(s["process.min_entity_length"]["value"], 4);
    assert_eq!(s["process.min_entity_length"]["source"], "file");
    assert_eq!(
        s["process.min_entity_length"]["origin"],
        format!("{}:2", file.display())
    );
    assert_eq!(s["ai.max_tokens"]["value"], 200);
    assert_eq!(s["ai.max_tokens"]["source"], "env");
    assert_eq!(s["ai.max_tokens"]["origin"], "MAX_TOKENS");
    assert_eq!(s["log.level"]["value"], "error");
    assert_eq!(s["log.level"]["source"], "flag");
    assert_eq!(s["log.level"]["origin"], "--log-level");
    assert_eq!(s["process.chunk_size"]["source"], "default");
    assert_eq!(v["file"], file.display().to_string());
}

#[test]
fn original_env_names_are_read_with_their_units() {
    let dir = Dir::new();
    let v = config_json(
        in_dir(&dir)
            .env("MAX_FILE_SIZE", "10MB")
            .env("MIN_ENTITY_FREQUENCY", "2")
            .env("CHUNK_SIZE", "8192")
            .env("DEBUG", "true")
            .env("DEFAULT_MODEL", "claude-test")
            .env("TEMPERATURE", "0.5"),
    );
    let s = &v["settings"];
    assert_eq!(s["process.max_file_size"]["value"], 10 * 1024 * 1024);
    assert_eq!(s["process.min_entity_frequency"]["value"], 2);
    assert_eq!(s["process.chunk_size"]["value"], 8192);
    assert_eq!(s["log.debug"]["value"], true);
    assert_eq!(s["ai.model"]["value"], "claude-test");
    assert_eq!(s["ai.temperature"]["value"], 0.5);
}

#[test]
fn dotenv_is_read_but_the_real_environment_wins() {
    let dir = Dir::new();
    dir.write(".env", "TEMPERATURE=0.5\nMAX_TOKENS=300\n");
    let v = config_json(in_dir(&dir).env("MAX_TOKENS", "42"));
    let s = &v["settings"];
    assert_eq!(s["ai.temperature"]["value"], 0.5);
    assert_eq!(s["ai.temperature"]["origin"], "TEMPERATURE (.env)");
    assert_eq!(s["ai.max_tokens"]["value"], 42);
    assert_eq!(s["ai.max_tokens"]["origin"], "MAX_TOKENS");
}

#[test]
fn config_file_from_flag_or_env_variable() {
    let dir = Dir::new();
    dir.write("customer-snapshot.toml", "[ai]\nmax_tokens = 1\n");
    let other = dir.write("conf/other.toml", "[ai]\nmax_tokens = 2\n");
    let v = config_json(in_dir(&dir).arg("--config").arg(&other));
    assert_eq!(v["settings"]["ai.max_tokens"]["value"], 2);
    let v = config_json(in_dir(&dir).env("CUSTOMER_SNAPSHOT_CONFIG", &other));
    assert_eq!(v["settings"]["ai.max_tokens"]["value"], 2);
    let v = config_json(&mut in_dir(&dir));
    assert_eq!(v["settings"]["ai.max_tokens"]["value"], 1);
}

#[test]
fn a_named_config_file_that_is_missing_is_bad_input() {
    let dir = Dir::new();
    in_dir(&dir)
        .args(["--config", "nope.toml", "config"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("nope.toml"));
}

#[test]
fn unknown_key_names_the_key_and_the_file() {
    let dir = Dir::new();
    dir.write(
        "customer-snapshot.toml",
        "[process]\nmin_entity_length = 3\nmax_file_sise = 10\n",
    );
    let out = in_dir(&dir).arg("config").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no partial output");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("customer-snapshot.toml:3"), "{err}");
    assert!(err.contains("unknown key 'process.max_file_sise'"), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
}

#[test]
fn bad_value_names_key_value_and_what_is_allowed() {
    let dir = Dir::new();
    let out = in_dir(&dir)
        .env("MIN_ENTITY_LENGTH", "three")
        .arg("config")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for part in [
        "MIN_ENTITY_LENGTH",
        "process.min_entity_length",
        "\"three\"",
        "whole number",
    ] {
        assert!(err.contains(part), "missing {part}: {err}");
    }
    dir.write("customer-snapshot.toml", "[log]\nformat = \"xml\"\n");
    let out = in_dir(&dir).arg("config").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for part in ["log.format", "xml", "text", "json"] {
        assert!(err.contains(part), "missing {part}: {err}");
    }
}

#[test]
fn text_output_lists_every_key_with_its_source() {
    let dir = Dir::new();
    let out = in_dir(&dir)
        .env("CHUNK_SIZE", "4096")
        .arg("config")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("process.chunk_size"))
        .expect("chunk_size line");
    assert!(
        line.contains("4096") && line.contains("env (CHUNK_SIZE)"),
        "{line}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("monitor.thresholds.cpu_percent.warning"))
        .expect("monitor line");
    assert!(line.contains("80") && line.ends_with("default"), "{line}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("ai.api_key") && l.contains("not set")),
        "{text}"
    );
}

const SECRET: &str = "sk-ant-api03-Zq7SECRETpartNEVERshown-wxyz";
const SECRET_CORE: &str = "Zq7SECRETpartNEVERshown";

#[test]
fn the_api_key_is_masked_in_output_and_absent_from_logs() {
    let dir = Dir::new();
    let runs: [&[&str]; 5] = [
        &["config"],
        &["config", "--json"],
        &["--log-format", "json", "config"],
        &["healthcheck", "--probe", "startup", "--json"],
        &["healthcheck", "--probe", "live"],
    ];
    for args in runs {
        let out = in_dir(&dir)
            .env("ANTHROPIC_API_KEY", SECRET)
            .env("LOG_LEVEL", "trace")
            .args(args)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stdout.contains(SECRET_CORE) && !stderr.contains(SECRET_CORE),
            "{args:?} leaked the key"
        );
        assert!(
            !stderr.is_empty(),
            "{args:?}: trace logging should have written something"
        );
        if args[0] == "config" || args.get(2) == Some(&"config") {
            assert!(
                stdout.contains("set (sk-…wxyz)"),
                "{args:?}: masked hint missing: {stdout}"
            );
        }
    }
    // Same through .env, including a .env line that does not parse.
    dir.write(".env", format!("ANTHROPIC_API_KEY={SECRET}\n"));
    let out = in_dir(&dir)
        .env("LOG_LEVEL", "trace")
        .args(["config"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("set (sk-…wxyz)"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(SECRET_CORE));
    dir.write(".env", format!("ANTHROPIC_API_KEY=\"{SECRET}\nOTHER=1\n"));
    let out = in_dir(&dir).args(["config"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(SECRET_CORE),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn logs_go_to_stderr_as_json_lines_results_to_stdout() {
    let dir = Dir::new();
    let out = in_dir(&dir)
        .args([
            "--log-format",
            "json",
            "--log-level",
            "info",
            "config",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let _: Value = serde_json::from_slice(&out.stdout).expect("stdout is only the result");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().count() >= 1, "info logs expected");
    for line in stderr.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["fields"]["message"].is_string(),
            "{line}"
        );
    }
    // The default level (warn) keeps stderr quiet on success.
    in_dir(&dir).arg("config").assert().success().stderr("");
}

#[test]
fn process_follows_the_configuration_and_flags_override_it() {
    let dir = Dir::new();
    dir.example("northwind_kickoff.vtt");
    dir.write(
        "customer-snapshot.toml",
        "[process]\nformat = \"json\"\nmax_file_size = \"1k\"\n",
    );
    // The file's 1 KiB limit applies...
    in_dir(&dir)
        .args(["process", "northwind_kickoff.vtt"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("over the limit of 1024 bytes"));
    // ...the environment overrides the file, and the file's format is the default.
    in_dir(&dir)
        .env("MAX_FILE_SIZE", "50MB")
        .args(["process", "-q", "northwind_kickoff.vtt"])
        .assert()
        .success();
    assert!(
        dir.path("northwind_kickoff_processed.json").is_file(),
        "{:?}",
        dir.files()
    );
    // Flags override both.
    in_dir(&dir)
        .args([
            "process",
            "-q",
            "--max-file-size",
            "10MiB",
            "-f",
            "markdown",
            "northwind_kickoff.vtt",
        ])
        .assert()
        .success();
    assert!(
        dir.path("northwind_kickoff_processed.md").is_file(),
        "{:?}",
        dir.files()
    );
    // A unit the settings do not know is refused by the flag too.
    in_dir(&dir)
        .args([
            "process",
            "--max-file-size",
            "3 parsecs",
            "northwind_kickoff.vtt",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown unit"));
}

#[test]
fn monitor_writes_history_where_the_configuration_says() {
    let dir = Dir::new();
    dir.write(
        "customer-snapshot.toml",
        "[history]\npath = \"store/from-file.sqlite\"\n",
    );
    std::fs::create_dir(dir.path("store")).expect("mkdir");
    let run = |cmd: &mut Command| {
        cmd.args([
            "monitor",
            "--interval",
            "200ms",
            "--duration",
            "1s",
            "--process",
            "no-such-process-x",
        ])
        .output()
        .expect("runs")
    };
    let out = run(&mut in_dir(&dir));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.path("store/from-file.sqlite").is_file(),
        "{:?}",
        dir.files()
    );
    // The environment variable overrides the file.
    let out = run(in_dir(&dir).env(
        "CUSTOMER_SNAPSHOT_HISTORY",
        dir.path("store/from-env.sqlite"),
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path("store/from-env.sqlite").is_file());
}

#[test]
fn optimize_stores_its_report_where_the_configuration_says() {
    let dir = Dir::new();
    dir.example("northwind_kickoff.vtt");
    dir.write(
        "customer-snapshot.toml",
        "[history]\npath = \"store/history.sqlite\"\n",
    );
    std::fs::create_dir(dir.path("store")).expect("mkdir");
    in_dir(&dir)
        .args([
            "optimize",
            "--quiet",
            "--hz",
            "0",
            "--min-seconds",
            "0.1",
            "--overhead-pairs",
            "1",
            "--input",
            "northwind_kickoff.vtt",
            "-o",
            "report.json",
        ])
        .assert()
        .success();
    assert!(
        dir.path("store/history.sqlite").is_file(),
        "{:?}",
        dir.files()
    );
}
