//! cgroup v2 detection: the memory and CPU limits this process runs under (`memory.max`,
//! `cpu.max`), and the group's own usage counters, so that inside a container "memory %" and
//! "CPU %" mean percent of what the container may use, not of the host.
//!
//! The effective limit is the tightest one on the path from the process's group up to the
//! cgroup2 mount: a parent's limit binds its children. cgroup v1 is not read (it is the legacy
//! hierarchy; v1-only hosts simply report no limits).

use std::fs;
use std::path::{Path, PathBuf};

/// The limits in force for this process.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// The process's own cgroup directory (where usage counters are read).
    pub dir: PathBuf,
    /// The tightest `memory.max` on the way up, when one is set (not `max`).
    pub memory_max_bytes: Option<u64>,
    /// The tightest `cpu.max` on the way up as a number of cores (quota / period), when set.
    pub cpu_max_cores: Option<f64>,
}

impl Limits {
    /// True when at least one limit is set.
    pub fn any(&self) -> bool {
        self.memory_max_bytes.is_some() || self.cpu_max_cores.is_some()
    }
}

/// Usage counters of one cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// `memory.current`: bytes charged to the group now.
    pub memory_current_bytes: Option<u64>,
    /// `usage_usec` from `cpu.stat`: CPU microseconds used by the group since it was created.
    pub cpu_usage_usec: Option<u64>,
}

/// The limits of this process's cgroup v2, or `None` when it is not in one (cgroup v1 hosts,
/// non-Linux) or when neither a memory nor a CPU limit is set.
pub fn limits() -> Option<Limits> {
    let dir = own_dir()?;
    let mount = cgroup2_mount()?;
    let found = limits_between(&mount, &dir);
    found.any().then_some(found)
}

/// This process's cgroup v2 directory, when there is one.
pub fn own_dir() -> Option<PathBuf> {
    let rel = parse_proc_self_cgroup(&fs::read_to_string("/proc/self/cgroup").ok()?)?;
    let (mount, root) = parse_cgroup2_mount(&fs::read_to_string("/proc/self/mountinfo").ok()?)?;
    let rel = rel.strip_prefix(&root).unwrap_or(&rel);
    let dir = mount.join(rel.strip_prefix("/").unwrap_or(rel));
    dir.is_dir().then_some(dir)
}

fn cgroup2_mount() -> Option<PathBuf> {
    parse_cgroup2_mount(&fs::read_to_string("/proc/self/mountinfo").ok()?).map(|(m, _)| m)
}

/// Reads the limits of `dir` and of every parent up to and including `mount`, keeping the
/// tightest of each. Missing files (the root group has none) are skipped.
pub fn limits_between(mount: &Path, dir: &Path) -> Limits {
    let mut memory: Option<u64> = None;
    let mut cpu: Option<f64> = None;
    let mut at = Some(dir);
    while let Some(level) = at {
        if let Some(m) = read_trimmed(&level.join("memory.max")).and_then(|s| parse_memory_max(&s))
        {
            memory = Some(memory.map_or(m, |old| old.min(m)));
        }
        if let Some(c) = read_trimmed(&level.join("cpu.max")).and_then(|s| parse_cpu_max(&s)) {
            cpu = Some(cpu.map_or(c, |old| old.min(c)));
        }
        if level == mount || !level.starts_with(mount) {
            break;
        }
        at = level.parent();
    }
    Limits {
        dir: dir.to_path_buf(),
        memory_max_bytes: memory,
        cpu_max_cores: cpu,
    }
}

