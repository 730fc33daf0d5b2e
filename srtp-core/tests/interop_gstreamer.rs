//! Interop with libsrtp 2 through GStreamer's `srtpenc` / `srtpdec` (Debian
//! `gstreamer1.0-plugins-bad`), every profile both implement, both directions, SRTP and
//! SRTCP, with a fixed master key:
//!
//! * ours → libsrtp: rtp-core builds 40 RTP packets (sequence numbers crossing 0xFFFF, with
//!   and without CSRCs and header extensions) and 6 compound SR+SDES packets; we protect
//!   them, `multifilesrc ! srtpdec ! multifilesink` decrypts them; every packet must come out
//!   bit for bit.
//! * libsrtp → ours: the same plaintexts go through `srtpenc`; we unprotect every packet it
//!   wrote and compare, and check the ROC rolled over.
//!
//! Packets travel as one file per datagram (`multifilesrc` / `multifilesink`), not over a
//! socket: no timing, no loss, so a missing or corrupted packet is a failure, not a flake.
//! (`pcapparse` was tried first; its sub-buffers crash `srtpdec` in GStreamer 1.22.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use srtp_core::{Config, MasterKey, Profile, SrtpContext};
use std::path::Path;
use std::time::Duration;
use support::{
    gst_launch, require_gst_element, rtcp_compound, rtp_packet, scratch, sink_files, to_hex,
    write_packets,
};

const SSRC: u32 = 0x2BAD_F00D;
const PACKETS: u16 = 40;
const FIRST_SEQ: u16 = 0xFFF0;

/// GStreamer's names for a profile: (cipher, RTP auth, RTCP auth).
fn gst_names(profile: Profile) -> (&'static str, &'static str, &'static str) {
    match profile {
        Profile::Aes128CmHmacSha1_80 => ("aes-128-icm", "hmac-sha1-80", "hmac-sha1-80"),
        Profile::Aes128CmHmacSha1_32 => ("aes-128-icm", "hmac-sha1-32", "hmac-sha1-80"),
        Profile::AeadAes128Gcm => ("aes-128-gcm", "null", "null"),
        Profile::AeadAes256Gcm => ("aes-256-gcm", "null", "null"),
        _ => unreachable!("no such GStreamer profile"),
    }
}

fn master_bytes(profile: Profile) -> Vec<u8> {
    (0..(profile.key_len() + profile.salt_len()) as u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect()
}

fn context(profile: Profile) -> SrtpContext<4> {
    let master = MasterKey::from_concatenated(profile, &master_bytes(profile)).unwrap();
    SrtpContext::new(&master, Config::default()).unwrap()
}

fn plaintexts() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let rtp = (0..PACKETS)
        .map(|i| {
            let seq = FIRST_SEQ.wrapping_add(i);
            let csrcs: Vec<u32> = (0..u32::from(i % 3)).map(|c| 0xC0DE_0000 + c).collect();
            // An RFC 8285 one-byte element (id 1, 2 bytes) padded to a word, every 4th packet.
            let ext: &[u8] = if i % 4 == 1 {
                &[0x11, 0xAB, 0xCD, 0x00]
            } else {
                &[]
            };
            let payload: Vec<u8> = (0..(37 + 29 * usize::from(i)) % 1100)
                .map(|b| (b as u8) ^ (i as u8))
                .collect();
            rtp_packet(seq, SSRC, &csrcs, ext, &payload, 0)
        })
        .collect();
    let rtcp = (1..=6).map(|n| rtcp_compound(SSRC, n)).collect();
    (rtp, rtcp)
}

fn args(desc: &str) -> Vec<String> {
    desc.split_whitespace().map(str::to_owned).collect()
}

fn key_caps(profile: Profile) -> String {
    let (cipher, rtp_auth, rtcp_auth) = gst_names(profile);
    format!(
        "ssrc=(uint){SSRC},srtp-key=(buffer){},srtp-cipher=(string){cipher},\
         srtp-auth=(string){rtp_auth},srtcp-cipher=(string){cipher},\
         srtcp-auth=(string){rtcp_auth},roc=(uint)0",
        to_hex(&master_bytes(profile))
    )
}

