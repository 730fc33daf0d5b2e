//! The stack's sans-IO cores on a Cortex-M4 (QEMU `mps2-an386`), with no allocator:
//!
//! 1. a STUN client transaction against the stateless Binding server, with long-term
//!    credentials (401 challenge, MD5 key, MESSAGE-INTEGRITY, FINGERPRINT);
//! 2. two ICE agents (`IceAgent<_, 4, 8, 4, 0>`, no TURN) connecting through checks,
//!    nomination and consent, then exchanging a datagram over the selected pair.
//!
//! Both sides run in this one program; the "network" is a loop handing each datagram to the
//! other machine. It prints what happened over semihosting and exits 0 only if every step
//! worked, so `cargo run --release` (QEMU as the runner) is a test. A real device passes its
//! hardware RNG where this passes `SeededEntropy` (deterministic, not secure).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use ice_core::{IceAgent, IceConfig, IceEvent, IceRole};
use panic_semihosting as _;
use sansio::{Carrier, Instant, Path, SansIo, SeededEntropy};
use stun_proto::auth::{NonceIssuer, SecurityFeatures, StaticUsers};
use stun_proto::client::{ClientConfig, Credentials, StunClient};
use stun_proto::server::{ServerAuth, ServerConfig, StunServer, MAX_RESPONSE};
use stun_proto::wire::Method;

fn addr(ip: [u8; 4], port: u16) -> core::net::SocketAddr {
    core::net::SocketAddr::from((ip, port))
}

/// STUN with long-term credentials: returns the mapped address the server reported.
fn stun() -> Option<core::net::SocketAddr> {
    let path = Path::udp(addr([10, 0, 0, 7], 40_000), addr([198, 51, 100, 1], 3478));
    let mut e = SeededEntropy::new(11);
    // One user, `sensor` / `s3cret`, as a device-provisioning server would hold it.
    let mut users = StaticUsers::<1>::new("sensors.example").ok()?;
    users.add("sensor", "s3cret").ok()?;
    let auth = ServerAuth::LongTerm {
        realm: heapless::String::try_from("sensors.example").ok()?,
        lookup: users,
        nonces: NonceIssuer::new(
            &mut e,
            core::time::Duration::from_secs(600),
            SecurityFeatures::default(),
        ),
    };
    let mut server: StunServer<StaticUsers<1>> = StunServer::new(ServerConfig::default(), auth);
    let creds = Credentials::LongTerm {
        username: "sensor",
        password: "s3cret",
    };
    let mut client: StunClient<_, 2, 256> =
        StunClient::new(ClientConfig::default(), creds, e).ok()?;
    let id = client
        .start_request(Instant::ZERO, path, Method::BINDING, &[])
        .ok()?;
    let (mut out, mut resp) = ([0u8; 256], [0u8; MAX_RESPONSE]);
    for _ in 0..4 {
        while let Some(t) = client.poll_transmit(Instant::ZERO, &mut out) {
            let r = server
                .respond(
                    Instant::ZERO,
                    t.path.reversed(),
                    out.get(..t.len)?,
                    &mut resp,
                )
                .ok()??;
            let answer = client.handle_datagram(Instant::ZERO, r.path.reversed(), resp.get(..r.len)?);
            if let Ok(Some(r)) = answer {
                hprintln!(
                    "stun: {} -> {:?}",
                    if r.is_success() { "success" } else { "error" },
                    r.error_code()
                );
                return (r.id == id && r.is_success())
                    .then(|| r.mapped_address())
                    .flatten();
            }
        }
    }
    None
}

type Agent = IceAgent<SeededEntropy, 4, 8, 4, 0>;

/// Two ICE agents connect in memory; returns the virtual milliseconds it took.
fn ice(a: &mut Agent, b: &mut Agent) -> Option<u64> {
    let mut now = Instant::ZERO;
    a.add_host(now, addr([10, 0, 0, 1], 5000), 65535).ok()?;
    b.add_host(now, addr([10, 0, 0, 2], 6000), 65535).ok()?;
    a.set_remote_credentials(now, b.local_credentials().clone(), false);
    b.set_remote_credentials(now, a.local_credentials().clone(), false);
    let (ca, cb) = (
        a.local_candidates().first()?.clone(),
        b.local_candidates().first()?.clone(),
    );
    a.add_remote_candidate(now, cb).ok()?;
    b.add_remote_candidate(now, ca).ok()?;
    let mut out = [0u8; 512];
    let (mut sel_a, mut sel_b) = (false, false);
    for _ in 0..10_000 {
        while let Some(t) = a.poll_transmit(now, &mut out) {
            let _ = b.handle_datagram(now, t.path.reversed(), out.get(..t.len)?);
        }
        while let Some(t) = b.poll_transmit(now, &mut out) {
            let _ = a.handle_datagram(now, t.path.reversed(), out.get(..t.len)?);
        }
        while let Some(ev) = a.poll_event() {
            sel_a |= matches!(ev, IceEvent::Selected(_));
        }
        while let Some(ev) = b.poll_event() {
            sel_b |= matches!(ev, IceEvent::Selected(_));
        }
        if sel_a && sel_b {
            return Some(now.as_millis());
        }
        now = [a.poll_timeout(), b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()?;
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    None
}

/// A datagram over the selected pair, from A to B's application.
fn data(a: &mut Agent, b: &mut Agent) -> bool {
    let mut out = [0u8; 64];
    let Ok(t) = a.send(Instant::from_secs(1), (), b"23.5 C", &mut out) else {
        return false;
    };
    let received = out
        .get(..t.len)
        .and_then(|d| b.handle_datagram(Instant::from_secs(1), t.path.reversed(), d).ok());
    matches!(received, Some(Some(payload)) if payload == b"23.5 C")
}

#[entry]
fn main() -> ! {
    let mapped = stun();
    hprintln!("stun: mapped address {:?}", mapped);
    let mut a: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlling,
        SeededEntropy::new(1),
    );
    let mut b: Agent = IceAgent::new(
        IceConfig::default(),
        IceRole::Controlled,
        SeededEntropy::new(2),
    );
    let connected = ice(&mut a, &mut b);
    hprintln!(
        "ice: connected after {:?} virtual ms, selected {:?}",
        connected,
        a.selected_path()
    );
    let sent = connected.is_some() && data(&mut a, &mut b);
    hprintln!("ice: datagram delivered over the selected pair: {}", sent);
    hprintln!(
        "memory: one IceAgent<_, 4, 8, 4, 0> is {} bytes",
        core::mem::size_of::<Agent>()
    );
    let ok = mapped == Some(addr([10, 0, 0, 7], 40_000)) && connected.is_some() && sent;
    hprintln!("{}", if ok { "FIRMWARE OK" } else { "FIRMWARE FAILED" });
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}