/// Reads `memory.current` and `cpu.stat`'s `usage_usec` in `dir`; absent files give `None`.
pub fn usage(dir: &Path) -> Usage {
    Usage {
        memory_current_bytes: read_trimmed(&dir.join("memory.current"))
            .and_then(|s| s.parse().ok()),
        cpu_usage_usec: fs::read_to_string(dir.join("cpu.stat"))
            .ok()
            .and_then(|s| parse_cpu_stat_usage(&s)),
    }
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

/// `memory.max`: a byte count, or `max` for none.
pub fn parse_memory_max(text: &str) -> Option<u64> {
    match text.trim() {
        "max" => None,
        n => n.parse().ok(),
    }
}

/// `cpu.max`: `"$QUOTA $PERIOD"` in microseconds, `max` quota for none. Returns cores.
pub fn parse_cpu_max(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let quota = parts.next()?;
    let period: f64 = parts.next().map_or(Some(100_000.0), |p| p.parse().ok())?;
    if quota == "max" || period <= 0.0 {
        return None;
    }
    let quota: f64 = quota.parse().ok()?;
    Some(quota / period)
}

fn parse_cpu_stat_usage(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("usage_usec "))
        .and_then(|v| v.trim().parse().ok())
}

/// The unified-hierarchy path from `/proc/self/cgroup` (the `0::PATH` line).
fn parse_proc_self_cgroup(text: &str) -> Option<PathBuf> {
    text.lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(|p| PathBuf::from(p.trim()))
}

/// The cgroup2 mount point and the mount's root within the hierarchy, from `mountinfo`.
fn parse_cgroup2_mount(mountinfo: &str) -> Option<(PathBuf, PathBuf)> {
    mountinfo.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        if right.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        let mut fields = left.split_whitespace().skip(3);
        let root = unescape_mount(fields.next()?);
        let mount = unescape_mount(fields.next()?);
        Some((PathBuf::from(mount), PathBuf::from(root)))
    })
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo` octal.
fn unescape_mount(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d[0] <= b'3' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        if let (b'\\', Some(d)) = (bytes[i], octal) {
            out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_limit_files() {
        assert_eq!(parse_memory_max("max\n"), None);
        assert_eq!(parse_memory_max("536870912\n"), Some(536_870_912));
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("200000 100000\n"), Some(2.0));
        assert_eq!(parse_cpu_max("50000 100000"), Some(0.5));
        assert_eq!(parse_cpu_max(""), None);
        assert_eq!(
            parse_cpu_stat_usage("usage_usec 12345\nuser_usec 10000\n"),
            Some(12345)
        );
    }

    #[test]
    fn finds_the_unified_hierarchy() {
        let cgroup = "4:memory:/x\n0::/system.slice/app.service\n";
        assert_eq!(
            parse_proc_self_cgroup(cgroup),
            Some(PathBuf::from("/system.slice/app.service"))
        );
        assert_eq!(parse_proc_self_cgroup("4:memory:/x\n"), None);
        let mountinfo = "\
22 1 0:20 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 22 0:30 / /sys/fs/cgroup/my\\040dir rw,relatime shared:9 - cgroup2 cgroup2 rw
";
        assert_eq!(
            parse_cgroup2_mount(mountinfo),
            Some((PathBuf::from("/sys/fs/cgroup/my dir"), PathBuf::from("/")))
        );
        assert_eq!(
            parse_cgroup2_mount("22 1 0:20 / /x rw - ext4 /dev/sda rw\n"),
            None
        );
    }

    #[test]
    fn the_tightest_limit_on_the_way_up_wins() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mount = tmp.path();
        let parent = mount.join("kubepods");
        let child = parent.join("pod1");
        fs::create_dir_all(&child).expect("mkdir");
        fs::write(parent.join("memory.max"), "1073741824\n").expect("write");
        fs::write(parent.join("cpu.max"), "max 100000\n").expect("write");
        fs::write(child.join("memory.max"), "max\n").expect("write");
        fs::write(child.join("cpu.max"), "150000 100000\n").expect("write");
        fs::write(child.join("memory.current"), "1048576\n").expect("write");
        fs::write(child.join("cpu.stat"), "usage_usec 42\nuser_usec 40\n").expect("write");
        let limits = limits_between(mount, &child);
        assert_eq!(limits.memory_max_bytes, Some(1_073_741_824));
        assert_eq!(limits.cpu_max_cores, Some(1.5));
        assert!(limits.any());
        assert_eq!(
            usage(&child),
            Usage {
                memory_current_bytes: Some(1_048_576),
                cpu_usage_usec: Some(42)
            }
        );
        let none = limits_between(mount, mount);
        assert!(!none.any());
    }
}
