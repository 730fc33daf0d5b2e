//! Hostile and malformed input: typed errors naming the line, capacity errors, no panic,
//! memory fixed by the type.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use sdp_core::negotiate::{create_answer, negotiate, Negotiated, NegotiationError, SdpRole};
use sdp_core::{
    AttributeKind as A, EmitError, Limit, ParseError, ParseErrorKind as K, SessionDescription,
};
use support::*;

type Sdp<'a> = SessionDescription<'a>;

const HEAD: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
const AV: &str = include_str!("fixtures/chromium_av_offer.sdp");

fn err(text: &str) -> ParseError {
    Sdp::parse(text).expect_err(text)
}

#[test]
fn malformed_lines_name_the_line_and_the_fault() {
    let m = "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n";
    let cases: Vec<(String, u32, K)> = vec![
        (String::new(), 0, K::Empty),
        ("\r\n\r\n".into(), 0, K::Empty),
        ("v=1\r\n".into(), 1, K::BadVersion),
        ("o=- 1 2 IN IP4 0.0.0.0\r\n".into(), 1, K::Missing(b'v')),
        ("v=0\r\ns=-\r\n".into(), 2, K::Missing(b'o')),
        ("v=0\r\no=- x 2 IN IP4 0.0.0.0\r\n".into(), 2, K::BadOrigin),
        (
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\nt=0 0\r\n".into(),
            3,
            K::Missing(b's'),
        ),
        (
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n".into(),
            3,
            K::Missing(b't'),
        ),
        (
            format!("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n{m}"),
            4,
            K::Missing(b't'),
        ),
        (format!("{HEAD}x=1\r\n"), 5, K::UnknownType(b'x')),
        (format!("{HEAD}hello\r\n"), 5, K::NotATypeLine),
        (format!("{HEAD}a=x\0y\r\n"), 5, K::ControlCharacter),
        (format!("{HEAD}a=x\ry\r\n"), 5, K::ControlCharacter),
        (
            format!("{HEAD}o=- 1 2 IN IP4 0.0.0.0\r\n"),
            5,
            K::UnexpectedLine(b'o'),
        ),
        (format!("{HEAD}i=late\r\n"), 5, K::UnexpectedLine(b'i')),
        (format!("{HEAD}b=AS:x\r\n"), 5, K::UnexpectedLine(b'b')),
        (
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nb=AS:x\r\nt=0 0\r\n".into(),
            4,
            K::BadBandwidth,
        ),
        (
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4\r\nt=0 0\r\n".into(),
            4,
            K::BadConnection,
        ),
        (
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0\r\n".into(),
            4,
            K::BadTiming,
        ),
        // A field that is not a token — non-ASCII text with Unicode whitespace (here a
        // vertical tab) inside it — ends the list: it must not end it silently (fuzz find).
        (
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0 \u{b}\u{1bc}\r\n".into(),
            2,
            K::BadOrigin,
        ),
        (
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0 x\u{b}\u{1bc}\r\n".into(),
            4,
            K::BadTiming,
        ),
        (
            format!("{HEAD}m=audio 9 RTP/AVP 0 x\u{b}\u{1bc}\r\n"),
            5,
            K::BadPayloadType,
        ),
        (
            format!("{HEAD}m=application 9 UDP/DTLS/SCTP web\u{b}\u{1bc}rtc\r\n"),
            5,
            K::BadMedia,
        ),
        (
            format!("{HEAD}a=group:BUNDLE 0 \u{b}\u{1bc}\r\n"),
            5,
            K::BadAttribute(A::Group),
        ),
        (format!("{HEAD}m=audio\r\n"), 5, K::BadMedia),
        (format!("{HEAD}m=audio x RTP/AVP 0\r\n"), 5, K::BadMedia),
        (format!("{HEAD}m=audio 9 RTP/AVP\r\n"), 5, K::BadMedia),
        (
            format!("{HEAD}m=audio 9 RTP/AVP 0 opus\r\n"),
            5,
            K::BadPayloadType,
        ),
        (
            format!("{HEAD}m=audio 9 RTP/AVP 128\r\n"),
            5,
            K::BadPayloadType,
        ),
        (format!("{HEAD}{m}t=0 0\r\n"), 6, K::UnexpectedLine(b't')),
        (
            format!("{HEAD}{m}a=rtpmap:200 x/90000\r\n"),
            6,
            K::BadAttribute(A::Rtpmap),
        ),
        (
            format!("{HEAD}{m}a=rtpmap:96 VP8\r\n"),
            6,
            K::BadAttribute(A::Rtpmap),
        ),
        (
            format!("{HEAD}{m}a=rtpmap:96 VP8/90000/2/x\r\n"),
            6,
            K::BadAttribute(A::Rtpmap),
        ),
        (
            format!("{HEAD}{m}a=rtpmap:96 VP8/90000\r\na=rtpmap:96 H264/90000\r\n"),
            7,
            K::Duplicate(A::Rtpmap),
        ),
        (
            format!("{HEAD}{m}a=fmtp:96 a=1\r\na=fmtp:96 a=2\r\n"),
            7,
            K::Duplicate(A::Fmtp),
        ),
        (
            format!("{HEAD}{m}a=mid:0\r\na=mid:1\r\n"),
            7,
            K::Duplicate(A::Mid),
        ),
        (
            format!("{HEAD}{m}a=sendonly\r\na=recvonly\r\n"),
            7,
            K::Duplicate(A::Direction),
        ),
        (
            format!("{HEAD}{m}a=mid:0\r\n{m}a=mid:0\r\n"),
            8,
            K::DuplicateMid,
        ),
        (format!("{HEAD}{m}a=mid\r\n"), 6, K::BadAttribute(A::Mid)),
        (
            format!("{HEAD}{m}a=setup:sideways\r\n"),
            6,
            K::BadAttribute(A::Setup),
        ),
        (
            format!("{HEAD}{m}a=fingerprint:sha-256 XY:ZZ\r\n"),
            6,
            K::BadAttribute(A::Fingerprint),
        ),
        (
            format!("{HEAD}{m}a=fingerprint:sha-256\r\n"),
            6,
            K::BadAttribute(A::Fingerprint),
        ),
        (
            format!("{HEAD}{m}a=candidate:1 1 udp x 1.2.3.4 5 typ host\r\n"),
            6,
            K::BadAttribute(A::CandidateLine),
        ),
        (
            format!("{HEAD}{m}a=candidate:1 1 udp 1 1.2.3.4 5 type host\r\n"),
            6,
            K::BadAttribute(A::CandidateLine),
        ),
        (
            format!("{HEAD}{m}a=candidate:1 1 udp 1 1.2.3.4 5 typ host generation\r\n"),
            6,
            K::BadAttribute(A::CandidateLine),
        ),
        (
            format!("{HEAD}{m}a=sctp-port:70000\r\n"),
            6,
            K::BadAttribute(A::SctpPort),
        ),
        (
            format!("{HEAD}{m}a=max-message-size:-1\r\n"),
            6,
            K::BadAttribute(A::MaxMessageSize),
        ),
        (
            format!("{HEAD}{m}a=extmap:0 urn:x\r\n"),
            6,
            K::BadAttribute(A::Extmap),
        ),
        (
            format!("{HEAD}{m}a=extmap:1/upward urn:x\r\n"),
            6,
            K::BadAttribute(A::Extmap),
        ),
        (
            format!("{HEAD}{m}a=rtcp-fb:96\r\n"),
            6,
            K::BadAttribute(A::RtcpFb),
        ),
        (
            format!("{HEAD}{m}a=ssrc:1\r\n"),
            6,
            K::BadAttribute(A::Ssrc),
        ),
        (
            format!("{HEAD}{m}a=ssrc-group:FID 1 2 3 4 5\r\n"),
            6,
            K::TooMany(Limit::GroupSsrcs),
        ),
        (
            format!("{HEAD}{m}a=rid:h sideways\r\n"),
            6,
            K::BadAttribute(A::Rid),
        ),
        (
            format!("{HEAD}{m}a=simulcast:h\r\n"),
            6,
            K::BadAttribute(A::Simulcast),
        ),
        (format!("{HEAD}{m}a=msid:\r\n"), 6, K::BadAttribute(A::Msid)),
        (
            format!("{HEAD}{m}a=rtcp-mux:yes\r\n"),
            6,
            K::BadAttribute(A::Flag),
        ),
        (
            format!("{HEAD}{m}a=sendrecv:yes\r\n"),
            6,
            K::BadAttribute(A::Direction),
        ),
        (
            format!("{HEAD}{m}a=ice-ufrag:a b\r\n"),
            6,
            K::BadAttribute(A::IceUfrag),
        ),
        (format!("{HEAD}{m}a=:x\r\n"), 6, K::BadAttribute(A::Other)),
        (format!("{HEAD}a=group:\r\n"), 5, K::BadAttribute(A::Group)),
    ];
    for (text, line, kind) in cases {
        let e = err(&text);
        assert_eq!((e.line, e.kind), (line, kind), "{text:?}");
        assert!(e.to_string().contains(&format!("line {line}")));
    }
}

