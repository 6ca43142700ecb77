//! Findings: rules over measured profiles. Each finding names the stage or function, the number
//! that tripped the rule and its threshold, and a suggestion chosen from what the data shows
//! (which function is hot in the stage, what kind of function it is), never a fixed text.
//!
//! The rules (issue 6): a stage over 10 % of the time; a function over 5 % of self samples; a
//! stage below the target MB/s; more than 1 GB/s allocated or more than 2 allocations per input
//! byte in a stage; time growing faster than 1.2 x the input between two sizes; heap growing by
//! more than 1 MB per 10 MB of input.

use serde::{Deserialize, Serialize};

use super::report::{FunctionSample, MemoryGrowth, SizeProfile, StageProfile};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A stage takes more than its share of the time.
    StageShare,
    /// A function is executing in more than its share of the samples.
    FunctionSelfTime,
    /// A stage processes its input slower than the target.
    StageThroughput,
    /// A stage allocates too many bytes per second.
    AllocationRate,
    /// A stage allocates too often per byte of input.
    AllocationsPerByte,
    /// Time grows faster than the input between two sizes.
    SuperLinear,
    /// The heap grows with the input.
    HeapGrowth,
    /// The AI stage's API calls take longer than the local pipeline on the same input.
    ApiLatency,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule that fired.
    pub kind: FindingKind,
    /// The stage or function concerned.
    pub subject: String,
    /// The input it was seen on (absent for findings across sizes).
    pub input: Option<String>,
    /// The measured number.
    pub value: f64,
    /// The rule's threshold, in the same unit.
    pub threshold: f64,
    /// Unit of `value` and `threshold`.
    pub unit: String,
    /// What was seen, in a sentence.
    pub message: String,
    /// What to do about it.
    pub suggestion: String,
}

/// Rule thresholds (the defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// A stage above this share of wall time (0..1).
    pub stage_share: f64,
    /// A function above this percent of self samples.
    pub function_self_percent: f64,
    /// A stage below this throughput (MB/s of its input).
    pub target_mb_per_s: f64,
    /// A stage allocating more than this many bytes per second.
    pub allocation_bytes_per_s: f64,
    /// A stage making more than this many allocations per input byte.
    pub allocations_per_byte: f64,
    /// Time ratio above this multiple of the size ratio is super-linear.
    pub super_linear_factor: f64,
    /// Heap growth above this many bytes per input MB (1 MB per 10 MB).
    pub heap_growth_bytes_per_mb: f64,
    /// Stages faster than this are too short to judge throughput or allocation rate by.
    pub min_stage_seconds: f64,
    /// Stages faster than this on the larger input are too short to judge scaling by: a few
    /// milliseconds of CPU move by tens of percent with the machine's load.
    pub min_scaling_seconds: f64,
    /// Fewer samples than this are too few to rank functions.
    pub min_samples: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            stage_share: 0.10,
            function_self_percent: 5.0,
            target_mb_per_s: 100.0,
            allocation_bytes_per_s: 1e9,
            allocations_per_byte: 2.0,
            super_linear_factor: 1.2,
            heap_growth_bytes_per_mb: 100_000.0,
            min_stage_seconds: 0.001,
            min_scaling_seconds: 0.02,
            min_samples: 20,
        }
    }
}

/// The pipeline module whose functions run in a stage (for naming a stage's hot function).
fn stage_module(stage: &str) -> Option<&'static str> {
    Some(match stage {
        "parse" => "snapshot_pipeline::vtt",
        "utterances" => "snapshot_pipeline::utterance",
        "sentences" => "snapshot_pipeline::text",
        "entities" | "topics" => "snapshot_pipeline::nlp",
        "render" => "snapshot_pipeline::render",
        _ => return None,
    })
}

/// The function with the most self samples inside the stage's module, if the profiler saw one.
fn hot_function_in<'a>(size: &'a SizeProfile, stage: &str) -> Option<&'a FunctionSample> {
    let module = stage_module(stage)?;
    let mine = |f: &&FunctionSample| f.function.contains(module);
    let f = &size.functions;
    f.top_own
        .iter()
        .find(mine)
        .or_else(|| f.top_self.iter().find(mine))
        .or_else(|| f.top_total.iter().find(mine))
}

