//! Fuzz body: an agent fed arbitrary candidate lines, datagrams and time. Compiled in normal
//! builds so CI runs it (the `fuzz/` crate's `ice_agent` target calls it).

use crate::{IceAgent, IceConfig, IceRole};
use core::net::SocketAddr;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy};

/// Drive an agent with `data`: each chunk (split on 0xFF) is a command chosen by its first
/// byte: a remote candidate line, a datagram from one of a few remote addresses, a restart,
/// or time passing. Checks that the agent's outputs stay bounded.
pub fn agent(data: &[u8]) {
    let local: SocketAddr = SocketAddr::from(([10, 0, 0, 1], 5000));
    let remotes: [SocketAddr; 3] = [
        SocketAddr::from(([10, 0, 0, 2], 6000)),
        SocketAddr::from(([192, 0, 2, 7], 7000)),
        SocketAddr::from(([198, 51, 100, 1], 3478)),
    ];
    let mut config = IceConfig::default();
    let _ = config.stun_servers.push(remotes[2]);
    let mut a: IceAgent<SeededEntropy, 4, 8, 4> =
        IceAgent::new(config, IceRole::Controlling, SeededEntropy::new(7));
    let mut now = Instant::ZERO;
    let _ = a.add_host(now, local, 65535);
    a.hosts_done(now);
    if let Ok(c) = crate::IceCredentials::new("abcd", "0123456789012345678901") {
        a.set_remote_credentials(now, c, false);
    }
    let mut out = [0u8; 1500];
    for chunk in data.split(|b| *b == 0xFF).take(64) {
        let (op, rest) = chunk.split_first().unwrap_or((&0, &[]));
        match op % 4 {
            0 => {
                if let Ok(line) = core::str::from_utf8(rest) {
                    let _ = a.add_remote_candidate_line(now, line);
                }
            }
            1 => {
                let from = *remotes
                    .get(usize::from(rest.first().copied().unwrap_or(0)) % 3)
                    .unwrap_or(&remotes[0]);
                let _ =
                    a.handle_datagram(now, Path::udp(local, from), rest.get(1..).unwrap_or(&[]));
            }
            2 => a.restart(now),
            _ => {
                let step = u64::from(rest.first().copied().unwrap_or(1));
                now += Duration::from_millis(step * 100);
                a.handle_timeout(now);
            }
        }
        let mut sent = 0;
        while a.poll_transmit(now, &mut out).is_some() {
            sent += 1;
            assert!(sent < 64, "an agent must not flood");
        }
        while a.poll_event().is_some() {}
        assert!(a.pairs().len() <= 8 && a.remote_candidates().len() <= 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sansio::Entropy;

    #[test]
    fn fuzz_body_survives_pseudo_random_input() {
        let mut e = SeededEntropy::new(5);
        let seeds: [&[u8]; 3] = [
            b"\x00candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host\xff\x03\x05\xff\x01\x00",
            b"\x00candidate:2 1 udp 1694498815 192.0.2.7 7000 typ srflx raddr 10.0.0.2 rport 6000\xff\x03\x09",
            b"\x02\xff\x03\xff\x00garbage",
        ];
        for s in seeds {
            agent(s);
        }
        for i in 0..500 {
            let mut buf = [0u8; 256];
            e.fill(&mut buf);
            agent(&buf[..i % 256]);
        }
    }
}
