//! A connection sized for a microcontroller (`PeerConnection`'s ICE and event sizes as const
//! parameters: 4 candidates a side, 8 pairs, 4 checks, no TURN, 16 events, no pending offer)
//! is much smaller
//! than the default one and still connects to it and carries a data-channel message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use dtls_core::Endpoint;
use peer_core::data::ChannelConfig;
use peer_core::{MessageKind, PeerConfig, PeerConnection, PeerEvent, PeerState};
use sansio::{Instant, SansIo, SeededEntropy};
use std::time::Duration;

type Dtls = Endpoint<SeededEntropy>;
type Big = PeerConnection<SeededEntropy, Dtls, [u8; 8192], 3, 16>;
/// 4 candidates a side, 8 pairs, 4 checks, no TURN, 16 events, no room for an offer of its
/// own (it only answers).
type Small = PeerConnection<SeededEntropy, Dtls, [u8; 8192], 3, 16, 4, 8, 4, 0, 16, 0>;

fn parts(seed: u64) -> (PeerConfig, SeededEntropy, Dtls) {
    let dtls = common::dtls(seed);
    let config = PeerConfig {
        max_message_size: 8192,
        ..PeerConfig::default()
    };
    (config, SeededEntropy::new(seed + 200), dtls)
}

/// Everything `from` sends now, handed to `to`; whether anything moved.
fn carry<F: SansIo, T: SansIo>(from: &mut F, to: &mut T, now: Instant) -> bool {
    let mut out = [0u8; 2048];
    let mut moved = false;
    while let Some(t) = from.poll_transmit(now, &mut out) {
        moved = true;
        let _ = to.handle_datagram(now, t.path.reversed(), &out[..t.len]);
    }
    moved
}

