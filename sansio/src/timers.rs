//! A machine's timers: a small table indexed by an enum.

use crate::Instant;
use core::fmt;
use core::marker::PhantomData;

/// The timers a machine has, as an enum: each variant is one slot of a [`Timers`] table.
///
/// ```
/// #[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// enum Timer { Retransmit, Keepalive }
///
/// impl sansio::TimerKey for Timer {
///     const ALL: &'static [Self] = &[Timer::Retransmit, Timer::Keepalive];
///     fn index(self) -> usize { self as usize }
/// }
/// ```
pub trait TimerKey: Copy + 'static {
    /// Every timer, in index order (`ALL[k.index()] == k`).
    const ALL: &'static [Self];
    /// The slot of this timer, below `ALL.len()`.
    fn index(self) -> usize;
}

/// One deadline per [`TimerKey`]; [`next`](Timers::next) is what `poll_timeout` returns.
///
/// `N` must equal `K::ALL.len()` (checked at compile time when the table is built). Setting a
/// timer replaces its deadline; [`poll_expired`](Timers::poll_expired) hands out due timers one
/// at a time and clears them, so `handle_timeout` is a loop over it and early or repeated calls
/// do nothing.
pub struct Timers<K: TimerKey, const N: usize> {
    at: [Option<Instant>; N],
    key: PhantomData<K>,
}

impl<K: TimerKey, const N: usize> Timers<K, N> {
    /// Every timer cleared.
    pub const fn new() -> Self {
        const { assert!(K::ALL.len() == N, "Timers<K, N>: N must be K::ALL.len()") };
        Timers {
            at: [None; N],
            key: PhantomData,
        }
    }

    /// Arm `key` for `at`, replacing any earlier deadline.
    pub fn set(&mut self, key: K, at: Instant) {
        if let Some(slot) = self.at.get_mut(key.index()) {
            *slot = Some(at);
        }
    }

    /// Arm `key` for `at` unless it is already due earlier.
    pub fn set_earliest(&mut self, key: K, at: Instant) {
        if let Some(slot) = self.at.get_mut(key.index()) {
            *slot = Some(slot.map_or(at, |old| old.min(at)));
        }
    }

    /// Disarm `key`.
    pub fn clear(&mut self, key: K) {
        if let Some(slot) = self.at.get_mut(key.index()) {
            *slot = None;
        }
    }

    /// The deadline of `key`, if armed.
    pub fn get(&self, key: K) -> Option<Instant> {
        self.at.get(key.index()).copied().flatten()
    }

    /// Whether `key` is armed and due at `now`.
    pub fn is_due(&self, key: K, now: Instant) -> bool {
        self.get(key).is_some_and(|at| at <= now)
    }

    /// The earliest armed deadline.
    pub fn next(&self) -> Option<Instant> {
        self.at.iter().flatten().min().copied()
    }

    /// A timer due at `now` (earliest first), disarmed as it is handed out.
    pub fn poll_expired(&mut self, now: Instant) -> Option<K> {
        let (i, _) = self
            .at
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.filter(|at| *at <= now).map(|at| (i, at)))
            .min_by_key(|(_, at)| *at)?;
        if let Some(slot) = self.at.get_mut(i) {
            *slot = None;
        }
        K::ALL.get(i).copied()
    }
}

impl<K: TimerKey, const N: usize> Default for Timers<K, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: TimerKey, const N: usize> Clone for Timers<K, N> {
    fn clone(&self) -> Self {
        Timers {
            at: self.at,
            key: PhantomData,
        }
    }
}

impl<K: TimerKey + fmt::Debug, const N: usize> fmt::Debug for Timers<K, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, at) in K::ALL.iter().zip(self.at.iter()) {
            if let Some(at) = at {
                m.entry(k, at);
            }
        }
        m.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum T {
        A,
        B,
        C,
    }

    impl TimerKey for T {
        const ALL: &'static [Self] = &[T::A, T::B, T::C];
        fn index(self) -> usize {
            self as usize
        }
    }

    #[test]
    fn next_and_expiry_in_deadline_order() {
        let mut t = Timers::<T, 3>::new();
        assert_eq!(t.next(), None);
        t.set(T::C, Instant::from_millis(5));
        t.set(T::A, Instant::from_millis(9));
        t.set_earliest(T::B, Instant::from_millis(7));
        t.set_earliest(T::B, Instant::from_millis(8)); // later: ignored
        assert_eq!(t.next(), Some(Instant::from_millis(5)));
        assert_eq!(t.poll_expired(Instant::from_millis(4)), None);
        let now = Instant::from_millis(8);
        assert!(t.is_due(T::B, now));
        assert_eq!(t.poll_expired(now), Some(T::C));
        assert_eq!(t.poll_expired(now), Some(T::B));
        assert_eq!(t.poll_expired(now), None);
        assert_eq!(t.next(), Some(Instant::from_millis(9)));
        t.clear(T::A);
        assert_eq!(t.next(), None);
        assert_eq!(t.get(T::A), None);
    }
}
