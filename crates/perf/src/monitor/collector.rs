//! Collection: reads the machine and the watched application into a [`Sample`] (sysinfo for
//! the portable parts, `/proc` and cgroup files for what sysinfo does not give), and runs that
//! on a collector thread that sends each sample over a channel until cancelled.
//!
//! Only what a sample needs is refreshed: global CPU times, memory, the watched filesystems,
//! network counters, and a cheap listing of processes (name only); CPU, memory and I/O are read
//! for the matching processes alone. That keeps the monitor inside its overhead budget.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sysinfo::{
    CpuRefreshKind, DiskRefreshKind, Disks, MemoryRefreshKind, Networks, Pid, ProcessRefreshKind,
    ProcessesToUpdate, RefreshKind, System,
};

use super::cancel::CancellationToken;
use super::sample::{AppSample, AppState, Basis, DiskSample, Sample, SystemSample};
use crate::measure::cgroup::{self, Limits};

/// Linux truncates a process's `comm` name to 15 bytes; `customer-snapshot` shows as
/// `customer-snapsh`.
const COMM_LEN: usize = 15;

/// Which application processes to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every process with this name (the monitor itself excluded).
    Name(String),
    /// Exactly this process.
    Pid(u32),
}

impl Target {
    /// How the target is shown in samples and reports.
    pub fn label(&self) -> String {
        match self {
            Target::Name(n) => n.clone(),
            Target::Pid(p) => format!("pid {p}"),
        }
    }

    fn matches(&self, pid: u32, comm: &[u8]) -> bool {
        match self {
            Target::Pid(p) => *p == pid,
            Target::Name(name) => {
                let name = name.as_bytes();
                comm == name || (name.len() > COMM_LEN && comm == &name[..COMM_LEN])
            }
        }
    }
}