/// Advice for a hot function, by what kind of work its name shows.
pub fn function_advice(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    let has = |keys: &[&str]| keys.iter().any(|k| n.contains(k));
    if has(&["aho_corasick"]) {
        "the automaton is already aho-corasick: run it once per text for all needles instead of \
         once per needle set, and prefer the DFA kind (AhoCorasickKind::DFA) for short needles"
            .into()
    } else if has(&["regex"]) {
        "a regex runs in the hot path: match literal needles with memchr or one aho-corasick \
         automaton built once, or at least compile the regex once outside the loop"
            .into()
    } else if has(&[
        "malloc",
        "free",
        "realloc",
        "rawvec",
        "raw_vec",
        "alloc::alloc",
        "_int_",
        "cfree",
        "grow_one",
        "reserve",
    ]) {
        "allocation in a loop: reuse a buffer (clear() and refill), pre-size with with_capacity, \
         and borrow &str instead of building a String per item"
            .into()
    } else if has(&[
        "to_lowercase",
        "tolowercase",
        "to_uppercase",
        "to_ascii_lowercase",
        "to_ascii_uppercase",
    ]) {
        "case folding allocates per call: compare with eq_ignore_ascii_case, or lower-case once \
         per token into a reused buffer"
            .into()
    } else if has(&["hash", "sip", "hashbrown"]) {
        "hashing in the hot path: use a faster hasher for short keys (FxHash), look up by &str \
         without building a key, or avoid the lookup for tokens that cannot match"
            .into()
    } else if has(&["fmt", "format", "write_fmt", "display"]) {
        "formatting machinery in the hot path: write bytes directly with write_all, and format \
         numbers with a specialised routine instead of format!"
            .into()
    } else if has(&[
        "memcpy",
        "memmove",
        "clone",
        "to_string",
        "to_owned",
        "to_vec",
    ]) {
        "copying in the hot path: borrow slices instead of cloning, or move the buffer".into()
    } else if has(&["utf8", "chars", "char_indices", "decode", "next_code_point"]) {
        "per-character UTF-8 decoding: scan bytes with an ASCII fast path (memchr for the \
         delimiter) and decode only the rare non-ASCII runs"
            .into()
    } else if has(&[
        "contains",
        "find",
        "starts_with",
        "ends_with",
        "pattern",
        "memchr",
        "split",
    ]) {
        "substring search per item: search all needles in one pass with one aho-corasick \
         automaton built once, or dispatch on the first byte"
            .into()
    } else if has(&["sort"]) {
        "sorting in the hot path: sort once at the end, or keep a bounded heap for a top-k".into()
    } else {
        "the function's own loop is hot: open it in the flamegraph, cut the work per byte in its \
         inner loop and hoist what does not change out of it"
            .into()
    }
}

/// Advice for a high allocation rate, by the average size of an allocation.
fn allocation_rate_advice(stage: &StageProfile) -> String {
    let calls = stage.allocations.unwrap_or(0).max(1);
    let avg = stage.allocated_bytes.unwrap_or(0) / calls;
    if avg >= 4096 {
        format!(
            "large buffers (about {avg} bytes each) are allocated and freed in a loop: keep one \
             buffer for the run and reuse it (clear() keeps the capacity), or size it once with \
             with_capacity"
        )
    } else {
        format!(
            "many small allocations (about {avg} bytes each, {:.1} per input KB): build strings \
             in a reused buffer, borrow &str slices of the input instead of copying them, and \
             keep per-item Vecs across items",
            stage.allocations_per_input_byte().unwrap_or(0.0) * 1000.0
        )
    }
}

fn advice_for_stage(size: &SizeProfile, stage: &StageProfile, t: &Thresholds) -> String {
    if stage.allocations_per_input_byte().unwrap_or(0.0) > t.allocations_per_byte / 4.0 {
        let per_byte = stage.allocations_per_input_byte().unwrap_or(0.0);
        return format!(
            "it allocates {per_byte:.2} times per input byte: reuse buffers across items \
             (clear() and refill) and borrow instead of building Strings"
        );
    }
    match hot_function_in(size, &stage.stage) {
        Some(f) => format!(
            "its hottest function is {} ({:.1} % of samples): {}",
            f.function,
            f.percent,
            function_advice(&f.function)
        ),
        None => match stage.stage.as_str() {
            "write" => "output is slow: check the output device, and write in large blocks \
                        (the pipeline buffers 64 KiB)"
                .into(),
            _ => "the profiler did not catch its functions by name: open the flamegraph at \
                  this stage's module and look at the widest frame"
                .into(),
        },
    }
}

