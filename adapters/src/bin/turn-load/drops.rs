//! Where datagrams were lost: the kernel's per-socket drop counters (`/proc/net/udp`, last
//! column: datagrams dropped because the socket's receive buffer was full), summed for the
//! generator's sockets and for the server's (its listening port and the relays it gave us).

use std::collections::HashSet;
use std::net::SocketAddr;

/// The sockets on either side.
#[derive(Debug)]
pub struct Sockets {
    /// The generator's client and echo sockets.
    pub ours: HashSet<SocketAddr>,
    /// The server's listening address.
    pub listen: SocketAddr,
    /// The relayed addresses.
    pub relays: HashSet<SocketAddr>,
}

/// Drops so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct Drops {
    /// On the generator's sockets.
    pub ours: u64,
    /// On the server's listening socket(s).
    pub listen: u64,
    /// On the server's relay sockets.
    pub relays: u64,
}

impl Drops {
    /// What was dropped since `before`.
    pub fn since(self, before: Drops) -> Drops {
        Drops {
            ours: self.ours.saturating_sub(before.ours),
            listen: self.listen.saturating_sub(before.listen),
            relays: self.relays.saturating_sub(before.relays),
        }
    }
}

/// Drops so far.
pub fn read(s: &Sockets) -> Drops {
    let mut out = Drops::default();
    let Ok(text) = std::fs::read_to_string("/proc/net/udp") else {
        return out;
    };
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (Some(local), Some(drops)) = (cols.get(1).and_then(|a| parse(a)), cols.last()) else {
            continue;
        };
        let d = drops.parse::<u64>().unwrap_or(0);
        if s.ours.contains(&local) {
            out.ours += d;
        } else if s.listen == local {
            out.listen += d;
        } else if s.relays.contains(&local) {
            out.relays += d;
        }
    }
    out
}

/// `0100007F:1F90` (IPv4 in host byte order, port) into an address.
fn parse(hex: &str) -> Option<SocketAddr> {
    let (ip, port) = hex.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let octets = if cfg!(target_endian = "little") {
        ip.to_le_bytes()
    } else {
        ip.to_be_bytes()
    };
    Some(SocketAddr::from((octets, port)))
}
