//! Sending connectivity checks and handling their outcomes (RFC 8445 §7.2).

use super::{CheckKind, Credentials, IceAgent, IceConfig, InFlight, MSG};
use crate::candidate::{priority, Candidate, CandidateKind};
use crate::event::IceRole;
use crate::pair::PairState;
use core::fmt::Write;
use sansio::{Entropy, Instant, Path};
use stun_proto::client::{ClientConfig, ClientEvent, Credentials as StunCredentials, StunClient};
use stun_proto::wire::attr::{Attribute, ErrorCode};
use stun_proto::wire::Method;

/// The client that runs our checks: USERNAME `remote:local`, keyed with the remote password.
pub(crate) fn client<E: Entropy, const T: usize>(
    config: &IceConfig,
    local: &Credentials,
    remote: &Credentials,
    entropy: E,
) -> StunClient<E, T, MSG> {
    let mut username = heapless::String::<{ 2 * super::MAX_UFRAG + 1 }>::new();
    let _ = write!(username, "{}:{}", remote.ufrag, local.ufrag);
    let cfg = ClientConfig {
        retransmit: config.check_retransmit,
        software: config.software,
        ..Default::default()
    };
    let creds = StunCredentials::ShortTerm {
        username: &username,
        password: &remote.pwd,
    };
    match StunClient::new(cfg, creds, entropy) {
        Ok(c) => c,
        // MAX_UFRAG and MAX_PWD keep both under the client's limit.
        Err(_) => unreachable_client(),
    }
}

#[cold]
fn unreachable_client<T>() -> T {
    #[allow(clippy::panic)]
    {
        panic!("ICE credentials exceed the STUN client's limits")
    }
}

/// Start the next check if `Ta` has passed: triggered checks first, then the
/// highest-priority waiting pair, then the highest-priority frozen one.
pub(crate) fn pace<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
) {
    if agent.config.lite
        || agent.checks.is_none()
        || now < agent.next_check_at
        || agent.in_flight.is_full()
    {
        return;
    }
    let next = match agent.triggered.pop_front() {
        Some((pair, nominate)) => Some((
            pair,
            if nominate {
                CheckKind::Nomination
            } else {
                CheckKind::Connectivity
            },
        )),
        None => best_pair(agent, PairState::Waiting)
            .or_else(|| best_pair(agent, PairState::Frozen))
            .map(|p| (p, CheckKind::Connectivity)),
    };
    if let Some((pair, kind)) = next {
        // Pace attempts, not successes: a check that cannot start now (client full) is
        // retried a Ta later rather than spinning.
        let ok = start(agent, now, pair, kind);
        if !ok {
            let _ = agent
                .triggered
                .push_back((pair, kind == CheckKind::Nomination));
        }
        agent.next_check_at = now + agent.config.ta;
    }
}

/// When pacing next wants to run, if there is anything to check.
pub(crate) fn next_pace<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &IceAgent<E, C, P, T, R>,
) -> Option<Instant> {
    if agent.config.lite || agent.checks.is_none() || agent.in_flight.is_full() {
        return None;
    }
    let pending = !agent.triggered.is_empty()
        || best_pair(agent, PairState::Waiting).is_some()
        || best_pair(agent, PairState::Frozen).is_some();
    pending.then_some(agent.next_check_at)
}

fn best_pair<E: Entropy + Clone, const C: usize, const P: usize, const T: usize, const R: usize>(
    agent: &IceAgent<E, C, P, T, R>,
    state: PairState,
) -> Option<usize> {
    let relay_only = agent.config.relay_only;
    let sendable = |l: u8| {
        agent
            .local
            .get(usize::from(l))
            .is_some_and(|c| match c.kind {
                CandidateKind::Host => !relay_only,
                CandidateKind::Relayed => true,
                _ => false,
            })
    };
    agent
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.state == state && sendable(p.local))
        .max_by_key(|(_, p)| p.priority)
        .map(|(i, _)| i)
}

/// Send one check on `pair`. Returns whether it went out.
pub(crate) fn start<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
    pair: usize,
    kind: CheckKind,
) -> bool {
    let Some(p) = agent.pairs.get(pair).copied() else {
        return false;
    };
    let (Some(l), Some(r)) = (
        agent.local.get(usize::from(p.local)),
        agent.remote.get(usize::from(p.remote)),
    ) else {
        return false;
    };
    let path = Path::udp(l.base, r.addr);
    let local_pref = ((l.priority >> 8) & 0xFFFF) as u16;
    let prflx_priority = priority(CandidateKind::PeerReflexive, local_pref, 1);
    let role = match agent.role {
        IceRole::Controlling => Attribute::IceControlling(agent.tie_breaker),
        IceRole::Controlled => Attribute::IceControlled(agent.tie_breaker),
    };
    let nominate = kind == CheckKind::Nomination;
    let attrs = [
        Attribute::Priority(prflx_priority),
        role,
        Attribute::UseCandidate,
    ];
    let attrs = if nominate { &attrs[..] } else { &attrs[..2] };
    let Some(client) = agent.checks.as_mut() else {
        return false;
    };
    let Ok(id) = client.start_request(now, path, Method::BINDING, attrs) else {
        return false;
    };
    let _ = agent.in_flight.push(InFlight { id, pair, kind });
    if let Some(p) = agent.pairs.get_mut(pair) {
        if kind != CheckKind::Consent && p.state != PairState::Succeeded {
            p.state = PairState::InProgress;
        }
        p.nominating |= nominate;
    }
    true
}

