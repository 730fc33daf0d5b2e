//! Rate limits for repeated log lines: a flood of failed logins, refused connections or
//! exhausted relay ports writes a few lines a second, each carrying the count of the lines
//! suppressed before it, instead of one line per event.
//!
//! Each kind of line (a short static name such as `"auth_failed"`) has a token bucket of
//! `per_second` lines, refilled continuously; a line that finds the bucket empty is counted
//! and not written. The next line written of that kind reports the count, and
//! [`LogLimiter::quiet_kinds`] reports counts left over when a flood stops (call it from a
//! periodic timer).
//!
//! ```
//! use adapters::ratelog::LogLimiter;
//! use std::time::{Duration, Instant};
//! let mut logs = LogLimiter::new(2);
//! let t0 = Instant::now();
//! let written: Vec<_> = (0..10).filter_map(|_| logs.allow("auth_failed", t0)).collect();
//! assert_eq!(written, vec![0, 0]); // two lines, nothing suppressed before them
//! // Half a second later one token is back: the line reports the 8 suppressed meanwhile.
//! assert_eq!(logs.allow("auth_failed", t0 + Duration::from_millis(500)), Some(8));
//! ```

use std::time::{Duration, Instant};

/// How long a kind must stay quiet before [`LogLimiter::quiet_kinds`] reports what it
/// suppressed.
pub const QUIET_AFTER: Duration = Duration::from_secs(1);

/// Kinds tracked at once; a new kind beyond this shares the last slot's bucket.
const MAX_KINDS: usize = 32;

#[derive(Debug, Clone)]
struct Bucket {
    kind: &'static str,
    /// Tokens, in millionths of a line (exact integer refill).
    micro_tokens: u64,
    refilled: Instant,
    /// Lines suppressed since the last one written.
    suppressed: u64,
    /// When a line of this kind was last offered.
    last_seen: Instant,
}

/// Per-kind token buckets for log lines. Not thread-safe: one per task or behind the owner's
/// lock.
#[derive(Debug, Clone)]
pub struct LogLimiter {
    per_second: u32,
    buckets: Vec<Bucket>,
}

impl LogLimiter {
    /// At most `per_second` lines of each kind per second (a burst of that many at once);
    /// 0 for no limit.
    pub fn new(per_second: u32) -> Self {
        LogLimiter {
            per_second,
            buckets: Vec::new(),
        }
    }

    /// The limit (lines per second per kind; 0: none).
    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Whether a line of `kind` may be written at `now`: `Some(n)` with the number of lines
    /// of that kind suppressed since the last one written (write it and include `n`), or
    /// `None` (the line is counted as suppressed).
    pub fn allow(&mut self, kind: &'static str, now: Instant) -> Option<u64> {
        if self.per_second == 0 {
            return Some(0);
        }
        let full = u64::from(self.per_second) * 1_000_000;
        let rate = u64::from(self.per_second);
        let Some(b) = self.bucket(kind, now, full) else {
            return Some(0);
        };
        let elapsed = now.saturating_duration_since(b.refilled);
        let refill = u64::try_from(elapsed.as_micros())
            .unwrap_or(u64::MAX)
            .saturating_mul(rate);
        b.micro_tokens = b.micro_tokens.saturating_add(refill).min(full);
        b.refilled = now;
        b.last_seen = now;
        if b.micro_tokens >= 1_000_000 {
            b.micro_tokens -= 1_000_000;
            Some(std::mem::take(&mut b.suppressed))
        } else {
            b.suppressed += 1;
            None
        }
    }

    /// Kinds that suppressed lines and have been quiet for [`QUIET_AFTER`]: their counts,
    /// reset to zero (log one summary line for each).
    pub fn quiet_kinds(&mut self, now: Instant) -> Vec<(&'static str, u64)> {
        self.buckets
            .iter_mut()
            .filter(|b| {
                b.suppressed > 0 && now.saturating_duration_since(b.last_seen) >= QUIET_AFTER
            })
            .map(|b| (b.kind, std::mem::take(&mut b.suppressed)))
            .collect()
    }

    fn bucket(&mut self, kind: &'static str, now: Instant, full: u64) -> Option<&mut Bucket> {
        let i = match self.buckets.iter().position(|b| b.kind == kind) {
            Some(i) => i,
            None if self.buckets.len() < MAX_KINDS => {
                self.buckets.push(Bucket {
                    kind,
                    micro_tokens: full,
                    refilled: now,
                    suppressed: 0,
                    last_seen: now,
                });
                self.buckets.len() - 1
            }
            None => self.buckets.len().saturating_sub(1),
        };
        self.buckets.get_mut(i)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_flood_writes_the_rate_and_counts_the_rest() {
        let mut l = LogLimiter::new(10);
        let t0 = Instant::now();
        let mut written = 0;
        let mut reported = 0;
        // 100,000 events over 10 s, evenly spread.
        for i in 0..100_000u64 {
            let now = t0 + Duration::from_micros(i * 100);
            if let Some(n) = l.allow("auth_failed", now) {
                written += 1;
                reported += n;
            }
        }
        // A burst of 10, then 10 a second for 10 s.
        assert!((100..=111).contains(&written), "{written}");
        let end = t0 + Duration::from_secs(10);
        let left: u64 = l.quiet_kinds(end + QUIET_AFTER).iter().map(|k| k.1).sum();
        assert_eq!(written + reported + left, 100_000);
        assert!(l.quiet_kinds(end + QUIET_AFTER * 2).is_empty());
    }

    #[test]
    fn kinds_are_limited_separately_and_zero_means_no_limit() {
        let mut l = LogLimiter::new(1);
        let t = Instant::now();
        assert_eq!(l.allow("a", t), Some(0));
        assert_eq!(l.allow("a", t), None);
        assert_eq!(l.allow("b", t), Some(0));
        assert!(l.quiet_kinds(t).is_empty(), "not quiet yet");
        let mut open = LogLimiter::new(0);
        assert!((0..1000).all(|_| open.allow("a", t) == Some(0)));
    }

    #[test]
    fn many_kinds_stay_bounded() {
        let mut l = LogLimiter::new(1);
        let t = Instant::now();
        let names: Vec<&'static str> = (0..100)
            .map(|i| &*Box::leak(format!("k{i}").into_boxed_str()))
            .collect();
        for n in &names {
            let _ = l.allow(n, t);
        }
        assert!(l.buckets.len() <= MAX_KINDS);
    }
}
