//! Link impairments: delay, jitter, loss, duplication, reordering, MTU.

use crate::rng::Rng;
use crate::stats::DropReason;
use std::time::Duration;

/// What one link does to the datagrams crossing it.
///
/// A datagram crosses the sender's host link, the link of every realm on its route (its LAN,
/// the internet, the receiver's LAN) and the receiver's host link; each applies its own
/// settings independently, so delays add up and losses compound.
///
/// Reliable transports (TCP, TLS paths) are carried as ordered messages: they only get the
/// fixed `delay`; no jitter, loss, duplication, reordering or MTU limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkConfig {
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra delay drawn uniformly from `0..=jitter` per datagram; it reorders datagrams sent
    /// closer together than the jitter.
    pub jitter: Duration,
    /// Probability (`0.0..=1.0`) that a datagram is lost.
    pub loss: f64,
    /// Probability that a datagram is delivered twice (the copy gets its own jitter).
    pub duplicate: f64,
    /// Probability that a datagram is held back by `reorder_delay`, letting later ones pass.
    pub reorder: f64,
    /// How long a datagram picked by `reorder` is held back.
    pub reorder_delay: Duration,
    /// Largest IP packet (UDP payload plus 28 bytes of IPv4+UDP or 48 bytes of IPv6+UDP
    /// headers) the link carries; larger ones are dropped, like a path dropping fragments.
    pub mtu: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig::IDEAL
    }
}

impl LinkConfig {
    /// No delay, no impairment, MTU 1500.
    pub const IDEAL: LinkConfig = LinkConfig {
        delay: Duration::ZERO,
        jitter: Duration::ZERO,
        loss: 0.0,
        duplicate: 0.0,
        reorder: 0.0,
        reorder_delay: Duration::from_millis(10),
        mtu: 1500,
    };

    /// An otherwise ideal link with a fixed one-way `delay`.
    pub const fn with_delay(delay: Duration) -> Self {
        LinkConfig {
            delay,
            ..LinkConfig::IDEAL
        }
    }

    /// Applies this link to every copy in `draw` (each copy's accumulated delay), drawing
    /// from `rng` in a fixed order.
    pub(crate) fn apply(&self, rng: &mut Rng, ip_len: usize, reliable: bool, draw: &mut Draw) {
        let before = std::mem::take(&mut draw.copies);
        for delay in before {
            if reliable {
                draw.copies.push(delay.saturating_add(self.delay));
                continue;
            }
            if ip_len > self.mtu {
                draw.dropped.push(DropReason::Mtu);
                continue;
            }
            if rng.chance(self.loss) {
                draw.dropped.push(DropReason::Loss);
                continue;
            }
            let copies = if rng.chance(self.duplicate) {
                draw.duplicated += 1;
                2
            } else {
                1
            };
            for _ in 0..copies {
                let extra = self.one_delay(rng, draw);
                draw.copies.push(delay.saturating_add(extra));
            }
        }
    }

    fn one_delay(&self, rng: &mut Rng, draw: &mut Draw) -> Duration {
        let mut d = self.delay;
        let jitter_us = u64::try_from(self.jitter.as_micros()).unwrap_or(u64::MAX);
        if jitter_us > 0 {
            d = d.saturating_add(Duration::from_micros(rng.up_to(jitter_us)));
        }
        if rng.chance(self.reorder) {
            draw.reordered += 1;
            d = d.saturating_add(self.reorder_delay);
        }
        d
    }
}

/// The outcome of sending one datagram across a chain of links.
#[derive(Debug, Default)]
pub(crate) struct Draw {
    /// Accumulated delay of every surviving copy.
    pub copies: Vec<Duration>,
    /// Why the other copies were dropped.
    pub dropped: Vec<DropReason>,
    /// Copies created by duplication.
    pub duplicated: u64,
    /// Copies held back for reordering.
    pub reordered: u64,
}

impl Draw {
    /// One copy, no delay yet.
    pub(crate) fn one() -> Self {
        Draw {
            copies: vec![Duration::ZERO],
            ..Draw::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn mtu_counts_headers_and_reliable_skips_impairments() {
        let link = LinkConfig {
            loss: 1.0,
            ..LinkConfig::with_delay(Duration::from_millis(5))
        };
        let mut rng = Rng::stream(1, 2, 3);
        let mut d = Draw::one();
        link.apply(&mut rng, 100, false, &mut d);
        assert!(d.copies.is_empty());
        assert_eq!(d.dropped, vec![DropReason::Loss]);

        let mut d = Draw::one();
        link.apply(&mut rng, 100_000, true, &mut d);
        assert_eq!(d.copies, vec![Duration::from_millis(5)]);

        let mut d = Draw::one();
        LinkConfig::IDEAL.apply(&mut rng, 1501, false, &mut d);
        assert_eq!(d.dropped, vec![DropReason::Mtu]);
        let mut d = Draw::one();
        LinkConfig::IDEAL.apply(&mut rng, 1500, false, &mut d);
        assert_eq!(d.copies, vec![Duration::ZERO]);
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let link = LinkConfig {
            jitter: Duration::from_millis(3),
            ..LinkConfig::with_delay(Duration::from_millis(10))
        };
        let mut rng = Rng::stream(4, 0, 0);
        let mut seen_spread = false;
        for _ in 0..200 {
            let mut d = Draw::one();
            link.apply(&mut rng, 60, false, &mut d);
            let got = d.copies[0];
            assert!(got >= Duration::from_millis(10) && got <= Duration::from_millis(13));
            seen_spread |= got > Duration::from_millis(11);
        }
        assert!(seen_spread);
    }
}
