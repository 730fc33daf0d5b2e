//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Bytes from hex digits; whitespace is ignored.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

use rtp_core::wire::{CsrcList, HeaderExtension, RtpHeader};

/// An RTP packet written by rtp-core: `csrcs` contributing sources, an RFC 8285-sized raw
/// extension of `ext_words` 32-bit words (none if 0), `payload`, `padding` bytes.
pub fn rtp_packet(
    seq: u16,
    ssrc: u32,
    csrcs: &[u32],
    ext: &[u8],
    payload: &[u8],
    padding: u8,
) -> Vec<u8> {
    let header = RtpHeader {
        marker: seq % 7 == 0,
        payload_type: 96,
        sequence_number: seq,
        timestamp: u32::from(seq).wrapping_mul(3000),
        ssrc,
        csrcs: CsrcList::from_slice(csrcs).unwrap(),
        extension: if ext.is_empty() {
            HeaderExtension::None
        } else {
            HeaderExtension::Raw {
                profile: 0xBEDE,
                data: ext,
            }
        },
        padding,
    };
    let mut out = vec![0u8; 2048];
    let n = header.emit(payload, &mut out).unwrap();
    out.truncate(n);
    out
}

use rtp_core::wire::rtcp::{
    emit_compound, sdes_item, ReportBlock, RtcpRepr, SdesChunkRepr, SdesItem, SdesRepr,
    SenderReportRepr,
};

/// A compound RTCP packet written by rtp-core: SR (one report block) + SDES CNAME.
pub fn rtcp_compound(ssrc: u32, n: u32) -> Vec<u8> {
    let block = ReportBlock {
        ssrc: 0x0BAD_CAFE,
        fraction_lost: n as u8,
        cumulative_lost: n as i32,
        extended_highest_seq: 0x1_0000 + n,
        jitter: 17 * n,
        last_sr: 0x1234_0000 | n,
        delay_since_last_sr: 655 * n,
    };
    let items = [SdesItem {
        kind: sdes_item::CNAME,
        value: b"srtp-core@interop",
    }];
    let chunks = [SdesChunkRepr {
        ssrc,
        items: &items,
    }];
    let packets = [
        RtcpRepr::SenderReport(SenderReportRepr {
            ssrc,
            ntp_time: 0xE000_0000_0000_0000 | u64::from(n),
            rtp_time: n * 160,
            packet_count: n,
            octet_count: n * 160,
            reports: core::slice::from_ref(&block),
        }),
        RtcpRepr::Sdes(SdesRepr { chunks: &chunks }),
    ];
    let mut out = vec![0u8; 1500];
    let len = emit_compound(&packets, &mut out).unwrap();
    out.truncate(len);
    out
}

/// Write each datagram to `DIR/PREFIX-%05d.bin`, as GStreamer's `multifilesrc` reads them
/// (one buffer per file, EOS after the last).
pub fn write_packets(dir: &std::path::Path, prefix: &str, datagrams: &[Vec<u8>]) {
    for (i, d) in datagrams.iter().enumerate() {
        std::fs::write(dir.join(format!("{prefix}-{i:05}.bin")), d).unwrap();
    }
}

/// Fail loudly when a program or GStreamer element is missing: interop never passes
/// silently.
pub fn require_gst_element(element: &str, package: &str) {
    let found = std::process::Command::new("gst-inspect-1.0")
        .arg(element)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        panic!(
            "INTEROP PEER MISSING: GStreamer element `{element}` (Debian `{package}`) is not \
             installed. Run `cargo xtask test`, which installs it, or apt-get install {package}."
        );
    }
}

/// Run `gst-launch-1.0 -q ARGS` to completion (EOS) within `limit`; panics on failure,
/// time-out or an ERROR message. Returns stderr.
pub fn gst_launch(args: &[String], limit: std::time::Duration) -> String {
    use std::io::Read;
    let mut child = std::process::Command::new("gst-launch-1.0")
        .arg("-q")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("INTEROP PEER MISSING: cannot run gst-launch-1.0: {e}"));
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut err = String::new();
    let mut out = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = status.unwrap_or_else(|| panic!("gst-launch-1.0 {args:?} timed out\n{err}"));
    assert!(
        status.success() && !err.contains("ERROR"),
        "gst-launch-1.0 {args:?} failed ({status}):\n{out}\n{err}"
    );
    err
}

/// A fresh scratch directory under the target dir's tmp.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let base = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("srtp-core-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The files `multifilesink location=DIR/PREFIX-%05d.bin` wrote, in order.
pub fn sink_files(dir: &std::path::Path, prefix: &str) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".bin"))
        })
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}
