//! Retransmission timeout (RFC 9260 §6.3.1) and congestion control (§7.2).

use core::time::Duration;

/// RTO estimation from RTT samples.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rto {
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
    min: Duration,
    max: Duration,
}

impl Rto {
    pub(crate) fn new(initial: Duration, min: Duration, max: Duration) -> Self {
        Rto {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: initial.clamp(min, max.max(min)),
            min,
            max: max.max(min),
        }
    }

    pub(crate) fn rto(&self) -> Duration {
        self.rto
    }

    pub(crate) fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    pub(crate) fn sample(&mut self, r: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2;
            }
            Some(srtt) => {
                let diff = srtt.abs_diff(r);
                self.rttvar = self.rttvar * 3 / 4 + diff / 4;
                self.srtt = Some(srtt * 7 / 8 + r / 8);
            }
        }
        let srtt = self.srtt.unwrap_or(r);
        // G (clock granularity) is 1 µs here; keep RTTVAR meaningful on a loss-free LAN.
        self.rto =
            (srtt + (self.rttvar * 4).max(Duration::from_millis(1))).clamp(self.min, self.max);
    }

    /// Exponential back-off after a timeout.
    pub(crate) fn back_off(&mut self) {
        self.rto = (self.rto * 2).min(self.max);
    }
}

/// The congestion window and friends, in bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cwnd {
    pub(crate) cwnd: u32,
    pub(crate) ssthresh: u32,
    pba: u32,
    mtu: u32,
    /// Fast recovery exit point (highest TSN outstanding when it began).
    pub(crate) recovery: Option<u32>,
}

impl Cwnd {
    pub(crate) fn new(mtu: usize, peer_rwnd: u32) -> Self {
        let mtu = mtu as u32;
        Cwnd {
            cwnd: (4 * mtu).min((2 * mtu).max(4404)),
            ssthresh: peer_rwnd.max(4 * mtu),
            pba: 0,
            mtu,
            recovery: None,
        }
    }

    /// `acked` new bytes were cumulatively acknowledged while `flight` bytes were out.
    pub(crate) fn on_ack(&mut self, acked: u32, flight_before: u32) {
        if self.recovery.is_some() || acked == 0 {
            return;
        }
        let utilized = flight_before + self.mtu >= self.cwnd;
        if self.cwnd <= self.ssthresh {
            if utilized {
                self.cwnd += acked.min(self.mtu);
            }
        } else {
            self.pba += acked;
            if self.pba >= self.cwnd && utilized {
                self.pba -= self.cwnd;
                self.cwnd += self.mtu;
            }
        }
    }

    /// Fast retransmit: enter fast recovery (once per window).
    pub(crate) fn on_fast_retransmit(&mut self, highest_outstanding: u32) {
        if self.recovery.is_some() {
            return;
        }
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.ssthresh;
        self.pba = 0;
        self.recovery = Some(highest_outstanding);
    }

    /// T3-rtx expired.
    pub(crate) fn on_timeout(&mut self) {
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.mtu;
        self.pba = 0;
        self.recovery = None;
    }

    /// The cumulative ack reached `cum`: leave fast recovery when past its exit point.
    pub(crate) fn on_cum(&mut self, cum: u32) {
        if self.recovery.is_some_and(|exit| super::tsn::le(exit, cum)) {
            self.recovery = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rto_follows_samples_and_backs_off() {
        let mut r = Rto::new(
            Duration::from_secs(1),
            Duration::from_millis(200),
            Duration::from_secs(10),
        );
        r.sample(Duration::from_millis(100));
        assert_eq!(r.srtt(), Some(Duration::from_millis(100)));
        assert_eq!(r.rto(), Duration::from_millis(300)); // 100 + 4 * 50
        r.back_off();
        assert_eq!(r.rto(), Duration::from_millis(600));
        for _ in 0..10 {
            r.back_off();
        }
        assert_eq!(r.rto(), Duration::from_secs(10));
    }

    #[test]
    fn slow_start_avoidance_recovery_timeout() {
        let mut c = Cwnd::new(1200, 100_000);
        assert_eq!(c.cwnd, 4404);
        c.on_ack(1200, 4404);
        assert_eq!(c.cwnd, 5604);
        c.on_ack(1200, 100); // not utilized: no growth
        assert_eq!(c.cwnd, 5604);
        c.on_fast_retransmit(50);
        assert_eq!((c.cwnd, c.ssthresh), (4800, 4800));
        c.on_ack(5000, 4800); // in recovery: unchanged
        assert_eq!(c.cwnd, 4800);
        c.on_cum(50);
        c.on_ack(4800, 4800); // cwnd == ssthresh: still slow start
        assert_eq!(c.cwnd, 6000);
        c.on_ack(3000, 6000); // avoidance: partial bytes acked below cwnd
        assert_eq!(c.cwnd, 6000);
        c.on_ack(3000, 6000); // a whole window acked: one MTU more
        assert_eq!(c.cwnd, 7200);
        c.on_timeout();
        assert_eq!(c.cwnd, 1200);
    }
}
