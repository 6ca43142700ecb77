//! Per-stage wall time, thread CPU time, allocations and peak heap, summed over the batches the
//! pipeline reports through its Observer seam.
//!
//! One clock read pair per stage and batch (the pipeline batches cues for this reason), and the
//! allocation counters are read, never walked, so observing stays cheap next to the work.

use std::time::{Duration, Instant};

use crate::measure::alloc;

use super::report::StageProfile;

/// Thread CPU time (user + system) of the calling thread.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Sums of one stage.
#[derive(Debug, Clone, Default)]
struct Totals {
    batches: u64,
    wall: Duration,
    cpu: Duration,
    bytes_in: u64,
    items_out: u64,
    allocations: u64,
    allocated_bytes: u64,
    peak_heap: u64,
}

/// What was true when the open stage started.
#[derive(Debug, Clone, Copy)]
struct Open {
    stage: usize,
    wall: Instant,
    cpu: Duration,
    alloc: alloc::AllocSnapshot,
}

/// Records every stage of the runs it observes. Stages are named by index into the names it was
/// built with; the pipeline adapter maps `Stage` to that index.
#[derive(Debug, Clone)]
pub struct StageRecorder {
    names: Vec<&'static str>,
    totals: Vec<Totals>,
    open: Option<Open>,
    render: Option<usize>,
    write: Option<usize>,
    /// Write wall time reported during render batches (moved from render to write).
    write_in_render: Duration,
    counting: bool,
    /// Live heap when the recorder was made; stage peaks are reported above it.
    baseline_heap: u64,
}

