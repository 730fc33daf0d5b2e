//! The RTCP transmission interval (RFC 3550 §6.3.1 and A.7).

use core::time::Duration;
use sansio::Entropy;

/// IP + UDP overhead counted in the average RTCP packet size (RFC 3550 §6.2).
pub const UDP_IP_OVERHEAD: u32 = 28;

/// Inputs of the interval computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntervalInputs {
    /// Session members, us included.
    pub members: u32,
    /// Members that sent RTP recently, us included if we did.
    pub senders: u32,
    /// Whether we sent RTP recently.
    pub we_sent: bool,
    /// Session bandwidth in bits per second (RTCP gets 5 % of it).
    pub session_bandwidth: u32,
    /// Average compound RTCP size in bytes, UDP/IP overhead included.
    pub avg_rtcp_size: u32,
    /// Whether we have not sent RTCP yet (halves the minimum).
    pub initial: bool,
    /// Minimum interval (5 s in RFC 3550; may be reduced, §6.2).
    pub min_interval: Duration,
}

/// The deterministic interval `Td` (before randomisation).
pub fn deterministic(i: &IntervalInputs) -> Duration {
    let rtcp_bw = u64::from(i.session_bandwidth / 8 * 5 / 100).max(1); // bytes/s
    let (n, bw) = if u64::from(i.senders) * 4 <= u64::from(i.members) {
        if i.we_sent {
            (i.senders, rtcp_bw / 4)
        } else {
            (i.members.saturating_sub(i.senders), rtcp_bw * 3 / 4)
        }
    } else {
        (i.members, rtcp_bw)
    };
    let t_us = u64::from(n.max(1)) * u64::from(i.avg_rtcp_size) * 1_000_000 / bw.max(1);
    let min = if i.initial {
        i.min_interval / 2
    } else {
        i.min_interval
    };
    Duration::from_micros(t_us).max(min)
}

/// The randomised interval: `Td × U[0.5, 1.5] / (e − 3/2)` (RFC 3550 A.7).
pub fn randomized(i: &IntervalInputs, entropy: &mut dyn Entropy) -> Duration {
    let td = deterministic(i).as_micros() as u64;
    let factor = 500_000 + u64::from(entropy.below(1_000_001)); // ×1e-6
    let t = td.saturating_mul(factor) / 1_000_000;
    Duration::from_micros(t.saturating_mul(100_000) / 121_828)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;
    use sansio::SeededEntropy;

    fn inputs() -> IntervalInputs {
        IntervalInputs {
            members: 2,
            senders: 1,
            we_sent: true,
            session_bandwidth: 1_000_000,
            avg_rtcp_size: 100,
            initial: false,
            min_interval: Duration::from_secs(5),
        }
    }

    #[test]
    fn minimum_dominates_small_sessions() {
        assert_eq!(deterministic(&inputs()), Duration::from_secs(5));
        let first = IntervalInputs {
            initial: true,
            ..inputs()
        };
        assert_eq!(deterministic(&first), Duration::from_millis(2500));
    }

    #[test]
    fn large_sessions_scale_with_members() {
        // 1000 receivers, 1 sender at 64 kbit/s: RTCP bw 400 B/s, receivers get 300 B/s;
        // 999 × 100 B / 300 B/s = 333 s.
        let big = IntervalInputs {
            members: 1000,
            senders: 1,
            we_sent: false,
            session_bandwidth: 64_000,
            ..inputs()
        };
        assert_eq!(deterministic(&big).as_secs(), 333);
    }

    #[test]
    fn randomisation_stays_in_bounds_and_varies() {
        let mut e = SeededEntropy::new(3);
        let td = 5_000_000.0f64;
        let (lo, hi) = (td * 0.5 / 1.21828, td * 1.5 / 1.21828);
        let mut seen = [false; 2];
        for _ in 0..500 {
            let t = randomized(&inputs(), &mut e).as_micros() as f64;
            assert!(t >= lo - 1.0 && t <= hi + 1.0, "{t}");
            seen[usize::from(t > td / 1.21828)] = true;
        }
        assert!(seen[0] && seen[1]);
    }
}
