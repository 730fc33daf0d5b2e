//! Consent freshness (RFC 7675) on the selected pair, and recovery when it is lost.

use super::{CheckKind, IceAgent};
use crate::event::{IceEvent, IceState};
use crate::pair::PairState;
use core::time::Duration;
use sansio::{Entropy, Instant};

/// Consent on the selected pair: when it was last confirmed and when to ask next.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Consent {
    /// The last successful consent check (or the selection).
    ok_at: Instant,
    /// When the next consent check is due; `MAX` while nothing is selected.
    next_at: Instant,
}

impl Consent {
    /// No pair selected: nothing to check.
    pub(crate) const fn idle() -> Self {
        Consent {
            ok_at: Instant::ZERO,
            next_at: Instant::MAX,
        }
    }

    /// A pair was selected at `now`: consent holds, the first check is due after `interval`.
    pub(crate) fn start(&mut self, now: Instant, interval: Duration) {
        self.ok_at = now;
        self.next_at = now + interval;
    }

    /// A consent check succeeded.
    pub(crate) fn confirm(&mut self, now: Instant) {
        self.ok_at = now;
    }

    /// Whether consent expired: no confirmation for `timeout`.
    fn expired(&self, now: Instant, timeout: Duration) -> bool {
        now >= self.ok_at + timeout
    }

    /// Whether a consent check is due.
    fn due(&self, now: Instant) -> bool {
        now >= self.next_at
    }

    /// The next check goes out after `interval`.
    fn schedule(&mut self, now: Instant, interval: Duration) {
        self.next_at = now + interval;
    }

    /// The next deadline: a check to send, or the expiry.
    fn deadline(&self, timeout: Duration) -> Instant {
        self.next_at.min(self.ok_at + timeout)
    }
}

impl<
        E: Entropy + Clone,
        const C: usize,
        const P: usize,
        const T: usize,
        const R: usize,
        const S: usize,
        const EV: usize,
    > IceAgent<E, C, P, T, R, S, EV>
{
    /// The consent interval randomised to 0.8–1.2 times its mean (RFC 7675 §5.1).
    pub(crate) fn consent_interval(&mut self) -> Duration {
        let mean = self.config.consent_interval;
        let permille = 800 + self.entropy.below(401);
        mean * permille / 1000
    }

    /// Send due consent checks; declare consent lost after the timeout.
    pub(crate) fn run_consent(&mut self, now: Instant) {
        let Some(sel) = self.selected else { return };
        if self.config.lite {
            return;
        }
        if self.consent.expired(now, self.config.consent_timeout) {
            return self.lose_consent(sel);
        }
        if self.consent.due(now) {
            self.start_check(now, sel, CheckKind::Consent);
            let interval = self.consent_interval();
            self.consent.schedule(now, interval);
        }
    }

    /// Stop using the selected pair and look for another: every other pair is checked again.
    fn lose_consent(&mut self, sel: usize) {
        if let Some(s) = self.describe(sel) {
            self.emit(IceEvent::ConsentLost(s));
        }
        self.selected = None;
        self.first_valid_at = None;
        self.consent = Consent::idle();
        for (i, p) in self.list.pairs_mut().iter_mut().enumerate() {
            p.nominated = false;
            p.nominating = false;
            p.nominate_on_success = false;
            p.state = if i == sel {
                PairState::Failed
            } else {
                PairState::Waiting
            };
        }
        self.set_state(IceState::Disconnected);
    }

    /// The next consent deadline: a check to send, or the expiry.
    pub(crate) fn consent_deadline(&self) -> Option<Instant> {
        if self.selected.is_none() || self.config.lite {
            return None;
        }
        Some(self.consent.deadline(self.config.consent_timeout))
    }
}