/// Handle the outcomes the check client reports.
pub(crate) fn drain_client_events<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
) {
    loop {
        let Some(ev) = agent.checks.as_mut().and_then(|c| c.poll_event()) else {
            return;
        };
        let id = ev.id();
        let Some(i) = agent.in_flight.iter().position(|f| f.id == id) else {
            continue;
        };
        let check = agent.in_flight.swap_remove(i);
        match ev {
            ClientEvent::Response(r) => on_response(agent, now, check, &r),
            ClientEvent::TimedOut { .. } | ClientEvent::Failed { .. } => on_failure(agent, check),
        }
    }
}

fn on_failure<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    check: InFlight,
) {
    let Some(p) = agent.pairs.get_mut(check.pair) else {
        return;
    };
    p.nominating = false;
    if check.kind != CheckKind::Consent {
        p.state = PairState::Failed;
    }
}

fn on_response<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
    const B: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
    check: InFlight,
    r: &stun_proto::client::Response<B>,
) {
    let Some(p) = agent.pairs.get(check.pair).copied() else {
        return;
    };
    let (Some(l), Some(rem)) = (
        agent.local.get(usize::from(p.local)),
        agent.remote.get(usize::from(p.remote)),
    ) else {
        return;
    };
    // RFC 8445 §7.2.5.2.1: the response must come from where the request went, to where it
    // came from.
    let symmetric = r.path.remote == rem.addr && r.path.local == l.base;
    if r.error_code() == Some(ErrorCode::ROLE_CONFLICT) {
        let flipped = match agent.role {
            IceRole::Controlling => IceRole::Controlled,
            IceRole::Controlled => IceRole::Controlling,
        };
        agent.set_role(flipped);
        if let Some(p) = agent.pairs.get_mut(check.pair) {
            p.state = PairState::Waiting;
            p.nominating = false;
        }
        let _ = agent.triggered.push_back((check.pair, false));
        return;
    }
    match (symmetric && r.is_success(), r.mapped_address()) {
        (true, Some(mapped)) => on_success(agent, now, check, mapped),
        _ => on_failure(agent, check),
    }
}

fn on_success<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    now: Instant,
    check: InFlight,
    mapped: core::net::SocketAddr,
) {
    if check.kind == CheckKind::Consent {
        agent.consent_ok_at = now;
        return;
    }
    let Some(p) = agent.pairs.get(check.pair).copied() else {
        return;
    };
    let (Some(l), Some(rem)) = (
        agent.local.get(usize::from(p.local)).cloned(),
        agent.remote.get(usize::from(p.remote)),
    ) else {
        return;
    };
    let remote_prio = rem.priority;
    // The valid pair's local candidate is the one at the mapped address; an unknown mapped
    // address is a new peer-reflexive candidate (RFC 8445 §7.2.5.3.1), not signalled.
    let local_prio = match agent.local.iter().find(|c| c.addr == mapped) {
        Some(c) => c.priority,
        None => {
            let prio = priority(
                CandidateKind::PeerReflexive,
                ((l.priority >> 8) & 0xFFFF) as u16,
                1,
            );
            let _ = agent
                .local
                .push(Candidate::peer_reflexive(mapped, l.base, prio));
            prio
        }
    };
    let valid_priority = agent.pair_prio(local_prio, remote_prio);
    let controlling = agent.role == IceRole::Controlling;
    if let Some(p) = agent.pairs.get_mut(check.pair) {
        p.state = PairState::Succeeded;
        p.valid_priority = valid_priority;
        p.nominating = false;
        if (check.kind == CheckKind::Nomination && controlling)
            || (p.nominate_on_success && !controlling)
        {
            p.nominated = true;
        }
    }
    agent.first_valid_at.get_or_insert(now);
    unfreeze_foundation(agent, check.pair);
    super::nominate::select(agent, now);
}

/// A success unfreezes the pairs sharing its foundations (RFC 8445 §7.2.5.3.3).
fn unfreeze_foundation<
    E: Entropy + Clone,
    const C: usize,
    const P: usize,
    const T: usize,
    const R: usize,
>(
    agent: &mut IceAgent<E, C, P, T, R>,
    pair: usize,
) {
    let Some(p) = agent.pairs.get(pair).copied() else {
        return;
    };
    let (Some(lf), Some(rf)) = (
        agent
            .local
            .get(usize::from(p.local))
            .map(|c| c.foundation.clone()),
        agent
            .remote
            .get(usize::from(p.remote))
            .map(|c| c.foundation.clone()),
    ) else {
        return;
    };
    for i in 0..agent.pairs.len() {
        let Some(q) = agent.pairs.get(i).copied() else {
            continue;
        };
        let same = agent
            .local
            .get(usize::from(q.local))
            .is_some_and(|c| c.foundation == lf)
            && agent
                .remote
                .get(usize::from(q.remote))
                .is_some_and(|c| c.foundation == rf);
        if same && q.state == PairState::Frozen {
            if let Some(q) = agent.pairs.get_mut(i) {
                q.state = PairState::Waiting;
            }
        }
    }
}
