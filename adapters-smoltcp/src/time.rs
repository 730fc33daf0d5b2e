//! The two clocks: `sansio::Instant` (unsigned microseconds) and smoltcp's
//! `time::Instant` (signed microseconds), both from an arbitrary start.

use smoltcp::time::{Duration as SmolDuration, Instant as SmolInstant};

/// smoltcp's instant as the machines' (times before the start clamp to zero).
pub fn from_smoltcp(t: SmolInstant) -> sansio::Instant {
    sansio::Instant::from_micros(u64::try_from(t.total_micros()).unwrap_or(0))
}

/// The machines' instant as smoltcp's (saturating at smoltcp's largest instant).
pub fn to_smoltcp(t: sansio::Instant) -> SmolInstant {
    SmolInstant::from_micros(i64::try_from(t.as_micros()).unwrap_or(i64::MAX))
}

/// How long to wait from `now`: the sooner of the interface's delay
/// (`Interface::poll_delay`) and the machine's next timer (from [`crate::UdpDriver::poll`]).
/// `None`: nothing is due, wait for a frame.
pub fn deadline(
    now: SmolInstant,
    iface_delay: Option<SmolDuration>,
    machine: Option<sansio::Instant>,
) -> Option<SmolDuration> {
    let machine = machine.map(|at| {
        let at = to_smoltcp(at);
        if at > now {
            at - now
        } else {
            SmolDuration::ZERO
        }
    });
    match (iface_delay, machine) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_convert_both_ways_and_clamp() {
        let t = SmolInstant::from_millis(1234);
        assert_eq!(from_smoltcp(t), sansio::Instant::from_millis(1234));
        assert_eq!(to_smoltcp(from_smoltcp(t)), t);
        assert_eq!(
            from_smoltcp(SmolInstant::from_millis(-5)),
            sansio::Instant::ZERO
        );
        assert_eq!(
            to_smoltcp(sansio::Instant::MAX),
            SmolInstant::from_micros(i64::MAX)
        );
    }

    #[test]
    fn the_deadline_is_the_sooner_of_interface_and_machine() {
        let now = SmolInstant::from_millis(100);
        let ms = SmolDuration::from_millis;
        let at = |m| Some(sansio::Instant::from_millis(m));
        assert_eq!(deadline(now, Some(ms(50)), at(120)), Some(ms(20)));
        assert_eq!(deadline(now, Some(ms(5)), at(120)), Some(ms(5)));
        assert_eq!(deadline(now, None, at(90)), Some(ms(0)));
        assert_eq!(deadline(now, Some(ms(7)), None), Some(ms(7)));
        assert_eq!(deadline(now, None, None), None);
    }
}
