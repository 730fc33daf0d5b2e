//! Consent freshness (RFC 7675) on the selected pair, and recovery when it is lost.

use super::{CheckKind, IceAgent};
use crate::event::{IceEvent, IceState};
use crate::pair::PairState;
use core::time::Duration;
use sansio::{Entropy, Instant};

/// The consent interval randomised to 0.8–1.2 times its mean (RFC 7675 §5.1).
pub(crate) fn jittered<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
) -> Duration {
    let mean = agent.config.consent_interval;
    let permille = 800 + agent.entropy.below(401);
    mean * permille / 1000
}

/// Send due consent checks; declare consent lost after the timeout.
pub(crate) fn run<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
) {
    let Some(sel) = agent.selected else { return };
    if agent.config.lite {
        return;
    }
    if now >= agent.consent_ok_at + agent.config.consent_timeout {
        return lose(agent, sel);
    }
    if now >= agent.next_consent_at {
        super::checks::start(agent, now, sel, CheckKind::Consent);
        agent.next_consent_at = now + jittered(agent);
    }
}

/// Stop using the selected pair and look for another: every other pair is checked again.
fn lose<E: Entropy + Clone, const C: usize, const P: usize, const T: usize, const R: usize>(
    agent: &mut IceAgent<E, C, P, T, R>,
    sel: usize,
) {
    if let Some(s) = agent.describe(sel) {
        agent.emit(IceEvent::ConsentLost(s));
    }
    agent.selected = None;
    agent.first_valid_at = None;
    agent.next_consent_at = Instant::MAX;
    for (i, p) in agent.pairs.iter_mut().enumerate() {
        p.nominated = false;
        p.nominating = false;
        p.nominate_on_success = false;
        p.state = if i == sel {
            PairState::Failed
        } else {
            PairState::Waiting
        };
    }
    agent.set_state(IceState::Disconnected);
}

/// The next consent deadline: a check to send, or the expiry.
pub(crate) fn deadline<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &IceAgent<E, C, P, T, R>,
) -> Option<Instant> {
    if agent.selected.is_none() || agent.config.lite {
        return None;
    }
    Some(
        agent
            .next_consent_at
            .min(agent.consent_ok_at + agent.config.consent_timeout),
    )
}
