//! `optimize`: where the pipeline spends its time and heap, and what to do about it.
//!
//! Owns the in-process profile of the pipeline: per-stage wall/CPU/allocations from the Observer
//! seam ([`stages`]), function samples and the flamegraph ([`sampler`]), peak RSS ([`memory`]),
//! findings from rules over those numbers ([`rules`]), the diff against an earlier report
//! ([`compare`]), the JSON model ([`report`]) and its terminal rendering ([`terminal`]).
//! End-to-end timings of whole processes are the benchmark's; nothing here mixes the two.
//!
//! The pipeline is reached through [`Workload`], so tests drive the profiler with synthetic
//! work and the binary with the real pipeline ([`workload::PipelineWorkload`]).

pub mod ai;
pub mod compare;
pub mod memory;
pub mod report;
pub mod rules;
pub mod sampler;
pub mod stages;
pub mod terminal;
pub mod workload;

use std::time::Instant;

use crate::bench::stats::{Bootstrap, Sample};
use crate::measure::alloc;

use report::{AllocatorOverhead, Memory, MemoryGrowth, SizeProfile};
use rules::{Finding, Thresholds};
use sampler::{Sampler, SamplerError, Samples};
use stages::{StageRecorder, thread_cpu_time};

/// An error from the work being profiled (the pipeline's own error, boxed).
pub type WorkloadError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why profiling failed.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profiled work failed on an input.
    #[error("{input}: {source}")]
    Workload {
        /// The input's label.
        input: String,
        /// What the work reported.
        #[source]
        source: WorkloadError,
    },
    /// A stage never ran, so its figures would be silently missing.
    #[error("{input}: stage '{stage}' never ran; the profile would be incomplete")]
    StageSkipped {
        /// The input's label.
        input: String,
        /// The stage.
        stage: &'static str,
    },
    /// The sampling profiler failed.
    #[error(transparent)]
    Sampler(#[from] SamplerError),
    /// Nothing to profile.
    #[error("no inputs to profile")]
    NoInputs,
}

/// The work being profiled: one pipeline run over an input.
pub trait Workload {
    /// Stage names in data-flow order; the recorder is built with them.
    fn stages(&self) -> Vec<&'static str>;
    /// Runs once, reporting every stage batch to `recorder`.
    fn run_observed(
        &mut self,
        input: &Source<'_>,
        recorder: &mut StageRecorder,
    ) -> Result<(), WorkloadError>;
    /// Runs once without an observer (for the allocator-overhead runs).
    fn run_plain(&mut self, input: &Source<'_>) -> Result<(), WorkloadError>;
}

/// Where an input's bytes are.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// In memory (tests, small inputs).
    Bytes(&'a [u8]),
    /// A file, read from the start on every pass so the input never sits in the heap.
    File(&'a std::path::Path),
}

impl<'a> Source<'a> {
    /// Opens a reader at the first byte.
    pub fn open(&self) -> std::io::Result<Box<dyn std::io::Read + 'a>> {
        Ok(match self {
            Source::Bytes(b) => Box::new(*b),
            Source::File(p) => Box::new(std::fs::File::open(p)?),
        })
    }
}

/// One input to profile.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Short name in the report (`1MB`, a file name).
    pub label: &'a str,
    /// Size in bytes.
    pub len: u64,
    /// The transcript.
    pub source: Source<'a>,
}

impl<'a> Input<'a> {
    /// An in-memory input.
    pub fn bytes(label: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            label,
            len: bytes.len() as u64,
            source: Source::Bytes(bytes),
        }
    }
}

/// How to profile.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// Sampling frequency; 0 turns the sampling profiler off.
    pub sampling_hz: u32,
    /// Repeat each input until this much time has passed (more samples, steadier means).
    pub min_seconds: f64,
    /// Run each input at least this often.
    pub min_runs: u32,
    /// Run each input at most this often.
    pub max_runs: u32,
    /// Functions kept in each top list.
    pub top_functions: usize,
    /// Path prefix of "our" functions for the own-time list (`snapshot_pipeline::`).
    pub own_prefix: String,
    /// Pairs of runs (counting on / off) for the allocator overhead; 0 skips it.
    pub overhead_pairs: usize,
    /// Rule thresholds.
    pub thresholds: Thresholds,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        Self {
            sampling_hz: 1000,
            min_seconds: 1.0,
            min_runs: 1,
            max_runs: 1000,
            top_functions: 20,
            own_prefix: "snapshot_pipeline::".to_owned(),
            overhead_pairs: 7,
            thresholds: Thresholds::default(),
        }
    }
}

