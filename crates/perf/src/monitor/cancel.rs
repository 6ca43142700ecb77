//! The cancellation token that stops the collector thread promptly: a flag behind a mutex with a
//! condvar, so a sleeping collector wakes the moment it is cancelled instead of at the end of a
//! long interval.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A cloneable, thread-safe "stop now" flag with an interruptible sleep.
#[derive(Debug, Clone, Default)]
pub struct CancellationToken {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl CancellationToken {
    /// A fresh, not-yet-cancelled token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the token and wakes every thread sleeping on it. Idempotent.
    pub fn cancel(&self) {
        let (flag, cvar) = &*self.inner;
        // A poisoned lock only means another thread panicked while holding it; the bool is
        // still meaningful, so cancelling must not be lost to it.
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        cvar.notify_all();
    }

    /// True once [`cancel`](Self::cancel) has been called.
    pub fn is_cancelled(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `timeout` or until cancelled, whichever comes first. Returns true when
    /// cancelled.
    pub fn sleep(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (flag, cvar) = &*self.inner;
        let mut cancelled = flag.lock().unwrap_or_else(PoisonError::into_inner);
        // Loop because condvars wake spuriously.
        while !*cancelled {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            cancelled = cvar
                .wait_timeout(cancelled, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn sleep_runs_full_time_when_not_cancelled() {
        let token = CancellationToken::new();
        let start = Instant::now();
        assert!(!token.sleep(Duration::from_millis(50)));
        assert!(start.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn cancel_wakes_a_long_sleep_promptly() {
        let token = CancellationToken::new();
        let sleeper = token.clone();
        let start = Instant::now();
        let handle = thread::spawn(move || sleeper.sleep(Duration::from_secs(60)));
        thread::sleep(Duration::from_millis(30));
        token.cancel();
        assert!(handle.join().expect("sleeper thread panicked"));
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(token.is_cancelled());
        // Already cancelled: returns at once.
        assert!(token.sleep(Duration::from_secs(60)));
    }
}
