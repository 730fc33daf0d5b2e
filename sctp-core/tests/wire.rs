//! Wire round trips: repr → emit → parse → same repr → same bytes, every chunk type; truncated
//! and corrupted input is rejected without panicking.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use sctp_core::wire::chunk::{Data, ForwardTsn, ForwardTsnEntry, Init, Sack};
use sctp_core::wire::param::{ErrorCause, Param, EDMID_DTLS};
use sctp_core::wire::{crc32c, Chunk, List, Packet, PacketWriter, ParseError, UnknownAction};

fn all_chunks() -> Vec<Chunk<'static>> {
    static INIT_PARAMS: [Param<'static>; 3] = [
        Param::SupportedExtensions(&[0x82, 0xC0, 0x40, 0xC2]),
        Param::ForwardTsnSupported,
        Param::ZeroChecksumAcceptable(EDMID_DTLS),
    ];
    static ACK_PARAMS: [Param<'static>; 2] = [
        Param::StateCookie(&[7; 41]),
        Param::Unrecognized(&[0xC0, 0x33, 0, 5, 9]),
    ];
    static RECONFIG: [Param<'static>; 2] = [
        Param::OutgoingReset {
            request_seq: 5,
            response_seq: 4,
            last_tsn: 100,
            streams: List::Items(&[1, 2]),
        },
        Param::ReconfigResponse {
            response_seq: 9,
            result: 1,
            tsns: None,
        },
    ];
    static CAUSES: [ErrorCause<'static>; 2] = [
        ErrorCause::InvalidStream(9),
        ErrorCause::UserAbort(b"closing"),
    ];
    static GAPS: [(u16, u16); 2] = [(2, 3), (5, 9)];
    static DUPS: [u32; 1] = [77];
    static FWD: [ForwardTsnEntry; 2] = [
        ForwardTsnEntry {
            stream: 1,
            unordered: false,
            id: 4,
        },
        ForwardTsnEntry {
            stream: 3,
            unordered: false,
            id: 9,
        },
    ];
    static IFWD: [ForwardTsnEntry; 1] = [ForwardTsnEntry {
        stream: 2,
        unordered: true,
        id: 70_000,
    }];
    let data = Data {
        tsn: 10,
        stream: 3,
        mid: 7,
        ppid: 51,
        begin: true,
        end: true,
        payload: b"hello",
        ..Data::default()
    };
    vec![
        Chunk::Data(data),
        Chunk::Data(Data {
            unordered: true,
            begin: false,
            immediate: true,
            ..data
        }),
        Chunk::Data(Data {
            idata: true,
            mid: 99_999,
            begin: true,
            end: false,
            ..data
        }),
        Chunk::Data(Data {
            idata: true,
            mid: 99_999,
            begin: false,
            fsn: 3,
            ppid: 0,
            ..data
        }),
        Chunk::Init(Init {
            initiate_tag: 0xDEAD_BEEF,
            a_rwnd: 131_072,
            outbound_streams: 1024,
            inbound_streams: 1024,
            initial_tsn: 1,
            params: List::Items(&INIT_PARAMS),
        }),
        Chunk::InitAck(Init {
            initiate_tag: 1,
            a_rwnd: 2,
            outbound_streams: 3,
            inbound_streams: 4,
            initial_tsn: 5,
            params: List::Items(&ACK_PARAMS),
        }),
        Chunk::Sack(Sack {
            cum_tsn: 50,
            a_rwnd: 1000,
            gaps: List::Items(&GAPS),
            dups: List::Items(&DUPS),
        }),
        Chunk::Heartbeat(b"info-bytes"),
        Chunk::HeartbeatAck(b"info-bytes"),
        Chunk::Abort {
            t: true,
            causes: List::Items(&CAUSES),
        },
        Chunk::Shutdown { cum_tsn: 77 },
        Chunk::ShutdownAck,
        Chunk::ShutdownComplete { t: false },
        Chunk::Error {
            causes: List::Items(&CAUSES),
        },
        Chunk::CookieEcho(&[1, 2, 3, 4, 5]),
        Chunk::CookieAck,
        Chunk::ForwardTsn(ForwardTsn {
            idata: false,
            new_cum_tsn: 12,
            entries: List::Items(&FWD),
        }),
        Chunk::ForwardTsn(ForwardTsn {
            idata: true,
            new_cum_tsn: 13,
            entries: List::Items(&IFWD),
        }),
        Chunk::ReConfig {
            params: List::Items(&RECONFIG),
        },
        Chunk::Pad(6),
    ]
}

#[test]
fn every_chunk_round_trips_through_a_packet() {
    for chunk in all_chunks() {
        let mut buf = [0u8; 512];
        let mut w = PacketWriter::new(&mut buf, 5000, 5001, 0x0102_0304).unwrap();
        w.push(&chunk).unwrap();
        let n = w.finish(false);
        assert_eq!(n, 12 + chunk.buffer_len());
        let p = Packet::new_checked(&buf[..n]).unwrap();
        assert!(p.checksum_ok(false), "{chunk:?}");
        assert_eq!(
            (p.src_port(), p.dst_port(), p.verification_tag()),
            (5000, 5001, 0x0102_0304)
        );
        let raws: Vec<_> = p.chunks().collect();
        assert_eq!(raws.len(), 1, "{chunk:?} {raws:?}");
        let parsed = Chunk::parse(raws[0].unwrap()).unwrap();
        // Emitting what was parsed gives the same bytes.
        let mut again = [0u8; 512];
        let m = parsed.emit(&mut again).unwrap();
        assert_eq!(&again[..m], &buf[12..n], "{chunk:?}");
        assert!(!matches!(parsed, Chunk::Unknown(_)));
    }
}

