//! Turning transaction outcomes into client state and events.

use super::peers::{Perm, CHANNEL_LIFETIME, PERMISSION_LIFETIME, REFRESH_MARGIN};
use super::{Op, State, TurnClient, TurnEvent};
use crate::wire::Attribute;
use core::net::SocketAddr;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Entropy, Instant};
use stun_proto::client::Response;
use stun_proto::wire::attr::{AttrType, ErrorCode};

/// How a transaction ended.
enum Outcome<'r, 'a> {
    Success(&'r Response<'a>),
    Error(Option<ErrorCode>),
}

impl<E: Entropy, const P: usize> TurnClient<E, P> {
    /// A response the transaction layer handed up (parsed once, when it arrived).
    pub(super) fn on_response(&mut self, now: Instant, r: &Response<'_>) {
        let Some(i) = self.ops.iter().position(|(t, _)| *t == r.id) else {
            return;
        };
        let (_, op) = self.ops.swap_remove(i);
        if matches!(op, Op::Allocate) && r.error_code() == Some(ErrorCode::TRY_ALTERNATE) {
            if let Some(Ok(Attribute::AlternateServer(server))) =
                r.message.decode(AttrType::ALTERNATE_SERVER)
            {
                self.state = State::Closed;
                self.emit(TurnEvent::TryAlternate { server });
                return;
            }
        }
        let outcome = if r.is_success() {
            Outcome::Success(r)
        } else {
            Outcome::Error(r.error_code())
        };
        self.on_outcome(now, op, outcome);
    }

    /// Handle every transaction that ended without a response (timeouts, failures).
    pub(super) fn drain_stun(&mut self, now: Instant) {
        while let Some(ev) = self.stun.poll_event() {
            let id = ev.id();
            let Some(i) = self.ops.iter().position(|(t, _)| *t == id) else {
                continue;
            };
            let (_, op) = self.ops.swap_remove(i);
            self.on_outcome(now, op, Outcome::Error(None));
        }
    }

    fn on_outcome(&mut self, now: Instant, op: Op, outcome: Outcome<'_, '_>) {
        match op {
            Op::Allocate => self.on_allocate(now, outcome),
            Op::Refresh { delete } => self.on_refresh(now, delete, outcome),
            Op::Permission(ip) => self.on_permission(now, ip, outcome),
            Op::Channel(peer) => self.on_channel(now, peer, outcome),
            Op::Connect(peer) => {
                let ev = match outcome {
                    Outcome::Success(r) => match r.message.decode(AttrType::CONNECTION_ID) {
                        Some(Ok(Attribute::ConnectionId(connection))) => {
                            TurnEvent::PeerConnected { peer, connection }
                        }
                        _ => TurnEvent::ConnectFailed { peer, code: None },
                    },
                    Outcome::Error(code) => TurnEvent::ConnectFailed { peer, code },
                };
                self.emit(ev);
            }
            Op::ConnectionBind(connection) => {
                let ev = match outcome {
                    Outcome::Success(_) => TurnEvent::ConnectionBound { connection },
                    Outcome::Error(code) => TurnEvent::ConnectionBindFailed { connection, code },
                };
                self.emit(ev);
            }
        }
    }

    fn on_allocate(&mut self, now: Instant, outcome: Outcome<'_, '_>) {
        let granted = match outcome {
            Outcome::Success(r) => {
                let m = r.message;
                let relayed = match m.decode(AttrType::XOR_RELAYED_ADDRESS) {
                    Some(Ok(Attribute::XorRelayedAddress(a))) => Some(a),
                    _ => None,
                };
                let lifetime = match m.decode(AttrType::LIFETIME) {
                    Some(Ok(Attribute::Lifetime(l))) => l,
                    _ => 600,
                };
                relayed.map(|a| (a, r.mapped_address(), lifetime))
            }
            Outcome::Error(code) => {
                self.state = State::Closed;
                self.emit(TurnEvent::AllocationFailed { code });
                return;
            }
        };
        let Some((relayed, mapped, lifetime)) = granted else {
            self.state = State::Closed;
            self.emit(TurnEvent::AllocationFailed { code: None });
            return;
        };
        self.state = State::Allocated;
        self.relayed = Some(relayed);
        self.mapped = mapped;
        let lifetime = self.set_lifetime(now, lifetime);
        self.emit(TurnEvent::Allocated {
            relayed,
            mapped,
            lifetime,
        });
    }

