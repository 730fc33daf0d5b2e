//! Retransmission timeout estimation (RFC 8489 §6.2.1 with RFC 6298's estimator).

use core::time::Duration;

/// Smoothed round-trip estimator. Samples come only from transactions that were never
/// retransmitted (Karn's algorithm), and the RTO never drops below the configured initial
/// value, so a fast LAN cannot make the client aggressive towards a server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RtoEstimator {
    floor: Duration,
    srtt: Option<Duration>,
    rttvar: Duration,
}

impl RtoEstimator {
    pub(crate) fn new(initial: Duration) -> Self {
        RtoEstimator {
            floor: initial,
            srtt: None,
            rttvar: Duration::ZERO,
        }
    }

    /// The RTO for the next new transaction.
    pub(crate) fn rto(&self) -> Duration {
        match self.srtt {
            None => self.floor,
            Some(srtt) => (srtt + self.rttvar * 4).max(self.floor),
        }
    }

    /// Feed one round-trip sample (RFC 6298 §2.2–2.3).
    pub(crate) fn sample(&mut self, rtt: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let diff = srtt.abs_diff(rtt);
                self.rttvar = self.rttvar * 3 / 4 + diff / 4;
                self.srtt = Some(srtt * 7 / 8 + rtt / 8);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rto_follows_slow_paths_but_never_drops_below_the_floor() {
        let mut e = RtoEstimator::new(Duration::from_millis(500));
        assert_eq!(e.rto(), Duration::from_millis(500));
        e.sample(Duration::from_millis(2));
        assert_eq!(e.rto(), Duration::from_millis(500));
        let mut slow = RtoEstimator::new(Duration::from_millis(500));
        slow.sample(Duration::from_millis(800));
        // srtt 800, rttvar 400: 800 + 1600
        assert_eq!(slow.rto(), Duration::from_millis(2400));
        slow.sample(Duration::from_millis(800));
        // rttvar 300, srtt 800: 2000
        assert_eq!(slow.rto(), Duration::from_millis(2000));
    }
}
