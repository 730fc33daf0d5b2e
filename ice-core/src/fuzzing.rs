//! Fuzz body: an agent fed arbitrary candidate lines, datagrams and time, plus connectivity
//! checks and answers the body signs itself (the passwords and transaction IDs a fuzzer
//! cannot guess), so that pair validation, nomination, role conflicts and consent are
//! reached. Compiled in normal builds so CI runs it (the `fuzz/` crate's `ice_agent` target
//! calls it). A broken invariant panics: that is what the fuzzer looks for.
#![allow(clippy::panic)]

use crate::{IceAgent, IceConfig, IceCredentials, IceEvent, IceRole};
use core::net::SocketAddr;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy};
use stun_proto::auth::IntegrityKey;
use stun_proto::wire::attr::{Attribute, ErrorCode};
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method, TransactionId};

type Agent = IceAgent<SeededEntropy, 4, 8, 4>;

/// The remote agent's credentials (the body plays the remote agent).
const REMOTE_UFRAG: &str = "abcd";
const REMOTE_PWD: &str = "0123456789012345678901";
const LOCAL: SocketAddr = SocketAddr::new(
    core::net::IpAddr::V4(core::net::Ipv4Addr::new(10, 0, 0, 1)),
    5000,
);
/// A remote host candidate (signalled at set-up), a second remote, the STUN server.
const REMOTES: [SocketAddr; 3] = [
    SocketAddr::new(
        core::net::IpAddr::V4(core::net::Ipv4Addr::new(10, 0, 0, 2)),
        6000,
    ),
    SocketAddr::new(
        core::net::IpAddr::V4(core::net::Ipv4Addr::new(192, 0, 2, 7)),
        7000,
    ),
    SocketAddr::new(
        core::net::IpAddr::V4(core::net::Ipv4Addr::new(198, 51, 100, 1)),
        3478,
    ),
];

/// What an [`agent`] run reached, for the unit tests of the body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentReport {
    /// Signed checks (op 4) the agent answered with a success response.
    pub checks_answered: u32,
    /// Answers (op 5) to the agent's own requests that it accepted.
    pub answers_accepted: u32,
    /// `Selected` events.
    pub selected: u32,
    /// `RoleChanged` events.
    pub role_changes: u32,
    /// `ConsentLost` events.
    pub consent_lost: u32,
}

/// The body's memory of the run: requests the agent sent (to answer them), and the addresses
/// that proved they know a password — an accepted signed check, or a signed answer from the
/// address the request went to. A pair may only be selected towards one of them.
struct Remote {
    sent: [(TransactionId, Path, bool); 8],
    sent_len: usize,
    heard_from: [Option<SocketAddr>; 16],
    report: AgentReport,
}

impl Remote {
    fn record_request(&mut self, bytes: &[u8], path: Path) {
        let Ok(msg) = Message::new_checked(bytes) else {
            return;
        };
        if msg.class() != Class::Request {
            return;
        }
        let signed = msg.username().is_some();
        self.sent.rotate_right(1);
        if let Some(first) = self.sent.first_mut() {
            *first = (msg.transaction_id(), path, signed);
        }
        self.sent_len = (self.sent_len + 1).min(self.sent.len());
    }

    fn heard(&mut self, from: SocketAddr) {
        if self.heard_from.contains(&Some(from)) {
            return;
        }
        if let Some(slot) = self.heard_from.iter_mut().find(|s| s.is_none()) {
            *slot = Some(from);
        }
    }
}

