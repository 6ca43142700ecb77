//! One measured child-process run: wall time, user and system CPU, peak and average RSS.
//!
//! CPU times and peak RSS come from the kernel's accounting of the child (`wait4`'s `rusage`;
//! `ru_maxrss` is in KiB on Linux). Average RSS comes from sampling `VmRSS` in
//! `/proc/PID/status` every [`SAMPLE_INTERVAL`] from a thread while the child runs.
//!
//! One trap: Linux carries the parent's high-water mark into the child's `ru_maxrss` (on exec
//! the old address space's peak, which after `vfork`/`posix_spawn` is the parent's, is kept).
//! So before each spawn this process sheds its own peak: it returns freed heap to the OS
//! (`malloc_trim`) and resets its high-water mark to its current RSS (`/proc/self/clear_refs`,
//! value 5), so a child only inherits what the measuring process holds right then. Even so,
//! `ru_maxrss` is the child's own peak only when it exceeds this process's `VmHWM` read after
//! the spawn.
//! Otherwise the peak comes from the sampled `VmHWM` of the child (exact up to the last
//! sample) and is marked as not exact; see [`Measurement::peak_rss_exact`]. To never read a recycled PID, the
//! parent first waits with `waitid(WNOWAIT)`, which returns at exit but leaves the child a
//! zombie that still owns its PID; only after the sampler has stopped does `wait4` reap it.
//! Wall time runs from just before the spawn to that exit notification, like hyperfine's.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How often the child's RSS is sampled for the average.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(10);

/// Bytes of the child's stderr kept for error messages (its tail).
const STDERR_KEEP: usize = 4096;

/// What one run of a child process cost.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measurement {
    /// Elapsed real time.
    pub wall_seconds: f64,
    /// CPU time in user mode.
    pub user_seconds: f64,
    /// CPU time in the kernel on the child's behalf.
    pub sys_seconds: f64,
    /// Peak resident set size (from `ru_maxrss`, or the sampled `VmHWM`; see the module docs).
    pub peak_rss_bytes: u64,
    /// False when `ru_maxrss` was masked by this process's own peak and the figure comes from
    /// sampling (it may miss a peak in the last interval before exit).
    pub peak_rss_exact: bool,
    /// Mean of the RSS samples; `None` when the child exited before the first sample.
    pub avg_rss_bytes: Option<u64>,
    /// How many RSS samples the average is built from.
    pub rss_samples: u32,
    /// How the child ended.
    pub status: ExitStatus,
    /// The last few KiB of the child's stderr, lossily decoded.
    pub stderr_tail: String,
}

impl Measurement {
    /// CPU use over the run: (user + sys) / wall, 1.0 meaning one core busy throughout.
    pub fn cpu_fraction(&self) -> f64 {
        if self.wall_seconds > 0.0 {
            (self.user_seconds + self.sys_seconds) / self.wall_seconds
        } else {
            0.0
        }
    }
}

/// How a child process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    /// It exited with this code.
    Exited(i32),
    /// A signal killed it.
    Signaled(i32),
}

impl ExitStatus {
    /// True for exit code 0.
    pub fn success(self) -> bool {
        self == ExitStatus::Exited(0)
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitStatus::Exited(c) => write!(f, "exit code {c}"),
            ExitStatus::Signaled(s) => write!(f, "killed by signal {s}"),
        }
    }
}

/// Errors measuring a child.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// The program could not be started.
    #[error("cannot start '{program}': {source}")]
    Spawn {
        /// The program path.
        program: String,
        /// The OS error.
        source: io::Error,
    },
    /// Waiting for the child failed.
    #[error("waiting for '{program}' failed: {source}")]
    Wait {
        /// The program path.
        program: String,
        /// The OS error.
        source: io::Error,
    },
}

/// Runs `program args...` to completion with stdin and stdout closed and measures it.
///
/// Lowers this process's own recorded peak RSS first (see the module docs), so measure from
/// one thread at a time: a concurrent call could reset the peak between another call's spawn
/// and its exactness check.
pub fn run<I, S>(program: &Path, args: I) -> Result<Measurement, MeasureError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let name = || program.display().to_string();
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    shed_own_peak();
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|source| MeasureError::Spawn {
        program: name(),
        source,
    })?;
    let pid = child.id() as libc::pid_t;
    // Read after the spawn: our peak only grows, so this bounds what exec handed the child.
    let own_hwm = read_status_kib("/proc/self/status", "VmHWM:").unwrap_or(u64::MAX) * 1024;

    // Drain stderr concurrently so a chatty child never blocks on a full pipe.
    let stderr = child.stderr.take();
    let reader = thread::spawn(move || {
        let mut tail = Vec::new();
        if let Some(mut pipe) = stderr {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&chunk[..n]);
                if tail.len() > 2 * STDERR_KEEP {
                    tail.drain(..tail.len() - STDERR_KEEP);
                }
            }
        }
        let keep = tail.len().saturating_sub(STDERR_KEEP);
        String::from_utf8_lossy(&tail[keep..]).into_owned()
    });

    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let sampler = thread::spawn(move || sample_rss(pid, &stop_rx));

    let waited = wait_exit_keep_zombie(pid);
    let wall = start.elapsed();
    // The child is a zombie (or waiting failed): stop sampling before the PID can be reused.
    drop(stop_tx);
    let samples = sampler.join().unwrap_or_default();
    let reaped = waited.and_then(|()| reap(pid));
    let stderr_tail = reader.join().unwrap_or_default();
    let (raw_status, usage) = reaped.map_err(|source| MeasureError::Wait {
        program: name(),
        source,
    })?;
    // Dropping a Child never waits on it, so the reaping above stays the only one.
    drop(child);

    let status = if libc::WIFSIGNALED(raw_status) {
        ExitStatus::Signaled(libc::WTERMSIG(raw_status))
    } else {
        ExitStatus::Exited(libc::WEXITSTATUS(raw_status))
    };
    let rusage_peak = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    let (peak_rss_bytes, peak_rss_exact) = if rusage_peak > own_hwm {
        (rusage_peak, true)
    } else if samples.max_hwm > 0 {
        (samples.max_hwm.min(rusage_peak), false)
    } else {
        // No sample before exit: all we know is the upper bound.
        (rusage_peak, false)
    };
    Ok(Measurement {
        wall_seconds: wall.as_secs_f64(),
        user_seconds: timeval_seconds(usage.ru_utime),
        sys_seconds: timeval_seconds(usage.ru_stime),
        peak_rss_bytes,
        peak_rss_exact,
        avg_rss_bytes: (samples.count > 0).then(|| samples.rss_sum / u64::from(samples.count)),
        rss_samples: samples.count,
        status,
        stderr_tail,
    })
}