/// What a profiling session produced.
#[derive(Debug)]
pub struct Outcome {
    /// Per input, smallest first.
    pub sizes: Vec<SizeProfile>,
    /// Heap and RSS slopes across inputs.
    pub memory_growth: MemoryGrowth,
    /// Findings across inputs.
    pub findings: Vec<Finding>,
    /// Allocation-counting overhead, when measured and the counting allocator is installed.
    pub allocator_overhead: Option<AllocatorOverhead>,
    /// Samples of the largest input, for the flamegraph.
    pub samples: Option<Samples>,
}

/// Profiles `workload` over every input. `progress` hears a line per step.
pub fn profile(
    inputs: &[Input<'_>],
    workload: &mut dyn Workload,
    opts: &ProfileOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, ProfileError> {
    if inputs.is_empty() {
        return Err(ProfileError::NoInputs);
    }
    let mut order: Vec<&Input<'_>> = inputs.iter().collect();
    order.sort_by_key(|i| i.len);
    let was_counting = alloc::set_counting(true);
    let result = profile_counting(&order, workload, opts, progress);
    alloc::set_counting(was_counting);
    result
}

fn profile_counting(
    order: &[&Input<'_>],
    workload: &mut dyn Workload,
    opts: &ProfileOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, ProfileError> {
    // Warm-up runs for every input before the first sampler: pprof allocates its sample table
    // (about 100 MB, touched) on first use and keeps it for the life of the process, so only
    // RSS peaks taken before then are the pipeline's own.
    let mut peak_rss = Vec::with_capacity(order.len());
    for input in order {
        progress(&format!("warming up on {}", input.label));
        peak_rss.push(warm_up(input, workload)?);
    }
    let mut sizes = Vec::with_capacity(order.len());
    let mut samples = None;
    for (input, rss) in order.iter().zip(peak_rss) {
        progress(&format!(
            "profiling {} ({:.2} MB)",
            input.label,
            input.len as f64 / 1e6
        ));
        let (mut size, s) = profile_one(input, workload, opts)?;
        size.memory.peak_rss_bytes = rss;
        sizes.push(size);
        samples = s;
    }
    for size in &mut sizes {
        size.findings = rules::size_findings(size, &opts.thresholds);
    }
    let mb = |s: &SizeProfile| s.input_bytes as f64 / 1e6;
    let heap: Vec<(f64, f64)> = sizes
        .iter()
        .filter_map(|s| Some((mb(s), s.memory.heap_used_bytes()? as f64)))
        .collect();
    let rss: Vec<(f64, f64)> = sizes
        .iter()
        .filter_map(|s| Some((mb(s), s.memory.peak_rss_bytes? as f64)))
        .collect();
    let memory_growth = MemoryGrowth {
        heap_growth_bytes_per_input_mb: report::slope(&heap),
        rss_growth_bytes_per_input_mb: report::slope(&rss),
    };
    let findings = rules::cross_size_findings(&sizes, &memory_growth, &opts.thresholds);
    let allocator_overhead = match order.last() {
        Some(largest) if opts.overhead_pairs > 0 && alloc::is_counting() => {
            progress(&format!(
                "measuring the counting allocator's cost on {} ({} pairs of runs)",
                largest.label, opts.overhead_pairs
            ));
            allocator_overhead(largest, workload, opts.overhead_pairs)?
        }
        _ => None,
    };
    Ok(Outcome {
        sizes,
        memory_growth,
        findings,
        allocator_overhead,
        samples,
    })
}

/// One unobserved run: tables built lazily on first use and the page cache then belong to the
/// baseline. Returns the process's peak RSS during the run, when it could be reset and read.
fn warm_up(input: &Input<'_>, workload: &mut dyn Workload) -> Result<Option<u64>, ProfileError> {
    let rss_reset = memory::reset_peak_rss();
    workload
        .run_plain(&input.source)
        .map_err(|source| ProfileError::Workload {
            input: input.label.to_owned(),
            source,
        })?;
    Ok(if rss_reset {
        memory::peak_rss_bytes()
    } else {
        None
    })
}

fn profile_one(
    input: &Input<'_>,
    workload: &mut dyn Workload,
    opts: &ProfileOptions,
) -> Result<(SizeProfile, Option<Samples>), ProfileError> {
    let counting = alloc::is_counting();
    // The sampler's table must be in the heap baseline, not in the pipeline's figures.
    let sampler = if opts.sampling_hz > 0 {
        Some(Sampler::start(opts.sampling_hz)?)
    } else {
        None
    };
    alloc::reset_peak();
    let baseline = alloc::snapshot().live_bytes;
    let mut recorder = StageRecorder::new(&workload.stages());
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    let mut runs = 0u32;
    loop {
        workload
            .run_observed(&input.source, &mut recorder)
            .map_err(|source| ProfileError::Workload {
                input: input.label.to_owned(),
                source,
            })?;
        runs += 1;
        let enough_time = start.elapsed().as_secs_f64() >= opts.min_seconds;
        if runs >= opts.max_runs.max(1) || (runs >= opts.min_runs && enough_time) {
            break;
        }
    }
    let wall = start.elapsed().as_secs_f64() / f64::from(runs);
    let cpu = thread_cpu_time().saturating_sub(cpu_start).as_secs_f64() / f64::from(runs);
    // The recorder resets the peak at every stage start; the run's peak is the highest of the
    // stage windows and of the window after the last stage.
    let tail_peak = alloc::snapshot().peak_live_bytes;
    let samples = sampler.map(Sampler::finish).transpose()?;

    if let Some((stage, _)) = recorder.batches().find(|(_, b)| *b == 0) {
        return Err(ProfileError::StageSkipped {
            input: input.label.to_owned(),
            stage,
        });
    }
    let stages = recorder.profiles(runs, cpu);
    let stage_peak = stages
        .iter()
        .filter_map(|s| s.peak_heap_bytes)
        .max()
        .map(|p| p + baseline);
    let in_stages: f64 = stages.iter().map(|s| s.wall_seconds).sum();
    let size = SizeProfile {
        label: input.label.to_owned(),
        input_bytes: input.len,
        runs,
        wall_seconds: wall,
        cpu_seconds: cpu,
        throughput_mb_per_s: if wall > 0.0 {
            input.len as f64 / 1e6 / wall
        } else {
            0.0
        },
        cpu_throughput_mb_per_s: if cpu > 0.0 {
            input.len as f64 / 1e6 / cpu
        } else {
            0.0
        },
        unattributed_seconds: (wall - in_stages).max(0.0),
        stages,
        functions: samples
            .as_ref()
            .map(|s| s.functions(opts.top_functions, &opts.own_prefix))
            .unwrap_or_default(),
        memory: Memory {
            peak_rss_bytes: None,
            baseline_heap_bytes: counting.then_some(baseline),
            peak_heap_bytes: counting.then(|| stage_peak.unwrap_or(0).max(tail_peak)),
        },
        findings: Vec::new(),
    };
    Ok((size, samples))
}

/// Interleaved runs with counting off and on (order alternating per pair, so drift in the
/// machine's load hits both sides alike); the cost is the ratio of median CPU times.
fn allocator_overhead(
    input: &Input<'_>,
    workload: &mut dyn Workload,
    pairs: usize,
) -> Result<Option<AllocatorOverhead>, ProfileError> {
    let mut off = Vec::with_capacity(pairs);
    let mut on = Vec::with_capacity(pairs);
    let fail = |source| ProfileError::Workload {
        input: input.label.to_owned(),
        source,
    };
    // One unmeasured run warms caches and lazily built tables.
    workload.run_plain(&input.source).map_err(fail)?;
    for i in 0..pairs {
        for counting in if i % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        } {
            alloc::set_counting(counting);
            // Thread CPU time: on a shared machine wall time varies with the load far more
            // than by the few percent being measured.
            let start = thread_cpu_time();
            let r = workload.run_plain(&input.source);
            let t = thread_cpu_time().saturating_sub(start).as_secs_f64();
            alloc::set_counting(true);
            r.map_err(fail)?;
            if counting { &mut on } else { &mut off }.push(t);
        }
    }
    let (Ok(on), Ok(off)) = (Sample::new(&on), Sample::new(&off)) else {
        return Ok(None);
    };
    let Ok(ci) = Bootstrap::default().median_ratio(&on, &off) else {
        return Ok(None);
    };
    let mb = input.len as f64 / 1e6;
    Ok(Some(AllocatorOverhead {
        input_label: input.label.to_owned(),
        pairs,
        off_mb_per_s: mb / off.median(),
        on_mb_per_s: mb / on.median(),
        cost_percent: (ci.ratio - 1.0) * 100.0,
        cost_percent_ci_low: (ci.lower - 1.0) * 100.0,
        cost_percent_ci_high: (ci.upper - 1.0) * 100.0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Synthetic pipeline: "parse" scans bytes, "entities" allocates a String per line
    /// (many allocations), "render" does little.
    struct Synthetic;

    impl Workload for Synthetic {
        fn stages(&self) -> Vec<&'static str> {
            vec!["parse", "entities", "render", "write"]
        }

        fn run_observed(
            &mut self,
            input: &Source<'_>,
            r: &mut StageRecorder,
        ) -> Result<(), WorkloadError> {
            let mut input_bytes = Vec::new();
            input.open()?.read_to_end(&mut input_bytes)?;
            for chunk in input_bytes.chunks(4096) {
                r.start(0);
                let lines = chunk.iter().filter(|b| **b == b'\n').count();
                r.finish(0, chunk.len() as u64, lines as u64);
                r.start(1);
                let words: Vec<String> = chunk
                    .split(|b| *b == b' ')
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect();
                std::hint::black_box(&words);
                r.finish(1, chunk.len() as u64, words.len() as u64);
                r.start(2);
                r.write_time(std::time::Duration::ZERO, 10);
                r.finish(2, 10, 1);
            }
            r.start(3);
            r.finish(3, 0, 0);
            Ok(())
        }

        fn run_plain(&mut self, input: &Source<'_>) -> Result<(), WorkloadError> {
            let mut input_bytes = Vec::new();
            input.open()?.read_to_end(&mut input_bytes)?;
            let words = input_bytes
                .split(|b| *b == b' ')
                .map(<[u8]>::to_vec)
                .count();
            std::hint::black_box(words);
            Ok(())
        }
    }

    #[test]
    fn profiles_every_input_smallest_first_with_allocations() {
        let _guard = alloc::tests::COUNTERS
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let small = b"a b c d\n".repeat(1000);
        let big = b"a b c d\n".repeat(4000);
        let inputs = [Input::bytes("big", &big), Input::bytes("small", &small)];
        let opts = ProfileOptions {
            sampling_hz: 0,
            min_seconds: 0.0,
            overhead_pairs: 3,
            ..ProfileOptions::default()
        };
        let mut lines = Vec::new();
        let out = profile(&inputs, &mut Synthetic, &opts, &mut |l| {
            lines.push(l.to_owned())
        })
        .unwrap();
        assert_eq!(out.sizes[0].label, "small");
        assert_eq!(out.sizes[1].label, "big");
        let big = &out.sizes[1];
        assert_eq!(big.input_bytes, 32_000);
        assert_eq!(big.stages.len(), 4);
        assert_eq!(big.stages[0].bytes_in, 32_000);
        assert_eq!(big.stages[0].items_out, 4000);
        // One String per space-separated word: 3 per 8-byte line ("d\na" is one word).
        let entities = &big.stages[1];
        assert!(
            entities.allocations.unwrap() >= 12_000,
            "{:?}",
            entities.allocations
        );
        assert!(big.memory.peak_heap_bytes.is_some());
        assert!(out.memory_growth.heap_growth_bytes_per_input_mb.is_some());
        assert!(out.allocator_overhead.is_some());
        assert!(lines.iter().any(|l| l.contains("profiling small")));
    }

    #[test]
    fn a_stage_that_never_runs_is_an_error() {
        struct Skips;
        impl Workload for Skips {
            fn stages(&self) -> Vec<&'static str> {
                vec!["parse", "topics"]
            }
            fn run_observed(
                &mut self,
                _: &Source<'_>,
                r: &mut StageRecorder,
            ) -> Result<(), WorkloadError> {
                r.start(0);
                r.finish(0, 1, 1);
                Ok(())
            }
            fn run_plain(&mut self, _: &Source<'_>) -> Result<(), WorkloadError> {
                Ok(())
            }
        }
        let opts = ProfileOptions {
            sampling_hz: 0,
            min_seconds: 0.0,
            overhead_pairs: 0,
            ..ProfileOptions::default()
        };
        let input = [Input::bytes("x", b"WEBVTT")];
        let err = profile(&input, &mut Skips, &opts, &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x: stage 'topics' never ran; the profile would be incomplete"
        );
    }
}
