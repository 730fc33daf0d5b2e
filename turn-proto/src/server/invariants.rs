//! Consistency checks over the server's tables, for property tests and fuzzers.

use super::allocation::Phase;
use super::tables::{Map, Tables};
use super::TurnServer;
use stun_proto::auth::KeyLookup;

impl<L: KeyLookup, E: sansio::Entropy, T: Tables> TurnServer<L, E, T> {
    /// Check that the tables agree with each other and respect the configured limits;
    /// `Err` names the first broken invariant. Costs O(allocations + connections).
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        let mut result = Ok(());
        let fail = |r: &mut Result<(), &'static str>, msg| {
            if r.is_ok() {
                *r = Err(msg);
            }
        };
        let (mut active, mut pending, mut users) = (0usize, 0usize, 0usize);
        let mut held_connections = 0usize;
        self.allocations.for_each(|client, a| {
            match a.phase {
                Phase::Active => {
                    active += 1;
                    if self.relays.get(&a.relay) != Some(client) {
                        fail(&mut result, "active allocation missing from the relay map");
                    }
                }
                Phase::Pending(id) => {
                    pending += 1;
                    if self.pending.get(&id) != Some(client) {
                        fail(
                            &mut result,
                            "pending allocation missing from the pending map",
                        );
                    }
                }
            }
            if a.permissions.len() > self.config.max_permissions {
                fail(&mut result, "permissions over the limit");
            }
            if a.channels.len() > self.config.max_channels {
                fail(&mut result, "channels over the limit");
            }
            if a.connections > self.config.max_connections {
                fail(&mut result, "connections over the limit");
            }
            held_connections += a.connections;
        });
        self.users.for_each(|_, n| users += n);
        if self.relays.len() != active {
            fail(&mut result, "relay map and active allocations disagree");
        }
        if self.pending.len() != pending {
            fail(&mut result, "pending map and pending allocations disagree");
        }
        if users != self.allocations.len() {
            fail(&mut result, "user counts and allocations disagree");
        }
        if self.allocations.len() > self.config.max_allocations {
            fail(&mut result, "allocations over the limit");
        }
        let mut owned = 0usize;
        self.connections.for_each(|_, c| {
            if self.allocations.get(&c.control).is_some() {
                owned += 1;
            }
        });
        if owned != held_connections {
            fail(&mut result, "connection counts disagree");
        }
        result
    }
}
