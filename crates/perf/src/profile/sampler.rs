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
        let mut builder = self.guard.report();
        builder.frames_post_processor(qualify_frames);
        let report = builder.build()?;
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

/// Source folders of this workspace's crates and the crate names they build.
const WORKSPACE_CRATES: [(&str, &str); 3] = [
    ("pipeline", "snapshot_pipeline"),
    ("perf", "snapshot_perf"),
    ("cli", "customer_snapshot"),
];

/// The module path of a source file: `.../crates/pipeline/src/nlp/entities.rs` ->
/// `snapshot_pipeline::nlp::entities`, `/rustc/<hash>/library/core/src/str/pattern.rs` ->
/// `core::str::pattern`, `.../aho-corasick-1.1.4/src/nfa/mod.rs` -> `aho_corasick::nfa`.
pub fn module_of_file(path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    let at = path.rfind("/src/")?;
    let dir = path[..at].rsplit('/').next()?;
    let krate = WORKSPACE_CRATES
        .iter()
        .find(|(d, _)| *d == dir)
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| {
            // Registry folders end in `-<version>`.
            let base = match dir.rsplit_once('-') {
                Some((name, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => name,
                _ => dir,
            };
            base.replace('-', "_")
        });
    let rest = path[at + 5..].trim_end_matches(".rs");
    let mut parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    if matches!(parts.last(), Some(&("mod" | "lib" | "main"))) {
        parts.pop();
    }
    let mut module = krate;
    for p in parts {
        module.push_str("::");
        module.push_str(p);
    }
    Some(module)
}

/// True when a name already carries its path (`a::b::f`, `<a::T as b::Tr>::f`); frames
/// inlined from line tables carry only the bare name (`observe`, `eq<u8, u8>`).
fn is_qualified(name: &str) -> bool {
    name.starts_with('<')
        || name
            .split('<')
            .next()
            .is_some_and(|head| head.contains("::"))
}

/// A frame's readable name: the demangled name without its hash, prefixed with the module of
/// its source file when the debug info gave only the bare name.
pub fn qualified_name(name: &str, file: Option<&str>) -> String {
    let name = clean_name(name);
    if is_qualified(&name) {
        return name;
    }
    match file.and_then(module_of_file) {
        Some(module) => format!("{module}::{name}"),
        None => name,
    }
}

fn qualify_frames(frames: &mut pprof::Frames) {
    for frame in &mut frames.frames {
        for symbol in frame.iter_mut() {
            let file = symbol
                .filename
                .as_ref()
                .map(|f| f.to_string_lossy().into_owned());
            let name = qualified_name(&symbol.name(), file.as_deref());
            symbol.name = Some(name.into_bytes());
        }
    }
}

/// True for frames of the measuring machinery that runs on top of the program's stack: the
/// profiler's signal handler and unwinder, and the counting allocator.
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

/// True for frames of the harness below the pipeline (the workload and the profile loop).
fn is_harness(name: &str) -> bool {
    const PREFIXES: [&str; 5] = [
        "snapshot_perf::profile::workload::",
        "<snapshot_perf::profile::workload::",
        "snapshot_perf::profile::profile",
        "snapshot_perf::profile::allocator_overhead",
        "snapshot_perf::profile::Workload",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Leaf-first names of one sample without the measuring frames. Everything leaf-side of the
/// machinery frame nearest the root is the machinery's own work (the counting allocator's
/// atomics, the unwinder's helpers), so the sample's leaf becomes the frame that called it:
/// the program's allocation, not the counter.
fn clean_stack(names: impl Iterator<Item = String>) -> Stack {
    let names: Vec<String> = names.map(|n| clean_name(&n)).collect();
    let start = names
        .iter()
        .rposition(|n| is_machinery(n))
        .map_or(0, |i| i + 1);
    names
        .into_iter()
        .skip(start)
        .filter(|n| !is_harness(n))
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
    fn bare_inlined_names_get_the_module_of_their_file() {
        assert_eq!(
            module_of_file("/work/x/crates/pipeline/src/nlp/entities.rs").as_deref(),
            Some("snapshot_pipeline::nlp::entities")
        );
        assert_eq!(
            module_of_file("/work/x/crates/pipeline/src/vtt/mod.rs").as_deref(),
            Some("snapshot_pipeline::vtt")
        );
        assert_eq!(
            module_of_file("/rustc/abc/library/core/src/str/pattern.rs").as_deref(),
            Some("core::str::pattern")
        );
        assert_eq!(
            module_of_file("/root/.cargo/registry/src/index-1/aho-corasick-1.1.4/src/nfa/mod.rs")
                .as_deref(),
            Some("aho_corasick::nfa")
        );
        assert_eq!(module_of_file("main.c"), None);
        assert_eq!(
            qualified_name("observe", Some("/w/crates/pipeline/src/nlp/mod.rs")),
            "snapshot_pipeline::nlp::observe"
        );
        assert_eq!(
            qualified_name("eq<u8, u8>", Some("/rustc/h/library/core/src/cmp.rs")),
            "core::cmp::eq<u8, u8>"
        );
        // Already qualified (from the symbol table): kept, hash dropped.
        assert_eq!(
            qualified_name(
                "snapshot_pipeline::vtt::Parser::next_cue::h0123456789abcdef",
                None
            ),
            "snapshot_pipeline::vtt::Parser::next_cue"
        );
        assert_eq!(
            qualified_name(
                "<core::str::pattern::TwoWaySearcher>::next",
                Some("/x/src/y.rs")
            ),
            "<core::str::pattern::TwoWaySearcher>::next"
        );
        assert_eq!(qualified_name("malloc", None), "malloc");
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
        // The counting allocator's atomics, inlined into the allocation, are not the leaf;
        // the harness below the pipeline is left out.
        let s = stack(&[
            "core::sync::atomic::atomic_add<u64, u64>",
            "snapshot_perf::measure::alloc::grew",
            "__rust_alloc",
            "alloc::raw_vec::RawVec::grow_one",
            "snapshot_pipeline::text::sentence::ends_here",
            "snapshot_perf::profile::workload::PipelineWorkload::run",
            "main",
        ]);
        assert_eq!(
            s,
            vec![
                "alloc::raw_vec::RawVec::grow_one",
                "snapshot_pipeline::text::sentence::ends_here",
                "main"
            ]
        );
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
        assert_eq!(f.top_self[2].function, "memchr");
        assert_eq!(f.top_self[2].in_function.as_deref(), Some("app::parse_cue"));
        assert_eq!(f.top_self[1].in_function, None);
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
        // CPU time, not wall time: SIGPROF counts CPU, and a loaded machine stretches wall time.
        let cpu = crate::profile::stages::thread_cpu_time;
        let start = cpu();
        let mut x = 0u64;
        while (cpu() - start).as_millis() < u128::from(ms) {
            // Enough work between clock reads that samples land in this function, not in the
            // clock syscall (itself a `snapshot_perf::` frame, which would win "own" time).
            for i in 0..200_000u64 {
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
        assert!(
            f.samples >= 30,
            "{} samples in 300 ms of CPU at 1 kHz",
            f.samples
        );
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
