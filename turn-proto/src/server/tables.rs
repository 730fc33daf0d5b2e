//! Where the server keeps its state: fixed-capacity tables without an allocator, or hash maps
//! and vectors sized by configuration with `alloc`.
//!
//! The server is generic over [`Tables`], a family of container types, so the same code runs
//! with [`FixedTables`] on a microcontroller (every capacity a const generic, no heap) and
//! with `HeapTables` on an operator's server (hash maps keyed with a random seed, limits
//! from [`TurnConfig`](super::TurnConfig)). Lookups by 5-tuple and by relayed address are
//! O(1) in both.

use core::hash::Hash;
use core::ops::{Deref, DerefMut};

/// A map from `K` to `V`.
pub trait Map<K, V> {
    /// An empty map; `seed` keys the hash function where the map supports it.
    fn with_seed(seed: u64) -> Self;
    /// The value of `k`.
    fn get(&self, k: &K) -> Option<&V>;
    /// The value of `k`, mutably.
    fn get_mut(&mut self, k: &K) -> Option<&mut V>;
    /// Insert or replace; `Err` gives the pair back when the map is full.
    fn insert(&mut self, k: K, v: V) -> Result<Option<V>, (K, V)>;
    /// Remove `k`.
    fn remove(&mut self, k: &K) -> Option<V>;
    /// Number of entries.
    fn len(&self) -> usize;
    /// Whether the map is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether another entry fits.
    fn has_room(&self) -> bool;
    /// Keep only the entries `keep` approves.
    fn retain(&mut self, keep: impl FnMut(&K, &mut V) -> bool);
    /// Call `f` on every entry.
    fn for_each(&self, f: impl FnMut(&K, &V));
}

/// A growable list.
pub trait List<T>: Deref<Target = [T]> + DerefMut {
    /// An empty list.
    fn new_list() -> Self;
    /// Append; `Err` gives the item back when the list is full.
    fn push(&mut self, item: T) -> Result<(), T>;
    /// Remove the item at `i` (moving the last one there); `None` when out of range.
    fn swap_remove_at(&mut self, i: usize) -> Option<T>;
    /// Keep only the items `keep` approves.
    fn retain(&mut self, keep: impl FnMut(&T) -> bool);
}

/// A FIFO queue.
pub trait Queue<T> {
    /// An empty queue.
    fn new_queue() -> Self;
    /// Append; `Err` gives the item back when the queue is full.
    fn push_back(&mut self, item: T) -> Result<(), T>;
    /// Take the oldest item.
    fn pop_front(&mut self) -> Option<T>;
    /// Number of items.
    fn len(&self) -> usize;
    /// Whether the queue is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A family of containers for the server's state.
pub trait Tables {
    /// Maps (allocations by 5-tuple, 5-tuples by relayed address, users, connections).
    type Map<K: Hash + Eq, V>: Map<K, V>;
    /// Per-allocation lists (permissions, channel bindings).
    type List<T>: List<T>;
    /// Queues (events).
    type Queue<T>: Queue<T>;
}

/// Fixed-capacity tables without an allocator: up to `N` allocations (a power of two, at
/// least 2) and up to `L` permissions and `L` channel bindings per allocation.
#[derive(Debug, Clone, Copy, Default)]
pub struct FixedTables<const N: usize, const L: usize>;

impl<const N: usize, const L: usize> Tables for FixedTables<N, L> {
    type Map<K: Hash + Eq, V> = heapless::index_map::FnvIndexMap<K, V, N>;
    type List<T> = heapless::Vec<T, L>;
    type Queue<T> = heapless::Deque<T, N>;
}

impl<K: Hash + Eq, V, const N: usize> Map<K, V> for heapless::index_map::FnvIndexMap<K, V, N> {
    fn with_seed(_seed: u64) -> Self {
        heapless::index_map::FnvIndexMap::new()
    }
    fn get(&self, k: &K) -> Option<&V> {
        heapless::index_map::FnvIndexMap::get(self, k)
    }
    fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        heapless::index_map::FnvIndexMap::get_mut(self, k)
    }
    fn insert(&mut self, k: K, v: V) -> Result<Option<V>, (K, V)> {
        heapless::index_map::FnvIndexMap::insert(self, k, v)
    }
    fn remove(&mut self, k: &K) -> Option<V> {
        // Order is irrelevant here: the table is a hash map, so the O(1) removal is fine.
        heapless::index_map::FnvIndexMap::swap_remove(self, k)
    }
    fn len(&self) -> usize {
        heapless::index_map::FnvIndexMap::len(self)
    }
    fn has_room(&self) -> bool {
        heapless::index_map::FnvIndexMap::len(self) < N
    }
    fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        heapless::index_map::FnvIndexMap::retain(self, |k, v| keep(k, v))
    }
    fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.iter().for_each(|(k, v)| f(k, v))
    }
}