/// Findings on one input.
pub fn size_findings(size: &SizeProfile, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    let input = Some(size.label.clone());
    for stage in &size.stages {
        if stage.share > t.stage_share {
            out.push(Finding {
                kind: FindingKind::StageShare,
                subject: stage.stage.clone(),
                input: input.clone(),
                value: 100.0 * stage.share,
                threshold: 100.0 * t.stage_share,
                unit: "% of CPU time".into(),
                message: format!(
                    "stage {} takes {:.1} % of the time ({:.3} s CPU per run)",
                    stage.stage,
                    100.0 * stage.share,
                    stage.cpu_seconds
                ),
                suggestion: advice_for_stage(size, stage, t),
            });
        }
        if let Some(mbs) = stage.throughput_mb_per_s
            && mbs < t.target_mb_per_s
            && stage.cpu_seconds >= t.min_stage_seconds
        {
            out.push(Finding {
                kind: FindingKind::StageThroughput,
                subject: stage.stage.clone(),
                input: input.clone(),
                value: mbs,
                threshold: t.target_mb_per_s,
                unit: "MB/s".into(),
                message: format!(
                    "stage {} runs at {mbs:.1} MB/s of its input, {:.1}x below the {:.0} MB/s target",
                    stage.stage,
                    t.target_mb_per_s / mbs.max(f64::MIN_POSITIVE),
                    t.target_mb_per_s
                ),
                suggestion: advice_for_stage(size, stage, t),
            });
        }
        if let Some(rate) = stage.allocation_rate_bytes_per_s()
            && rate > t.allocation_bytes_per_s
            && stage.cpu_seconds >= t.min_stage_seconds
        {
            out.push(Finding {
                kind: FindingKind::AllocationRate,
                subject: stage.stage.clone(),
                input: input.clone(),
                value: rate / 1e9,
                threshold: t.allocation_bytes_per_s / 1e9,
                unit: "GB/s allocated".into(),
                message: format!(
                    "stage {} allocates {:.2} GB/s ({} calls, {} bytes per run)",
                    stage.stage,
                    rate / 1e9,
                    stage.allocations.unwrap_or(0),
                    stage.allocated_bytes.unwrap_or(0)
                ),
                suggestion: allocation_rate_advice(stage),
            });
        }
        if let Some(per_byte) = stage.allocations_per_input_byte()
            && per_byte > t.allocations_per_byte
        {
            out.push(Finding {
                kind: FindingKind::AllocationsPerByte,
                subject: stage.stage.clone(),
                input: input.clone(),
                value: per_byte,
                threshold: t.allocations_per_byte,
                unit: "allocations per input byte".into(),
                message: format!(
                    "stage {} makes {per_byte:.2} allocations per input byte ({} per run)",
                    stage.stage,
                    stage.allocations.unwrap_or(0)
                ),
                suggestion: "allocations in a loop: reuse a buffer per item (clear() and \
                             refill), intern repeated strings, and pass &str instead of String"
                    .into(),
            });
        }
    }
    if size.functions.samples >= t.min_samples {
        for f in &size.functions.top_self {
            if f.percent > t.function_self_percent {
                let caller = match (&f.in_function, &f.top_caller) {
                    (Some(own), _) => format!(", mostly on behalf of {own}"),
                    (None, Some(c)) => format!(", called mostly from {c}"),
                    (None, None) => String::new(),
                };
                let advice = function_advice(&f.function);
                let suggestion = match &f.in_function {
                    Some(own) => format!("in {own}: {advice}"),
                    None => advice,
                };
                out.push(Finding {
                    kind: FindingKind::FunctionSelfTime,
                    subject: f.function.clone(),
                    input: input.clone(),
                    value: f.percent,
                    threshold: t.function_self_percent,
                    unit: "% of self samples".into(),
                    message: format!(
                        "{} executes in {:.1} % of the samples{caller}",
                        f.function, f.percent
                    ),
                    suggestion,
                });
            }
        }
    }
    out
}