#[test]
fn lf_line_ends_and_blank_lines_are_accepted() {
    let text = AV.replace("\r\n", "\n");
    let sdp = Sdp::parse(&text).unwrap();
    assert_eq!(sdp.to_string(), AV);
    let text = format!(
        "\r\n{}\r\n\r\n",
        AV.replace("a=mid:1\r\n", "a=mid:1\r\n\r\n")
    );
    assert_eq!(Sdp::parse(&text).unwrap().to_string(), AV);
}

#[test]
fn non_utf8_bytes_name_the_line() {
    let mut bytes = AV.as_bytes().to_vec();
    let at = AV.find("a=mid:0").unwrap() + 6;
    bytes[at] = 0xFF;
    let line = AV[..at].matches('\n').count() as u32 + 1;
    let e = Sdp::parse_bytes(&bytes).unwrap_err();
    assert_eq!((e.line, e.kind), (line, K::NotUtf8));
    assert_eq!(
        Sdp::parse_bytes(&[0xC3]).unwrap_err(),
        ParseError {
            line: 1,
            kind: K::NotUtf8
        }
    );
}

fn sections(n: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("a=group:BUNDLE 0\r\n");
    for i in 0..n {
        s.push_str(&format!(
            "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:{i}\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\na=setup:actpass\r\na=fingerprint:sha-256 AA:BB\r\n"
        ));
    }
    s
}

