//! Starting an agent over where it lives, for owners that keep one agent in a `static` (a
//! microcontroller's peer connection) and must not build a second one on the stack.

use super::{consent, gather, IceAgent};
use crate::agent::IceConfig;
use crate::event::{IceRole, IceState};
use sansio::{Entropy, Forked, Instant};
use stun_proto::auth::IntegrityKey;

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
    /// Make this agent what [`new`](Self::new) with the same arguments makes, in place: fresh
    /// credentials and tie-breaker from `entropy`, no candidates, pairs, checks, events or
    /// TURN allocations. Nothing is sent: call [`release_relays`](Self::release_relays) first
    /// to delete allocations on the server.
    pub fn reset(&mut self, config: IceConfig, role: IceRole, mut entropy: E) {
        let config = config.keep_turn_servers::<R>();
        // The same draws from `entropy`, in the same order, as `new`.
        self.local_creds = crate::agent::IceCredentials::random(&mut entropy);
        self.local_key = IntegrityKey::short_term(self.local_creds.pwd.as_bytes());
        self.tie_breaker = entropy.next_u64();
        self.gatherer = gather::Gatherer::new(&config, Forked::new(entropy.clone(), 1));
        self.role = if config.lite {
            IceRole::Controlled
        } else {
            role
        };
        self.config = config;
        self.remote_creds = None;
        self.remote_lite = false;
        self.restarts = 0;
        self.cands.clear();
        self.list.reset();
        self.checks = None;
        self.responses = sansio::TransmitQueue::new();
        self.state = IceState::New;
        self.selected = None;
        self.previous = None;
        self.first_valid_at = None;
        self.consent = consent::Consent::idle();
        self.events.clear();
        self.relays.clear();
        self.now = Instant::ZERO;
        self.entropy = entropy;
    }
}
