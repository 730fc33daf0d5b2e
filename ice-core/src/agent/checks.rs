//! Sending connectivity checks and handling their outcomes (RFC 8445 §7.2).

use super::{CheckKind, IceAgent, IceConfig, IceCredentials, InFlight, MSG};
use crate::candidate::{priority, CandidateKind};
use crate::event::IceRole;
use crate::pair::PairState;
use core::fmt::Write;
use sansio::{Entropy, Instant, Path, SansIo};
use stun_proto::client::{ClientConfig, Credentials as StunCredentials, Response, StunClient};
use stun_proto::wire::attr::{Attribute, ErrorCode};
use stun_proto::wire::Method;

/// The client that runs our checks: USERNAME `remote:local`, keyed with the remote password.
pub(crate) fn client<E: Entropy, const T: usize, const TS: usize>(
    config: &IceConfig<TS>,
    local: &IceCredentials,
    remote: &IceCredentials,
    entropy: E,
) -> StunClient<E, T, MSG, 0> {
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
    /// Start the next check if `Ta` has passed: triggered checks first, then the
    /// highest-priority waiting pair, then the highest-priority frozen one.
    pub(crate) fn pace(&mut self, now: Instant) {
        if self.config.lite || self.checks.is_none() || !self.list.may_check(now) {
            return;
        }
        let ordinary = self
            .best_pair(PairState::Waiting, false)
            .or_else(|| self.best_pair(PairState::Frozen, false));
        // RFC 8445 §6.1.4.2 serves triggered checks first, and peer-reflexive pairs outrank
        // every signalled one. Behind two port-dependent mappings with open filtering, each
        // check leaves from a new port, the peer learns a new peer-reflexive candidate and
        // checks it back, without end: served strictly by that order, the churn would starve
        // the signalled pairs (the relay pairs among them) for ever. So after a check of
        // that kind, the next slot goes to the best signalled pair if one waits.
        // Nominations are never delayed.
        let signalled = self
            .best_pair(PairState::Waiting, true)
            .or_else(|| self.best_pair(PairState::Frozen, true));
        let nomination_next = self.list.nomination_next();
        let fair_turn = self.list.last_churn() && !nomination_next && signalled.is_some();
        // `churn`: this slot feeds the churn (a triggered connectivity check, or an ordinary
        // one towards a peer-reflexive candidate).
        let (next, churn) = match (fair_turn, self.list.pop_triggered()) {
            (false, Some((pair, true))) => (Some((pair, CheckKind::Nomination)), false),
            (false, Some((pair, false))) => (Some((pair, CheckKind::Connectivity)), true),
            (true, front) => {
                if let Some(t) = front {
                    self.list.unpop_triggered(t);
                }
                (signalled.map(|p| (p, CheckKind::Connectivity)), false)
            }
            (false, None) => (
                ordinary.map(|p| (p, CheckKind::Connectivity)),
                ordinary.is_some_and(|p| self.remote_is_prflx(p)),
            ),
        };
        self.list.set_last_churn(churn);
        if let Some((pair, kind)) = next {
            // Pace attempts, not successes: a check that cannot start now (client full) is
            // retried a Ta later rather than spinning.
            let ok = self.start_check(now, pair, kind);
            if !ok {
                self.list.requeue(pair, kind == CheckKind::Nomination);
            }
            self.list.schedule(now + self.config.ta);
        }
    }

    /// When pacing next wants to run, if there is anything to check.
    pub(crate) fn next_pace(&self) -> Option<Instant> {
        if self.config.lite || self.checks.is_none() || self.list.in_flight_full() {
            return None;
        }
        let pending = self.list.has_triggered()
            || self.best_pair(PairState::Waiting, false).is_some()
            || self.best_pair(PairState::Frozen, false).is_some();
        pending.then_some(self.list.next_check_at())
    }

    /// Whether `pair`'s remote candidate was learned from a check (peer-reflexive).
    fn remote_is_prflx(&self, pair: usize) -> bool {
        self.list
            .get(pair)
            .is_some_and(|p| self.cands.remote_is_prflx(p))
    }

    /// The highest-priority pair in `state` that this agent may check; with `signalled`,
    /// only pairs towards candidates the peer signalled (not peer-reflexive ones).
    fn best_pair(&self, state: PairState, signalled: bool) -> Option<usize> {
        self.list.best_by(|_, p| {
            p.state == state
                && self.local_sends(p.local)
                && !(signalled && self.cands.remote_is_prflx(p))
        })
    }

    /// Whether checks may leave from local candidate `l`: host and relayed candidates, only
    /// relayed ones under the relay-only policy.
    pub(crate) fn local_sends(&self, l: u8) -> bool {
        self.cands.local_sends(l, self.config.relay_only)
    }

    /// Send one check on `pair`. Returns whether it went out.
    pub(crate) fn start_check(&mut self, now: Instant, pair: usize, kind: CheckKind) -> bool {
        let Some((l, r)) = self.list.get(pair).and_then(|p| self.cands.ends(p)) else {
            return false;
        };
        let path = Path::udp(l.base, r.addr);
        let local_pref = l.local_preference();
        let prflx_priority = priority(CandidateKind::PeerReflexive, local_pref, 1);
        let role = match self.role {
            IceRole::Controlling => Attribute::IceControlling(self.tie_breaker),
            IceRole::Controlled => Attribute::IceControlled(self.tie_breaker),
        };
        let nominate = kind == CheckKind::Nomination;
        let attrs = [
            Attribute::Priority(prflx_priority),
            role,
            Attribute::UseCandidate,
        ];
        let attrs = if nominate { &attrs[..] } else { &attrs[..2] };
        let Some(client) = self.checks.as_mut() else {
            return false;
        };
        let Ok(id) = client.start_request(now, path, Method::BINDING, attrs) else {
            return false;
        };
        self.list.track(InFlight { id, pair, kind });
        if let Some(p) = self.list.get_mut(pair) {
            if kind != CheckKind::Consent && p.state != PairState::Succeeded {
                p.state = PairState::InProgress;
            }
            p.nominating |= nominate;
        }
        true
    }

    /// A response to one of our checks, handed up by the check client (parsed once).
    pub(crate) fn on_check_response(&mut self, now: Instant, r: &Response<'_>) {
        if let Some(check) = self.list.take(r.id) {
            self.check_response(now, check, r);
        }
    }

    /// Checks that ended without a response (timeouts, failures).
    pub(crate) fn drain_check_events(&mut self, _now: Instant) {
        loop {
            let Some(ev) = self.checks.as_mut().and_then(|c| c.poll_event()) else {
                return;
            };
            if let Some(check) = self.list.take(ev.id()) {
                self.check_failed(check);
            }
        }
    }

    fn check_failed(&mut self, check: InFlight) {
        let Some(p) = self.list.get_mut(check.pair) else {
            return;
        };
        p.nominating = false;
        if check.kind != CheckKind::Consent {
            p.state = PairState::Failed;
        }
    }

    fn check_response(&mut self, now: Instant, check: InFlight, r: &Response<'_>) {
        let Some((l, rem)) = self.list.get(check.pair).and_then(|p| self.cands.ends(p)) else {
            return;
        };
        // RFC 8445 §7.2.5.2.1: the response must come from where the request went, to where it
        // came from.
        let symmetric = r.path.remote == rem.addr && r.path.local == l.base;
        if r.error_code() == Some(ErrorCode::ROLE_CONFLICT) {
            let flipped = match self.role {
                IceRole::Controlling => IceRole::Controlled,
                IceRole::Controlled => IceRole::Controlling,
            };
            self.set_role(flipped);
            if let Some(p) = self.list.get_mut(check.pair) {
                p.state = PairState::Waiting;
                p.nominating = false;
            }
            self.list.trigger(check.pair);
            return;
        }
        match (symmetric && r.is_success(), r.mapped_address()) {
            (true, Some(mapped)) => self.check_succeeded(now, check, mapped),
            _ => self.check_failed(check),
        }
    }

    fn check_succeeded(&mut self, now: Instant, check: InFlight, mapped: core::net::SocketAddr) {
        if check.kind == CheckKind::Consent {
            self.consent.confirm(now);
            return;
        }
        let Some((l, rem)) = self.list.get(check.pair).and_then(|p| self.cands.ends(p)) else {
            return;
        };
        let (remote_prio, base) = (rem.priority, l.base);
        let prflx = priority(CandidateKind::PeerReflexive, l.local_preference(), 1);
        // The valid pair's local candidate is the one at the mapped address; an unknown mapped
        // address is a new peer-reflexive candidate (RFC 8445 §7.2.5.3.1), not signalled.
        let local_prio = self.cands.learn_local(mapped, base, prflx);
        let valid_priority = self.pair_prio(local_prio, remote_prio);
        let controlling = self.role == IceRole::Controlling;
        if let Some(p) = self.list.get_mut(check.pair) {
            p.state = PairState::Succeeded;
            p.valid_priority = valid_priority;
            p.nominating = false;
            if (check.kind == CheckKind::Nomination && controlling)
                || (p.nominate_on_success && !controlling)
            {
                p.nominated = true;
            }
        }
        self.first_valid_at.get_or_insert(now);
        self.unfreeze_foundation(check.pair);
        self.select_pair(now);
    }

    /// A success unfreezes the pairs sharing its foundations (RFC 8445 §7.2.5.3.3).
    fn unfreeze_foundation(&mut self, pair: usize) {
        let Some(p) = self.list.get(pair).copied() else {
            return;
        };
        let IceAgent { list, cands, .. } = self;
        for q in list.pairs_mut() {
            if q.state == PairState::Frozen && cands.same_foundations(&p, q) {
                q.state = PairState::Waiting;
            }
        }
    }
}
