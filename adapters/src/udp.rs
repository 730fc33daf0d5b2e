//! Driving a sans-IO machine over a tokio UDP socket.

use crate::Clock;
use sansio::{Path, SansIo};
use std::io;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use tokio::net::UdpSocket;

/// Largest datagram read or written.
pub const MAX_DATAGRAM: usize = 65_536;

/// What a machine hands its owner: an event, or application data from a datagram (borrowing
/// the driver's receive buffer).
#[derive(Debug)]
pub enum Output<'a, M: SansIo> {
    /// An event ([`SansIo::poll_event`]).
    Event(M::Event),
    /// Application data a datagram carried ([`SansIo::Data`]), with the path it arrived on.
    Data(Path, M::Data<'a>),
}

/// Run `machine` on `socket` until `on_output` returns `Break`.
///
/// Follows the contract: after every input the driver drains `poll_transmit` (sending each
/// datagram from `socket`, whatever local address the machine chose), then `poll_event`, then
/// sleeps until the next datagram or `poll_timeout`. Datagrams the machine rejects are
/// dropped. `local` is the address reported as `Path::local` for received datagrams.
pub async fn drive<M, T>(
    socket: &UdpSocket,
    local: SocketAddr,
    clock: &Clock,
    machine: &mut M,
    mut on_output: impl FnMut(&mut M, Output<'_, M>) -> ControlFlow<T>,
) -> io::Result<T>
where
    M: SansIo,
{
    let mut out = vec![0u8; MAX_DATAGRAM];
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let now = clock.now();
        while let Some(t) = machine.poll_transmit(now, &mut out) {
            let data = out.get(..t.len).unwrap_or(&[]);
            socket.send_to(data, t.path.remote).await?;
        }
        while let Some(ev) = machine.poll_event() {
            if let ControlFlow::Break(v) = on_output(machine, Output::Event(ev)) {
                return Ok(v);
            }
        }
        let deadline = machine.poll_timeout().map(|t| clock.to_std(t));
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                let (n, from) = r?;
                let path = Path::udp(local, from);
                let data = buf.get(..n).unwrap_or(&[]);
                if let Ok(Some(up)) = machine.handle_datagram(clock.now(), path, data) {
                    if let ControlFlow::Break(v) = on_output(machine, Output::Data(path, up)) {
                        return Ok(v);
                    }
                }
            }
            _ = sleep_until(deadline) => machine.handle_timeout(clock.now()),
        }
    }
}

async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}
