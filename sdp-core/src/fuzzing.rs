//! Fuzz bodies, compiled in normal builds so the tests run them too (`tests/proptest.rs`)
//! and shared with the cargo-fuzz targets in `fuzz/`. Each takes arbitrary bytes and must
//! never panic; the `assert!`s are invariants that hold for every accepted input.

use crate::fmtp::H264Params;
use crate::model::SessionDescription;
use crate::negotiate::{
    create_answer, create_offer, negotiate, Capabilities, CodecCap, DataCaps, Extension,
    LocalSession, LocalTrack, MediaCaps, Negotiated, NegotiationError, SdpRole,
};
use crate::types::{Direction, Fingerprint};

/// Small capacities: the fuzzer reaches the capacity errors, and each run is cheap.
type Sdp<'a> = SessionDescription<'a, 8, 256, 32>;

const OUT: usize = 16 * 1024;

/// Emit `sdp`, parse the text again and check it is the same description and the same text.
fn round_trip(sdp: &Sdp<'_>) {
    let mut out = [0u8; OUT];
    let n = match sdp.emit(&mut out) {
        Ok(n) => n,
        Err(crate::EmitError::BufferTooSmall { needed }) => {
            assert!(needed > OUT && needed == sdp.buffer_len());
            assert!(
                out.iter().all(|b| *b == 0),
                "a failed emit wrote into the buffer"
            );
            return;
        }
    };
    assert_eq!(n, sdp.buffer_len());
    let text = out.get(..n).unwrap_or(&[]);
    let again = Sdp::parse_bytes(text);
    assert!(
        again.as_ref().is_ok_and(|a| a == sdp),
        "emit + parse changed the description: {:?}",
        again.err()
    );
    let Ok(again) = again else { return };
    let mut out2 = [0u8; OUT];
    let n2 = again.emit(&mut out2).unwrap_or(0);
    assert_eq!(out2.get(..n2), Some(text), "second emit differs");
}

/// Read every typed accessor of every section.
fn read_all(sdp: &Sdp<'_>) {
    let _ = (sdp.bundle(), sdp.ice_lite(), sdp.extmap_allow_mixed());
    for m in sdp.media() {
        let _ = (
            m.mid(),
            m.direction(),
            m.ice_ufrag(),
            m.ice_pwd(),
            m.setup(),
        );
        let _ = (
            m.rtcp_mux(),
            m.rtcp_rsize(),
            m.sctp_port(),
            m.max_message_size(),
        );
        if let Some(fp) = m.fingerprint() {
            let mut bytes = [0u8; 64];
            assert!(
                fp.bytes(&mut bytes).is_some(),
                "parsed fingerprint must decode"
            );
        }
        for c in m.codecs() {
            let _ = (
                c.is_rtx(),
                H264Params::from_params(&c.params),
                c.params.apt(),
            );
        }
        let _ = m.candidates().count() + m.extmaps().count() + m.ssrcs().count();
        let _ = m.ssrc_groups().count() + m.rids().count() + m.other_attributes().count();
    }
}

/// The parser and the writer: anything that parses is written and re-parsed identically.
pub fn sdp_parse(data: &[u8]) {
    if let Ok(sdp) = Sdp::parse_bytes(data) {
        read_all(&sdp);
        round_trip(&sdp);
    }
}

const FP: Fingerprint<'static> = Fingerprint {
    hash: "sha-256",
    value: "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
};
const AUDIO: [CodecCap<'static>; 3] = [CodecCap::opus(111), CodecCap::pcmu(), CodecCap::pcma()];
const VIDEO: [CodecCap<'static>; 2] = [
    CodecCap::vp8(96, Some(97)),
    CodecCap::h264(102, H264Params::constrained_baseline(31), Some(103)),
];
const EXT: [Extension<'static>; 2] = [
    Extension {
        id: 3,
        uri: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    },
    Extension {
        id: 4,
        uri: "urn:ietf:params:rtp-hdrext:sdes:mid",
    },
];
const TRACK: LocalTrack<'static> = LocalTrack {
    stream_id: "s",
    track_id: "t",
    cname: "c",
    ssrc: 1,
    rtx_ssrc: Some(2),
};

fn local() -> LocalSession<'static> {
    LocalSession::new(1, "ufrag", "passwordpasswordpassword", FP)
}

fn caps() -> Capabilities<'static> {
    let media = |codecs: &'static [CodecCap<'static>]| MediaCaps {
        codecs,
        extensions: &EXT,
        direction: Direction::SendRecv,
        track: Some(TRACK),
    };
    Capabilities {
        audio: Some(media(&AUDIO)),
        video: Some(media(&VIDEO)),
        data: Some(DataCaps::default()),
    }
}

/// Errors negotiation may report for an offer we answered ourselves: the offer's own
/// shortcomings and capacities, never an inconsistency between it and our answer.
fn acceptable(e: &NegotiationError) -> bool {
    matches!(
        e,
        NegotiationError::NothingAccepted
            | NegotiationError::MissingIce { .. }
            | NegotiationError::MissingFingerprint { .. }
            | NegotiationError::TooMany(_)
    )
}

/// The answerer fed arbitrary text as an offer, and the same text applied as an answer to
/// our offer.
pub fn sdp_answer(data: &[u8]) {
    let Ok(offer) = Sdp::parse_bytes(data) else {
        return;
    };
    let (local, caps) = (local(), caps());
    if let Ok(answer) = create_answer(&offer, &local, &caps) {
        assert_eq!(answer.media_count(), offer.media_count());
        round_trip(&answer);
        let n: Result<Negotiated<'_, 8, 8, 8, 8>, _> =
            negotiate(&offer, &answer, SdpRole::Answerer);
        match n {
            Ok(n) => check_negotiated(&offer, &n),
            Err(e) => assert!(acceptable(&e), "answerer negotiation failed: {e:?}"),
        }
    }
    // The same text as a (usually bad) answer to our own offer.
    if let Ok(ours) = create_offer::<8, 256, 32>(&local, &caps) {
        let _: Result<Negotiated<'_, 8, 8, 8, 8>, _> = negotiate(&ours, &offer, SdpRole::Offerer);
    }
}

fn check_negotiated(offer: &Sdp<'_>, n: &Negotiated<'_, 8, 8, 8, 8>) {
    assert_eq!(n.media.len(), offer.media_count());
    for (m, o) in n.media.iter().zip(offer.media()) {
        assert_eq!(m.mid, o.mid());
        for c in &m.codecs {
            assert!(
                o.desc.payload_types().contains(&c.pt),
                "answered a pt not offered"
            );
        }
        if m.rejected {
            assert!(m.codecs.is_empty() && m.direction == Direction::Inactive);
        }
        assert!(!m.direction.sends() || o.direction().receives());
    }
}
