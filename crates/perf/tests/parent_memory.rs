//! Own test binary (own process) because it grows its process to 200 MB on purpose: Linux
//! hands a parent's peak RSS to its children's `ru_maxrss`, and the measurement must not
//! charge it to the child.

use std::path::Path;

use snapshot_perf::measure::child::run;

/// The tests change this process's peak on purpose, so they must not overlap.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_peak_the_parent_has_freed_is_not_charged_to_the_child() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Grow to 200 MB, then free it: the measurement sheds that peak before spawning.
    let big = vec![1u8; 200_000_000];
    assert!(
        std::hint::black_box(&big)
            .iter()
            .step_by(4096)
            .all(|b| *b == 1)
    );
    drop(big);
    let m = run(Path::new("sleep"), ["0.1"]).expect("sleep runs");
    assert!(m.peak_rss_bytes < 50_000_000, "{m:?}");
}

#[test]
fn memory_the_parent_holds_is_not_charged_to_the_child() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
