//! [`SystemInfo`]: the machine and the tool, as both the benchmark report and the optimization
//! report record them (`system` in each JSON).
//!
//! The two reports have always carried different subsets: the benchmark adds the physical
//! cores, the kernel and the git commit; the profile adds whether the binary was an optimised
//! build. One type holds the union; a field only one report carries is an `Option` that is
//! left out of the JSON when `None`, and each report's collector fills exactly its own subset
//! ([`SystemInfo::for_benchmark`], [`SystemInfo::for_profile`]). So neither JSON gains a key,
//! and a file written before the merge reads back unchanged.

use serde::{Deserialize, Serialize};

/// The machine and the tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemInfo {
    /// CPU model name as the OS reports it.
    pub cpu_model: String,
    /// Logical CPUs.
    pub logical_cores: usize,
    /// Physical cores (benchmark reports; absent when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_cores: Option<usize>,
    /// Installed memory.
    pub memory_total_bytes: u64,
    /// OS name and version.
    pub os: String,
    /// Kernel version (benchmark reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// customer-snapshot's version.
    pub tool_version: String,
    /// The git commit the tool was built from (benchmark reports; absent when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// True when the binary was built with optimisations; figures from a debug build mislead
    /// (optimization reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_build: Option<bool>,
}

impl SystemInfo {
    /// What every report records: CPU, cores, memory, OS and `tool_version`.
    fn common(tool_version: &str) -> Self {
        use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};
        let kind = RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing())
            .with_memory(MemoryRefreshKind::nothing().with_ram());
        let sys = System::new_with_specifics(kind).ok();
        let cpu_model = sys
            .as_ref()
            .and_then(|s| s.cpus().first().map(|c| c.brand().trim().to_owned()))
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            cpu_model,
            logical_cores: std::thread::available_parallelism().map_or(1, usize::from),
            physical_cores: None,
            memory_total_bytes: sys.as_ref().map_or(0, |s| s.total_memory()),
            os: System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_owned()),
            kernel: None,
            tool_version: tool_version.to_owned(),
            git_commit: None,
            release_build: None,
        }
    }

    /// The benchmark report's description: adds physical cores, kernel and git commit.
    pub fn for_benchmark(tool_version: &str, git_commit: Option<&str>) -> Self {
        use sysinfo::System;
        Self {
            physical_cores: System::physical_core_count().ok(),
            kernel: Some(System::kernel_version().unwrap_or_else(|_| "unknown".to_owned())),
            git_commit: git_commit.map(str::to_owned),
            ..Self::common(tool_version)
        }
    }

    /// The optimization report's description: adds whether this is a release build.
    pub fn for_profile(tool_version: &str) -> Self {
        Self {
            release_build: Some(!cfg!(debug_assertions)),
            ..Self::common(tool_version)
        }
    }

    /// "release", "debug", or "unknown" for a description without the flag (a benchmark's).
    pub fn build_kind(&self) -> &'static str {
        match self.release_build {
            Some(true) => "release",
            Some(false) => "debug",
            None => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark's `system` before the merge, field for field.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct OldBench {
        cpu_model: String,
        logical_cores: usize,
        physical_cores: Option<usize>,
        memory_total_bytes: u64,
        os: String,
        kernel: String,
        tool_version: String,
        git_commit: Option<String>,
    }

    /// The profile's `system` before the merge (it never denied unknown fields; the key set is
    /// compared below instead).
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct OldProfile {
        cpu_model: String,
        logical_cores: usize,
        memory_total_bytes: u64,
        os: String,
        tool_version: String,
        release_build: bool,
    }

    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    }

    #[test]
    fn each_report_keeps_its_own_keys_and_old_readers_accept_the_new_json() {
        let bench =
            serde_json::to_value(SystemInfo::for_benchmark("1.2.3", Some("abc123"))).expect("json");
        assert_eq!(
            keys(&bench),
            [
                "cpu_model",
                "git_commit",
                "kernel",
                "logical_cores",
                "memory_total_bytes",
                "os",
                "physical_cores",
                "tool_version"
            ]
        );
        let old: OldBench = serde_json::from_value(bench).expect("the old benchmark reader");
        assert_eq!(old.git_commit.as_deref(), Some("abc123"));

        let profile = serde_json::to_value(SystemInfo::for_profile("1.2.3")).expect("json");
        assert_eq!(
            keys(&profile),
            [
                "cpu_model",
                "logical_cores",
                "memory_total_bytes",
                "os",
                "release_build",
                "tool_version"
            ]
        );
        let old: OldProfile = serde_json::from_value(profile).expect("the old profile reader");
        assert_eq!(old.release_build, !cfg!(debug_assertions));

        // An unknown commit is left out; the old reader takes the missing key as `None`.
        let mut no_commit = SystemInfo::for_benchmark("1.2.3", None);
        no_commit.physical_cores = None;
        let v = serde_json::to_value(&no_commit).expect("json");
        assert!(v.get("git_commit").is_none() && v.get("physical_cores").is_none());
        let old: OldBench = serde_json::from_value(v).expect("old reader");
        assert_eq!((old.git_commit, old.physical_cores), (None, None));
    }

    #[test]
    fn documents_written_before_the_merge_read_back() {
        let bench = r#"{"cpu_model":"c","logical_cores":2,"physical_cores":null,"memory_total_bytes":1,
            "os":"o","kernel":"6.1","tool_version":"0.1.0","git_commit":null}"#;
        let s: SystemInfo = serde_json::from_str(bench).expect("old benchmark system");
        assert_eq!(s.kernel.as_deref(), Some("6.1"));
        assert_eq!((s.git_commit, s.release_build), (None, None));
        let profile = r#"{"cpu_model":"c","logical_cores":2,"memory_total_bytes":1,"os":"o",
            "tool_version":"0.1.0","release_build":false}"#;
        let s: SystemInfo = serde_json::from_str(profile).expect("old profile system");
        assert_eq!(s.build_kind(), "debug");
        assert!(serde_json::from_str::<SystemInfo>(r#"{"cpu_model":"c","bogus":1}"#).is_err());
    }

    #[test]
    fn describes_this_machine() {
        let s = SystemInfo::for_benchmark("1.2.3", Some("abc123"));
        assert!(s.logical_cores >= 1);
        assert!(s.memory_total_bytes > 0);
        assert_eq!(s.tool_version, "1.2.3");
        assert!(s.kernel.is_some() && s.release_build.is_none());
        let p = SystemInfo::for_profile("1.2.3");
        assert!(p.release_build.is_some() && p.kernel.is_none() && p.git_commit.is_none());
    }
}
