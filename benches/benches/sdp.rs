//! SDP benchmarks: sdp-core against Mozilla's `webrtc-sdp` and webrtc-rs `sdp`, in one run.
//!
//! The input is an offer Chromium 148 wrote for audio + video + a data channel (169 lines,
//! 23 video payload types), captured by sdp-core's interop test
//! (`sdp-core/tests/fixtures/chromium_av_offer.sdp`).
//! * parse: text → each library's model.
//! * write: model → text (sdp-core into a caller buffer, the others into a `String`).
//! * parse+answer: sdp-core only (the other two crates have no answerer): parse the offer,
//!   create the answer, negotiate the result, write the answer into a buffer — everything a
//!   device does with an incoming offer.
//!
//! Run: `cargo bench -p bench --bench sdp`. Before the timings it prints the heap
//! allocations per operation (counting global allocator) and asserts that sdp-core's parse,
//! answer and write make none.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use criterion::{criterion_group, criterion_main, Criterion};
use sdp_core::fmtp::H264Params;
use sdp_core::negotiate::{
    create_answer, negotiate, Capabilities, CodecCap, DataCaps, Extension, LocalSession, MediaCaps,
    Negotiated, SdpRole,
};
use sdp_core::{Direction, Fingerprint, SessionDescription};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const OFFER: &str = include_str!("../../sdp-core/tests/fixtures/chromium_av_offer.sdp");

type Sdp<'a> = SessionDescription<'a>;

const FP: Fingerprint<'static> = Fingerprint {
    hash: "sha-256",
    value: "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9",
};
const AUDIO: [CodecCap<'static>; 3] = [CodecCap::opus(111), CodecCap::pcmu(), CodecCap::pcma()];
const VIDEO: [CodecCap<'static>; 2] = [
    CodecCap::vp8(96, Some(97)),
    CodecCap::h264(102, H264Params::constrained_baseline(31), Some(103)),
];
const EXT: [Extension<'static>; 3] = [
    Extension {
        id: 1,
        uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
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

fn caps() -> Capabilities<'static> {
    let media = |codecs: &'static [CodecCap<'static>]| MediaCaps {
        codecs,
        extensions: &EXT,
        direction: Direction::SendRecv,
        track: None,
    };
    Capabilities {
        audio: Some(media(&AUDIO)),
        video: Some(media(&VIDEO)),
        data: Some(DataCaps::default()),
    }
}

/// (media sections, video payload types) as each library sees them.
fn shape_ours(sdp: &Sdp<'_>) -> (usize, usize) {
    (
        sdp.media_count(),
        sdp.media_at(1).unwrap().desc.payload_types().len(),
    )
}

fn shape_mozilla(s: &webrtc_sdp::SdpSession) -> (usize, usize) {
    let n = match s.media[1].get_formats() {
        webrtc_sdp::media_type::SdpFormatList::Integers(v) => v.len(),
        webrtc_sdp::media_type::SdpFormatList::Strings(v) => v.len(),
        webrtc_sdp::media_type::SdpFormatList::Unknown(_) => 0,
    };
    (s.media.len(), n)
}

fn shape_webrtc_rs(s: &sdp::SessionDescription) -> (usize, usize) {
    (
        s.media_descriptions.len(),
        s.media_descriptions[1].media_name.formats.len(),
    )
}

fn parse_webrtc_rs(text: &str) -> sdp::SessionDescription {
    sdp::SessionDescription::unmarshal(&mut Cursor::new(text.as_bytes())).unwrap()
}

/// Everything a device does with an offer: parse, answer, negotiate, write the answer.
fn parse_and_answer(
    text: &str,
    local: &LocalSession<'static>,
    caps: &Capabilities<'static>,
    out: &mut [u8],
) -> usize {
    let offer = Sdp::parse(text).unwrap();
    let answer: Sdp<'_> = create_answer(&offer, local, caps).unwrap();
    let n: Negotiated<'_> = negotiate(&offer, &answer, SdpRole::Answerer).unwrap();
    black_box(&n);
    answer.emit(out).unwrap()
}

fn allocations(label: &str, mut f: impl FnMut()) -> f64 {
    f(); // warm up (lazy statics, first-use allocations)
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..1_000 {
        f();
    }
    let n = (ALLOCS.load(Ordering::Relaxed) - before) as f64 / 1_000.0;
    println!("allocations per op  {label:<32} {n:.1}");
    n
}

fn bench(c: &mut Criterion) {
    let local = LocalSession::new(1, "Fx9q", "aB3dE5fG7hJ9kL1mN3pQ5r", FP);
    let caps = caps();
    let mut out = vec![0u8; 16 * 1024];

    // The three libraries agree on what they parsed.
    let ours = Sdp::parse(OFFER).unwrap();
    let mozilla = webrtc_sdp::parse_sdp(OFFER, false).unwrap();
    let webrtc_rs = parse_webrtc_rs(OFFER);
    assert_eq!(shape_ours(&ours), (3, 23));
    assert_eq!(shape_mozilla(&mozilla), shape_ours(&ours));
    assert_eq!(shape_webrtc_rs(&webrtc_rs), shape_ours(&ours));
    let n = ours.emit(&mut out).unwrap();
    assert_eq!(
        &out[..n],
        OFFER.as_bytes(),
        "sdp-core writes the offer back unchanged"
    );
    assert!(parse_and_answer(OFFER, &local, &caps, &mut out) > 0);

    let zero = [
        allocations("sdp-core parse", || {
            black_box(Sdp::parse(black_box(OFFER)).unwrap());
        }),
        allocations("sdp-core write", || {
            black_box(ours.emit(black_box(&mut out)).unwrap());
        }),
        allocations("sdp-core parse+answer+negotiate+write", || {
            black_box(parse_and_answer(black_box(OFFER), &local, &caps, &mut out));
        }),
    ];
    assert!(
        zero.iter().all(|n| *n == 0.0),
        "sdp-core allocated: {zero:?}"
    );
    allocations("webrtc-sdp parse", || {
        black_box(webrtc_sdp::parse_sdp(black_box(OFFER), false).unwrap());
    });
    allocations("webrtc-rs sdp parse", || {
        black_box(parse_webrtc_rs(black_box(OFFER)));
    });
    allocations("webrtc-sdp write", || {
        black_box(mozilla.to_string());
    });
    allocations("webrtc-rs sdp write", || {
        black_box(webrtc_rs.marshal());
    });

    let mut g = c.benchmark_group("sdp_parse");
    g.bench_function("sdp-core", |b| {
        b.iter(|| Sdp::parse(black_box(OFFER)).unwrap())
    });
    g.bench_function("webrtc-sdp (Mozilla)", |b| {
        b.iter(|| webrtc_sdp::parse_sdp(black_box(OFFER), false).unwrap())
    });
    g.bench_function("sdp (webrtc-rs)", |b| {
        b.iter(|| parse_webrtc_rs(black_box(OFFER)))
    });
    g.finish();

    let mut g = c.benchmark_group("sdp_write");
    g.bench_function("sdp-core", |b| {
        b.iter(|| ours.emit(black_box(&mut out)).unwrap())
    });
    g.bench_function("webrtc-sdp (Mozilla)", |b| {
        b.iter(|| black_box(&mozilla).to_string())
    });
    g.bench_function("sdp (webrtc-rs)", |b| {
        b.iter(|| black_box(&webrtc_rs).marshal())
    });
    g.finish();

    let mut g = c.benchmark_group("sdp_answer");
    g.bench_function("sdp-core parse+answer+negotiate+write", |b| {
        b.iter(|| parse_and_answer(black_box(OFFER), &local, &caps, &mut out))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
