//! Consent freshness (RFC 7675) on the selected pair, and recovery when it is lost.

use super::{CheckKind, IceAgent};
use crate::event::{IceEvent, IceState};
use crate::pair::PairState;
use core::time::Duration;
use sansio::{Entropy, Instant};

impl<E: Entropy + Clone, const C: usize, const P: usize, const T: usize, const R: usize>
    IceAgent<E, C, P, T, R>
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
        if now >= self.consent_ok_at + self.config.consent_timeout {
            return self.lose_consent(sel);
        }
        if now >= self.next_consent_at {
            self.start_check(now, sel, CheckKind::Consent);
            self.next_consent_at = now + self.consent_interval();
        }
    }

    /// Stop using the selected pair and look for another: every other pair is checked again.
    fn lose_consent(&mut self, sel: usize) {
        if let Some(s) = self.describe(sel) {
            self.emit(IceEvent::ConsentLost(s));
        }
        self.selected = None;
        self.first_valid_at = None;
        self.next_consent_at = Instant::MAX;
        for (i, p) in self.pairs.iter_mut().enumerate() {
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
        Some(
            self.next_consent_at
                .min(self.consent_ok_at + self.config.consent_timeout),
        )
    }
}
