//! The agent's memory footprint: everything is inline (no allocator), so `size_of` is the
//! whole story. The numbers are stated in the crate docs and README; this test keeps them
//! honest.

use ice_core::IceAgent;
use sansio::SeededEntropy;

#[test]
fn agent_sizes_stay_within_the_documented_budget() {
    // Without TURN (R = 0), as on a sensor node talking to a server with a public address.
    let small = core::mem::size_of::<IceAgent<SeededEntropy, 4, 8, 4, 0>>();
    let typical = core::mem::size_of::<IceAgent<SeededEntropy, 8, 32, 8, 0>>();
    // With one TURN allocation.
    let small_turn = core::mem::size_of::<IceAgent<SeededEntropy, 4, 8, 4, 1>>();
    let default = core::mem::size_of::<IceAgent<SeededEntropy>>();
    println!("IceAgent<_, 4, 8, 4, 0>: {small} bytes");
    println!("IceAgent<_, 8, 32, 8, 0>: {typical} bytes");
    println!("IceAgent<_, 4, 8, 4, 1>: {small_turn} bytes");
    println!("IceAgent<_, 16, 64, 16, 1> (default): {default} bytes");
    assert!(small < 13 * 1024, "{small}");
    assert!(typical < 17 * 1024, "{typical}");
    assert!(small_turn < 26 * 1024, "{small_turn}");
    assert!(default < 37 * 1024, "{default}");
}

/// `EV` bounds the event queue: each slot is a whole event, and a full queue keeps the oldest
/// events, drops the newest and counts them.
#[test]
fn the_event_queue_is_sized_by_ev_and_drops_the_newest_when_full() {
    use ice_core::{IceConfig, IceEvent, IceRole, EVENTS};
    use sansio::{Instant, SansIo};
    type Small = IceAgent<SeededEntropy, 4, 8, 4, 0, 0, 2>;
    let full = core::mem::size_of::<IceAgent<SeededEntropy, 4, 8, 4, 0, 0>>();
    let small = core::mem::size_of::<Small>();
    let event = core::mem::size_of::<IceEvent>();
    assert!(
        small + (EVENTS - 2) * event <= full,
        "{small} + {} > {full}",
        (EVENTS - 2) * event
    );

    let mut a: Small = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlling,
        SeededEntropy::new(7),
    );
    let now = Instant::ZERO;
    for port in [5000, 5001, 5002] {
        a.add_host(now, ([127, 0, 0, 1], port).into(), 65535)
            .unwrap();
    }
    assert_eq!(a.events_dropped(), 1);
    let ports: Vec<u16> = core::iter::from_fn(|| a.poll_event())
        .filter_map(|e| match e {
            IceEvent::LocalCandidate(c) => Some(c.addr.port()),
            _ => None,
        })
        .collect();
    assert_eq!(ports, [5000, 5001]);
}