/// Drive an agent with `data`: each chunk (split on 0xFF) is a command chosen by its first
/// byte: 0 a remote candidate line, 1 a raw datagram from one of the remotes, 2 a restart,
/// 3 time passing, 4 a connectivity check signed with the agent's password, 5 an answer to
/// one of the agent's own requests (its transaction ID spliced in, signed with the remote
/// password). Checks that outputs stay bounded and that a pair is only ever selected towards
/// an address that authenticated itself (a raw datagram or an answer from the wrong address
/// must never make a pair).
pub fn agent(data: &[u8]) -> AgentReport {
    let mut config = IceConfig::default();
    let _ = config.stun_servers.push(REMOTES[2]);
    let mut a: Agent = IceAgent::new(config, IceRole::Controlling, SeededEntropy::new(7));
    let mut now = Instant::ZERO;
    let _ = a.add_host(now, LOCAL, 65535);
    a.hosts_done(now);
    if let Ok(c) = IceCredentials::new(REMOTE_UFRAG, REMOTE_PWD) {
        a.set_remote_credentials(now, c, false);
    }
    // A signalled remote host candidate, so that checks start without the fuzzer writing one.
    let _ = a.add_remote_candidate_line(now, "candidate:1 1 udp 2130706431 10.0.0.2 6000 typ host");
    let mut r = Remote {
        sent: [(TransactionId([0; 12]), Path::udp(LOCAL, LOCAL), false); 8],
        sent_len: 0,
        heard_from: [None; 16],
        report: AgentReport::default(),
    };
    let mut out = [0u8; 1500];
    drain(&mut a, now, &mut out, &mut r);
    for chunk in data.split(|b| *b == 0xFF).take(64) {
        let (op, rest) = chunk.split_first().unwrap_or((&0, &[]));
        match op % 6 {
            0 => {
                if let Ok(line) = core::str::from_utf8(rest) {
                    let _ = a.add_remote_candidate_line(now, line);
                }
            }
            1 => {
                let from = pick(rest.first().copied().unwrap_or(0));
                let _ =
                    a.handle_datagram(now, Path::udp(LOCAL, from), rest.get(1..).unwrap_or(&[]));
            }
            2 => a.restart(now),
            3 => {
                let step = u64::from(rest.first().copied().unwrap_or(1));
                now += Duration::from_millis(step * 100);
                a.handle_timeout(now);
            }
            4 => signed_check(&mut a, now, rest, &mut r),
            _ => answer(&mut a, now, rest, &mut r),
        }
        drain(&mut a, now, &mut out, &mut r);
        assert!(a.pairs().len() <= 8 && a.remote_candidates().len() <= 4);
        // Fuzz builds skip MESSAGE-INTEGRITY checks (stun-proto, `cfg(fuzzing)`), so there
        // any datagram may pass for authenticated; the rule holds in every other build.
        if let Some(s) = a.selected_pair().filter(|_| !cfg!(fuzzing)) {
            assert!(
                s.local == LOCAL && r.heard_from.contains(&Some(s.remote)),
                "selected {s:?}, but {} never sent anything",
                s.remote
            );
        }
    }
    r.report
}

fn pick(b: u8) -> SocketAddr {
    REMOTES
        .get(usize::from(b) % REMOTES.len())
        .copied()
        .unwrap_or(REMOTES[0])
}

/// Send what the agent wants sent (recording its requests) and count its events.
fn drain(a: &mut Agent, now: Instant, out: &mut [u8; 1500], r: &mut Remote) {
    let mut sent = 0;
    while let Some(t) = a.poll_transmit(now, out) {
        sent += 1;
        assert!(sent < 64, "an agent must not flood");
        r.record_request(out.get(..t.len).unwrap_or(&[]), t.path);
    }
    while let Some(ev) = a.poll_event() {
        match ev {
            IceEvent::Selected(_) => r.report.selected += 1,
            IceEvent::RoleChanged(_) => r.report.role_changes += 1,
            IceEvent::ConsentLost(_) => r.report.consent_lost += 1,
            _ => {}
        }
    }
}

/// Bytes of a chunk, consumed in order; zero once it runs out.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        (u64::from(self.u32()) << 32) | u64::from(self.u32())
    }
}

