//! The deployment files call the CLI as it is: every health probe command in the Dockerfile and
//! docs/kubernetes.yaml parses and answers healthy/unhealthy (0 or 1), never "bad usage" (2).

use crate::util::{Dir, bin};

fn repo_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// JSON-array commands (`["customer-snapshot", "healthcheck", ...]`) on lines containing `marker`.
fn commands(text: &str, marker: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.contains(marker))
        .filter_map(|l| {
            let start = l.find('[')?;
            let end = l.rfind(']')?;
            serde_json::from_str::<Vec<String>>(&l[start..=end]).ok()
        })
        .filter(|c| c.first().map(String::as_str) == Some("customer-snapshot"))
        .collect()
}

#[test]
fn probe_commands_in_dockerfile_and_kubernetes_run() {
    let docker = commands(&repo_file("Dockerfile"), "HEALTHCHECK");
    assert_eq!(
        docker,
        [["customer-snapshot", "healthcheck", "--probe", "live"]]
    );
    let k8s = commands(&repo_file("docs/kubernetes.yaml"), "command:");
    let probes: Vec<&str> = k8s
        .iter()
        .filter_map(|c| c.get(3).map(String::as_str))
        .collect();
    assert_eq!(probes, ["startup", "live", "ready"]);
    let dir = Dir::new();
    for cmd in docker.iter().chain(&k8s) {
        let out = bin()
            .current_dir(dir.0.path())
            .env_clear()
            .env("HOME", dir.0.path())
            .args(&cmd[1..])
            .output()
            .expect("runs");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{cmd:?} exited {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("probe)"),
            "{cmd:?} printed a verdict"
        );
    }
}

#[test]
fn example_config_loads_as_a_real_config_file() {
    let dir = Dir::new();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../customer-snapshot.example.toml");
    let out = bin()
        .current_dir(dir.0.path())
        .env_clear()
        .env("HOME", dir.0.path())
        .arg("--config")
        .arg(&example)
        .args(["config", "--json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["settings"]["process.max_file_size"]["source"], "file");
    assert_eq!(v["settings"]["process.max_file_size"]["value"], 52_428_800);
}