#[test]
fn a_small_connection_is_smaller_and_talks_to_a_default_one() {
    let (big, small) = (std::mem::size_of::<Big>(), std::mem::size_of::<Small>());
    assert!(small + 20_000 < big, "small {small} B, default {big} B");

    let (c, e, d) = parts(1);
    let mut a: Big = PeerConnection::new(c, e, d, [0; 8192], [0; 8192]);
    let (c, e, d) = parts(2);
    let mut b: Small = PeerConnection::new(c, e, d, [0; 8192], [0; 8192]);
    let mut now = Instant::ZERO;
    a.add_host(now, "10.0.0.1:5000".parse().unwrap()).unwrap();
    a.hosts_done(now);
    b.add_host(now, "10.0.0.2:6000".parse().unwrap()).unwrap();
    b.hosts_done(now);
    let mut buf = vec![0u8; 8192];
    let n = a.create_offer(now, &mut buf).unwrap();
    let offer = String::from_utf8(buf[..n].to_vec()).unwrap();
    // The answer path holds small descriptions too (3 sections, 96 attributes, 24 formats;
    // the answer 48 attributes).
    let n = b
        .accept_offer_sized::<3, 96, 24, 48, 8>(now, &offer, &mut buf)
        .unwrap();
    let answer = String::from_utf8(buf[..n].to_vec()).unwrap();
    a.accept_answer(now, &answer).unwrap();

    let mut channel = None;
    let mut got = None;
    let mut msg = [0u8; 64];
    for _ in 0..20_000 {
        while carry(&mut a, &mut b, now) | carry(&mut b, &mut a, now) {}
        while let Some(e) = a.poll_event() {
            if e == PeerEvent::DataChannelsReady {
                let config = ChannelConfig {
                    label: "chat",
                    ..Default::default()
                };
                let ch = a.open_channel(now, config).unwrap();
                a.send(now, ch, MessageKind::String, b"hello small")
                    .unwrap();
                channel = Some(ch);
            }
        }
        while b.poll_event().is_some() {}
        if let Some(r) = b.poll_message(&mut msg).unwrap() {
            got = Some(msg[..r.len].to_vec());
            break;
        }
        now += Duration::from_millis(1);
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    assert!(channel.is_some(), "{a:?} / {b:?}");
    assert_eq!(
        (a.state(), b.state()),
        (PeerState::Connected, PeerState::Connected)
    );
    assert_eq!(got.as_deref(), Some(&b"hello small"[..]));
}

#[test]
fn an_offer_beyond_the_small_descriptions_is_refused() {
    let (c, e, d) = parts(1);
    let mut a: Big = PeerConnection::new(c, e, d, [0; 8192], [0; 8192]);
    let (c, e, d) = parts(2);
    let mut b: Small = PeerConnection::new(c, e, d, [0; 8192], [0; 8192]);
    let now = Instant::ZERO;
    a.add_host(now, "10.0.0.1:5000".parse().unwrap()).unwrap();
    a.hosts_done(now);
    let mut buf = vec![0u8; 8192];
    let n = a.create_offer(now, &mut buf).unwrap();
    let offer = String::from_utf8(buf[..n].to_vec()).unwrap();
    // Fewer attributes than the offer has.
    let r = b.accept_offer_sized::<3, 4, 24, 48, 8>(now, &offer, &mut buf);
    assert!(matches!(r, Err(peer_core::PeerError::Sdp { .. })), "{r:?}");
    // Room for the offer, not for our answer to it.
    let r = b.accept_offer_sized::<3, 96, 24, 8, 8>(now, &offer, &mut buf);
    assert_eq!(r, Err(peer_core::PeerError::Negotiation));
    assert!(b.session().is_none());
    // The default sizes take it.
    assert!(b.accept_offer(now, &offer, &mut buf).is_ok());
}

#[test]
fn a_connection_without_room_for_an_offer_refuses_to_offer() {
    let (c, e, d) = parts(2);
    let mut b: Small = PeerConnection::new(c, e, d, [0; 8192], [0; 8192]);
    let now = Instant::ZERO;
    b.add_host(now, "10.0.0.2:6000".parse().unwrap()).unwrap();
    b.hosts_done(now);
    let mut buf = vec![0u8; 8192];
    assert_eq!(
        b.create_offer(now, &mut buf),
        Err(peer_core::PeerError::TooLarge)
    );
}

/// 1 track with RTCP (`TR = 1`) instead of 4: three controls' memory less.
type OneTrack = PeerConnection<SeededEntropy, Dtls, [u8; 8192], 3, 16, 4, 8, 4, 0, 16, 0, 1>;

static AUDIO: [sdp_core::negotiate::CodecCap<'static>; 1] = [sdp_core::negotiate::CodecCap::pcmu()];
static VIDEO: [sdp_core::negotiate::CodecCap<'static>; 1] =
    [sdp_core::negotiate::CodecCap::vp8(96, None)];

#[test]
fn a_connection_sized_for_one_track_answers_one_and_refuses_two() {
    use peer_core::MediaConfig;
    let (small, one) = (
        std::mem::size_of::<Small>(),
        std::mem::size_of::<OneTrack>(),
    );
    assert!(one + 10_000 < small, "one track {one} B, four {small} B");
    let av = |c: PeerConfig| PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        video: Some(MediaConfig::send_recv(&VIDEO)),
        ..c
    };
    let now = Instant::ZERO;
    let mut buf = vec![0u8; 8192];
    let (c, e, d) = parts(1);
    let mut a: Big = PeerConnection::new(av(c), e, d, [0; 8192], [0; 8192]);
    a.add_host(now, "10.0.0.1:5000".parse().unwrap()).unwrap();
    a.hosts_done(now);
    let n = a.create_offer(now, &mut buf).unwrap();
    let offer = String::from_utf8(buf[..n].to_vec()).unwrap();

    // Configured for audio and video, it would negotiate two tracks: refused.
    let (c, e, d) = parts(2);
    let mut b: OneTrack = PeerConnection::new(av(c), e, d, [0; 8192], [0; 8192]);
    let r = b.accept_offer(now, &offer, &mut buf);
    assert_eq!(r, Err(peer_core::PeerError::Negotiation));
    assert!(b.session().is_none());

    // Configured for audio only, it answers with the video section rejected: one track.
    let (c, e, d) = parts(3);
    let audio_only = PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        ..c
    };
    let mut b: OneTrack = PeerConnection::new(audio_only, e, d, [0; 8192], [0; 8192]);
    b.accept_offer(now, &offer, &mut buf).unwrap();
    assert_eq!(b.session().map(|s| s.tracks.len()), Some(1));
}

/// One track, SRTP replay state for one SSRC a direction (`SS = 1`) instead of 8.
type OneStream = PeerConnection<SeededEntropy, Dtls, [u8; 8192], 3, 16, 4, 8, 4, 0, 16, 0, 1, 1, 1>;

#[test]
fn srtp_state_for_one_ssrc_carries_one_audio_track_and_drops_a_second_ssrc() {
    use peer_core::{Delivered, MediaConfig};
    let (one, four) = (
        std::mem::size_of::<OneStream>(),
        std::mem::size_of::<OneTrack>(),
    );
    // Per SSRC: a replay window in each of 4 tables (RTP, RTCP; out, in).
    assert!(one + 7 * 4 * 16 <= four, "SS=1 {one} B, SS=8 {four} B");
    let audio = |c: PeerConfig| PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        ..c
    };
    let mut now = Instant::ZERO;
    let mut buf = vec![0u8; 8192];
    let (c, e, d) = parts(1);
    let mut a: Big = PeerConnection::new(audio(c), e, d, [0; 8192], [0; 8192]);
    let (c, e, d) = parts(2);
    let mut b: OneStream = PeerConnection::new(audio(c), e, d, [0; 8192], [0; 8192]);
    a.add_host(now, "10.0.0.1:5000".parse().unwrap()).unwrap();
    a.hosts_done(now);
    b.add_host(now, "10.0.0.2:6000".parse().unwrap()).unwrap();
    b.hosts_done(now);
    let n = a.create_offer(now, &mut buf).unwrap();
    let offer = String::from_utf8(buf[..n].to_vec()).unwrap();
    let n = b.accept_offer(now, &offer, &mut buf).unwrap();
    a.accept_answer(now, std::str::from_utf8(&buf[..n]).unwrap())
        .unwrap();
    for _ in 0..20_000 {
        while carry(&mut a, &mut b, now) | carry(&mut b, &mut a, now) {}
        while a.poll_event().is_some() | b.poll_event().is_some() {}
        if a.state() == PeerState::Connected && b.state() == PeerState::Connected {
            break;
        }
        now += Duration::from_millis(1);
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    assert_eq!(b.state(), PeerState::Connected, "{a:?} / {b:?}");
    let track = a.track_by_mid("0").unwrap();
    let mut out = [0u8; 2048];
    let mut delivered = 0;
    let mut first = None;
    for i in 0..5u32 {
        let mut fs = a.send_frame(now, track, i * 160, &[0x55; 160]).unwrap();
        while let Some(t) = fs.next(&mut out).unwrap() {
            let bytes = out[..t.len].to_vec();
            first = first.or(Some((t.path, bytes.clone())));
            if let Ok(Some(Delivered::Rtp { .. })) =
                b.handle_datagram(now, t.path.reversed(), &bytes)
            {
                delivered += 1;
            }
        }
    }
    assert_eq!(delivered, 5, "{:?}", b.stats());
    // Authenticated, but from a second SSRC: no room for its replay state.
    let (path, packet) = first.unwrap();
    let mut other = packet[..12 + 160].to_vec();
    other[8..12].copy_from_slice(&0xDEAD_BEEFu32.to_be_bytes());
    let keys = dtls_core::Dtls::srtp_keys(a.dtls()).unwrap();
    let forged = common::forge_rtp(&keys, a.session().unwrap().dtls_role, &other);
    let before = b.stats();
    let r = b.handle_datagram(now, path.reversed(), &forged);
    assert!(!matches!(r, Ok(Some(Delivered::Rtp { .. }))));
    let after = b.stats();
    assert_eq!(
        after.dropped_unauthenticated,
        before.dropped_unauthenticated + 1
    );
    assert_eq!(b.state(), PeerState::Connected);
}

/// `max_message_size` is what we accept (our `a=max-message-size`, RFC 8841); what we may send
/// is bounded by what the peer announced and by our send buffer, not by it: a node with a
/// small receive buffer still sends its larger frames.
#[test]
fn messages_are_bounded_by_what_the_receiver_announces() {
    let accepting = |max_message_size| PeerConfig {
        max_message_size,
        ..PeerConfig::default()
    };
    // Both send buffers hold 256 KiB (`common::peer`).
    let mut p = common::Pair::new(accepting(2000), accepting(8192), |a| a);
    assert!(p.run(Duration::from_secs(10), |p| p
        .events
        .0
        .contains(&PeerEvent::DataChannelsReady)));
    let now = p.now;
    let ch = p.a.open_channel(now, ChannelConfig::default()).unwrap();
    // Beyond the 8192 bytes the peer accepts, though our send buffer holds it.
    let too_large = sctp_core::association::SendError::TooLarge;
    assert_eq!(
        p.a.send(now, ch, MessageKind::Binary, &[0; 9000]),
        Err(peer_core::PeerError::Channel(too_large))
    );
    // Beyond the 2000 we accept ourselves, within what the peer does.
    let big: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    p.a.send(now, ch, MessageKind::Binary, &big).unwrap();
    assert!(p.run(Duration::from_secs(5), |p| p
        .events
        .1
        .iter()
        .any(|e| matches!(e, PeerEvent::MessageReady(_)))));
    let mut buf = vec![0u8; 16_384];
    let r = p.b.poll_message(&mut buf).unwrap().expect("a message");
    assert_eq!(&buf[..r.len], &big[..]);
}