/// The collector could not start.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// sysinfo could not read the system (unsupported platform, `/proc` missing).
    #[error("cannot read system information: {0}")]
    System(#[from] sysinfo::Error),
    /// A watched path does not exist.
    #[error("{path}: cannot watch the filesystem holding it: {source}")]
    Path {
        /// The path given.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// Per-PID counters from the previous sample, to turn cumulative figures into deltas.
#[derive(Debug, Clone, Copy)]
struct Seen {
    cpu_ms: u64,
    read_bytes: u64,
    written_bytes: u64,
}

/// Reads samples. Create once, then call [`collect`](Self::collect) once per interval.
pub struct Collector {
    sys: System,
    disks: Disks,
    /// Indexes into `disks` of the watched filesystems.
    watched: Vec<usize>,
    /// Whole block devices (from `/sys/block`, loop and RAM disks left out), for I/O totals.
    devices: Vec<String>,
    /// Sectors read and written over all `devices` at the previous sample.
    last_sectors: (u64, u64),
    networks: Networks,
    target: Target,
    own_pid: u32,
    cgroup: Option<Limits>,
    last_cgroup_cpu_usec: Option<u64>,
    last: Instant,
    seen: HashMap<u32, Seen>,
    matched: Vec<Pid>,
    refresh_pids: Vec<Pid>,
    process_count: u64,
    scan_buf: ScanBuffers,
    read_total: u64,
    written_total: u64,
    cpu_ms_total: u64,
    starts_total: u64,
    status_buf: String,
}

impl Collector {
    /// Sets up collection and takes the first (priming) readings, so the first
    /// [`collect`](Self::collect) has real rates. `disk_paths` name the filesystems to watch
    /// (`/` is always included).
    pub fn new(target: Target, disk_paths: &[PathBuf]) -> Result<Self, CollectError> {
        let sys = System::new_with_specifics(
            RefreshKind::nothing()
                .with_cpu(CpuRefreshKind::nothing().with_usage())
                .with_memory(MemoryRefreshKind::everything()),
        )?;
        // The mount list (with read-only flags): space comes from statvfs, I/O from
        // /proc/diskstats.
        let disks =
            Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_storage())?;
        let mut watched = Vec::new();
        let mut add = |i: usize| {
            if !watched.contains(&i) {
                watched.push(i);
            }
        };
        for path in std::iter::once(Path::new("/")).chain(disk_paths.iter().map(PathBuf::as_path)) {
            let canonical = path.canonicalize().map_err(|source| CollectError::Path {
                path: path.to_path_buf(),
                source,
            })?;
            if let Some(i) = holding_disk(&disks, &canonical) {
                add(i);
            }
        }
        for i in data_filesystems(&disks) {
            add(i);
        }
        let devices = block_devices();
        let networks = Networks::new_with_refreshed_list()?;
        let cgroup = cgroup::limits();
        let mut collector = Self {
            sys,
            disks,
            watched,
            last_sectors: disk_sectors(&devices),
            devices,
            networks,
            target,
            own_pid: std::process::id(),
            last_cgroup_cpu_usec: None,
            cgroup,
            last: Instant::now(),
            seen: HashMap::new(),
            matched: Vec::new(),
            refresh_pids: Vec::new(),
            process_count: 0,
            scan_buf: ScanBuffers::default(),
            read_total: 0,
            written_total: 0,
            cpu_ms_total: 0,
            starts_total: 0,
            status_buf: String::new(),
        };
        // Priming: processes already running count as started, but their past CPU and I/O
        // is not attributed to the first interval.
        collector.collect_app(0.0, true);
        collector.last_cgroup_cpu_usec = collector
            .cgroup
            .as_ref()
            .and_then(|l| cgroup::usage(&l.dir).cpu_usage_usec);
        collector.last = Instant::now();
        Ok(collector)
    }

    /// The cgroup limits in force, when any.
    pub fn cgroup_limits(&self) -> Option<&Limits> {
        self.cgroup.as_ref()
    }

    /// Takes one sample; rates cover the time since the previous call (or since `new`).
    pub fn collect(&mut self) -> Sample {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        let per_second = |bytes: u64| {
            if elapsed > 0.0 {
                bytes as f64 / elapsed
            } else {
                0.0
            }
        };

        self.sys
            .refresh_cpu_specifics(CpuRefreshKind::nothing().with_usage());
        self.sys
            .refresh_memory_specifics(MemoryRefreshKind::everything());
        let app = self.collect_app(elapsed, false);

        let sectors = disk_sectors(&self.devices);
        let disk_read = sectors.0.saturating_sub(self.last_sectors.0) * SECTOR_BYTES;
        let disk_written = sectors.1.saturating_sub(self.last_sectors.1) * SECTOR_BYTES;
        self.last_sectors = sectors;
        let disks = self
            .watched
            .iter()
            .map(|&i| {
                let d = &self.disks[i];
                let space = fs_space(d.mount_point()).unwrap_or(FsSpace {
                    total: d.total_space(),
                    used: d.total_space().saturating_sub(d.available_space()),
                    available: d.available_space(),
                });
                DiskSample {
                    mount_point: d.mount_point().to_string_lossy().into_owned(),
                    total_bytes: space.total,
                    free_bytes: space.available,
                    used_percent: percent(space.used as f64, (space.used + space.available) as f64),
                }
            })
            .collect();

        self.networks.refresh(true);
        let (mut rx, mut tx) = (0, 0);
        for (name, data) in &self.networks {
            if name != "lo" {
                rx += data.received();
                tx += data.transmitted();
            }
        }

        let cgroup_usage = self
            .cgroup
            .as_ref()
            .map(|l| cgroup::usage(&l.dir))
            .unwrap_or_default();
        let memory = memory_view(
            self.cgroup.as_ref(),
            cgroup_usage,
            self.sys.total_memory(),
            self.sys.available_memory(),
        );
        let (memory_basis, memory_total, memory_used) = (memory.basis, memory.total, memory.used);
        let cpu_limit = self.cgroup.as_ref().and_then(|l| l.cpu_max_cores);
        let cgroup_cpu = cgroup_usage.cpu_usage_usec;
        let (cpu_basis, cpu_percent) = cpu_view(
            cpu_limit,
            cgroup_cpu.zip(self.last_cgroup_cpu_usec),
            elapsed,
            f64::from(self.sys.global_cpu_usage()),
        );
        self.last_cgroup_cpu_usec = cgroup_cpu;
        let load = System::load_average().unwrap_or(sysinfo::LoadAvg {
            one: 0.0,
            five: 0.0,
            fifteen: 0.0,
        });

        Sample {
            unix_time_seconds: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            elapsed_seconds: elapsed,
            system: SystemSample {
                cpu_basis,
                memory_basis,
                cpu_percent: cpu_percent.clamp(0.0, 100.0),
                cpu_per_core_percent: self
                    .sys
                    .cpus()
                    .iter()
                    .map(|c| f64::from(c.usage()))
                    .collect(),
                cpu_limit_cores: cpu_limit,
                memory_total_bytes: memory_total,
                memory_used_bytes: memory_used,
                memory_available_bytes: memory_total.saturating_sub(memory_used),
                memory_percent: percent(memory_used as f64, memory_total as f64),
                swap_total_bytes: self.sys.total_swap(),
                swap_used_bytes: self.sys.used_swap(),
                disks,
                disk_read_bytes_per_second: per_second(disk_read),
                disk_write_bytes_per_second: per_second(disk_written),
                network_receive_bytes_per_second: per_second(rx),
                network_transmit_bytes_per_second: per_second(tx),
                process_count: self.process_count,
                load_1: load.one,
                load_5: load.five,
                load_15: load.fifteen,
                uptime_seconds: System::uptime().unwrap_or(0),
            },
            app,
        }
    }

    /// Lists processes cheaply, then reads the matching ones in detail and folds them into one
    /// aggregate. `priming` records the PIDs without attributing their past usage.
    fn collect_app(&mut self, elapsed: f64, priming: bool) -> AppSample {
        self.process_count = scan_processes(
            &self.target,
            self.own_pid,
            &mut self.matched,
            &mut self.scan_buf,
        );
        // PIDs matched last time and gone now are refreshed too, so sysinfo forgets them
        // (otherwise a process restarting for weeks would grow its table).
        self.refresh_pids.clear();
        self.refresh_pids.extend_from_slice(&self.matched);
        self.refresh_pids.extend(
            self.seen
                .keys()
                .map(|&p| Pid::from_u32(p))
                .filter(|p| !self.matched.contains(p)),
        );
        if !self.refresh_pids.is_empty() {
            self.sys.refresh_processes_specifics(
                ProcessesToUpdate::Some(&self.refresh_pids),
                true,
                ProcessRefreshKind::nothing()
                    .without_tasks()
                    .with_cpu()
                    .with_memory()
                    .with_disk_usage(),
            );
        }

        let mut sample = AppSample::not_running(&self.target.label());
        let (mut cpu_ms, mut read, mut written) = (0u64, 0u64, 0u64);
        let mut still_running = HashMap::with_capacity(self.matched.len());
        for pid in &self.matched {
            // It may have exited between the listing and the detailed read.
            let Some(p) = self.sys.process(*pid) else {
                continue;
            };
            let raw = pid.as_u32();
            let io = p.disk_usage();
            let now = Seen {
                cpu_ms: p.accumulated_cpu_time(),
                read_bytes: io.total_read_bytes,
                written_bytes: io.total_written_bytes,
            };
            match self.seen.get(&raw) {
                Some(before) => {
                    cpu_ms += now.cpu_ms.saturating_sub(before.cpu_ms);
                    read += now.read_bytes.saturating_sub(before.read_bytes);
                    written += now.written_bytes.saturating_sub(before.written_bytes);
                }
                None => {
                    self.starts_total += 1;
                    // A process that appeared since the last sample did all its work in
                    // this interval; one present at priming did its work before we looked.
                    if !priming {
                        cpu_ms += now.cpu_ms;
                        read += now.read_bytes;
                        written += now.written_bytes;
                    }
                }
            }
            still_running.insert(raw, now);
            sample.pids.push(raw);
            sample.rss_bytes += p.memory();
            sample.virtual_memory_bytes += p.virtual_memory();
            sample.open_fds += p.open_files().unwrap_or(0) as u64;
            sample.threads += read_threads(raw, &mut self.status_buf).unwrap_or(1);
            sample.uptime_seconds = sample.uptime_seconds.max(p.run_time());
        }
        self.seen = still_running;
        self.cpu_ms_total += cpu_ms;
        self.read_total += read;
        self.written_total += written;

        sample.process_count = sample.pids.len() as u64;
        if sample.process_count > 0 {
            sample.state = AppState::Running;
        }
        if elapsed > 0.0 {
            sample.cpu_percent = cpu_ms as f64 / 1000.0 / elapsed * 100.0;
            sample.read_bytes_per_second = read as f64 / elapsed;
            sample.written_bytes_per_second = written as f64 / elapsed;
        }
        sample.read_bytes_total = self.read_total;
        sample.written_bytes_total = self.written_total;
        sample.cpu_seconds_total = self.cpu_ms_total as f64 / 1000.0;
        sample.starts_total = self.starts_total;
        sample
    }
}

/// Reused buffers for [`scan_processes`], so a scan does not allocate per process.
#[derive(Debug)]
struct ScanBuffers {
    path: String,
    stat: [u8; 512],
}

impl Default for ScanBuffers {
    fn default() -> Self {
        Self {
            path: String::with_capacity(32),
            stat: [0; 512],
        }
    }
}

/// Lists `/proc` and collects the PIDs matching `target` into `matched` (sorted), leaving out
/// this process and zombies (exited, waiting to be reaped: not running). Returns how many
/// processes exist.
///
/// Written by hand rather than with sysinfo's full refresh: one `stat` read per process (three
/// syscalls) instead of about fifteen, which is most of the monitor's CPU cost on a busy host.
fn scan_processes(
    target: &Target,
    own_pid: u32,
    matched: &mut Vec<Pid>,
    buf: &mut ScanBuffers,
) -> u64 {
    use std::fmt::Write as _;
    use std::io::Read;
    matched.clear();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut count = 0;
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        count += 1;
        if pid == own_pid || matches!(target, Target::Pid(p) if *p != pid) {
            continue;
        }
        buf.path.clear();
        let _ = write!(buf.path, "/proc/{pid}/stat");
        let Ok(mut f) = std::fs::File::open(&buf.path) else {
            continue; // exited since the listing
        };
        // One read: name and state sit at the start of the line. (`read_to_end` would add a
        // statx and an lseek per process.)
        let Ok(n) = f.read(&mut buf.stat) else {
            continue;
        };
        if let Some((comm, state)) = parse_stat_head(&buf.stat[..n])
            && state != b'Z'
            && target.matches(pid, comm)
            && !is_another_monitor(target, pid, buf)
        {
            matched.push(Pid::from_u32(pid));
        }
    }
    matched.sort_unstable();
    count
}

