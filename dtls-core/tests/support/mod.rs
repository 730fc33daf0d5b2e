//! A two-endpoint in-memory driver for tests: datagrams pass between a client and a server
//! in virtual time, through a filter that may drop, copy or alter them.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod real;

use core::time::Duration;
use dtls_core::cert::{CertParams, Certificate};
use dtls_core::crypto::RustCrypto;
use dtls_core::{Config, DtlsRole, Endpoint, Event};
use sansio::{Instant, Path, SansIo, SeededEntropy};

pub type Ep = Endpoint<SeededEntropy>;
/// An endpoint working in `MEM` bytes.
pub type EpIn<const MEM: usize> = Endpoint<SeededEntropy, RustCrypto, MEM>;

pub fn client_path() -> Path {
    Path::udp(
        "10.0.0.1:5000".parse().unwrap(),
        "10.0.0.2:5001".parse().unwrap(),
    )
}

pub fn cert(seed: u64) -> Certificate {
    Certificate::generate(
        &RustCrypto,
        &mut SeededEntropy::new(seed),
        &CertParams::default(),
    )
    .unwrap()
}

/// A client and a server that expect each other's certificates.
pub fn pair(seed: u64, client_cfg: Config, server_cfg: Config) -> (Ep, Ep) {
    pair_in(seed, client_cfg, server_cfg)
}

/// [`pair`] with the client working in `CM` bytes and the server in `SM`.
pub fn pair_in<const CM: usize, const SM: usize>(
    seed: u64,
    client_cfg: Config,
    server_cfg: Config,
) -> (EpIn<CM>, EpIn<SM>) {
    let (cc, sc) = (cert(seed), cert(seed + 1000));
    let (cf, sf) = (cc.fingerprint(), sc.fingerprint());
    let mut c = Endpoint::with_crypto_sized(
        DtlsRole::Client,
        client_cfg,
        cc,
        SeededEntropy::new(seed + 1),
        RustCrypto,
    );
    let mut s = Endpoint::with_crypto_sized(
        DtlsRole::Server,
        server_cfg,
        sc,
        SeededEntropy::new(seed + 2),
        RustCrypto,
    );
    c.set_remote_fingerprint(sf);
    s.set_remote_fingerprint(cf);
    (c, s)
}

/// Decides what becomes of a datagram: the copies to deliver (none: dropped).
pub type Filter = Box<dyn FnMut(&Datagram) -> Vec<Vec<u8>>>;

/// A datagram in flight.
#[derive(Clone, Debug)]
pub struct Datagram {
    pub from_client: bool,
    pub bytes: Vec<u8>,
}

/// Drives a client and a server (working in `CM` and `SM` bytes).
pub struct Net<const CM: usize = { dtls_core::MEMORY }, const SM: usize = { dtls_core::MEMORY }> {
    pub client: EpIn<CM>,
    pub server: EpIn<SM>,
    pub now: Instant,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    pub client_data: Vec<Vec<u8>>,
    pub server_data: Vec<Vec<u8>>,
    pub log: Vec<Datagram>,
    /// Return the datagrams to deliver (none: dropped).
    pub filter: Filter,
}

impl<const CM: usize, const SM: usize> Net<CM, SM> {
    pub fn new(client: EpIn<CM>, server: EpIn<SM>) -> Self {
        Net {
            client,
            server,
            now: Instant::ZERO,
            client_events: vec![],
            server_events: vec![],
            client_data: vec![],
            server_data: vec![],
            log: vec![],
            filter: Box::new(|d| vec![d.bytes.clone()]),
        }
    }

    pub fn start(&mut self) {
        self.server.start(self.now, client_path().reversed());
        self.client.start(self.now, client_path());
    }

    /// Collect what both want to send, deliver it; returns whether anything moved.
    pub fn step(&mut self) -> bool {
        let mut out = [0u8; 2048];
        let mut moved = false;
        for from_client in [true, false] {
            let mut sent = vec![];
            if from_client {
                outputs(&mut self.client, self.now, &mut out, &mut sent);
                events(&mut self.client, &mut self.client_events);
            } else {
                outputs(&mut self.server, self.now, &mut out, &mut sent);
                events(&mut self.server, &mut self.server_events);
            }
            for bytes in sent {
                moved = true;
                let d = Datagram { from_client, bytes };
                self.log.push(d.clone());
                for copy in (self.filter)(&d) {
                    self.deliver(!from_client, &copy);
                }
            }
        }
        events(&mut self.client, &mut self.client_events);
        events(&mut self.server, &mut self.server_events);
        moved
    }

    pub fn deliver(&mut self, to_client: bool, bytes: &[u8]) {
        if to_client {
            let sink = &mut self.client_data;
            feed(&mut self.client, self.now, client_path(), bytes, sink);
        } else {
            let path = client_path().reversed();
            feed(
                &mut self.server,
                self.now,
                path,
                bytes,
                &mut self.server_data,
            );
        }
    }

    /// Step until nothing moves, then jump to the next timeout; stop when `done` or after `limit`.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Self) -> bool) -> bool {
        let end = self.now + limit;
        loop {
            while self.step() {
                if done(self) {
                    return true;
                }
            }
            if done(self) {
                return true;
            }
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { return false };
            if next > end {
                return false;
            }
            self.now = self.now.max(next);
            self.client.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
        }
    }

    pub fn both_connected(&self) -> bool {
        self.client.is_connected() && self.server.is_connected()
    }
}

/// What `ep` sends now.
fn outputs<const M: usize>(
    ep: &mut EpIn<M>,
    now: Instant,
    out: &mut [u8],
    sent: &mut Vec<Vec<u8>>,
) {
    while let Some(t) = ep.poll_transmit(now, out) {
        sent.push(out[..t.len].to_vec());
    }
}

/// The events of `ep`, into `evs`.
fn events<const M: usize>(ep: &mut EpIn<M>, evs: &mut Vec<Event>) {
    while let Some(e) = ep.poll_event() {
        evs.push(e);
    }
}

/// Hand `bytes` to `ep`; the application data it yields goes into `sink`.
fn feed<const M: usize>(
    ep: &mut EpIn<M>,
    now: Instant,
    path: Path,
    bytes: &[u8],
    sink: &mut Vec<Vec<u8>>,
) {
    if let Ok(Some(_)) = ep.handle_datagram(now, path, bytes) {
        for r in dtls_core::Dtls::received(&*ep) {
            sink.push(r.to_vec());
        }
    }
}
