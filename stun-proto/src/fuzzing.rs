//! Fuzz bodies, compiled in normal builds so CI exercises them (the `fuzz/` crate calls
//! these from cargo-fuzz targets; the tests below run them on pseudo-random input).

use crate::auth::IntegrityKey;
use crate::client::{ClientConfig, Credentials, StunClient};
use crate::server::{ServerAuth, ServerConfig, StunServer, MAX_RESPONSE};
use crate::wire::{frame_len, Message, Method};
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy};

/// Parse, decode every attribute, verify integrity and fingerprint, and answer as a server.
pub fn parse(data: &[u8]) {
    let _ = frame_len(data);
    let Ok(msg) = Message::new_checked(data) else {
        return;
    };
    let tid = msg.transaction_id();
    for a in msg.attributes() {
        let _ = a.decode(&tid);
    }
    let _ = msg.fingerprint_ok();
    let _ = IntegrityKey::short_term(b"fuzz").verify(&msg);
    let mut server: StunServer = StunServer::new(ServerConfig::default(), ServerAuth::None);
    let mut out = [0u8; MAX_RESPONSE];
    let path = Path::udp(([127, 0, 0, 1], 3478).into(), ([127, 0, 0, 1], 5000).into());
    if let Ok(Some(t)) = server.respond(Instant::ZERO, path, data, &mut out) {
        assert!(t.len <= MAX_RESPONSE);
        assert!(
            Message::new_checked(out.get(..t.len).unwrap_or(&[])).is_ok(),
            "server wrote an invalid response"
        );
    }
}

/// A client with transactions in flight fed `data` as a sequence of responses, with time
/// moving on; the live transaction ID is spliced into inputs so they reach deep code.
pub fn client(data: &[u8]) {
    let path = Path::udp(([127, 0, 0, 1], 5000).into(), ([127, 0, 0, 1], 3478).into());
    let creds = Credentials::LongTerm {
        username: "user",
        password: "pass",
    };
    let Ok(mut c) =
        StunClient::<_, 4, 548>::new(ClientConfig::default(), creds, SeededEntropy::new(1))
    else {
        return;
    };
    let mut now = Instant::ZERO;
    let _ = c.start_request(now, path, Method::BINDING, &[]);
    let mut buf = [0u8; 600];
    for chunk in data.split(|b| *b == 0xFF).take(32) {
        let mut tid = None;
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            tid = Message::new_checked(buf.get(..t.len).unwrap_or(&[]))
                .ok()
                .map(|m| m.transaction_id());
        }
        let mut msg = [0u8; 600];
        let n = chunk.len().min(msg.len());
        if let (Some(dst), Some(src)) = (msg.get_mut(..n), chunk.get(..n)) {
            dst.copy_from_slice(src);
        }
        if let (Some(tid), true, Some(dst)) = (tid, n >= 20, msg.get_mut(8..20)) {
            dst.copy_from_slice(&tid.0);
        }
        let _ = c.handle_datagram(now, path.reversed(), msg.get(..n).unwrap_or(&[]));
        while c.poll_event().is_some() {}
        if c.in_flight() == 0 {
            let _ = c.start_request(now, path, Method::BINDING, &[]);
        }
        now = c.poll_timeout().map_or(now, |t| t.max(now));
        c.handle_timeout(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sansio::Entropy;

    #[test]
    fn fuzz_bodies_survive_pseudo_random_input() {
        let mut e = SeededEntropy::new(42);
        for i in 0..3000usize {
            let mut data = [0u8; 160];
            let len = i % data.len();
            e.fill(&mut data);
            // Half the cases get a plausible STUN header.
            if i % 2 == 0 {
                data[0] = 0x01;
                data[1] = 0x01;
                data[2] = 0;
                data[3] = ((len.saturating_sub(20)) & !3) as u8;
                data[4..8].copy_from_slice(&[0x21, 0x12, 0xa4, 0x42]);
            }
            parse(&data[..len]);
            client(&data[..len]);
        }
    }
}
