//! The relay port pool: which ports in `min..=max` this server holds, and opening relay
//! sockets on free ones (even ports and reserved pairs for RFC 8656 EVEN-PORT).

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr};

/// Sockets tried before an allocation gives up (each failed bind is one try).
const TRIES: usize = 64;

/// Ports handed out, as a bitmap over the whole port space (8 KiB).
#[derive(Debug)]
pub struct PortPool {
    min: u16,
    max: u16,
    next: u16,
    used: Box<[u64; 1024]>,
}

impl PortPool {
    /// A pool over `min..=max` (`min >= 1`, `min <= max`).
    pub fn new(min: u16, max: u16) -> Self {
        PortPool {
            min,
            max,
            next: min,
            used: Box::new([0; 1024]),
        }
    }

    fn is_used(&self, p: u16) -> bool {
        let (w, b) = (usize::from(p / 64), p % 64);
        self.used.get(w).is_some_and(|x| x & (1 << b) != 0)
    }

    fn set(&mut self, p: u16, on: bool) {
        let (w, b) = (usize::from(p / 64), p % 64);
        if let Some(x) = self.used.get_mut(w) {
            if on {
                *x |= 1 << b;
            } else {
                *x &= !(1 << b);
            }
        }
    }

    /// Ports held.
    pub fn in_use(&self) -> usize {
        self.used.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Give a port back.
    pub fn release(&mut self, port: u16) {
        self.set(port, false);
    }

    /// The next candidate port at or after the cursor, round-robin over the range, free in
    /// the pool and (for `even`) even with a free successor when `pair`.
    fn candidate(&mut self, even: bool, pair: bool) -> Option<u16> {
        let span = u32::from(self.max - self.min) + 1;
        for _ in 0..span {
            let p = self.next;
            self.next = if p >= self.max { self.min } else { p + 1 };
            if even && p % 2 != 0 {
                continue;
            }
            if self.is_used(p) || pair && (p == self.max || self.is_used(p + 1)) {
                continue;
            }
            return Some(p);
        }
        None
    }

    /// Bind a UDP relay socket on `ip`: any free port, or an even one (`even`), also binding
    /// port + 1 (`pair`, returned second) for an EVEN-PORT reservation.
    pub fn bind_udp(
        &mut self,
        ip: IpAddr,
        even: bool,
        pair: bool,
    ) -> io::Result<(std::net::UdpSocket, Option<std::net::UdpSocket>)> {
        let mut last = io::Error::new(io::ErrorKind::AddrInUse, "relay port range exhausted");
        for _ in 0..TRIES {
            let Some(p) = self.candidate(even || pair, pair) else {
                break;
            };
            let first = match udp(SocketAddr::new(ip, p)) {
                Ok(s) => s,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            let second = if pair {
                match udp(SocketAddr::new(ip, p + 1)) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        last = e;
                        continue;
                    }
                }
            } else {
                None
            };
            self.set(p, true);
            if second.is_some() {
                self.set(p + 1, true);
            }
            return Ok((first, second));
        }
        Err(last)
    }

    /// Bind a listening TCP relay socket (RFC 6062) on `ip`, reusable so that connections to
    /// peers can be opened from the same address.
    pub fn bind_tcp(&mut self, ip: IpAddr) -> io::Result<std::net::TcpListener> {
        let mut last = io::Error::new(io::ErrorKind::AddrInUse, "relay port range exhausted");
        for _ in 0..TRIES {
            let Some(p) = self.candidate(false, false) else {
                break;
            };
            match tcp_listener(SocketAddr::new(ip, p)) {
                Ok(l) => {
                    self.set(p, true);
                    return Ok(l);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// A relay socket's receive buffer: room for a few hundred datagrams from peers, so a relay
/// thread briefly off the CPU (a busy machine) does not drop them. Best effort: the kernel
/// caps it at `net.core.rmem_max`, and all UDP sockets together at `net.ipv4.udp_mem`.
const RELAY_RCVBUF: usize = 1 << 20;

fn udp(addr: SocketAddr) -> io::Result<std::net::UdpSocket> {
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    let _ = s.set_recv_buffer_size(RELAY_RCVBUF);
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    Ok(s.into())
}

fn tcp_listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    s.listen(128)?;
    Ok(s.into())
}

/// A TCP socket bound to `local` (a TCP relay address) for connecting to a peer.
pub fn tcp_from(local: SocketAddr) -> io::Result<tokio::net::TcpSocket> {
    let s = Socket::new(
        Domain::for_address(local),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.set_nonblocking(true)?;
    s.bind(&local.into())?;
    Ok(tokio::net::TcpSocket::from_std_stream(s.into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn even_pairs_and_release() {
        let ip = IpAddr::from([127, 0, 0, 1]);
        let base = 40_000 + (std::process::id() % 5000) as u16 * 2;
        let mut pool = PortPool::new(base + 1, base + 9);
        let (a, b) = pool.bind_udp(ip, true, true).unwrap();
        let pa = a.local_addr().unwrap().port();
        assert_eq!(pa % 2, 0);
        assert_eq!(b.unwrap().local_addr().unwrap().port(), pa + 1);
        assert_eq!(pool.in_use(), 2);
        let (c, none) = pool.bind_udp(ip, false, false).unwrap();
        assert!(none.is_none());
        assert_ne!(c.local_addr().unwrap().port(), pa);
        pool.release(pa);
        assert_eq!(pool.in_use(), 2);
    }

    #[test]
    fn a_full_range_is_an_error() {
        let ip = IpAddr::from([127, 0, 0, 1]);
        let hold = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = hold.local_addr().unwrap().port();
        let mut pool = PortPool::new(p, p);
        assert!(
            pool.bind_udp(ip, false, false).is_err(),
            "port taken by another socket"
        );
    }
}
