//! Per-allocation bandwidth cap (a token bucket) and the allocation quotas' bookkeeping.

use core::time::Duration;
use sansio::Instant;

/// A bandwidth limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BandwidthCap {
    /// Sustained rate, in bytes per second, both directions of one allocation together.
    pub bytes_per_sec: u32,
    /// Burst the bucket holds, in bytes (at least one datagram: 64 KiB is generous).
    pub burst_bytes: u32,
}

/// A token bucket refilled lazily on use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TokenBucket {
    tokens: u64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(now: Instant, limit: Option<BandwidthCap>) -> Self {
        TokenBucket {
            tokens: limit.map_or(0, |l| u64::from(l.burst_bytes)),
            last: now,
        }
    }

    /// Take `bytes` tokens if there are enough; `true` when the datagram may pass.
    pub(crate) fn take(&mut self, now: Instant, bytes: usize, limit: Option<BandwidthCap>) -> bool {
        let Some(limit) = limit else { return true };
        let elapsed = now.saturating_duration_since(self.last);
        if elapsed > Duration::ZERO {
            let add = u128::from(limit.bytes_per_sec) * elapsed.as_micros() / 1_000_000;
            let add = u64::try_from(add).unwrap_or(u64::MAX);
            self.tokens = self
                .tokens
                .saturating_add(add)
                .min(u64::from(limit.burst_bytes));
            self.last = now;
        }
        let need = bytes as u64;
        if self.tokens >= need {
            self.tokens -= need;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_limits_rate_and_refills() {
        let bw = Some(BandwidthCap {
            bytes_per_sec: 10_000,
            burst_bytes: 3_000,
        });
        let t0 = Instant::from_secs(1);
        let mut b = TokenBucket::new(t0, bw);
        assert!(b.take(t0, 1_500, bw));
        assert!(b.take(t0, 1_500, bw));
        assert!(!b.take(t0, 1, bw));
        // 100 ms later: 1000 bytes more.
        let t1 = t0 + Duration::from_millis(100);
        assert!(!b.take(t1, 1_001, bw));
        assert!(b.take(t1, 1_000, bw));
        // Never more than the burst.
        let t2 = t1 + Duration::from_secs(60);
        assert!(b.take(t2, 3_000, bw));
        assert!(!b.take(t2, 1, bw));
        let mut open = TokenBucket::new(t0, None);
        assert!(open.take(t0, 1 << 20, None));
    }
}