/// True for a `customer-snapshot monitor` process when watching `customer-snapshot` by name: a
/// second monitor (say, one per dashboard) is not the transcript processor and must not be
/// counted as it. Only matching processes get this extra read.
fn is_another_monitor(target: &Target, pid: u32, buf: &mut ScanBuffers) -> bool {
    use std::fmt::Write as _;
    use std::io::Read;
    if !matches!(target, Target::Name(n) if n == super::config::DEFAULT_PROCESS) {
        return false;
    }
    buf.path.clear();
    let _ = write!(buf.path, "/proc/{pid}/cmdline");
    let Ok(n) = std::fs::File::open(&buf.path).and_then(|mut f| f.read(&mut buf.stat)) else {
        return false;
    };
    is_monitor_cmdline(&buf.stat[..n])
}

/// `argv[1] == "monitor"` in a NUL-separated `/proc/PID/cmdline`.
fn is_monitor_cmdline(cmdline: &[u8]) -> bool {
    cmdline.split(|&b| b == 0).nth(1) == Some(b"monitor")
}

/// `comm` and the state letter from `/proc/PID/stat`: `PID (COMM) S ...`. The name may itself
/// contain `)` or spaces, so it ends at the last `)`.
fn parse_stat_head(stat: &[u8]) -> Option<(&[u8], u8)> {
    let open = stat.iter().position(|&b| b == b'(')?;
    let close = stat.iter().rposition(|&b| b == b')')?;
    let comm = stat.get(open + 1..close)?;
    let state = *stat.get(close + 2)?;
    Some((comm, state))
}

