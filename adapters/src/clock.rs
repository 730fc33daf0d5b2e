//! The OS monotonic clock as a `sansio::Instant` timeline.

use std::time::{Duration, Instant as StdInstant};

/// Maps `std::time::Instant` to `sansio::Instant`: microseconds since the clock was made.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: StdInstant,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Clock {
            origin: StdInstant::now(),
        }
    }

    /// The current instant.
    pub fn now(&self) -> sansio::Instant {
        self.to_sansio(StdInstant::now())
    }

    /// Convert an OS instant.
    pub fn to_sansio(&self, t: StdInstant) -> sansio::Instant {
        let micros = t.saturating_duration_since(self.origin).as_micros();
        sansio::Instant::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
    }

    /// Convert back, for sleeping until a machine's deadline.
    pub fn to_std(&self, t: sansio::Instant) -> StdInstant {
        let d = Duration::from_micros(t.as_micros());
        self.origin
            .checked_add(d)
            .unwrap_or_else(|| StdInstant::now() + Duration::from_secs(86_400))
    }
}
