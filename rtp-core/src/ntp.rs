//! NTP timestamps (RFC 3550 §4) and the round-trip time from report blocks (§6.4.1).

use core::time::Duration;
use sansio::Instant;

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
pub const UNIX_EPOCH_NTP_SECS: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: seconds since 1900 in 32.32 fixed point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// From Unix time in microseconds.
    pub const fn from_unix_micros(us: u64) -> NtpTime {
        let secs = us / 1_000_000 + UNIX_EPOCH_NTP_SECS;
        let frac = ((us % 1_000_000) << 32) / 1_000_000;
        NtpTime((secs << 32) | frac)
    }

    /// The NTP time at `now`, given the NTP time at [`Instant::ZERO`] (the caller reads the
    /// wall clock once and passes it in; the core never reads a clock).
    pub fn at(now: Instant, ntp_at_zero: NtpTime) -> NtpTime {
        NtpTime(ntp_at_zero.0.wrapping_add(micros_to_ntp(now.as_micros())))
    }

    /// The middle 32 bits (16.16 fixed point), as carried in LSR.
    pub const fn middle(self) -> u32 {
        (self.0 >> 16) as u32
    }
}

/// Microseconds as a 32.32 fixed-point duration.
pub(crate) const fn micros_to_ntp(us: u64) -> u64 {
    let secs = us / 1_000_000;
    let frac = ((us % 1_000_000) << 32) / 1_000_000;
    (secs << 32).wrapping_add(frac)
}

/// A duration in 1/65536 s units (DLSR), saturating.
pub fn to_short(d: Duration) -> u32 {
    let v = d.as_micros() * 65_536 / 1_000_000;
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A 16.16 fixed-point duration as a [`Duration`].
pub fn from_short(v: u32) -> Duration {
    Duration::from_micros(u64::from(v) * 1_000_000 / 65_536)
}

/// Round-trip time from a report block (RFC 3550 §6.4.1): `A - LSR - DLSR`, where `A` is
/// the middle 32 bits of the NTP time the block arrived. `None` when LSR is 0 (no SR seen
/// yet) or the result is negative (clock skew or a bogus block).
pub fn round_trip_time(
    arrival: NtpTime,
    last_sr: u32,
    delay_since_last_sr: u32,
) -> Option<Duration> {
    if last_sr == 0 {
        return None;
    }
    let rtt = arrival
        .middle()
        .wrapping_sub(last_sr)
        .wrapping_sub(delay_since_last_sr);
    (rtt < 0x8000_0000).then(|| from_short(rtt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let t = NtpTime::from_unix_micros(1_500_000);
        assert_eq!(t.0 >> 32, UNIX_EPOCH_NTP_SECS + 1);
        assert_eq!(t.0 as u32, 0x8000_0000);
        assert_eq!(
            NtpTime::at(Instant::from_millis(250), NtpTime(0)).0,
            0x4000_0000
        );
        assert_eq!(to_short(Duration::from_millis(500)), 0x8000);
    }

    #[test]
    fn rtt_example_from_rfc3550_figure2() {
        // RFC 3550 §6.4.1 figure 2: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000
        // (46853.125 s), DLSR = 0x0005:4000 (5.250 s) → RTT 6.125 s.
        let a = NtpTime(0x0000_b710_8000_0000);
        let rtt = round_trip_time(a, 0xb705_2000, 0x0005_4000);
        assert_eq!(rtt, Some(Duration::from_millis(6125)));
        assert_eq!(round_trip_time(a, 0, 0), None);
        assert_eq!(round_trip_time(a, 0xb711_0000, 0), None);
    }
}