/// Lowers this process's high-water mark to its current RSS (best effort; see module docs).
fn shed_own_peak() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
    // Fails harmlessly on kernels without clear_refs; the exactness check below still holds.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn timeval_seconds(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

/// Blocks until `pid` exits, leaving it unreaped (a zombie keeps its PID reserved).
fn wait_exit_keep_zombie(pid: libc::pid_t) -> io::Result<()> {
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid, exclusively borrowed siginfo_t for the call's duration.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Reaps `pid`, returning its raw wait status and resource usage.
fn reap(pid: libc::pid_t) -> io::Result<(libc::c_int, libc::rusage)> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is a valid value; wait4 only writes into it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: both out-pointers are valid and exclusively borrowed for the call.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            return Ok((status, usage));
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// What the sampler saw.
#[derive(Debug, Default)]
struct Samples {
    rss_sum: u64,
    count: u32,
    max_hwm: u64,
}

/// Samples `VmRSS` and `VmHWM` of `pid` until `stop` disconnects.
fn sample_rss(pid: libc::pid_t, stop: &mpsc::Receiver<()>) -> Samples {
    let path = format!("/proc/{pid}/status");
    let mut out = Samples::default();
    let mut buf = String::with_capacity(2048);
    loop {
        buf.clear();
        if std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_string(&mut buf))
            .is_ok()
        {
            // A zombie has no memory lines; those samples are skipped.
            if let Some(rss) = status_kib(&buf, "VmRSS:").filter(|k| *k > 0) {
                out.rss_sum += rss * 1024;
                out.count += 1;
            }
            if let Some(hwm) = status_kib(&buf, "VmHWM:") {
                out.max_hwm = out.max_hwm.max(hwm * 1024);
            }
        }
        match stop.recv_timeout(SAMPLE_INTERVAL) {
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            _ => return out,
        }
    }
}

/// The value in KiB of a `Key:   123 kB` line of a `/proc/*/status` text.
fn status_kib(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

fn read_status_kib(path: &str, key: &str) -> Option<u64> {
    status_kib(&std::fs::read_to_string(path).ok()?, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Measurement {
        run(Path::new("/bin/sh"), ["-c", script]).unwrap()
    }

    #[test]
    fn wall_time_and_exit_code_are_measured() {
        let m = sh("sleep 0.2; exit 4");
        assert_eq!(m.status, ExitStatus::Exited(4));
        assert!(m.wall_seconds >= 0.2 && m.wall_seconds < 1.5, "{m:?}");
        // Sleeping uses almost no CPU; sampling ran for about 20 intervals.
        assert!(m.cpu_fraction() < 0.5, "{m:?}");
        assert!(m.rss_samples >= 5, "{m:?}");
        assert!(m.peak_rss_bytes > 0);
    }

    #[test]
    fn cpu_time_and_memory_of_a_busy_child_are_seen() {
        // A busy loop in the shell: CPU time is charged whatever the machine's load.
        let m = sh("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done");
        assert!(m.status.success());
        assert!(m.user_seconds + m.sys_seconds > 0.05, "{m:?}");
        assert!(m.cpu_fraction() > 0.0 && m.cpu_fraction() <= 1.05, "{m:?}");
        let avg = m.avg_rss_bytes.expect("sampled");
        assert!(avg <= m.peak_rss_bytes + 4096 * 16, "{m:?}");
    }

    #[test]
    fn peak_rss_follows_what_the_child_touches() {
        // dd allocates and fills one buffer of `bs` bytes.
        let dd = |bs: &str| {
            let bs = format!("bs={bs}");
            run(
                Path::new("dd"),
                ["if=/dev/zero", "of=/dev/null", &bs, "count=1"],
            )
            .unwrap()
        };
        let (small, big) = (dd("1M"), dd("64M"));
        assert!(
            small.status.success() && big.status.success(),
            "{small:?} {big:?}"
        );
        assert!(
            big.peak_rss_bytes > small.peak_rss_bytes + 50_000_000,
            "{small:?} {big:?}"
        );
    }

    #[test]
    fn signals_stderr_and_spawn_errors_are_reported() {
        let m = sh("echo oops >&2; kill -9 $$");
        assert_eq!(m.status, ExitStatus::Signaled(9));
        assert_eq!(m.stderr_tail.trim(), "oops");
        let err = run(Path::new("/nonexistent/prog"), ["x"]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/prog"));
    }

    #[test]
    fn status_lines_parse() {
        let text = "Name:\tx\nVmHWM:\t    2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(status_kib(text, "VmHWM:"), Some(2048));
        assert_eq!(status_kib(text, "VmRSS:"), Some(1024));
        assert_eq!(status_kib(text, "VmSwap:"), None);
    }
}