/// Findings across sizes: super-linear scaling between consecutive sizes, and heap growth.
pub fn cross_size_findings(
    sizes: &[SizeProfile],
    growth: &MemoryGrowth,
    t: &Thresholds,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut sorted: Vec<&SizeProfile> = sizes.iter().collect();
    sorted.sort_by_key(|s| s.input_bytes);
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.input_bytes == 0 {
            continue;
        }
        let size_ratio = b.input_bytes as f64 / a.input_bytes as f64;
        // Sizes that barely differ cannot show a trend above timer noise.
        if size_ratio < 1.5 {
            continue;
        }
        let mut check = |subject: &str, ta: f64, tb: f64| {
            if ta <= 0.0 || tb < t.min_scaling_seconds {
                return;
            }
            let time_ratio = tb / ta;
            if time_ratio > t.super_linear_factor * size_ratio {
                out.push(Finding {
                    kind: FindingKind::SuperLinear,
                    subject: subject.to_owned(),
                    input: None,
                    value: time_ratio / size_ratio,
                    threshold: t.super_linear_factor,
                    unit: "time ratio / size ratio".into(),
                    message: format!(
                        "{subject}: {} -> {} is {size_ratio:.1}x the input but {time_ratio:.1}x \
                         the CPU time ({ta:.4} s -> {tb:.4} s)",
                        a.label, b.label
                    ),
                    suggestion: "look for a quadratic structure: a Vec searched or shifted per \
                                 item (contains, remove(0), insert(0)), a string rebuilt from the \
                                 start, a collection that is never cleared between items, or a \
                                 rescan from the beginning on every batch"
                        .into(),
                });
            }
        };
        // CPU time: wall time on a shared machine grows with the load, not with the input.
        check("pipeline", a.cpu_seconds, b.cpu_seconds);
        for sb in &b.stages {
            if let Some(sa) = a.stages.iter().find(|s| s.stage == sb.stage) {
                check(&sb.stage, sa.cpu_seconds, sb.cpu_seconds);
            }
        }
    }
    if let Some(slope) = growth.heap_growth_bytes_per_input_mb
        && slope > t.heap_growth_bytes_per_mb
    {
        let (first, last) = (sorted.first(), sorted.last());
        let grower = match (first, last) {
            (Some(a), Some(b)) => b
                .stages
                .iter()
                .filter_map(|sb| {
                    let sa = a.stages.iter().find(|s| s.stage == sb.stage)?;
                    let d = sb.peak_heap_bytes?.saturating_sub(sa.peak_heap_bytes?);
                    Some((sb.stage.as_str(), d))
                })
                .max_by_key(|(_, d)| *d)
                .filter(|(_, d)| *d > 0),
            _ => None,
        };
        let where_ = grower
            .map(|(s, d)| {
                format!(
                    "; the stage whose peak heap grew most is {s} (+{:.1} MB)",
                    d as f64 / 1e6
                )
            })
            .unwrap_or_default();
        out.push(Finding {
            kind: FindingKind::HeapGrowth,
            subject: grower.map_or("pipeline", |(s, _)| s).to_owned(),
            input: None,
            value: slope * 10.0 / 1e6,
            threshold: t.heap_growth_bytes_per_mb * 10.0 / 1e6,
            unit: "MB of heap per 10 MB of input".into(),
            message: format!(
                "the heap grows by {:.2} MB per 10 MB of input{where_}",
                slope * 10.0 / 1e6
            ),
            suggestion: "state grows with the input: stream items through instead of collecting \
                         them, and keep per-run maps bounded by the vocabulary (counts, not \
                         copies of every sentence)"
                .into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::report::Functions;
    use crate::profile::report::fixtures::{self, size};

    fn stage(
        name: &str,
        wall: f64,
        share: f64,
        bytes_in: u64,
        allocs: u64,
        abytes: u64,
    ) -> StageProfile {
        StageProfile {
            share,
            allocated_bytes: Some(abytes),
            ..fixtures::stage(name, wall, bytes_in, allocs)
        }
    }

    fn sample(f: &str, pct: f64) -> FunctionSample {
        FunctionSample {
            function: f.into(),
            samples: (pct * 10.0) as u64,
            percent: pct,
            top_caller: Some("snapshot_pipeline::pipeline::analyze".into()),
            in_function: None,
        }
    }

    fn kinds(f: &[Finding]) -> Vec<(FindingKind, &str)> {
        f.iter().map(|f| (f.kind, f.subject.as_str())).collect()
    }

    #[test]
    fn a_balanced_fast_lean_profile_has_no_findings() {
        // Ten stages at 10 % each (not over), 500 MB/s, 0.01 allocations per byte.
        let stages = (0..10)
            .map(|i| {
                stage(
                    ["parse", "render"][i % 2],
                    0.001,
                    0.10,
                    500_000,
                    5_000,
                    50_000,
                )
            })
            .collect();
        let s = size("1MB", 1_000_000, 0.01, stages);
        assert!(size_findings(&s, &Thresholds::default()).is_empty());
    }

    #[test]
    fn stage_share_names_the_hot_function_of_that_stage() {
        let mut s = size(
            "10MB",
            10_000_000,
            1.0,
            vec![
                stage("parse", 0.02, 0.02, 10_000_000, 10, 1000),
                stage("entities", 0.8, 0.8, 9_000_000, 10, 1000),
            ],
        );
        s.functions = Functions {
            samples: 1000,
            top_self: vec![
                sample("snapshot_pipeline::vtt::Parser::next_cue", 2.0),
                sample(
                    "snapshot_pipeline::nlp::gazetteer::Gazetteer::find_regex",
                    40.0,
                ),
            ],
            top_total: vec![],
            top_own: vec![],
        };
        let f = size_findings(&s, &Thresholds::default());
        let share = f
            .iter()
            .find(|f| f.kind == FindingKind::StageShare)
            .unwrap();
        assert_eq!(share.subject, "entities");
        assert!((share.value - 80.0).abs() < 1e-9);
        assert!(
            share.suggestion.contains("find_regex"),
            "{}",
            share.suggestion
        );
        assert!(
            share.suggestion.contains("aho-corasick"),
            "{}",
            share.suggestion
        );
        // 9 MB in 0.8 s = 11 MB/s: below target. Parse at 500 MB/s is not.
        assert!(kinds(&f).contains(&(FindingKind::StageThroughput, "entities")));
        assert!(!kinds(&f).contains(&(FindingKind::StageThroughput, "parse")));
        // The 40 % function is a finding; the 2 % one is not.
        let func = f
            .iter()
            .find(|f| f.kind == FindingKind::FunctionSelfTime)
            .unwrap();
        assert!(func.subject.ends_with("find_regex"));
        assert!(
            func.message
                .contains("called mostly from snapshot_pipeline::pipeline::analyze")
        );
        assert_eq!(
            f.iter()
                .filter(|f| f.kind == FindingKind::FunctionSelfTime)
                .count(),
            1
        );
    }

    #[test]
    fn allocation_rules_fire_on_rate_and_per_byte() {
        let s = size(
            "1MB",
            1_000_000,
            0.1,
            vec![
                // 3 allocations per byte.
                stage("utterances", 0.01, 0.05, 1_000_000, 3_000_000, 50_000_000),
                // 2 GB/s allocated, few calls.
                stage("render", 0.01, 0.05, 1_000_000, 100, 20_000_000),
            ],
        );
        let f = size_findings(&s, &Thresholds::default());
        let k = kinds(&f);
        assert!(k.contains(&(FindingKind::AllocationsPerByte, "utterances")));
        assert!(k.contains(&(FindingKind::AllocationRate, "render")));
        assert!(!k.contains(&(FindingKind::AllocationsPerByte, "render")));
        let per_byte = f
            .iter()
            .find(|f| f.kind == FindingKind::AllocationsPerByte)
            .unwrap();
        assert!((per_byte.value - 3.0).abs() < 1e-9);
        assert!(per_byte.suggestion.contains("reuse a buffer"));
        // 100 calls for 20 MB: large buffers, so the advice is about reusing one.
        let rate = |subject: &str| {
            f.iter()
                .find(|f| f.kind == FindingKind::AllocationRate && f.subject == subject)
                .unwrap()
                .suggestion
                .clone()
        };
        assert!(rate("render").starts_with("large buffers (about 200000 bytes"));
        // 3 million calls for 50 MB: small ones, so the advice is about fewer of them.
        assert!(rate("utterances").starts_with("many small allocations (about 16 bytes"));
    }

    #[test]
    fn function_advice_depends_on_the_kind_of_function() {
        assert!(function_advice("regex_automata::meta::Regex::search").contains("memchr"));
        assert!(function_advice("malloc").contains("reuse a buffer"));
        assert!(
            function_advice("alloc::raw_vec::current_memory<alloc::alloc::Global>")
                .contains("reuse a buffer")
        );
        assert!(
            function_advice("core::str::validations::next_code_point<core::slice::iter::Iter<u8>>")
                .contains("ASCII fast path")
        );
        assert!(
            function_advice(
                "core::iter::adapters::map::{closure#0}<char, core::char::ToLowercase>"
            )
            .contains("eq_ignore_ascii_case")
        );
        assert!(function_advice("aho_corasick::nfa::contiguous::next_state").contains("DFA"));
        assert!(
            function_advice("alloc::str::<impl str>::to_lowercase")
                .contains("eq_ignore_ascii_case")
        );
        assert!(function_advice("core::hash::sip::Hasher::write").contains("FxHash"));
        assert!(function_advice("snapshot_pipeline::text::split").contains("aho-corasick"));
        assert!(function_advice("snapshot_pipeline::nlp::score").contains("inner loop"));
    }

    #[test]
    fn too_few_samples_rank_no_functions() {
        let mut s = size("1MB", 1_000_000, 0.001, vec![]);
        s.functions = Functions {
            samples: 5,
            top_self: vec![sample("f", 60.0)],
            top_total: vec![],
            top_own: vec![],
        };
        assert!(size_findings(&s, &Thresholds::default()).is_empty());
    }

    #[test]
    fn super_linear_scaling_is_found_and_linear_is_not() {
        let small = size(
            "1MB",
            1_000_000,
            0.010,
            vec![
                stage("parse", 0.004, 0.4, 1_000_000, 0, 0),
                stage("topics", 0.004, 0.4, 0, 0, 0),
                stage("write", 0.0003, 0.03, 1_000, 0, 0),
            ],
        );
        // 10x the input: parse 10x the time (linear), topics 40x (quadratic-looking).
        let big = size(
            "10MB",
            10_000_000,
            0.200,
            vec![
                stage("parse", 0.040, 0.2, 10_000_000, 0, 0),
                stage("topics", 0.160, 0.8, 0, 0, 0),
                // 14x, but 4 ms is too short to tell a trend from the machine's load.
                stage("write", 0.0042, 0.02, 10_000, 0, 0),
            ],
        );
        let f = cross_size_findings(
            &[big, small],
            &MemoryGrowth::default(),
            &Thresholds::default(),
        );
        let k = kinds(&f);
        assert!(k.contains(&(FindingKind::SuperLinear, "topics")), "{k:?}");
        assert!(k.contains(&(FindingKind::SuperLinear, "pipeline")), "{k:?}");
        assert!(!k.contains(&(FindingKind::SuperLinear, "parse")), "{k:?}");
        assert!(!k.contains(&(FindingKind::SuperLinear, "write")), "{k:?}");
        let t = f.iter().find(|f| f.subject == "topics").unwrap();
        assert!((t.value - 4.0).abs() < 1e-9);
        assert!(t.suggestion.contains("quadratic"));
    }

    #[test]
    fn heap_growth_over_one_mb_per_ten_mb_is_a_finding() {
        let mut small = size(
            "1MB",
            1_000_000,
            0.01,
            vec![stage("entities", 0.005, 0.5, 1, 0, 0)],
        );
        let mut big = size(
            "10MB",
            10_000_000,
            0.1,
            vec![stage("entities", 0.05, 0.5, 1, 0, 0)],
        );
        small.stages[0].peak_heap_bytes = Some(2_000_000);
        big.stages[0].peak_heap_bytes = Some(20_000_000);
        let flat = MemoryGrowth {
            heap_growth_bytes_per_input_mb: Some(50_000.0),
            rss_growth_bytes_per_input_mb: None,
        };
        let t = Thresholds::default();
        assert!(
            cross_size_findings(&[small.clone(), big.clone()], &flat, &t)
                .iter()
                .all(|f| f.kind != FindingKind::HeapGrowth)
        );
        let growing = MemoryGrowth {
            heap_growth_bytes_per_input_mb: Some(2_000_000.0),
            rss_growth_bytes_per_input_mb: None,
        };
        let f = cross_size_findings(&[small, big], &growing, &t);
        let h = f
            .iter()
            .find(|f| f.kind == FindingKind::HeapGrowth)
            .unwrap();
        assert_eq!(h.subject, "entities");
        assert!((h.value - 20.0).abs() < 1e-9, "{}", h.value);
        assert!(h.message.contains("+18.0 MB"), "{}", h.message);
    }
}
