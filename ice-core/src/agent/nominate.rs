//! Nomination (regular, RFC 8445 §8.1.1) and pair selection.

use super::IceAgent;
use crate::event::{IceEvent, IceRole, IceState};
use crate::pair::PairState;
use sansio::{Entropy, Instant};

/// Controlling full agent: nominate the best valid pair once no higher-priority pair can
/// still succeed, or after the nomination delay.
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
    if agent.config.lite || agent.role != IceRole::Controlling || agent.checks.is_none() {
        return;
    }
    if agent.pairs.iter().any(|p| p.nominated || p.nominating) {
        return;
    }
    let Some((best, best_pair)) = agent
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_valid())
        .max_by_key(|(_, p)| p.valid_priority)
        .map(|(i, p)| (i, *p))
    else {
        return;
    };
    let better_pending = agent.pairs.iter().any(|p| {
        p.priority > best_pair.priority
            && matches!(
                p.state,
                PairState::Frozen | PairState::Waiting | PairState::InProgress
            )
    });
    let waited = agent
        .first_valid_at
        .is_some_and(|t| now >= t + delay(agent, best));
    if !better_pending || waited {
        if let Some(p) = agent.pairs.get_mut(best) {
            p.nominating = true;
        }
        let _ = agent.triggered.push_front((best, true));
        // Nominate promptly rather than after the next Ta tick.
        agent.next_check_at = agent.next_check_at.min(now);
        super::checks::pace(agent, now);
    }
}

/// When the controlling agent will stop waiting for better pairs.
pub(crate) fn deadline<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &IceAgent<E, C, P, T, R>,
) -> Option<Instant> {
    let waiting = agent.role == IceRole::Controlling
        && !agent.config.lite
        && !agent.pairs.iter().any(|p| p.nominated || p.nominating);
    if !waiting {
        return None;
    }
    let best = best_valid(agent)?;
    agent.first_valid_at.map(|t| t + delay(agent, best))
}

/// The valid pair with the highest valid priority.
fn best_valid<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &IceAgent<E, C, P, T, R>,
) -> Option<usize> {
    agent
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_valid())
        .max_by_key(|(_, p)| p.valid_priority)
        .map(|(i, _)| i)
}

/// How long to wait for better pairs when `best` is the best valid one.
fn delay<E: Entropy + Clone, const C: usize, const P: usize, const T: usize, const R: usize>(
    agent: &IceAgent<E, C, P, T, R>,
    best: usize,
) -> core::time::Duration {
    let relayed = agent.describe(best).is_some_and(|s| {
        s.local_kind == crate::candidate::CandidateKind::Relayed
            || s.remote_kind == crate::candidate::CandidateKind::Relayed
    });
    if relayed {
        agent.config.relay_nomination_delay
    } else {
        agent.config.nomination_delay
    }
}

/// Select the highest-priority nominated valid pair, if it changed.
pub(crate) fn select<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
) {
    let best = agent
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_valid() && p.nominated)
        .max_by_key(|(_, p)| p.valid_priority)
        .map(|(i, _)| i);
    if best.is_none() || best == agent.selected {
        return;
    }
    agent.selected = best;
    agent.previous = None;
    agent.consent_ok_at = now;
    agent.next_consent_at = now + super::consent::jittered(agent);
    if let Some(s) = best.and_then(|i| agent.describe(i)) {
        super::relay::on_selected(&mut agent.relays, now, &s);
        agent.emit(IceEvent::Selected(s));
    }
    agent.set_state(IceState::Connected);
}
