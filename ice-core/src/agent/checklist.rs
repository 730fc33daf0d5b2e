//! The check list (RFC 8445 §6.1.2): the candidate pairs, the triggered-check queue, the
//! checks in flight and the pacing clock.

use super::InFlight;
use crate::pair::{Pair, PairState};
use sansio::Instant;
use stun_proto::wire::TransactionId;

/// Pairs and the checks on them. `P` pairs, `T` checks in flight.
#[derive(Clone, Debug)]
pub(crate) struct CheckList<const P: usize, const T: usize> {
    pairs: heapless::Vec<Pair, P>,
    /// Triggered checks, `(pair, nominate)`; a slot per pair, so nothing is refused.
    triggered: heapless::Deque<(usize, bool), P>,
    /// The last paced check was triggered or went to a peer-reflexive candidate (the next
    /// slot then goes to a signalled pair if one waits).
    last_churn: bool,
    in_flight: heapless::Vec<InFlight, T>,
    /// When the next paced check may leave (Ta after the last).
    next_check_at: Instant,
}

impl<const P: usize, const T: usize> CheckList<P, T> {
    /// An empty list.
    pub(crate) const fn new() -> Self {
        CheckList {
            pairs: heapless::Vec::new(),
            triggered: heapless::Deque::new(),
            last_churn: false,
            in_flight: heapless::Vec::new(),
            next_check_at: Instant::ZERO,
        }
    }

    /// The pairs, by index.
    pub(crate) fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// The pairs, to update their states.
    pub(crate) fn pairs_mut(&mut self) -> &mut [Pair] {
        &mut self.pairs
    }

    /// Pair `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&Pair> {
        self.pairs.get(i)
    }

    /// Pair `i`, to update.
    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut Pair> {
        self.pairs.get_mut(i)
    }

    /// The index of the pair joining local `l` and remote `r`.
    pub(crate) fn find(&self, l: u8, r: u8) -> Option<usize> {
        self.pairs
            .iter()
            .position(|p| p.local == l && p.remote == r)
    }

    /// Add a pair; its index, `None` when the list is full.
    pub(crate) fn push(&mut self, pair: Pair) -> Option<usize> {
        self.pairs.push(pair).ok()?;
        Some(self.pairs.len() - 1)
    }

    /// Whether any pair is nominated or being nominated.
    pub(crate) fn nominating(&self) -> bool {
        self.pairs.iter().any(|p| p.nominated || p.nominating)
    }

    /// The highest-priority pair for which `pick` holds.
    pub(crate) fn best_by(&self, mut pick: impl FnMut(usize, &Pair) -> bool) -> Option<usize> {
        self.pairs
            .iter()
            .enumerate()
            .filter(|(i, p)| pick(*i, p))
            .max_by_key(|(_, p)| p.priority)
            .map(|(i, _)| i)
    }

    /// The valid pair with the highest valid priority (with `nominated`, only nominated ones).
    pub(crate) fn best_valid(&self, nominated: bool) -> Option<usize> {
        self.pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_valid() && (p.nominated || !nominated))
            .max_by_key(|(_, p)| p.valid_priority)
            .map(|(i, _)| i)
    }

    /// Queue a triggered check of `pair` (RFC 8445 §7.3.1.4) unless one is queued. The queue
    /// has a slot per pair, so nothing is refused; were it full, the pair would still be
    /// checked on its ordinary turn.
    pub(crate) fn trigger(&mut self, pair: usize) {
        if !self.triggered.iter().any(|(i, _)| *i == pair) {
            self.triggered.push_back((pair, false)).ok();
        }
    }

    /// Nominate `pair` next, ahead of every other triggered check, and as soon as possible.
    pub(crate) fn nominate_next(&mut self, now: Instant, pair: usize) {
        if let Some(p) = self.pairs.get_mut(pair) {
            p.nominating = true;
        }
        let _ = self.triggered.push_front((pair, true));
        self.next_check_at = self.next_check_at.min(now);
    }

    /// Whether the next triggered check is a nomination.
    pub(crate) fn nomination_next(&self) -> bool {
        self.triggered
            .front()
            .is_some_and(|(_, nominate)| *nominate)
    }

    /// Take the next triggered check.
    pub(crate) fn pop_triggered(&mut self) -> Option<(usize, bool)> {
        self.triggered.pop_front()
    }

    /// Put a triggered check back at the front (its turn went to another pair).
    pub(crate) fn unpop_triggered(&mut self, t: (usize, bool)) {
        let _ = self.triggered.push_front(t);
    }

    /// Retry a check that could not start, at the back of the queue.
    pub(crate) fn requeue(&mut self, pair: usize, nominate: bool) {
        let _ = self.triggered.push_back((pair, nominate));
    }

    /// Whether a triggered check waits.
    pub(crate) fn has_triggered(&self) -> bool {
        !self.triggered.is_empty()
    }

    /// Whether the last paced check fed the peer-reflexive churn.
    pub(crate) fn last_churn(&self) -> bool {
        self.last_churn
    }

    /// Record whether this paced check feeds the churn.
    pub(crate) fn set_last_churn(&mut self, churn: bool) {
        self.last_churn = churn;
    }

    /// Whether every transaction slot is taken.
    pub(crate) fn in_flight_full(&self) -> bool {
        self.in_flight.is_full()
    }

    /// A check went out.
    pub(crate) fn track(&mut self, check: InFlight) {
        let _ = self.in_flight.push(check);
    }

    /// The check of transaction `id`, no longer in flight.
    pub(crate) fn take(&mut self, id: TransactionId) -> Option<InFlight> {
        let i = self.in_flight.iter().position(|f| f.id == id)?;
        Some(self.in_flight.swap_remove(i))
    }

    /// Forget every check in flight (a new check client).
    pub(crate) fn clear_in_flight(&mut self) {
        self.in_flight.clear();
    }

    /// Pair `i` starts over: answers to checks already sent must not count for it.
    pub(crate) fn forget_checks_of(&mut self, i: usize) {
        self.in_flight.retain(|f| f.pair != i);
        self.triggered.retain(|(t, _)| *t != i);
    }

    /// Whether pacing allows a check at `now`.
    pub(crate) fn may_check(&self, now: Instant) -> bool {
        now >= self.next_check_at && !self.in_flight.is_full()
    }

    /// When the next paced check may leave.
    pub(crate) fn next_check_at(&self) -> Instant {
        self.next_check_at
    }

    /// The next paced check leaves at `at`.
    pub(crate) fn schedule(&mut self, at: Instant) {
        self.next_check_at = at;
    }

    /// Forget every pair and check (ICE restart).
    pub(crate) fn clear(&mut self) {
        self.pairs.clear();
        self.triggered.clear();
        self.in_flight.clear();
    }

    /// Back to what [`new`](Self::new) makes (the agent starts over).
    pub(crate) fn reset(&mut self) {
        self.clear();
        self.last_churn = false;
        self.next_check_at = Instant::ZERO;
    }

    /// Whether no pair exists.
    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Whether every pair failed (true when there is none).
    pub(crate) fn all_failed(&self) -> bool {
        self.pairs.iter().all(|p| p.state == PairState::Failed)
    }
}
