//! Local capabilities shared by the tests.
#![allow(dead_code)]

pub mod peer;

use sdp_core::fmtp::H264Params;
use sdp_core::negotiate::{
    Capabilities, CodecCap, DataCaps, Extension, LocalSession, LocalTrack, MediaCaps,
};
use sdp_core::{Direction, Fingerprint};

pub const FINGERPRINT: Fingerprint<'static> = Fingerprint {
    hash: "sha-256",
    value: "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9",
};

pub const AUDIO_CODECS: [CodecCap<'static>; 3] =
    [CodecCap::opus(111), CodecCap::pcmu(), CodecCap::pcma()];
pub const VIDEO_CODECS: [CodecCap<'static>; 2] = [
    CodecCap::vp8(96, Some(97)),
    CodecCap::h264(102, H264Params::constrained_baseline(31), Some(103)),
];
pub const AUDIO_EXTENSIONS: [Extension<'static>; 2] = [
    Extension {
        id: 1,
        uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    },
    Extension {
        id: 4,
        uri: "urn:ietf:params:rtp-hdrext:sdes:mid",
    },
];
pub const VIDEO_EXTENSIONS: [Extension<'static>; 3] = [
    Extension {
        id: 2,
        uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    },
    Extension {
        id: 3,
        uri: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    },
    Extension {
        id: 4,
        uri: "urn:ietf:params:rtp-hdrext:sdes:mid",
    },
];

pub const AUDIO_TRACK: LocalTrack<'static> = LocalTrack {
    stream_id: "cam",
    track_id: "mic0",
    cname: "thermal-cam-7",
    ssrc: 0x1111_0001,
    rtx_ssrc: None,
};
pub const VIDEO_TRACK: LocalTrack<'static> = LocalTrack {
    stream_id: "cam",
    track_id: "ir0",
    cname: "thermal-cam-7",
    ssrc: 0x2222_0001,
    rtx_ssrc: Some(0x2222_0002),
};

pub fn local() -> LocalSession<'static> {
    LocalSession::new(4_242_424_242, "Fx9q", "aB3dE5fG7hJ9kL1mN3pQ5r", FINGERPRINT)
}

pub fn audio(direction: Direction) -> MediaCaps<'static> {
    MediaCaps {
        codecs: &AUDIO_CODECS,
        extensions: &AUDIO_EXTENSIONS,
        direction,
        track: Some(AUDIO_TRACK),
    }
}

pub fn video(direction: Direction) -> MediaCaps<'static> {
    MediaCaps {
        codecs: &VIDEO_CODECS,
        extensions: &VIDEO_EXTENSIONS,
        direction,
        track: Some(VIDEO_TRACK),
    }
}

pub fn caps() -> Capabilities<'static> {
    Capabilities {
        audio: Some(audio(Direction::SendRecv)),
        video: Some(video(Direction::SendRecv)),
        data: Some(DataCaps::default()),
    }
}

/// Emit into a fresh buffer of exactly the needed size.
pub fn emit<const M: usize, const A: usize, const C: usize>(
    sdp: &sdp_core::SessionDescription<'_, M, A, C>,
) -> String {
    let mut out = vec![0u8; sdp.buffer_len()];
    let n = sdp.emit(&mut out).expect("emit");
    assert_eq!(n, out.len());
    String::from_utf8(out).expect("utf-8")
}
