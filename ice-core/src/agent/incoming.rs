//! Answering connectivity checks (RFC 8445 §7.3): authentication, role conflicts, triggered
//! checks, peer-reflexive candidates and nomination by the peer.

use super::{IceAgent, RESPONSE};
use crate::candidate::Candidate;
use crate::event::IceRole;
use crate::pair::PairState;
use sansio::{Entropy, Instant, Path, Rejected};
use stun_proto::auth::IntegrityKey;
use stun_proto::wire::attr::{Attribute, ErrorCode};
use stun_proto::wire::{Class, EmitError, Message, MessageBuilder, Method};

/// What the request asked for.
struct Check {
    priority: Option<u32>,
    use_candidate: bool,
    controlling: Option<u64>,
    controlled: Option<u64>,
}

fn read(msg: &Message<'_>) -> Check {
    Check {
        priority: msg.priority(),
        use_candidate: msg.use_candidate(),
        controlling: msg.ice_controlling(),
        controlled: msg.ice_controlled(),
    }
}

enum Reply {
    Success,
    Error(ErrorCode),
}

fn build(
    msg: &Message<'_>,
    path: Path,
    reply: &Reply,
    key: Option<&IntegrityKey>,
    buf: &mut [u8],
) -> Result<usize, EmitError> {
    let class = if matches!(reply, Reply::Success) {
        Class::Success
    } else {
        Class::Error
    };
    let mut b = MessageBuilder::new(
        buf,
        msg.message_type().with_class(class),
        msg.transaction_id(),
    )?;
    match reply {
        Reply::Success => b.add(&Attribute::XorMappedAddress(path.remote))?,
        Reply::Error(code) => b.add(&Attribute::ErrorCode(*code, code.reason()))?,
    }
    if let Some(k) = key {
        b.add_message_integrity(k)?;
    }
    b.add_fingerprint()?;
    Ok(b.finish())
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
    /// Handle a Binding request for this agent; `NotForUs` for anything else.
    pub(crate) fn handle_check_request(
        &mut self,
        now: Instant,
        path: Path,
        msg: &Message<'_>,
    ) -> Result<(), Rejected> {
        if msg.class() != Class::Request || msg.method() != Method::BINDING {
            return Err(Rejected::NotForUs);
        }
        let username = msg.username();
        let ours = username.and_then(|u| u.split_once(':')).map(|(l, _)| l);
        if ours != Some(self.local_creds.ufrag.as_str()) {
            return Err(Rejected::NotForUs);
        }
        if msg.fingerprint_offset().is_some() && !msg.fingerprint_ok() {
            return Err(Rejected::Malformed);
        }
        if self.local_key.verify(msg).is_err() {
            self.respond_to_check(msg, path, Reply::Error(ErrorCode::UNAUTHENTICATED));
            return Err(Rejected::Unauthenticated);
        }
        let check = read(msg);
        if self.resolve_role_conflict(&check) {
            self.respond_to_check(msg, path, Reply::Error(ErrorCode::ROLE_CONFLICT));
            return Ok(());
        }
        self.respond_to_check(msg, path, Reply::Success);
        self.learn_from_check(now, path, &check);
        Ok(())
    }

    /// RFC 8445 §7.3.1.1. Returns true when the request must be answered with 487.
    fn resolve_role_conflict(&mut self, check: &Check) -> bool {
        match (self.role, check.controlling, check.controlled) {
            (IceRole::Controlling, Some(theirs), _) => {
                if self.tie_breaker >= theirs {
                    return true;
                }
                self.set_role(IceRole::Controlled);
            }
            (IceRole::Controlled, _, Some(theirs)) => {
                if self.tie_breaker >= theirs {
                    self.set_role(IceRole::Controlling);
                } else {
                    return true;
                }
            }
            _ => {}
        }
        false
    }

    fn respond_to_check(&mut self, msg: &Message<'_>, path: Path, reply: Reply) {
        let mut buf = [0u8; RESPONSE];
        let key = match reply {
            Reply::Error(ErrorCode::UNAUTHENTICATED) => None,
            _ => Some(&self.local_key),
        };
        if let Ok(len) = build(msg, path, &reply, key, &mut buf) {
            // A full queue drops this answer (counted); the peer retransmits its check.
            self.responses.push(path, buf.get(..len).unwrap_or(&[]));
        }
    }

    /// Update candidates, pairs, triggered checks and nomination from an authenticated check.
    fn learn_from_check(&mut self, now: Instant, path: Path, check: &Check) {
        let Some(local) = self.cands.sending_local(path.local) else {
            return;
        };
        let remote = match self.cands.remote_index(path.remote) {
            Some(r) => r,
            None => {
                // RFC 8445 §7.3.1.3: a peer-reflexive remote candidate.
                let prio = check.priority.unwrap_or(0);
                let c = Candidate::peer_reflexive(path.remote, path.remote, prio);
                match self.cands.push_remote(&c) {
                    Some(i) => i,
                    // Full: a NAT that keeps changing ports (mappings expiring) must not fill the
                    // table with dead peer-reflexive candidates and lock the agent out.
                    None => match self.replace_stale_remote(c) {
                        Some(i) => i,
                        None => return,
                    },
                }
            }
        };
        let Some(pair) = self.add_pair(local, remote) else {
            return;
        };
        let controlled = self.role == IceRole::Controlled;
        let lite = self.config.lite;
        // Recovery: a controlled agent that lost consent follows the pair the controlling peer
        // keeps checking (its consent checks travel on the pair it selected), once our own
        // triggered check validates it. This survives a NAT rebinding on the controlling side,
        // which the controlling agent cannot see, without an ICE restart.
        let follow = controlled && self.state == crate::event::IceState::Disconnected;
        let use_candidate = check.use_candidate || follow;
        let Some(p) = self.list.get_mut(pair) else {
            return;
        };
        if lite {
            // A lite agent never checks: a check it answered makes the pair valid.
            p.state = PairState::Succeeded;
            p.valid_priority = p.priority;
            p.nominated |= use_candidate;
        } else {
            if use_candidate && controlled {
                if p.state == PairState::Succeeded {
                    p.nominated = true;
                } else {
                    p.nominate_on_success = true;
                }
            }
            // RFC 8445 §7.3.1.4: triggered check unless it already succeeded or is in flight.
            if matches!(
                p.state,
                PairState::Frozen | PairState::Waiting | PairState::Failed
            ) {
                p.state = PairState::Waiting;
                self.list.trigger(pair);
            }
        }
        self.select_pair(now);
        self.update_state();
    }
}