impl StageRecorder {
    /// A recorder for these stages, in data-flow order. The stages named `render` and `write`
    /// get the write-time accounting of the seam.
    pub fn new(names: &[&'static str]) -> Self {
        Self {
            names: names.to_vec(),
            totals: vec![Totals::default(); names.len()],
            open: None,
            render: names.iter().position(|n| *n == "render"),
            write: names.iter().position(|n| *n == "write"),
            write_in_render: Duration::ZERO,
            counting: alloc::is_counting(),
            baseline_heap: alloc::snapshot().live_bytes,
        }
    }

    /// A stage starts a batch.
    pub fn start(&mut self, stage: usize) {
        if self.counting {
            alloc::reset_peak();
        }
        self.open = Some(Open {
            stage,
            alloc: alloc::snapshot(),
            cpu: thread_cpu_time(),
            wall: Instant::now(),
        });
    }

    /// A stage finished a batch. A finish without a matching start is ignored.
    pub fn finish(&mut self, stage: usize, bytes_in: u64, items_out: u64) {
        let wall = Instant::now();
        let cpu = thread_cpu_time();
        let now = alloc::snapshot();
        let Some(open) = self.open.take().filter(|o| o.stage == stage) else {
            return;
        };
        let Some(t) = self.totals.get_mut(stage) else {
            return;
        };
        t.batches += 1;
        t.wall += wall - open.wall;
        t.cpu += cpu.saturating_sub(open.cpu);
        t.bytes_in += bytes_in;
        t.items_out += items_out;
        t.allocations += now.allocations - open.alloc.allocations;
        t.allocated_bytes += now.bytes - open.alloc.bytes;
        t.peak_heap = t.peak_heap.max(now.peak_live_bytes);
    }

    /// Time the output writer took; inside a render batch it belongs to the write stage.
    pub fn write_time(&mut self, elapsed: Duration, bytes: u64) {
        let in_render = self.open.is_some_and(|o| Some(o.stage) == self.render);
        if in_render {
            self.write_in_render += elapsed;
            if let Some(w) = self.write.and_then(|w| self.totals.get_mut(w)) {
                w.bytes_in += bytes;
            }
        }
    }

    /// Stage figures per run, given the number of runs and the CPU time of one run. Shares and
    /// MB/s are per CPU second: the pipeline runs on one thread, so its CPU time is its work,
    /// while wall time on a shared machine also counts waiting for a core.
    pub fn profiles(&self, runs: u32, run_cpu_seconds: f64) -> Vec<StageProfile> {
        let runs = f64::from(runs.max(1));
        let mut totals = self.totals.clone();
        if let (Some(r), Some(w)) = (self.render, self.write) {
            // The seam reports writes inside render batches as wall time only. Move that wall
            // time to write, and the same fraction of render's CPU time (wall time on a busy
            // machine includes waiting for a core, which CPU time must not), so totals hold.
            let moved_wall = self.write_in_render.min(totals[r].wall);
            let fraction = if totals[r].wall.is_zero() {
                0.0
            } else {
                moved_wall.as_secs_f64() / totals[r].wall.as_secs_f64()
            };
            let moved_cpu = totals[r].cpu.mul_f64(fraction.clamp(0.0, 1.0));
            totals[r].wall -= moved_wall;
            totals[r].cpu -= moved_cpu;
            totals[w].wall += moved_wall;
            totals[w].cpu += moved_cpu;
        }
        self.names
            .iter()
            .zip(totals)
            .map(|(name, t)| {
                let cpu = t.cpu.as_secs_f64() / runs;
                let bytes_in = (t.bytes_in as f64 / runs).round() as u64;
                StageProfile {
                    stage: (*name).to_owned(),
                    batches: (t.batches as f64 / runs).round() as u64,
                    wall_seconds: t.wall.as_secs_f64() / runs,
                    cpu_seconds: cpu,
                    share: if run_cpu_seconds > 0.0 {
                        cpu / run_cpu_seconds
                    } else {
                        0.0
                    },
                    bytes_in,
                    throughput_mb_per_s: (bytes_in > 0 && cpu > 0.0)
                        .then(|| bytes_in as f64 / 1e6 / cpu),
                    items_out: (t.items_out as f64 / runs).round() as u64,
                    allocations: self
                        .counting
                        .then(|| (t.allocations as f64 / runs).round() as u64),
                    allocated_bytes: self
                        .counting
                        .then(|| (t.allocated_bytes as f64 / runs).round() as u64),
                    peak_heap_bytes: self
                        .counting
                        .then(|| t.peak_heap.saturating_sub(self.baseline_heap)),
                }
            })
            .collect()
    }

    /// Batches seen per stage (to check that every stage ran).
    pub fn batches(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.names
            .iter()
            .zip(&self.totals)
            .map(|(n, t)| (*n, t.batches))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 3] = ["parse", "render", "write"];

    fn spin(d: Duration) {
        let start = Instant::now();
        while start.elapsed() < d {
            std::hint::black_box(0u64);
        }
    }

    #[test]
    fn sums_batches_and_moves_write_time_out_of_render() {
        let mut r = StageRecorder::new(&NAMES);
        for _ in 0..3 {
            r.start(0);
            spin(Duration::from_millis(4));
            r.finish(0, 1000, 10);
        }
        r.start(1);
        spin(Duration::from_millis(10));
        r.write_time(Duration::from_millis(4), 500);
        r.finish(1, 2000, 5);
        r.start(2);
        r.write_time(Duration::from_millis(1), 50);
        r.finish(2, 50, 0);

        let p = r.profiles(1, 0.1);
        assert_eq!(p[0].stage, "parse");
        assert_eq!(p[0].batches, 3);
        assert_eq!(p[0].bytes_in, 3000);
        assert_eq!(p[0].items_out, 30);
        assert!(p[0].wall_seconds >= 0.012, "{}", p[0].wall_seconds);
        assert!(
            p[0].cpu_seconds > 0.008,
            "busy loop burns CPU: {}",
            p[0].cpu_seconds
        );
        // Render lost the 4 ms spent in the writer; write gained it and counts its bytes.
        // (Upper bounds would fail on a loaded machine, where a spin can be preempted.)
        assert!(p[1].wall_seconds >= 0.006, "{}", p[1].wall_seconds);
        // The 1 ms reported inside write's own span is already part of that span.
        assert!(p[2].wall_seconds >= 0.004, "{}", p[2].wall_seconds);
        assert!(p[1].wall_seconds + p[2].wall_seconds >= 0.010);
        assert_eq!(p[2].bytes_in, 550);
        assert!((p[0].share - p[0].cpu_seconds / 0.1).abs() < 1e-12);
        assert!(p[0].throughput_mb_per_s.is_some());
    }

    #[test]
    fn per_run_figures_divide_by_runs_and_unmatched_finish_is_ignored() {
        let mut r = StageRecorder::new(&NAMES);
        r.finish(0, 99, 99);
        for _ in 0..4 {
            r.start(0);
            r.finish(0, 100, 2);
        }
        let p = r.profiles(2, 1.0);
        assert_eq!(p[0].batches, 2);
        assert_eq!(p[0].bytes_in, 200);
        assert_eq!(p[0].items_out, 4);
        assert_eq!(p[1].throughput_mb_per_s, None);
    }

    #[test]
    fn counts_allocations_of_the_stage() {
        let _guard = alloc::tests::COUNTERS
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        alloc::set_counting(true);
        let mut r = StageRecorder::new(&NAMES);
        r.start(0);
        let mut kept = Vec::new();
        for i in 0..100 {
            kept.push(std::hint::black_box(vec![i as u8; 1000]));
        }
        r.finish(0, 100, 1);
        drop(kept);
        alloc::set_counting(false);
        let p = r.profiles(1, 1.0);
        assert!(p[0].allocations.unwrap() >= 100);
        assert!(p[0].allocated_bytes.unwrap() >= 100_000);
        // Above the heap live when the recorder was made.
        assert!(p[0].peak_heap_bytes.unwrap() >= 100_000);
        assert!(p[0].allocations_per_input_byte().unwrap() >= 1.0);
    }
}