/// The thread count from `/proc/PID/status` (sysinfo's task list is empty without refreshing
/// every thread, which costs far more).
fn read_threads(pid: u32, buf: &mut String) -> Option<u64> {
    use std::io::Read;
    buf.clear();
    std::fs::File::open(format!("/proc/{pid}/status"))
        .ok()?
        .read_to_string(buf)
        .ok()?;
    buf.lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Filesystems that hold data: writable, backed by a block device, mounted on a folder (not a
/// bind-mounted file such as a container's `/etc/hosts`), one mount per device (the shortest
/// path: bind mounts of the same device repeat it). Read-only images (squashfs snaps, ISOs) are
/// left out: they never fill up.
fn data_filesystems(disks: &Disks) -> Vec<usize> {
    let mut best: Vec<(usize, &std::ffi::OsStr)> = Vec::new();
    for (i, d) in disks.iter().enumerate() {
        let fs = d.file_system().to_string_lossy();
        if !d.name().to_string_lossy().starts_with("/dev/")
            || d.is_read_only()
            || matches!(fs.as_ref(), "squashfs" | "iso9660")
            || !d.mount_point().is_dir()
        {
            continue;
        }
        match best.iter_mut().find(|(_, name)| *name == d.name()) {
            Some(entry)
                if disks[entry.0].mount_point().as_os_str().len()
                    > d.mount_point().as_os_str().len() =>
            {
                entry.0 = i;
            }
            Some(_) => {}
            None => best.push((i, d.name())),
        }
    }
    best.into_iter().map(|(i, _)| i).collect()
}

/// The disk whose mount point is the longest prefix of `path`: the filesystem holding it.
fn holding_disk(disks: &Disks, path: &Path) -> Option<usize> {
    disks
        .iter()
        .enumerate()
        .filter(|(_, d)| path.starts_with(d.mount_point()))
        .max_by_key(|(_, d)| d.mount_point().as_os_str().len())
        .map(|(i, _)| i)
}

/// Memory as the percent should see it.
#[derive(Debug, PartialEq)]
struct MemoryView {
    basis: Basis,
    total: u64,
    used: u64,
}

/// Inside a memory-limited cgroup, memory is the group's charge against its limit (capped at
/// physical memory: a limit above it binds nothing); otherwise the host's total minus available.
fn memory_view(
    limits: Option<&Limits>,
    usage: cgroup::Usage,
    host_total: u64,
    host_available: u64,
) -> MemoryView {
    match (
        limits.and_then(|l| l.memory_max_bytes),
        usage.memory_current_bytes,
    ) {
        (Some(limit), Some(current)) => MemoryView {
            basis: Basis::Cgroup,
            total: limit.min(host_total),
            used: current,
        },
        _ => MemoryView {
            basis: Basis::Host,
            total: host_total,
            used: host_total.saturating_sub(host_available),
        },
    }
}

/// Inside a CPU-limited cgroup, CPU % is the group's CPU time over the interval divided by what
/// the quota allows in it (`cores * elapsed`); otherwise the host's figure.
fn cpu_view(
    limit_cores: Option<f64>,
    usage_usec_now_then: Option<(u64, u64)>,
    elapsed: f64,
    host_percent: f64,
) -> (Basis, f64) {
    match (limit_cores, usage_usec_now_then) {
        (Some(cores), Some((now, then))) if elapsed > 0.0 => (
            Basis::Cgroup,
            percent(now.saturating_sub(then) as f64 / 1e6, elapsed * cores),
        ),
        _ => (Basis::Host, host_percent),
    }
}

/// `/proc/diskstats` counts in 512-byte sectors whatever the device's real sector size.
const SECTOR_BYTES: u64 = 512;

/// Whole disks: `/sys/block` lists disks, not partitions, so summing them never counts a byte
/// twice. Loop and RAM devices are views of other storage or of memory.
fn block_devices() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/sys/block") else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !["loop", "ram", "zram"].iter().any(|p| n.starts_with(p)))
        .collect();
    names.sort();
    names
}

/// Total sectors (read, written) of `devices` from `/proc/diskstats`.
fn disk_sectors(devices: &[String]) -> (u64, u64) {
    let Ok(text) = std::fs::read_to_string("/proc/diskstats") else {
        return (0, 0);
    };
    let mut total = (0, 0);
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let Some(name) = f.nth(2) else { continue };
        if !devices.iter().any(|d| d == name) {
            continue;
        }
        // After the name: reads, reads merged, sectors read, ms, writes, writes merged,
        // sectors written.
        let read = f.nth(2).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let written = f.nth(3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        total.0 += read;
        total.1 += written;
    }
    total
}

/// Space on one filesystem, as `df` counts it.
struct FsSpace {
    total: u64,
    /// Blocks in use: total minus free (including the blocks reserved for root).
    used: u64,
    /// Blocks available to unprivileged users.
    available: u64,
}

/// statvfs(3) of a mount point. Used percent is `used / (used + available)`, as `df` shows it:
/// blocks reserved for root count neither as used nor as available, which sysinfo's
/// total/available pair cannot express (on a filesystem with a large reserve it reads far
/// fuller than `df`).
// The statvfs field types are 32-bit on some targets and 64-bit on others.
#[allow(clippy::unnecessary_cast)]
fn fs_space(mount: &Path) -> Option<FsSpace> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(mount.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a valid NUL-terminated string and `st` points to writable memory of
    // the right type; statvfs only writes into it and we read it only when it returned 0.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    let frsize = st.f_frsize as u64;
    let total = st.f_blocks as u64 * frsize;
    let free = st.f_bfree as u64 * frsize;
    Some(FsSpace {
        total,
        used: total.saturating_sub(free),
        available: st.f_bavail as u64 * frsize,
    })
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

/// Runs `collector` on its own thread: one sample per `interval`, sent on `tx`, until `token`
/// is cancelled or the receiver hangs up. Sleeping waits on the token, so cancelling stops the
/// thread within milliseconds whatever the interval.
pub fn spawn(
    mut collector: Collector,
    interval: Duration,
    token: CancellationToken,
    tx: Sender<Sample>,
) -> std::io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("monitor-collector".into())
        .spawn(move || {
            // Deadlines from a fixed start keep samples on the interval grid instead of
            // drifting by the collection time each round.
            let start = Instant::now();
            let mut ticks: u32 = 0;
            loop {
                ticks = ticks.saturating_add(1);
                let due = start + interval.saturating_mul(ticks);
                let wait = due.saturating_duration_since(Instant::now());
                if token.sleep(wait) {
                    return;
                }
                if tx.send(collector.collect()).is_err() {
                    return;
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_limits_change_what_percentages_mean() {
        let limits = Limits {
            dir: PathBuf::from("/sys/fs/cgroup/x"),
            memory_max_bytes: Some(1_000),
            cpu_max_cores: Some(0.5),
        };
        let usage = cgroup::Usage {
            memory_current_bytes: Some(250),
            cpu_usage_usec: Some(0),
        };
        assert_eq!(
            memory_view(Some(&limits), usage, 8_000, 6_000),
            MemoryView {
                basis: Basis::Cgroup,
                total: 1_000,
                used: 250
            }
        );
        assert_eq!(
            memory_view(None, usage, 8_000, 6_000),
            MemoryView {
                basis: Basis::Host,
                total: 8_000,
                used: 2_000
            }
        );
        // 0.25 CPU seconds in 1 s under a half-core quota: 50 % of what the container may use.
        assert_eq!(
            cpu_view(Some(0.5), Some((1_250_000, 1_000_000)), 1.0, 3.0),
            (Basis::Cgroup, 50.0)
        );
        assert_eq!(cpu_view(None, Some((2, 1)), 1.0, 3.0), (Basis::Host, 3.0));
        // No previous reading yet: fall back to the host rather than invent a rate.
        assert_eq!(cpu_view(Some(0.5), None, 1.0, 3.0), (Basis::Host, 3.0));
    }

    #[test]
    fn recognises_a_monitor_command_line() {
        assert!(is_monitor_cmdline(
            b"/usr/bin/customer-snapshot\0monitor\0--json\0"
        ));
        assert!(!is_monitor_cmdline(
            b"customer-snapshot\0process\0monitor.vtt\0"
        ));
        assert!(!is_monitor_cmdline(b"customer-snapshot\0"));
    }

    #[test]
    fn stat_head_handles_odd_names() {
        assert_eq!(
            parse_stat_head(b"42 (a) b) c) S 1 42 42"),
            Some((&b"a) b) c"[..], b'S'))
        );
        assert_eq!(
            parse_stat_head(b"7 (sleep) Z 1"),
            Some((&b"sleep"[..], b'Z'))
        );
        assert_eq!(parse_stat_head(b"garbage"), None);
    }

    #[test]
    fn name_matching_handles_the_kernels_15_byte_comm() {
        let t = Target::Name("customer-snapshot".into());
        assert!(t.matches(10, b"customer-snapsh"));
        assert!(!t.matches(10, b"customer-snap"));
        let short = Target::Name("sleep".into());
        assert!(short.matches(1, b"sleep"));
        assert!(!short.matches(1, b"sleepy"));
        assert!(Target::Pid(7).matches(7, b"anything"));
        assert!(!Target::Pid(7).matches(8, b"anything"));
    }

    #[test]
    fn sees_a_child_process_and_its_exit() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let mut c = Collector::new(Target::Pid(child.id()), &[]).expect("collector");
        let s = c.collect();
        assert_eq!(s.app.state, AppState::Running);
        assert_eq!(s.app.pids, vec![child.id()]);
        assert!(s.app.rss_bytes > 0);
        assert!(s.app.threads >= 1);
        assert_eq!(s.app.starts_total, 1);
        assert!(s.system.memory_total_bytes > 0);
        assert!(!s.system.disks.is_empty());
        assert_eq!(s.system.disks[0].mount_point, "/");
        child.kill().expect("kill");
        child.wait().expect("wait");
        let s = c.collect();
        assert_eq!(s.app.state, AppState::NotRunning);
        assert_eq!(s.app.process_count, 0);
        assert_eq!(s.app.rss_bytes, 0);
    }

    #[test]
    fn collector_thread_stops_promptly_on_cancel() {
        let c = Collector::new(Target::Pid(u32::MAX), &[]).expect("collector");
        let token = CancellationToken::new();
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = spawn(c, Duration::from_secs(3600), token.clone(), tx).expect("spawn");
        let start = Instant::now();
        token.cancel();
        handle.join().expect("join");
        assert!(start.elapsed() < Duration::from_secs(1));
        assert!(rx.try_recv().is_err());
    }
}
