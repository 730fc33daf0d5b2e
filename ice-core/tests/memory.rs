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
