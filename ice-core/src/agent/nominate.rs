//! Nomination (regular, RFC 8445 §8.1.1) and pair selection.

use super::IceAgent;
use crate::event::{IceEvent, IceRole, IceState};
use crate::pair::PairState;
use sansio::{Entropy, Instant};

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
    /// Controlling full agent: nominate the best valid pair once no higher-priority pair can
    /// still succeed, or after the nomination delay.
    pub(crate) fn run_nomination(&mut self, now: Instant) {
        if self.config.lite || self.role != IceRole::Controlling || self.checks.is_none() {
            return;
        }
        if self.list.nominating() {
            return;
        }
        let Some(best) = self.list.best_valid(false) else {
            return;
        };
        let Some(best_pair) = self.list.get(best).copied() else {
            return;
        };
        let better_pending = self.list.pairs().iter().any(|p| {
            p.priority > best_pair.priority
                && matches!(
                    p.state,
                    PairState::Frozen | PairState::Waiting | PairState::InProgress
                )
        });
        let waited = self
            .first_valid_at
            .is_some_and(|t| now >= t + self.nomination_wait(best));
        if !better_pending || waited {
            // Nominate promptly rather than after the next Ta tick.
            self.list.nominate_next(now, best);
            self.pace(now);
        }
    }

    /// When the controlling agent will stop waiting for better pairs.
    pub(crate) fn nomination_deadline(&self) -> Option<Instant> {
        let waiting =
            self.role == IceRole::Controlling && !self.config.lite && !self.list.nominating();
        if !waiting {
            return None;
        }
        let best = self.list.best_valid(false)?;
        self.first_valid_at.map(|t| t + self.nomination_wait(best))
    }

    /// How long to wait for better pairs when `best` is the best valid one.
    fn nomination_wait(&self, best: usize) -> core::time::Duration {
        let relayed = self.describe(best).is_some_and(|s| {
            s.local_kind == crate::candidate::CandidateKind::Relayed
                || s.remote_kind == crate::candidate::CandidateKind::Relayed
        });
        if relayed {
            self.config.relay_nomination_delay
        } else {
            self.config.nomination_delay
        }
    }

    /// Select the highest-priority nominated valid pair, if it changed.
    pub(crate) fn select_pair(&mut self, now: Instant) {
        let best = self.list.best_valid(true);
        if best.is_none() || best == self.selected {
            return;
        }
        self.selected = best;
        self.previous = None;
        let interval = self.consent_interval();
        self.consent.start(now, interval);
        if let Some(s) = best.and_then(|i| self.describe(i)) {
            super::relay::on_selected(self.relays_mut(), now, &s);
            self.emit(IceEvent::Selected(s));
        }
        self.set_state(IceState::Connected);
    }
}
