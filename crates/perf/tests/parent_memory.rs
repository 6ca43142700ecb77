//! Own test binary (own process) because it grows its process to 200 MB on purpose: Linux
//! hands a parent's peak RSS to its children's `ru_maxrss`, and the measurement must not
//! charge it to the child.

use std::path::Path;

use snapshot_perf::measure::child::run;

#[test]
fn the_parents_memory_is_not_charged_to_the_child() {
    let big = vec![1u8; 200_000_000];
    assert!(
        std::hint::black_box(&big)
            .iter()
            .step_by(4096)
            .all(|b| *b == 1)
    );
    // `sleep` needs about 1 MB; its sampled peak must be its own.
    let m = run(Path::new("sleep"), ["0.1"]).expect("sleep runs");
    assert!(!m.peak_rss_exact, "{m:?}");
    assert!(
        m.peak_rss_bytes > 0 && m.peak_rss_bytes < 50_000_000,
        "{m:?}"
    );
    // A child that outgrows the parent is measured exactly by the kernel.
    let m = run(
        Path::new("dd"),
        ["if=/dev/zero", "of=/dev/null", "bs=300M", "count=1"],
    )
    .expect("dd runs");
    assert!(m.peak_rss_exact && m.peak_rss_bytes > 300_000_000, "{m:?}");
}
