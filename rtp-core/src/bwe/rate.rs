//! The two rate controllers of GCC: the delay-based AIMD controller
//! (draft-ietf-rmcat-gcc-02 §5.5) and the loss-based one (§6).

use super::delay::DelaySignal;

/// Multiplicative increase per second until the first decrease (8 %/s).
const MULTIPLICATIVE_PER_S: f64 = 0.08;
/// Decrease to this fraction of the acknowledged rate on overuse.
const BETA: f64 = 0.85;
/// Bits of the packet the additive increase assumes (a full 1200-byte packet).
const PACKET_BITS: f64 = 1200.0 * 8.0;
/// Loss fractions under which the loss-based rate grows, over which it drops.
const LOSS_LOW: f64 = 0.02;
const LOSS_HIGH: f64 = 0.10;
/// Packets a loss measurement needs.
const LOSS_SAMPLE: u32 = 20;

/// The state of the AIMD controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Hold,
    Increase,
    Decrease,
}

/// Delay-based rate control: grow while the queue holds, drop to 85 % of what was
/// acknowledged when it grows, hold while it drains.
#[derive(Clone, Debug)]
pub(crate) struct Aimd {
    pub(crate) rate: f64,
    state: State,
    /// Set after the first decrease: from then on the increase is additive (near the
    /// capacity found), before it multiplicative (searching).
    decreased: bool,
    last_update: Option<i64>,
    last_decrease: Option<i64>,
}

impl Aimd {
    pub(crate) fn new(start: f64) -> Self {
        Aimd {
            rate: start,
            state: State::Hold,
            decreased: false,
            last_update: None,
            last_decrease: None,
        }
    }

    /// Apply `signal` at `now` (µs) with the acknowledged rate `acked` (bits/s, when
    /// measured) and the round-trip time `rtt_us`.
    pub(crate) fn update(
        &mut self,
        signal: DelaySignal,
        acked: Option<f64>,
        rtt_us: i64,
        now: i64,
    ) {
        let dt = self
            .last_update
            .map_or(0.0, |t| ((now - t) as f64 / 1e6).clamp(0.0, 1.0));
        self.last_update = Some(now);
        self.state = match (signal, self.state) {
            (DelaySignal::Overuse, _) => State::Decrease,
            (DelaySignal::Underuse, _) => State::Hold,
            (DelaySignal::Normal, State::Hold) => State::Increase,
            (DelaySignal::Normal, s) => s,
        };
        let response_us = (rtt_us + 100_000) as f64;
        match self.state {
            State::Increase => {
                let step = if self.decreased {
                    // one packet more per response time
                    PACKET_BITS * 1e6 / response_us * dt
                } else {
                    self.rate * MULTIPLICATIVE_PER_S * dt
                };
                self.rate += step.max(1000.0 * dt);
                if let Some(a) = acked {
                    // never far above what the path has shown it carries
                    self.rate = self.rate.min(1.5 * a + 10_000.0);
                }
            }
            State::Decrease => {
                let due = self
                    .last_decrease
                    .is_none_or(|t| (now - t) as f64 >= response_us);
                if due {
                    let target = BETA * acked.unwrap_or(self.rate);
                    self.rate = self.rate.min(target);
                    self.decreased = true;
                    self.last_decrease = Some(now);
                }
                self.state = State::Hold;
            }
            State::Hold => {}
        }
    }
}

/// Loss-based rate control: under 2 % loss grow 8 % a second, over 10 % drop by half the
/// loss fraction (at most once per 300 ms plus a round trip), in between hold.
#[derive(Clone, Debug)]
pub(crate) struct LossBased {
    pub(crate) rate: f64,
    lost: u32,
    total: u32,
    last_increase: Option<i64>,
    last_decrease: Option<i64>,
    /// The last loss fraction measured.
    pub(crate) fraction: f64,
}

impl LossBased {
    pub(crate) fn new(start: f64) -> Self {
        LossBased {
            rate: start,
            lost: 0,
            total: 0,
            last_increase: None,
            last_decrease: None,
            fraction: 0.0,
        }
    }

    /// A feedback reported `lost` of `total` packets at `now` (µs).
    pub(crate) fn update(&mut self, lost: u32, total: u32, rtt_us: i64, now: i64) {
        self.lost = self.lost.saturating_add(lost);
        self.total = self.total.saturating_add(total);
        if self.total < LOSS_SAMPLE {
            return;
        }
        let loss = f64::from(self.lost) / f64::from(self.total);
        self.fraction = loss;
        self.lost = 0;
        self.total = 0;
        if loss <= LOSS_LOW {
            if self.last_increase.is_none_or(|t| now - t >= 1_000_000) {
                self.rate = self.rate * 1.08 + 1000.0;
                self.last_increase = Some(now);
            }
        } else if loss > LOSS_HIGH
            && self
                .last_decrease
                .is_none_or(|t| now - t >= 300_000 + rtt_us)
        {
            self.rate *= 1.0 - 0.5 * loss;
            self.last_decrease = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aimd_grows_multiplicatively_then_drops_to_85_percent_of_acked() {
        let mut a = Aimd::new(100_000.0);
        for s in 0..=10 {
            a.update(DelaySignal::Normal, None, 50_000, s * 1_000_000);
        }
        // 10 s at 8 %/s, linearised per step: 100k · 1.08^10 ≈ 216k
        assert!((200_000.0..230_000.0).contains(&a.rate), "{}", a.rate);
        a.update(DelaySignal::Overuse, Some(180_000.0), 50_000, 11_000_000);
        assert_eq!(a.rate, 0.85 * 180_000.0);
        // a second overuse within one response time does not cut again
        a.update(DelaySignal::Overuse, Some(100_000.0), 50_000, 11_050_000);
        assert_eq!(a.rate, 0.85 * 180_000.0);
        // additive from now on: one 1200-byte packet per 150 ms response time a second
        a.update(DelaySignal::Normal, None, 50_000, 12_050_000);
        let before = a.rate;
        a.update(DelaySignal::Normal, None, 50_000, 13_050_000);
        assert!(
            (a.rate - before - 64_000.0).abs() < 1.0,
            "{}",
            a.rate - before
        );
    }

    #[test]
    fn loss_based_drops_by_half_the_loss_and_grows_when_clean() {
        let mut l = LossBased::new(1_000_000.0);
        l.update(5, 10, 0, 0);
        assert_eq!(l.rate, 1_000_000.0, "10 packets are not a measurement yet");
        l.update(5, 10, 0, 0);
        assert_eq!(l.rate, 750_000.0, "50 % loss: × 0.75");
        l.update(0, 100, 0, 1_000_000);
        assert_eq!(l.rate, 750_000.0 * 1.08 + 1000.0);
        l.update(5, 100, 0, 3_000_000);
        assert_eq!(l.rate, 750_000.0 * 1.08 + 1000.0, "5 %: hold");
    }
}
