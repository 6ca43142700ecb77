//! The sampling profiler: pprof-rs (SIGPROF at ~1 kHz) over the profiled runs, reduced to the
//! top frames by self and total samples, and the flamegraph SVG.
//!
//! Frames of the profiler, the signal trampoline, the unwinder and the counting allocator are
//! machinery, not the program: they are dropped from the stacks before counting, so a sample's
//! leaf is the first frame of our code (or of the libc function it called, such as `malloc`).

use std::collections::{HashMap, HashSet};
use std::io::Write;

use super::report::{FunctionSample, Functions};

/// Why profiling failed.
#[derive(Debug, thiserror::Error)]
pub enum SamplerError {
    /// pprof could not start or build its report.
    #[error("sampling profiler: {0}")]
    Pprof(#[from] pprof::Error),
}

/// A running sampling profiler; stops when dropped.
pub struct Sampler {
    guard: pprof::ProfilerGuard<'static>,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sampler")
    }
}

/// A sample's stack, leaf first, one name per frame (inlined functions expanded).
type Stack = Vec<String>;

/// What the profiler saw.
pub struct Samples {
    report: pprof::Report,
    stacks: Vec<(Stack, u64)>,
}

impl std::fmt::Debug for Samples {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Samples")
            .field("stacks", &self.stacks.len())
            .finish()
    }
}

impl Sampler {
    /// Starts sampling every thread of the process at `hz` samples per second.
    pub fn start(hz: u32) -> Result<Self, SamplerError> {
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(hz.clamp(1, 10_000) as i32)
            .blocklist(&["libc", "libgcc", "pthread", "vdso"])
            .build()?;
        Ok(Self { guard })
    }

    /// Stops sampling and resolves the symbols.
    pub fn finish(self) -> Result<Samples, SamplerError> {
        let report = self.guard.report().build()?;
        drop(self.guard);
        let stacks = report
            .data
            .iter()
            .filter_map(|(frames, &count)| {
                let stack = clean_stack(
                    frames
                        .frames
                        .iter()
                        .flat_map(|f| f.iter())
                        .map(|s| s.name()),
                );
                (!stack.is_empty() && count > 0).then_some((stack, count as u64))
            })
            .collect();
        Ok(Samples { report, stacks })
    }
}

impl Samples {
    /// Top `n` functions by self, total and own samples; own frames are those whose path
    /// starts with `own_prefix` (e.g. `snapshot_pipeline::`).
    pub fn functions(&self, n: usize, own_prefix: &str) -> Functions {
        top_functions(&self.stacks, n, own_prefix)
    }

    /// Writes the flamegraph SVG.
    pub fn flamegraph<W: Write>(&self, out: W) -> Result<(), SamplerError> {
        self.report.flamegraph(out)?;
        Ok(())
    }
}

/// Drops the hash suffix rustc puts on legacy-mangled names (`::h0123456789abcdef`).
pub fn clean_name(name: &str) -> String {
    if let Some(i) = name.rfind("::h") {
        let hash = &name[i + 3..];
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return name[..i].to_owned();
        }
    }
    name.to_owned()
}

/// True for frames that belong to the measuring machinery rather than the measured program.
fn is_machinery(name: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "pprof::",
        "backtrace::",
        "<pprof::",
        "snapshot_perf::measure::alloc::",
        "<snapshot_perf::measure::alloc::",
        "__rust_alloc",
        "__rust_dealloc",
        "__rust_realloc",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
        || matches!(
            name,
            "perf_signal_handler" | "__restore_rt" | "_Unwind_Backtrace" | "Unknown"
        )
        || name.starts_with("__rustc::__rust_")
}

/// Leaf-first names of one sample with machinery frames removed.
fn clean_stack(names: impl Iterator<Item = String>) -> Stack {
    names
        .map(|n| clean_name(&n))
        .filter(|n| !is_machinery(n))
        .collect()
}

/// True when `name` is a function of the crate whose path starts with `prefix` (also as the
/// self type of a trait impl, `<prefix...>::method`).
fn is_own(name: &str, prefix: &str) -> bool {
    name.starts_with(prefix)
        || name
            .strip_prefix('<')
            .is_some_and(|n| n.starts_with(prefix))
}