/// Op 4: a Binding request from a remote, signed with the agent's current password. Layout:
/// remote (byte 0), flags (byte 1: USE-CANDIDATE, ICE-CONTROLLING instead of -CONTROLLED,
/// no PRIORITY, a wrong ufrag, no FINGERPRINT), tie-breaker (8 bytes), priority (4 bytes).
fn signed_check(a: &mut Agent, now: Instant, rest: &[u8], r: &mut Remote) {
    let mut c = Cursor(rest);
    let (from, flags) = (pick(c.u8()), c.u8());
    let (tie, prio) = (c.u64(), c.u32());
    let local = a.local_credentials().clone();
    let mut user: heapless::String<160> = heapless::String::new();
    let ufrag = if flags & 0x08 != 0 {
        "nope"
    } else {
        local.ufrag.as_str()
    };
    let _ = (
        user.push_str(ufrag),
        user.push(':'),
        user.push_str(REMOTE_UFRAG),
    );
    let mut tid = [0x11; 12];
    tid[..4].copy_from_slice(&prio.to_be_bytes());
    let mut buf = [0u8; 512];
    let Ok(mut b) = MessageBuilder::new(&mut buf, MessageType::BINDING_REQUEST, TransactionId(tid))
    else {
        return;
    };
    let role = if flags & 0x02 != 0 {
        Attribute::IceControlling(tie)
    } else {
        Attribute::IceControlled(tie)
    };
    let key = IntegrityKey::short_term(local.pwd.as_bytes());
    let built = b
        .add(&Attribute::Username(&user))
        .and_then(|()| match flags & 0x04 {
            0 => b.add(&Attribute::Priority(prio | 1)),
            _ => Ok(()),
        })
        .and_then(|()| b.add(&role))
        .and_then(|()| match flags & 0x01 {
            0 => Ok(()),
            _ => b.add(&Attribute::UseCandidate),
        })
        .and_then(|()| b.add_message_integrity(&key))
        .and_then(|()| match flags & 0x10 {
            0 => b.add_fingerprint(),
            _ => Ok(()),
        });
    if built.is_err() {
        return;
    }
    let len = b.finish();
    if a.handle_datagram(now, Path::udp(LOCAL, from), buf.get(..len).unwrap_or(&[]))
        .is_err()
    {
        return;
    }
    r.heard(from);
    // The answer goes out at once; a success response must be signed with our key.
    let mut out = [0u8; 1500];
    while let Some(t) = a.poll_transmit(now, &mut out) {
        let sent = out.get(..t.len).unwrap_or(&[]);
        r.record_request(sent, t.path);
        let Ok(m) = Message::new_checked(sent) else {
            panic!("the agent sent a malformed message");
        };
        if m.transaction_id() == TransactionId(tid) && m.class() == Class::Success {
            assert!(
                key.verify(&m).is_ok(),
                "a check's success response is not signed with the agent's password"
            );
            r.report.checks_answered += 1;
        }
    }
}

