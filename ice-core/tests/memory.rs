//! The agent's memory footprint: everything is inline (no allocator), so `size_of` is the
//! whole story. The numbers are stated in the crate docs; this test keeps them honest.

use ice_core::IceAgent;
use sansio::SeededEntropy;

#[test]
fn agent_sizes_stay_within_the_documented_budget() {
    let small = core::mem::size_of::<IceAgent<SeededEntropy, 4, 8, 4>>();
    let typical = core::mem::size_of::<IceAgent<SeededEntropy, 8, 32, 8>>();
    let default = core::mem::size_of::<IceAgent<SeededEntropy>>();
    println!("IceAgent<_, 4, 8, 4>: {small} bytes");
    println!("IceAgent<_, 8, 32, 8>: {typical} bytes");
    println!("IceAgent<_, 16, 64, 16> (default): {default} bytes");
    assert!(small < 16 * 1024, "{small}");
    assert!(typical < 24 * 1024, "{typical}");
    assert!(default < 36 * 1024, "{default}");
}