#[test]
fn typed_fields_survive() {
    let chunks = all_chunks();
    let mut buf = [0u8; 512];
    let n = chunks[6].emit(&mut buf).unwrap();
    let raw = sctp_core::wire::chunk::RawChunks::new(&buf[..n])
        .next()
        .unwrap()
        .unwrap();
    let Chunk::Sack(s) = Chunk::parse(raw).unwrap() else {
        panic!()
    };
    assert_eq!(s.gaps().collect::<Vec<_>>(), [(2, 3), (5, 9)]);
    assert_eq!(s.dups().collect::<Vec<_>>(), [77]);
    let n = chunks[17].emit(&mut buf).unwrap();
    let raw = sctp_core::wire::chunk::RawChunks::new(&buf[..n])
        .next()
        .unwrap()
        .unwrap();
    let Chunk::ForwardTsn(f) = Chunk::parse(raw).unwrap() else {
        panic!()
    };
    assert_eq!(
        f.entries().collect::<Vec<_>>(),
        [ForwardTsnEntry {
            stream: 2,
            unordered: true,
            id: 70_000
        }]
    );
    let n = chunks[3].emit(&mut buf).unwrap();
    let raw = sctp_core::wire::chunk::RawChunks::new(&buf[..n])
        .next()
        .unwrap()
        .unwrap();
    let Chunk::Data(d) = Chunk::parse(raw).unwrap() else {
        panic!()
    };
    assert_eq!(
        (d.idata, d.mid, d.fsn, d.begin, d.payload),
        (true, 99_999, 3, false, &b"hello"[..])
    );
}

#[test]
fn checksum_is_crc32c_least_significant_byte_first() {
    let mut buf = [0u8; 64];
    let w = PacketWriter::new(&mut buf, 1, 2, 3).unwrap();
    let n = w.finish(false);
    let mut zeroed = buf[..n].to_vec();
    zeroed[8..12].fill(0);
    assert_eq!(buf[8..12], crc32c(&zeroed).to_le_bytes());
    // A flipped bit fails; a zero checksum passes only when accepted (RFC 9653).
    buf[5] ^= 1;
    assert!(!Packet::new_checked(&buf[..n]).unwrap().checksum_ok(false));
    let w = PacketWriter::new(&mut buf, 1, 2, 3).unwrap();
    let n = w.finish(true);
    let p = Packet::new_checked(&buf[..n]).unwrap();
    assert_eq!(p.checksum(), 0);
    assert!(p.checksum_ok(true));
    assert!(!p.checksum_ok(false));
}

#[test]
fn truncations_and_bad_lengths_are_errors() {
    assert_eq!(
        Packet::new_checked(&[0u8; 11][..]).err(),
        Some(ParseError::Truncated)
    );
    assert_eq!(
        Packet::new_checked(&[0u8; 14][..]).err(),
        Some(ParseError::BadLength)
    );
    for chunk in all_chunks() {
        let mut buf = [0u8; 512];
        let n = chunk.emit(&mut buf).unwrap();
        // Every shorter length field either fails or parses to something that re-emits.
        for cut in 0..n {
            let mut b = buf[..n].to_vec();
            b[2..4].copy_from_slice(&(cut as u16).to_be_bytes());
            for raw in sctp_core::wire::chunk::RawChunks::new(&b) {
                match raw {
                    Ok(r) => {
                        if let Ok(c) = Chunk::parse(r) {
                            let mut o = [0u8; 512];
                            c.emit(&mut o).unwrap();
                        }
                    }
                    Err(e) => assert!(matches!(e, ParseError::BadLength | ParseError::Truncated)),
                }
            }
        }
    }
    // INIT with a zero tag or zero streams is invalid.
    let bad = Chunk::Init(Init {
        initiate_tag: 0,
        a_rwnd: 1,
        outbound_streams: 1,
        inbound_streams: 1,
        initial_tsn: 0,
        params: List::Items(&[]),
    });
    let mut buf = [0u8; 64];
    let n = bad.emit(&mut buf).unwrap();
    let raw = sctp_core::wire::chunk::RawChunks::new(&buf[..n])
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(Chunk::parse(raw), Err(ParseError::Invalid));
}

#[test]
fn unknown_chunks_keep_their_upper_bit_action() {
    let mut buf = [0u8; 64];
    for (kind, action) in [
        (0x30, UnknownAction::Stop),
        (0x70, UnknownAction::StopAndReport),
        (0xB0, UnknownAction::Skip),
        (0xF0, UnknownAction::SkipAndReport),
    ] {
        let raw = sctp_core::wire::RawChunk {
            kind,
            flags: 0,
            value: b"abc",
        };
        let n = raw.emit(&mut buf).unwrap();
        assert_eq!(n, 8);
        let back = sctp_core::wire::chunk::RawChunks::new(&buf[..n])
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(back, raw);
        assert_eq!(back.unknown_action(), action);
        assert_eq!(Chunk::parse(back).unwrap(), Chunk::Unknown(raw));
    }
}

#[test]
fn emit_into_a_short_buffer_leaves_it_untouched() {
    for chunk in all_chunks() {
        let need = chunk.buffer_len();
        let mut buf = vec![0xAAu8; need - 1];
        assert_eq!(
            chunk.emit(&mut buf),
            Err(sctp_core::wire::EmitError::BufferTooSmall { needed: need })
        );
        assert!(buf.iter().all(|b| *b == 0xAA));
    }
}