/// Op 5: answer one of the agent's recorded requests. Layout: which (byte 0, newest first),
/// kind (byte 1: success, 487 role conflict, 400, unsigned success), mapped address (byte 2:
/// 0 = the request's source, else 203.0.113.x), from elsewhere (byte 3 bit 0: an asymmetric
/// answer the agent must not count).
fn answer(a: &mut Agent, now: Instant, rest: &[u8], r: &mut Remote) {
    if r.sent_len == 0 {
        return;
    }
    let mut c = Cursor(rest);
    let which = usize::from(c.u8()) % r.sent_len;
    let Some(&(tid, path, signed)) = r.sent.get(which) else {
        return;
    };
    let (kind, mapped, from_elsewhere) = (c.u8(), c.u8(), c.u8() & 1 != 0);
    let mapped = match mapped {
        0 => path.local,
        x => SocketAddr::from(([203, 0, 113, x], 40_000 + u16::from(x))),
    };
    let (class, error) = match kind {
        0..=159 | 230..=255 => (Class::Success, None),
        160..=199 => (Class::Error, Some(ErrorCode::ROLE_CONFLICT)),
        _ => (Class::Error, Some(ErrorCode::BAD_REQUEST)),
    };
    let sign = signed && kind < 230;
    let mut buf = [0u8; 512];
    let Ok(mut b) = MessageBuilder::new(&mut buf, MessageType::new(Method::BINDING, class), tid)
    else {
        return;
    };
    let key = IntegrityKey::short_term(REMOTE_PWD.as_bytes());
    let built = match error {
        None => b.add(&Attribute::XorMappedAddress(mapped)),
        Some(code) => b.add(&Attribute::ErrorCode(code, code.reason())),
    }
    .and_then(|()| {
        if sign {
            b.add_message_integrity(&key)
        } else {
            Ok(())
        }
    })
    .and_then(|()| b.add_fingerprint());
    if built.is_err() {
        return;
    }
    let len = b.finish();
    // Elsewhere: the first remote that is not where the request went.
    let elsewhere = REMOTES
        .iter()
        .copied()
        .find(|a| *a != path.remote)
        .unwrap_or(REMOTES[0]);
    let from = if from_elsewhere {
        elsewhere
    } else {
        path.remote
    };
    if sign && !from_elsewhere {
        r.heard(from);
    }
    if a.handle_datagram(
        now,
        Path::udp(path.local, from),
        buf.get(..len).unwrap_or(&[]),
    )
    .is_ok()
    {
        r.report.answers_accepted += 1;
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

    fn script(ops: &[&[u8]]) -> std::vec::Vec<u8> {
        ops.join(&0xFF)
    }

    /// Answer the two newest requests (a check and, early on, the STUN gathering request).
    const ANSWER: [&[u8]; 2] = [&[5, 0, 0, 0, 0], &[5, 1, 0, 0, 0]];

    #[test]
    fn signed_answers_reach_selection_then_consent_loss() {
        let mut ops: std::vec::Vec<&[u8]> = std::vec![&[3, 1]];
        ops.extend(ANSWER);
        ops.push(&[3, 10]); // the nomination delay passes: the nominating check leaves
        ops.extend(ANSWER);
        let r = agent(&script(&ops));
        assert_eq!(r.selected, 1, "{r:?}");
        assert!(r.answers_accepted >= 2, "{r:?}");
        // Then 40 s without answering a consent check: consent is lost.
        ops.extend([&[3, 200][..], &[3, 200]]);
        let r = agent(&script(&ops));
        assert_eq!((r.selected, r.consent_lost), (1, 1), "{r:?}");
    }

    #[test]
    fn unsigned_or_asymmetric_answers_never_select_a_pair() {
        for answer in [[5u8, 0, 0, 0, 1], [5, 0, 230, 0, 0]] {
            let older = [5, 1, answer[2], 0, answer[4]];
            let mut ops: std::vec::Vec<&[u8]> = std::vec![&[3, 1]];
            ops.extend([&answer[..], &older]);
            ops.push(&[3, 10]);
            ops.extend([&answer[..], &older]);
            let r = agent(&script(&ops));
            assert_eq!(r.selected, 0, "{answer:?}: {r:?}");
        }
    }

    #[test]
    fn signed_checks_reach_the_role_conflict_rules() {
        // ICE-CONTROLLING from the peer while we control: the larger tie-breaker wins
        // (RFC 8445 §7.3.1.1). A huge one makes us switch and answer; a tiny one gets 487.
        let huge = [
            4u8, 0, 0x02, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0, 0, 0, 9,
        ];
        let r = agent(&script(&[&huge]));
        assert_eq!((r.role_changes, r.checks_answered), (1, 1), "{r:?}");
        let tiny = [4u8, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9];
        let r = agent(&script(&[&tiny]));
        assert_eq!((r.role_changes, r.checks_answered), (0, 0), "{r:?}");
        // A USE-CANDIDATE check from a controlling peer (we yield) selects its pair once our
        // own check of that pair succeeds.
        let nominate = [
            4u8, 0, 0x03, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0, 0, 0, 9,
        ];
        let mut ops: std::vec::Vec<&[u8]> = std::vec![&nominate, &[3, 1]];
        ops.extend(ANSWER);
        ops.push(&nominate);
        let r = agent(&script(&ops));
        assert_eq!(r.selected, 1, "{r:?}");
    }
}
