//! One client transaction's retransmission timer (RFC 8489 §6.2.1–6.2.2).

use core::time::Duration;
use sansio::Instant;

/// Retransmission parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetransmitConfig {
    /// Initial retransmission timeout (RFC 8489: 500 ms).
    pub rto: Duration,
    /// Total transmissions over UDP, `Rc` (RFC 8489: 7).
    pub max_transmits: u32,
    /// After the last transmission, wait `rm` × RTO before giving up, `Rm` (RFC 8489: 16).
    pub rm: u32,
    /// Timeout over reliable transports, `Ti` (RFC 8489: 39.5 s).
    pub reliable_timeout: Duration,
}

impl Default for RetransmitConfig {
    fn default() -> Self {
        RetransmitConfig {
            rto: Duration::from_millis(500),
            max_transmits: 7,
            rm: 16,
            reliable_timeout: Duration::from_millis(39_500),
        }
    }
}

/// Timer state of one transaction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timer {
    /// RTO this transaction started with.
    rto: Duration,
    /// Transmissions so far.
    pub(crate) sent: u32,
    /// When the first transmission went out.
    pub(crate) first_sent: Option<Instant>,
    /// The next deadline: a retransmission, or the final timeout.
    pub(crate) deadline: Instant,
    /// Whether a transmission is due now.
    pub(crate) due: bool,
    reliable: bool,
}

/// What a deadline means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Not yet.
    Pending,
    /// Send again.
    Retransmit,
    /// Give up.
    TimedOut,
}

impl Timer {
    pub(crate) fn new(now: Instant, rto: Duration, reliable: bool) -> Self {
        Timer {
            rto,
            sent: 0,
            first_sent: None,
            deadline: now,
            due: true,
            reliable,
        }
    }

    /// Record a transmission at `now` and schedule the next deadline.
    pub(crate) fn on_sent(&mut self, now: Instant, cfg: &RetransmitConfig) {
        self.due = false;
        self.sent += 1;
        self.first_sent.get_or_insert(now);
        self.deadline = if self.reliable {
            now + cfg.reliable_timeout
        } else if self.sent >= cfg.max_transmits {
            now + self.rto * cfg.rm
        } else {
            // RTO doubles after each transmission: 0, RTO, 3 RTO, 7 RTO, …
            now + self.rto * (1u32 << (self.sent - 1).min(16))
        };
    }

    /// Check the deadline at `now`.
    pub(crate) fn poll(&mut self, now: Instant, cfg: &RetransmitConfig) -> Expiry {
        if self.due || now < self.deadline {
            return Expiry::Pending;
        }
        if self.reliable || self.sent >= cfg.max_transmits {
            Expiry::TimedOut
        } else {
            self.due = true;
            Expiry::Retransmit
        }
    }

    /// When this timer next needs attention (`None` while a transmission is pending).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        (!self.due).then_some(self.deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8489 §6.2.1: with RTO 500 ms, sends at 0, 500, 1500, 3500, 7500, 15500 and
    /// 31500 ms, and the transaction fails at 39500 ms.
    #[test]
    fn udp_schedule_matches_rfc8489_example() {
        let cfg = RetransmitConfig::default();
        let mut t = Timer::new(Instant::ZERO, cfg.rto, false);
        let mut sends = heapless::Vec::<u64, 8>::new();
        let mut now = Instant::ZERO;
        loop {
            if t.due {
                t.on_sent(now, &cfg);
                let _ = sends.push(now.as_millis());
            }
            now = t.next_deadline().unwrap_or(now);
            match t.poll(now, &cfg) {
                Expiry::TimedOut => break,
                Expiry::Retransmit | Expiry::Pending => {}
            }
        }
        assert_eq!(&sends[..], &[0, 500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!(now.as_millis(), 39500);
    }

    #[test]
    fn reliable_sends_once_and_times_out_after_ti() {
        let cfg = RetransmitConfig::default();
        let mut t = Timer::new(Instant::ZERO, cfg.rto, true);
        t.on_sent(Instant::ZERO, &cfg);
        assert_eq!(t.poll(Instant::from_millis(39_499), &cfg), Expiry::Pending);
        assert_eq!(t.poll(Instant::from_millis(39_500), &cfg), Expiry::TimedOut);
    }
}
