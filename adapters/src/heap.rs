//! Giving memory back to the kernel once a flood of connections has closed.
//!
//! Thousands of connections leave their freed buffers scattered between allocations that
//! live on (the runtime's I/O registration pages, grown tables), so the allocator cannot
//! shrink its heap from the top and the process keeps its peak resident size: measured on
//! `p2p turn-server`, 1,000 connections holding 6 KB each left 8.5 MB resident after they
//! closed. glibc's `malloc_trim` returns the free pages in the middle of the heap too.
//! [`Shrinker`] calls it when the number of open connections has fallen to half of its
//! peak, at most once a second.

use std::time::{Duration, Instant};

/// Peaks below this many connections are not worth a trim.
const MIN_PEAK: usize = 64;
/// Least time between two trims.
const INTERVAL: Duration = Duration::from_secs(1);

/// Watches a connection count and trims the heap after it fell.
#[derive(Debug, Clone)]
pub struct Shrinker {
    peak: usize,
    last: Option<Instant>,
}

impl Default for Shrinker {
    fn default() -> Self {
        Self::new()
    }
}

impl Shrinker {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Shrinker {
            peak: 0,
            last: None,
        }
    }

    /// Note that `open` connections are open at `now`; returns whether the heap was trimmed
    /// (the count fell to half of a peak of at least 64).
    pub fn note(&mut self, open: usize, now: Instant) -> bool {
        self.peak = self.peak.max(open);
        let fell = self.peak >= MIN_PEAK && open <= self.peak / 2;
        let due = self.last.is_none_or(|t| now.duration_since(t) >= INTERVAL);
        if !(fell && due) {
            return false;
        }
        trim();
        self.peak = open;
        self.last = Some(now);
        true
    }
}

/// Return the allocator's free pages to the kernel (glibc's `malloc_trim(0)`; nothing
/// elsewhere). Takes about a millisecond per 20 MB of heap.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: `malloc_trim` takes no pointer and only releases memory the allocator holds
    // free; it is thread-safe (it locks each arena).
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_after_the_count_halves_and_not_too_often() {
        let mut s = Shrinker::new();
        let t = Instant::now();
        assert!(!s.note(1000, t));
        assert!(!s.note(600, t));
        assert!(s.note(500, t), "half of the peak");
        assert!(!s.note(10, t), "again within a second");
        assert!(s.note(10, t + INTERVAL), "500 fell to 10");
        assert!(!s.note(40, t + INTERVAL * 3), "small peaks are left alone");
        assert!(!s.note(5, t + INTERVAL * 4));
    }
}
