//! The candidate table: our candidates and the peer's, indexed by `u8` from the pairs.

use super::IceError;
use crate::candidate::{Candidate, CandidateKind};
use crate::pair::Pair;
use core::net::SocketAddr;

/// Local and remote candidates, and whether the peer signalled its last one.
///
/// Indices are stable: a candidate is never removed while pairs refer to it (a restart
/// clears the remote side together with the pairs; a stale peer-reflexive remote candidate
/// is replaced in place).
#[derive(Clone, Debug)]
pub(crate) struct Candidates<const C: usize> {
    local: heapless::Vec<Candidate, C>,
    remote: heapless::Vec<Candidate, C>,
    /// The peer signalled end-of-candidates.
    remote_done: bool,
}

impl<const C: usize> Candidates<C> {
    /// An empty table.
    pub(crate) const fn new() -> Self {
        Candidates {
            local: heapless::Vec::new(),
            remote: heapless::Vec::new(),
            remote_done: false,
        }
    }

    /// Our candidates.
    pub(crate) fn local(&self) -> &[Candidate] {
        &self.local
    }

    /// The peer's candidates (signalled and peer-reflexive).
    pub(crate) fn remote(&self) -> &[Candidate] {
        &self.remote
    }

    /// Both ends of `p`.
    pub(crate) fn ends(&self, p: &Pair) -> Option<(&Candidate, &Candidate)> {
        let l = self.local.get(usize::from(p.local))?;
        let r = self.remote.get(usize::from(p.remote))?;
        Some((l, r))
    }

    /// Whether `a` and `b` join candidates of the same foundations.
    pub(crate) fn same_foundations(&self, a: &Pair, b: &Pair) -> bool {
        match (self.ends(a), self.ends(b)) {
            (Some((al, ar)), Some((bl, br))) => {
                al.foundation == bl.foundation && ar.foundation == br.foundation
            }
            _ => false,
        }
    }

    /// Add a local candidate unless one with the same address and base exists: its index,
    /// and whether it is new.
    pub(crate) fn add_local(&mut self, c: Candidate) -> Result<(usize, bool), IceError> {
        if let Some(i) = self
            .local
            .iter()
            .position(|l| l.addr == c.addr && l.base == c.base)
        {
            return Ok((i, false));
        }
        if self.local.len() >= usize::from(u8::MAX) {
            return Err(IceError::TooManyCandidates);
        }
        self.local
            .push(c)
            .map_err(|_| IceError::TooManyCandidates)?;
        Ok((self.local.len() - 1, true))
    }

    /// The priority of our candidate at `mapped`, learning it as peer-reflexive (not
    /// signalled, RFC 8445 §7.2.5.3.1) with `prflx_priority` when it is unknown.
    pub(crate) fn learn_local(
        &mut self,
        mapped: SocketAddr,
        base: SocketAddr,
        prflx_priority: u32,
    ) -> u32 {
        if let Some(c) = self.local.iter().find(|c| c.addr == mapped) {
            return c.priority;
        }
        let _ = self
            .local
            .push(Candidate::peer_reflexive(mapped, base, prflx_priority));
        prflx_priority
    }

    /// The local preference of the host candidate at `base` (65535 if unknown).
    pub(crate) fn preference_of(&self, base: SocketAddr) -> u16 {
        self.local
            .iter()
            .find(|c| c.base == base)
            .map_or(65535, Candidate::local_preference)
    }

    /// Whether one of our candidates has the address `addr`.
    pub(crate) fn has_local(&self, addr: SocketAddr) -> bool {
        self.local.iter().any(|c| c.addr == addr)
    }

    /// The host or relayed candidate (one that sends) whose base is `base`.
    pub(crate) fn sending_local(&self, base: SocketAddr) -> Option<usize> {
        self.local.iter().position(|c| {
            c.base == base && matches!(c.kind, CandidateKind::Host | CandidateKind::Relayed)
        })
    }

    /// Whether checks may leave from local candidate `l`: host and relayed candidates, only
    /// relayed ones under the relay-only policy.
    pub(crate) fn local_sends(&self, l: u8, relay_only: bool) -> bool {
        self.local
            .get(usize::from(l))
            .is_some_and(|c| match c.kind {
                CandidateKind::Host => !relay_only,
                CandidateKind::Relayed => true,
                _ => false,
            })
    }

    /// Add a signalled remote candidate: `Some(index)` when new, `None` when its address was
    /// known (a signalled candidate replaces a peer-reflexive one learned from a check).
    pub(crate) fn add_remote(&mut self, c: Candidate) -> Result<Option<usize>, IceError> {
        if let Some(existing) = self.remote.iter_mut().find(|r| r.addr == c.addr) {
            if existing.kind == CandidateKind::PeerReflexive {
                *existing = c;
            }
            return Ok(None);
        }
        if self.remote.len() >= usize::from(u8::MAX) {
            return Err(IceError::TooManyCandidates);
        }
        self.remote
            .push(c)
            .map_err(|_| IceError::TooManyCandidates)?;
        Ok(Some(self.remote.len() - 1))
    }

    /// The remote candidate at `addr`.
    pub(crate) fn remote_index(&self, addr: SocketAddr) -> Option<usize> {
        self.remote.iter().position(|r| r.addr == addr)
    }

    /// Add a peer-reflexive remote candidate; `None` when the table is full.
    pub(crate) fn push_remote(&mut self, c: &Candidate) -> Option<usize> {
        self.remote.push(c.clone()).ok()?;
        Some(self.remote.len() - 1)
    }

    /// The oldest peer-reflexive remote candidate other than `in_use`.
    pub(crate) fn stale_remote(&self, in_use: Option<usize>) -> Option<usize> {
        self.remote
            .iter()
            .enumerate()
            .find(|(i, r)| Some(*i) != in_use && r.kind == CandidateKind::PeerReflexive)
            .map(|(i, _)| i)
    }

    /// Put `c` at remote index `i`.
    pub(crate) fn replace_remote(&mut self, i: usize, c: Candidate) -> Option<()> {
        *self.remote.get_mut(i)? = c;
        Some(())
    }

    /// Whether `p`'s remote candidate was learned from a check (peer-reflexive).
    pub(crate) fn remote_is_prflx(&self, p: &Pair) -> bool {
        self.remote
            .get(usize::from(p.remote))
            .is_some_and(|r| r.kind == CandidateKind::PeerReflexive)
    }

    /// Forget every candidate, ours and the peer's (the agent starts over).
    pub(crate) fn clear(&mut self) {
        self.local.clear();
        self.clear_remote();
    }

    /// Forget the peer's candidates (ICE restart).
    pub(crate) fn clear_remote(&mut self) {
        self.remote.clear();
        self.remote_done = false;
    }

    /// The peer signalled end-of-candidates.
    pub(crate) fn set_remote_done(&mut self) {
        self.remote_done = true;
    }

    /// Whether the peer signalled end-of-candidates.
    pub(crate) fn remote_done(&self) -> bool {
        self.remote_done
    }
}