#[test]
fn a_thousand_media_sections() {
    let text = sections(1000);
    // Default capacity (16 sections): a capacity error at the 17th m= line (6 lines each).
    let e = err(&text);
    assert_eq!(
        (e.line, e.kind),
        (5 + 1 + 16 * 6, K::TooMany(Limit::MediaSections))
    );
    // A description sized for it (about 1 MB: on a big stack, as a firmware would use a
    // static) parses — the mid uniqueness check is bounded by M — and is answered; the
    // default negotiated value then reports its own capacity.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let big = SessionDescription::<'_, 1024, 8192, 4>::parse(&text).unwrap();
            assert_eq!(big.media_count(), 1000);
            let answer = create_answer(&big, &local(), &caps()).unwrap();
            assert_eq!(answer.media().filter(|m| !m.is_rejected()).count(), 1000);
            let n: Result<Negotiated<'_>, _> = negotiate(&big, &answer, SdpRole::Answerer);
            assert_eq!(
                n.unwrap_err(),
                NegotiationError::TooMany(Limit::MediaSections)
            );
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn ten_thousand_codecs() {
    // 10,000 formats on one m= line.
    let pts: Vec<String> = (0..10_000).map(|i| (i % 128).to_string()).collect();
    let text = format!("{HEAD}m=video 9 UDP/TLS/RTP/SAVPF {}\r\n", pts.join(" "));
    assert_eq!(
        err(&text),
        ParseError {
            line: 5,
            kind: K::TooMany(Limit::Formats)
        }
    );
    // 10,000 codec lines (distinct, so not duplicates): the attribute pool fills up.
    let mut text = format!("{HEAD}m=video 9 UDP/TLS/RTP/SAVPF 96\r\n");
    for i in 0..10_000 {
        text.push_str(&format!("a=rtcp-fb:{} nack\r\n", i % 128));
    }
    assert_eq!(
        err(&text),
        ParseError {
            line: 6 + 512,
            kind: K::TooMany(Limit::Attributes)
        }
    );
    // Non-RTP formats are bounded too.
    let text = format!("{HEAD}m=application 9 UDP/DTLS/SCTP {}\r\n", pts.join(" "));
    assert_eq!(err(&text).kind, K::TooMany(Limit::Formats));
}

#[test]
fn a_megabyte_line() {
    let big = "A".repeat(1 << 20);
    // Unknown attributes are kept verbatim, whatever their size, and come back unchanged.
    let text = format!("{HEAD}a=x-blob:{big}\r\n");
    let sdp = Sdp::parse(&text).unwrap();
    assert_eq!(sdp.to_string(), text);
    // A megabyte where a token or a number belongs is a typed error.
    let text = format!(
        "{HEAD}m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=candidate:{big} 1 udp 1 1.2.3.4 9 typ host\r\n"
    );
    assert_eq!(
        err(&text),
        ParseError {
            line: 6,
            kind: K::BadAttribute(A::CandidateLine)
        }
    );
    let text = format!(
        "{HEAD}m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=sctp-port:{}\r\n",
        "9".repeat(1 << 20)
    );
    assert_eq!(
        err(&text),
        ParseError {
            line: 6,
            kind: K::BadAttribute(A::SctpPort)
        }
    );
    let text = format!("v=0\r\no=- 1 {} IN IP4 0.0.0.0\r\n", "1".repeat(1 << 20));
    assert_eq!(
        err(&text),
        ParseError {
            line: 2,
            kind: K::BadOrigin
        }
    );
    // And the answerer copes with a huge offered mid.
    let text = AV
        .replace("a=mid:0", &format!("a=mid:{big}"))
        .replace("BUNDLE 0 1 2", &format!("BUNDLE {big} 1 2"));
    let offer = Sdp::parse(&text).unwrap();
    let answer = create_answer(&offer, &local(), &caps()).unwrap();
    assert_eq!(answer.media_at(0).unwrap().mid(), Some(big.as_str()));
}

#[test]
fn emit_into_a_short_buffer_leaves_it_untouched() {
    let sdp = Sdp::parse(AV).unwrap();
    let needed = sdp.buffer_len();
    assert_eq!(needed, AV.len());
    let mut out = vec![0xAAu8; needed - 1];
    assert_eq!(
        sdp.emit(&mut out),
        Err(EmitError::BufferTooSmall { needed })
    );
    assert!(out.iter().all(|b| *b == 0xAA));
    let mut out = vec![0u8; needed + 10];
    assert_eq!(sdp.emit(&mut out), Ok(needed));
    assert_eq!(&out[..needed], AV.as_bytes());
}

#[test]
fn model_memory_is_fixed_by_the_type() {
    // The figures the README states (64-bit host).
    let sdp = std::mem::size_of::<Sdp<'_>>();
    let small = std::mem::size_of::<SessionDescription<'_, 4, 128, 16>>();
    let negotiated = std::mem::size_of::<Negotiated<'_>>();
    eprintln!("SessionDescription default {sdp} B, <4,128,16> {small} B, Negotiated default {negotiated} B");
    assert!(sdp < 40 * 1024, "{sdp}");
    assert!(small < 12 * 1024, "{small}");
    assert!(negotiated < 24 * 1024, "{negotiated}");
}
