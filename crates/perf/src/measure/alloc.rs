//! A counting global allocator: [`std::alloc::System`] plus relaxed atomic counters (calls, bytes,
//! live bytes, peak live bytes), so `optimize` can attribute allocations and heap to stages.
//!
//! The binary installs it with `#[global_allocator]`; counting is off until [`set_counting`]
//! turns it on, so runs that are not being profiled pay one relaxed load per call. Counters are
//! process-wide (every thread adds to them); the pipeline runs on one thread, which is what makes
//! a stage's delta that stage's own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// The counting allocator. Install with `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

#[inline]
fn grew(by: usize) {
    CALLS.fetch_add(1, Relaxed);
    BYTES.fetch_add(by as u64, Relaxed);
    let live = LIVE.fetch_add(by as u64, Relaxed) + by as u64;
    PEAK.fetch_max(live, Relaxed);
}

#[inline]
fn shrank(by: usize) {
    // Saturating: memory allocated before counting started may be freed while it runs.
    let _ = LIVE.fetch_update(Relaxed, Relaxed, |v| Some(v.saturating_sub(by as u64)));
}

// SAFETY: every call is forwarded unchanged to `System`; the counters never affect the result.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Relaxed) {
            shrank(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            // A realloc is one allocation call of the new size; live bytes move by the difference.
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocSnapshot {
    /// Allocation calls (alloc, alloc_zeroed, realloc) since counting began.
    pub allocations: u64,
    /// Bytes requested by those calls.
    pub bytes: u64,
    /// Bytes live now (allocated while counting and not yet freed).
    pub live_bytes: u64,
    /// Highest live bytes since the last [`reset_peak`].
    pub peak_live_bytes: u64,
}

/// Reads the counters.
pub fn snapshot() -> AllocSnapshot {
    AllocSnapshot {
        allocations: CALLS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
        live_bytes: LIVE.load(Relaxed),
        peak_live_bytes: PEAK.load(Relaxed),
    }
}

/// Starts a new peak window: the peak becomes the current live bytes.
pub fn reset_peak() {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

/// Turns counting on or off (off by default). Returns the previous state.
pub fn set_counting(on: bool) -> bool {
    COUNTING.swap(on, Relaxed)
}

/// True when the counting allocator is this process's global allocator and counting is on:
/// checked by allocating and seeing the counter move.
pub fn is_counting() -> bool {
    if !COUNTING.load(Relaxed) {
        return false;
    }
    let before = CALLS.load(Relaxed);
    let probe = std::hint::black_box(Box::new([0u8; 64]));
    drop(probe);
    CALLS.load(Relaxed) > before
}

#[cfg(test)]
#[global_allocator]
static TEST_ALLOC: CountingAlloc = CountingAlloc;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Tests that read the process-wide counters take this lock so they do not see each other.
    pub(crate) static COUNTERS: Mutex<()> = Mutex::new(());

    #[test]
    fn counts_allocations_bytes_and_peak() {
        let _guard = COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
        set_counting(true);
        assert!(is_counting());
        reset_peak();
        let before = snapshot();
        let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(1 << 20));
        let during = snapshot();
        drop(v);
        set_counting(false);
        // Other test threads may allocate too, so bound from below only.
        assert!(during.allocations > before.allocations);
        assert!(during.bytes - before.bytes >= 1 << 20);
        assert!(during.peak_live_bytes >= before.live_bytes + (1 << 20));
    }

    #[test]
    fn off_means_not_counting() {
        let _guard = COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
        set_counting(false);
        assert!(!is_counting());
        let before = snapshot().allocations;
        let v: Vec<u8> = std::hint::black_box(Vec::with_capacity(4096));
        drop(v);
        assert_eq!(snapshot().allocations, before);
    }
}
