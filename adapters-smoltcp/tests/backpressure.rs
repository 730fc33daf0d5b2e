//! A burst larger than the socket's send buffer waits in the machine and goes out over the
//! next turns: none of it is dropped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use adapters_smoltcp::smoltcp::time::{Duration, Instant};
use common::{run, sooner, Host};
use sansio::{NoData, Path, Rejected, SansIo, Transmit};

/// Sends `left` datagrams of `size` bytes (the first byte numbers them) to `to`, all at once;
/// counts and checks what arrives.
struct Burst {
    path: Option<Path>,
    left: u8,
    size: usize,
    /// Numbers of the datagrams received, in order.
    got: Vec<u8>,
}

impl SansIo for Burst {
    type Event = ();
    type Data<'a> = NoData;
    fn handle_datagram(
        &mut self,
        _: sansio::Instant,
        _: Path,
        data: &[u8],
    ) -> Result<Option<NoData>, Rejected> {
        assert_eq!(data.len(), self.size, "a datagram arrived cut");
        self.got.push(data[0]);
        Ok(None)
    }
    fn handle_timeout(&mut self, _: sansio::Instant) {}
    fn poll_transmit(&mut self, _: sansio::Instant, out: &mut [u8]) -> Option<Transmit> {
        let path = self.path?;
        self.left = self.left.checked_sub(1)?;
        let out = out.get_mut(..self.size)?;
        out.fill(0xa5);
        out[0] = self.left;
        Some(Transmit {
            path,
            len: self.size,
        })
    }
    fn poll_event(&mut self) -> Option<()> {
        None
    }
    fn poll_timeout(&self) -> Option<sansio::Instant> {
        None
    }
}

fn burst(path: Option<Path>, left: u8) -> Burst {
    Burst {
        path,
        left,
        size: 1000,
        got: Vec::new(),
    }
}

#[test]
fn a_burst_larger_than_the_send_buffer_is_deferred_not_dropped() {
    // Room for two datagrams of 1000 bytes; the machine has 20 ready at once.
    let mut a = Host::with_send_buffer(1, 40_000, 2048);
    let mut b = Host::new(2, 40_001);
    let mut sender = burst(Some(Path::udp(a.addr(), b.addr())), 20);
    let mut receiver = burst(None, 0);
    let mut now = Instant::ZERO;
    let mut deferred_seen = false;
    let done = run(
        &mut a,
        &mut b,
        &mut now,
        Duration::from_secs(2),
        |now, a, b| {
            let wa = a.turn(now, &mut sender, |_| {}, |_| {});
            deferred_seen |= a.driver.backlogged();
            let wb = b.turn(now, &mut receiver, |_| {}, |_| {});
            (sooner(wa, wb), receiver.got.len() == 20)
        },
    );
    let stats = a.driver.stats();
    assert!(done, "{} of 20 arrived: {stats:?}", receiver.got.len());
    assert_eq!(receiver.got, (0..20).rev().collect::<Vec<u8>>());
    assert_eq!(stats.send_dropped, 0, "{stats:?}");
    assert_eq!(stats.sent, 20);
    assert!(deferred_seen && stats.deferred > 0, "{stats:?}");
    assert!(stats.tx_peak <= 2048 && stats.tx_peak >= 1000, "{stats:?}");
    assert!(!a.driver.backlogged());
    assert!(b.driver.stats().rx_peak >= 1000, "{:?}", b.driver.stats());
    // It all went out at once, one datagram a turn: no simulated time passed.
    assert_eq!(now, Instant::ZERO);
}
