//! Criterion benchmarks live in `benches/`; this library holds what they share: a counting
//! global allocator, so that every bench can assert (not only print) that our hot paths
//! allocate nothing. A bench opts in with
//! `#[global_allocator] static GLOBAL: bench::Counting = bench::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    // Per thread, so that what another thread allocates meanwhile (the test harness, a
    // parallel test) is not charged to the code measured. Const-initialised without a
    // destructor: reading it never allocates.
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: during thread teardown the slot may be gone; such allocations are not ours.
    let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
}

fn counted() -> usize {
    ALLOCS.try_with(Cell::get).unwrap_or(0)
}

/// The system allocator, counting allocations (not frees) per thread.
#[derive(Debug)]
pub struct Counting;

// SAFETY: forwards every call unchanged to the system allocator; the counter is a
// thread-local cell that never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(p, l, new) }
    }
}

/// Heap allocations made by this thread per call of `f`, over `calls` calls after one warm-up call (lazy
/// statics, first-use buffers). Meaningful only when [`Counting`] is the global allocator.
pub fn allocations_per_call(calls: usize, mut f: impl FnMut()) -> f64 {
    f();
    let before = counted();
    for _ in 0..calls {
        f();
    }
    (counted() - before) as f64 / calls.max(1) as f64
}

/// Print the allocations per call of `f` (over `calls` calls) and panic unless there are
/// none: for our own hot paths, which must not touch the heap.
pub fn assert_no_allocations(label: &str, calls: usize, f: impl FnMut()) {
    let n = allocations_per_call(calls, f);
    println!("allocations per op  {label:<44} {n:.2}");
    assert!(
        n == 0.0,
        "{label} allocated {n} times per call on a hot path"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    #[test]
    fn counts_allocations() {
        assert_eq!(
            allocations_per_call(10, || drop(std::hint::black_box(vec![1u8]))),
            1.0
        );
        assert_eq!(allocations_per_call(10, || {}), 0.0);
    }

    #[test]
    #[should_panic(expected = "allocated")]
    fn an_allocating_hot_path_fails() {
        assert_no_allocations("boxes", 10, || drop(std::hint::black_box(Box::new(1u8))));
    }
}