/// Ours protects, libsrtp (srtpdec) unprotects.
fn ours_to_srtpdec(profile: Profile) {
    let dir = scratch(&format!("to-srtpdec-{}", profile.id()));
    let (rtp, rtcp) = plaintexts();
    let mut tx = context(profile);
    let protect = |plain: &Vec<u8>, f: &mut dyn FnMut(&mut [u8], usize) -> usize| {
        let mut buf = plain.clone();
        buf.resize(plain.len() + 32, 0);
        let n = f(&mut buf, plain.len());
        buf.truncate(n);
        buf
    };
    let srtp: Vec<_> = rtp
        .iter()
        .map(|p| protect(p, &mut |b, l| tx.protect_rtp(b, l).unwrap()))
        .collect();
    let srtcp: Vec<_> = rtcp
        .iter()
        .map(|p| protect(p, &mut |b, l| tx.protect_rtcp(b, l).unwrap()))
        .collect();
    write_packets(&dir, "in-srtp", &srtp);
    write_packets(&dir, "in-srtcp", &srtcp);
    let d = dir.display();
    let caps = key_caps(profile);
    // One pipeline per pad: with both branches in one pipeline, an EOS on one pad can beat
    // the other pad's packets through srtpdec.
    gst_launch(
        &args(&format!(
            "multifilesrc location={d}/in-srtp-%05d.bin caps=application/x-srtp,{caps} \
             ! srtpdec ! multifilesink sync=false location={d}/rtp-%05d.bin"
        )),
        Duration::from_secs(60),
    );
    gst_launch(
        &args(&format!(
            "multifilesrc location={d}/in-srtcp-%05d.bin caps=application/x-srtcp,{caps} \
             ! dec.rtcp_sink srtpdec name=dec dec.rtcp_src \
             ! multifilesink sync=false location={d}/rtcp-%05d.bin"
        )),
        Duration::from_secs(60),
    );
    assert_files(&dir, "rtp-", &rtp, profile, "RTP decrypted by srtpdec");
    assert_files(&dir, "rtcp-", &rtcp, profile, "RTCP decrypted by srtpdec");
    let _ = std::fs::remove_dir_all(&dir);
}

fn assert_files(dir: &Path, prefix: &str, want: &[Vec<u8>], profile: Profile, what: &str) {
    let got = sink_files(dir, prefix);
    assert_eq!(got.len(), want.len(), "{profile:?}: {what}: packet count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            to_hex(g),
            to_hex(w),
            "{profile:?}: {what}: packet {i} differs"
        );
    }
}

/// libsrtp (srtpenc) protects, ours unprotects.
fn srtpenc_to_ours(profile: Profile) {
    let dir = scratch(&format!("from-srtpenc-{}", profile.id()));
    let (rtp, rtcp) = plaintexts();
    write_packets(&dir, "in-rtp", &rtp);
    write_packets(&dir, "in-rtcp", &rtcp);
    let (cipher, rtp_auth, rtcp_auth) = gst_names(profile);
    let key = to_hex(&master_bytes(profile));
    let d = dir.display();
    let enc = format!(
        "srtpenc name=enc key={key} rtp-cipher={cipher} rtp-auth={rtp_auth} \
         rtcp-cipher={cipher} rtcp-auth={rtcp_auth}"
    );
    gst_launch(
        &args(&format!(
            "{enc} multifilesrc location={d}/in-rtp-%05d.bin caps=application/x-rtp,\
             media=(string)video,clock-rate=(int)90000,encoding-name=(string)VP8,\
             payload=(int)96,ssrc=(uint){SSRC} \
             ! enc.rtp_sink_0 enc.rtp_src_0 ! multifilesink sync=false location={d}/srtp-%05d.bin"
        )),
        Duration::from_secs(60),
    );
    gst_launch(
        &args(&format!(
            "{enc} multifilesrc location={d}/in-rtcp-%05d.bin caps=application/x-rtcp \
             ! enc.rtcp_sink_0 enc.rtcp_src_0 ! multifilesink sync=false location={d}/srtcp-%05d.bin"
        )),
        Duration::from_secs(60),
    );
    let mut rx = context(profile);
    let srtp = sink_files(&dir, "srtp-");
    assert_eq!(srtp.len(), rtp.len(), "{profile:?}: srtpenc RTP count");
    for (i, (mut wire, plain)) in srtp.into_iter().zip(&rtp).enumerate() {
        assert_eq!(wire.len(), plain.len() + profile.rtp_tag_len());
        let n = rx
            .unprotect_rtp(&mut wire)
            .unwrap_or_else(|e| panic!("{profile:?}: srtpenc RTP packet {i}: {e}"));
        assert_eq!(to_hex(&wire[..n]), to_hex(plain), "{profile:?}: RTP {i}");
    }
    assert_eq!(rx.roc(SSRC), Some(1), "{profile:?}: ROC after the wrap");
    let srtcp = sink_files(&dir, "srtcp-");
    assert_eq!(srtcp.len(), rtcp.len(), "{profile:?}: srtpenc RTCP count");
    for (i, (mut wire, plain)) in srtcp.into_iter().zip(&rtcp).enumerate() {
        let n = rx
            .unprotect_rtcp(&mut wire)
            .unwrap_or_else(|e| panic!("{profile:?}: srtpenc RTCP packet {i}: {e}"));
        assert_eq!(to_hex(&wire[..n]), to_hex(plain), "{profile:?}: RTCP {i}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn require_peer() {
    require_gst_element("srtpenc", "gstreamer1.0-plugins-bad");
    require_gst_element("srtpdec", "gstreamer1.0-plugins-bad");
    require_gst_element("multifilesrc", "gstreamer1.0-plugins-good");
}

#[test]
#[ignore = "interop: needs GStreamer srtpenc/srtpdec (cargo xtask test installs it)"]
fn gstreamer_srtpdec_reads_ours() {
    require_peer();
    for profile in Profile::ALL {
        ours_to_srtpdec(profile);
    }
}

#[test]
#[ignore = "interop: needs GStreamer srtpenc/srtpdec (cargo xtask test installs it)"]
fn ours_reads_gstreamer_srtpenc() {
    require_peer();
    for profile in Profile::ALL {
        srtpenc_to_ours(profile);
    }
}