impl<T, const L: usize> List<T> for heapless::Vec<T, L> {
    fn new_list() -> Self {
        heapless::Vec::new()
    }
    fn push(&mut self, item: T) -> Result<(), T> {
        heapless::Vec::push(self, item)
    }
    fn swap_remove_at(&mut self, i: usize) -> Option<T> {
        (i < self.len()).then(|| self.swap_remove(i))
    }
    fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        heapless::Vec::retain(self, |t| keep(t))
    }
}

impl<T, const N: usize> Queue<T> for heapless::Deque<T, N> {
    fn new_queue() -> Self {
        heapless::Deque::new()
    }
    fn push_back(&mut self, item: T) -> Result<(), T> {
        heapless::Deque::push_back(self, item)
    }
    fn pop_front(&mut self) -> Option<T> {
        heapless::Deque::pop_front(self)
    }
    fn len(&self) -> usize {
        heapless::Deque::len(self)
    }
}

#[cfg(feature = "alloc")]
pub use heap::HeapTables;

#[cfg(feature = "alloc")]
mod heap {
    use super::{List, Map, Queue, Tables};
    use alloc::collections::VecDeque;
    use alloc::vec::Vec;
    use core::hash::Hash;
    use foldhash::fast::FixedState;

    /// Heap-backed tables whose sizes the [`TurnConfig`](crate::server::TurnConfig)
    /// limits bound: hash maps keyed with a random seed (so peers cannot aim collisions),
    /// vectors and deques.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct HeapTables;

    impl Tables for HeapTables {
        type Map<K: Hash + Eq, V> = hashbrown::HashMap<K, V, FixedState>;
        type List<T> = Vec<T>;
        type Queue<T> = VecDeque<T>;
    }

    impl<K: Hash + Eq, V> Map<K, V> for hashbrown::HashMap<K, V, FixedState> {
        fn with_seed(seed: u64) -> Self {
            hashbrown::HashMap::with_hasher(FixedState::with_seed(seed))
        }
        fn get(&self, k: &K) -> Option<&V> {
            hashbrown::HashMap::get(self, k)
        }
        fn get_mut(&mut self, k: &K) -> Option<&mut V> {
            hashbrown::HashMap::get_mut(self, k)
        }
        fn insert(&mut self, k: K, v: V) -> Result<Option<V>, (K, V)> {
            Ok(hashbrown::HashMap::insert(self, k, v))
        }
        fn remove(&mut self, k: &K) -> Option<V> {
            hashbrown::HashMap::remove(self, k)
        }
        fn len(&self) -> usize {
            hashbrown::HashMap::len(self)
        }
        fn has_room(&self) -> bool {
            true
        }
        fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
            hashbrown::HashMap::retain(self, |k, v| keep(k, v))
        }
        fn for_each(&self, mut f: impl FnMut(&K, &V)) {
            self.iter().for_each(|(k, v)| f(k, v))
        }
    }

    impl<T> List<T> for Vec<T> {
        fn new_list() -> Self {
            Vec::new()
        }
        fn push(&mut self, item: T) -> Result<(), T> {
            Vec::push(self, item);
            Ok(())
        }
        fn swap_remove_at(&mut self, i: usize) -> Option<T> {
            (i < self.len()).then(|| self.swap_remove(i))
        }
        fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
            Vec::retain(self, |t| keep(t))
        }
    }

    /// Most events held for a caller that does not drain them (a few MB at most).
    pub const MAX_QUEUED_EVENTS: usize = 1 << 16;

    impl<T> Queue<T> for VecDeque<T> {
        fn new_queue() -> Self {
            VecDeque::new()
        }
        fn push_back(&mut self, item: T) -> Result<(), T> {
            if self.len() >= MAX_QUEUED_EVENTS {
                return Err(item);
            }
            VecDeque::push_back(self, item);
            Ok(())
        }
        fn pop_front(&mut self) -> Option<T> {
            VecDeque::pop_front(self)
        }
        fn len(&self) -> usize {
            VecDeque::len(self)
        }
    }
}