/// Self samples go to the leaf; total samples to every distinct function on the stack (once per
/// sample, so recursion does not count twice); own samples to the innermost frame of the crate
/// named by `own_prefix` (where our code spends time, including the library code it calls).
/// Frames present in every sample (`main`, the runtime's entry chain) say nothing and are left
/// out of the total list.
pub(crate) fn top_functions(stacks: &[(Stack, u64)], n: usize, own_prefix: &str) -> Functions {
    let total: u64 = stacks.iter().map(|(_, c)| c).sum();
    let mut selfs: HashMap<&str, u64> = HashMap::new();
    let mut callers: HashMap<(&str, &str), u64> = HashMap::new();
    let mut owners: HashMap<(&str, &str), u64> = HashMap::new();
    let mut owns: HashMap<&str, u64> = HashMap::new();
    let mut totals: HashMap<&str, u64> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (stack, count) in stacks {
        let Some(leaf) = stack.first() else { continue };
        *selfs.entry(leaf).or_default() += count;
        if let Some(caller) = stack.iter().skip(1).find(|c| *c != leaf) {
            *callers.entry((leaf, caller)).or_default() += count;
        }
        if let Some(owner) = stack.iter().find(|f| is_own(f, own_prefix)) {
            *owns.entry(owner).or_default() += count;
            if owner != leaf {
                *owners.entry((leaf, owner)).or_default() += count;
            }
        }
        seen.clear();
        for name in stack {
            if seen.insert(name) {
                *totals.entry(name).or_default() += count;
            }
        }
    }
    if stacks.len() > 1 {
        totals.retain(|_, c| *c < total);
    }
    let pct = |c: u64| {
        if total > 0 {
            100.0 * c as f64 / total as f64
        } else {
            0.0
        }
    };
    let most = |pairs: &HashMap<(&str, &str), u64>, f: &str| {
        pairs
            .iter()
            .filter(|((leaf, _), _)| *leaf == f)
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.1.cmp(a.0.1)))
            .map(|((_, other), _)| (*other).to_owned())
    };
    let list = |m: &HashMap<&str, u64>, with_context: bool| -> Vec<FunctionSample> {
        ranked(m, n)
            .into_iter()
            .map(|(f, c)| FunctionSample {
                function: f.to_owned(),
                samples: c,
                percent: pct(c),
                top_caller: if with_context {
                    most(&callers, f)
                } else {
                    None
                },
                in_function: if with_context { most(&owners, f) } else { None },
            })
            .collect()
    };
    Functions {
        samples: total,
        top_self: list(&selfs, true),
        top_total: list(&totals, false),
        top_own: list(&owns, false),
    }
}

/// The `n` largest counts, ties broken by name so the order is stable.
fn ranked<'a>(m: &HashMap<&'a str, u64>, n: usize) -> Vec<(&'a str, u64)> {
    let mut v: Vec<(&str, u64)> = m.iter().map(|(k, v)| (*k, *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v.truncate(n);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(names: &[&str]) -> Stack {
        clean_stack(names.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn names_lose_their_hash_and_machinery_is_dropped() {
        assert_eq!(clean_name("a::b::h0123456789abcdef"), "a::b");
        assert_eq!(clean_name("a::hello"), "a::hello");
        let s = stack(&[
            "backtrace::backtrace::trace::h0123456789abcdef",
            "pprof::profiler::perf_signal_handler::h0123456789abcdef",
            "__restore_rt",
            "<snapshot_perf::measure::alloc::CountingAlloc as core::alloc::global::GlobalAlloc>::alloc",
            "malloc",
            "snapshot_pipeline::text::clean::h0123456789abcdef",
            "main",
        ]);
        assert_eq!(s, vec!["malloc", "snapshot_pipeline::text::clean", "main"]);
    }

    #[test]
    fn self_goes_to_the_leaf_total_to_every_frame_once() {
        let stacks = vec![
            (stack(&["app::parse_cue", "app::parse", "main"]), 6),
            (
                stack(&["memchr", "app::parse_cue", "app::parse", "main"]),
                3,
            ),
            (stack(&["app::render", "main"]), 1),
            // Recursion counts once for total.
            (stack(&["walk", "walk", "walk", "main"]), 10),
        ];
        let f = top_functions(&stacks, 3, "app::");
        assert_eq!(f.samples, 20);
        assert_eq!(f.top_self.len(), 3);
        assert_eq!(f.top_self[0].function, "walk");
        assert_eq!(f.top_self[0].samples, 10);
        assert!((f.top_self[0].percent - 50.0).abs() < 1e-9);
        assert_eq!(f.top_self[1].function, "app::parse_cue");
        assert_eq!(f.top_self[1].top_caller.as_deref(), Some("app::parse"));
        assert_eq!(f.top_self[0].top_caller.as_deref(), Some("main"));
        // memchr's samples belong to our parse_cue, which called it.
        let memchr = f.top_self.iter().find(|s| s.function == "memchr");
        assert!(memchr.is_none(), "only 3 kept");
        let all = top_functions(&stacks, 10, "app::");
        let memchr = all
            .top_self
            .iter()
            .find(|s| s.function == "memchr")
            .unwrap();
        assert_eq!(memchr.in_function.as_deref(), Some("app::parse_cue"));
        // main is in every sample: left out of the total list.
        assert_eq!(f.top_total[0].function, "walk");
        assert_eq!(f.top_total[0].samples, 10);
        assert_eq!(f.top_total[1].function, "app::parse");
        assert_eq!(f.top_total[1].samples, 9);
        assert_eq!(f.top_total[2].function, "app::parse_cue");
        // Own: innermost app:: frame; parse_cue gets memchr's samples too.
        assert_eq!(f.top_own[0].function, "app::parse_cue");
        assert_eq!(f.top_own[0].samples, 9);
        assert_eq!(f.top_own[1].function, "app::render");
    }

    #[inline(never)]
    fn busy_sampled_function(ms: u64) -> u64 {
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed().as_millis() < u128::from(ms) {
            for i in 0..1000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
        }
        x
    }

    #[test]
    fn samples_a_busy_loop_and_names_it() {
        let sampler = Sampler::start(1000).unwrap();
        std::hint::black_box(busy_sampled_function(300));
        let samples = sampler.finish().unwrap();
        let f = samples.functions(20, "snapshot_perf::");
        assert!(f.samples >= 30, "{} samples in 300 ms at 1 kHz", f.samples);
        assert!(
            f.top_own
                .iter()
                .any(|s| s.function.contains("busy_sampled_function")),
            "{:?}",
            f.top_own
        );
        let mut svg = Vec::new();
        samples.flamegraph(&mut svg).unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("busy_sampled_function"));
    }
}