    /// Schedule expiry and the next refresh for a lifetime of `secs`.
    fn set_lifetime(&mut self, now: Instant, secs: u32) -> Duration {
        let lifetime = Duration::from_secs(u64::from(secs));
        let margin = REFRESH_MARGIN.min(lifetime / 4);
        self.expires = now + lifetime;
        self.refresh_at = now + (lifetime - margin);
        lifetime
    }

    fn on_refresh(&mut self, now: Instant, delete: bool, outcome: Outcome<'_, '_>) {
        match (delete, outcome) {
            // RFC 8656 §7.3: 437 to a deleting Refresh means it is already gone.
            (true, Outcome::Success(_))
            | (true, Outcome::Error(Some(ErrorCode::ALLOCATION_MISMATCH))) => {
                self.lost(TurnEvent::Deleted)
            }
            (true, Outcome::Error(_)) => {
                self.state = State::Allocated;
                self.emit(TurnEvent::RefreshFailed { code: None });
            }
            (false, Outcome::Success(r)) => {
                let secs = match r.message.decode(AttrType::LIFETIME) {
                    Some(Ok(Attribute::Lifetime(l))) => l,
                    _ => 600,
                };
                let lifetime = self.set_lifetime(now, secs);
                self.emit(TurnEvent::Refreshed { lifetime });
            }
            (false, Outcome::Error(Some(ErrorCode::ALLOCATION_MISMATCH))) => {
                self.lost(TurnEvent::Expired)
            }
            (false, Outcome::Error(code)) => {
                // Try again halfway to expiry.
                let left = self.expires.saturating_duration_since(now);
                self.refresh_at = now + left / 2;
                self.emit(TurnEvent::RefreshFailed { code });
            }
        }
    }

    fn on_permission(&mut self, now: Instant, ip: core::net::IpAddr, outcome: Outcome<'_, '_>) {
        let Some(p) = self.perms.iter_mut().find(|p| p.ip == ip) else {
            return;
        };
        p.in_flight = false;
        match outcome {
            Outcome::Success(_) => {
                let first = !p.installed;
                p.installed = true;
                p.refresh_at = now + (PERMISSION_LIFETIME - REFRESH_MARGIN);
                if first {
                    self.emit(TurnEvent::PermissionCreated { peer: ip });
                }
            }
            Outcome::Error(code) => {
                self.perms.retain(|p| p.ip != ip);
                self.emit(TurnEvent::PermissionFailed { peer: ip, code });
            }
        }
    }

    fn on_channel(&mut self, now: Instant, peer: SocketAddr, outcome: Outcome<'_, '_>) {
        let Some(c) = self.chans.iter_mut().find(|c| c.peer == peer) else {
            return;
        };
        c.in_flight = false;
        match outcome {
            Outcome::Success(_) => {
                let first = !c.bound;
                c.bound = true;
                c.expires = now + CHANNEL_LIFETIME;
                c.refresh_at = now + (CHANNEL_LIFETIME - REFRESH_MARGIN);
                let channel = c.number;
                // ChannelBind installs the permission too (RFC 8656 §11.2).
                self.note_permission(now, peer.ip());
                if first {
                    self.emit(TurnEvent::ChannelBound { peer, channel });
                }
            }
            Outcome::Error(code) => {
                self.chans.retain(|c| c.peer != peer);
                self.emit(TurnEvent::ChannelBindFailed { peer, code });
            }
        }
    }

    fn note_permission(&mut self, now: Instant, ip: core::net::IpAddr) {
        let refresh_at = now + (PERMISSION_LIFETIME - REFRESH_MARGIN);
        match self.perms.iter_mut().find(|p| p.ip == ip) {
            Some(p) => {
                p.installed = true;
                if !p.in_flight {
                    p.refresh_at = p.refresh_at.max(refresh_at);
                }
            }
            None => {
                let _ = self.perms.push(Perm {
                    ip,
                    installed: true,
                    in_flight: false,
                    refresh_at,
                });
            }
        }
    }
}
