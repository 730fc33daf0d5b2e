//! The bounded event queue every machine reports through, with one overflow rule.

use core::fmt;

/// A fixed-capacity FIFO of events with the workspace's one overflow rule.
///
/// * [`push`](EventQueue::push) — an ordinary event (an outcome the owner could also read as
///   state, a statistic, a notice). When the queue is full the **new** event is dropped and
///   counted in [`dropped`](EventQueue::dropped): the owner keeps the oldest, unread events
///   and learns how many it missed.
/// * [`push_critical`](EventQueue::push_critical) — an event that releases or requests a
///   resource (close this relay socket, open one, a connection ended). It is never dropped:
///   when the queue is full it evicts the oldest *ordinary* event (counted as dropped). Only
///   when all `N` slots already hold critical events does it hand the event back, and the
///   machine must keep it as state and push it again later.
///
/// So an owner that stops draining loses notices, never a resource. Size `N` for the
/// burst one input can cause; machines document theirs.
pub struct EventQueue<E, const N: usize> {
    slots: [Option<(E, bool)>; N],
    head: usize,
    len: usize,
    dropped: u64,
}

impl<E, const N: usize> EventQueue<E, N> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            slots: core::array::from_fn(|_| None),
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    /// Queue an ordinary event; `false` if the queue was full and the event was dropped (and
    /// counted).
    pub fn push(&mut self, event: E) -> bool {
        if self.len == N {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        }
        self.put(event, false);
        true
    }

    /// Queue an event that must not be lost, evicting the oldest ordinary event when full.
    ///
    /// `Err(event)` only when all `N` slots hold critical events: keep it and push it again.
    pub fn push_critical(&mut self, event: E) -> Result<(), E> {
        if self.len == N && !self.evict_oldest_ordinary() {
            return Err(event);
        }
        self.put(event, true);
        Ok(())
    }

    /// The oldest event.
    pub fn pop(&mut self) -> Option<E> {
        if self.len == 0 {
            return None;
        }
        let slot = self.slots.get_mut(self.head).and_then(Option::take);
        self.head = (self.head + 1) % N.max(1);
        self.len -= 1;
        slot.map(|(e, _)| e)
    }

    /// The oldest event, left in place.
    pub fn peek(&self) -> Option<&E> {
        self.iter().next()
    }

    /// Events queued, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &E> + '_ {
        (0..self.len).filter_map(move |i| {
            self.slots
                .get((self.head + i) % N.max(1))
                .and_then(Option::as_ref)
                .map(|(e, _)| e)
        })
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No event waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// No room for an ordinary event.
    pub fn is_full(&self) -> bool {
        self.len == N
    }

    /// The capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Ordinary events dropped (full queue) or evicted (by a critical one) so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Forget every queued event (not counted as dropped).
    pub fn clear(&mut self) {
        while self.pop().is_some() {}
    }

    fn put(&mut self, event: E, critical: bool) {
        let tail = (self.head + self.len) % N.max(1);
        if let Some(slot) = self.slots.get_mut(tail) {
            *slot = Some((event, critical));
            self.len += 1;
        }
    }

    /// Remove the oldest ordinary event, closing the gap; `false` if there is none.
    fn evict_oldest_ordinary(&mut self) -> bool {
        let cap = N.max(1);
        let Some(pos) = (0..self.len).find(|i| {
            matches!(
                self.slots.get((self.head + i) % cap),
                Some(Some((_, false)))
            )
        }) else {
            return false;
        };
        // Shift the later events one slot towards the head.
        for i in pos..self.len - 1 {
            let (a, b) = ((self.head + i) % cap, (self.head + i + 1) % cap);
            self.slots.swap(a, b);
        }
        let last = (self.head + self.len - 1) % cap;
        if let Some(slot) = self.slots.get_mut(last) {
            *slot = None;
        }
        self.len -= 1;
        self.dropped = self.dropped.saturating_add(1);
        true
    }
}

impl<E, const N: usize> Default for EventQueue<E, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: fmt::Debug, const N: usize> fmt::Debug for EventQueue<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventQueue")
            .field("events", &DebugIter(self))
            .field("dropped", &self.dropped)
            .finish()
    }
}

struct DebugIter<'q, E, const N: usize>(&'q EventQueue<E, N>);

impl<E: fmt::Debug, const N: usize> fmt::Debug for DebugIter<'_, E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_and_wraparound() {
        let mut q = EventQueue::<u32, 3>::new();
        for round in 0..10 {
            assert!(q.push(round));
            assert!(q.push(round + 100));
            assert_eq!(q.pop(), Some(round));
            assert_eq!(q.pop(), Some(round + 100));
            assert_eq!(q.pop(), None);
        }
        assert_eq!(q.dropped(), 0);
    }

    #[test]
    fn full_queue_drops_the_newest_ordinary_event_and_counts_it() {
        let mut q = EventQueue::<u32, 2>::new();
        assert!(q.push(1));
        assert!(q.push(2));
        assert!(!q.push(3));
        assert_eq!(q.dropped(), 1);
        assert_eq!(q.iter().copied().collect::<heapless::Vec<u32, 4>>(), [1, 2]);
    }

    #[test]
    fn critical_events_evict_the_oldest_ordinary_one() {
        let mut q = EventQueue::<u32, 3>::new();
        q.pop(); // move the head so the shift wraps
        assert!(q.push(1));
        assert!(q.push(2));
        assert_eq!(q.push_critical(10), Ok(()));
        assert_eq!(q.push_critical(11), Ok(()));
        assert_eq!(q.dropped(), 1);
        assert_eq!(q.push_critical(12), Ok(()));
        assert_eq!(q.dropped(), 2);
        // Every slot holds a critical event now: the next one comes back.
        assert_eq!(q.push_critical(13), Err(13));
        assert!(!q.push(3));
        assert_eq!(q.pop(), Some(10));
        assert_eq!(q.pop(), Some(11));
        assert_eq!(q.pop(), Some(12));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn eviction_keeps_order_of_the_rest() {
        let mut q = EventQueue::<u32, 4>::new();
        for _ in 0..3 {
            q.push(0);
            q.pop();
        }
        assert_eq!(q.push_critical(1), Ok(()));
        q.push(2);
        q.push(3);
        q.push(4);
        assert_eq!(q.push_critical(5), Ok(()));
        let got: heapless::Vec<u32, 4> = q.iter().copied().collect();
        assert_eq!(got, [1, 3, 4, 5]);
    }

    #[test]
    fn zero_capacity_refuses_without_panicking() {
        let mut q = EventQueue::<u32, 0>::new();
        assert!(!q.push(1));
        assert_eq!(q.push_critical(2), Err(2));
        assert_eq!(q.pop(), None);
    }
}
