//! Demultiplexing one socket by first byte (RFC 7983, updated by RFC 9443).

/// What a datagram sharing a WebRTC socket is, judged by its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketKind {
    /// STUN (first byte 0–3).
    Stun,
    /// ZRTP (16–19).
    Zrtp,
    /// DTLS (20–63).
    Dtls,
    /// TURN ChannelData (64–79, RFC 9443).
    ChannelData,
    /// RTP (128–191, payload type not in the RTCP range).
    Rtp,
    /// RTCP (128–191, packet type 192–223).
    Rtcp,
    /// Anything else, including the empty datagram: drop it.
    Unknown,
}

/// Classify a datagram by its first bytes per RFC 7983 §7 and RFC 9443 §3.
///
/// RTP and RTCP are told apart by the second byte (RTCP packet types 192–223, RFC 5761 §4).
pub fn classify(data: &[u8]) -> PacketKind {
    let Some(&first) = data.first() else {
        return PacketKind::Unknown;
    };
    match first {
        0..=3 => PacketKind::Stun,
        16..=19 => PacketKind::Zrtp,
        20..=63 => PacketKind::Dtls,
        64..=79 => PacketKind::ChannelData,
        128..=191 => match data.get(1) {
            Some(192..=223) => PacketKind::Rtcp,
            _ => PacketKind::Rtp,
        },
        _ => PacketKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7983_ranges() {
        assert_eq!(classify(&[]), PacketKind::Unknown);
        assert_eq!(classify(&[0x00, 0x01]), PacketKind::Stun);
        assert_eq!(classify(&[0x01, 0x01]), PacketKind::Stun);
        assert_eq!(classify(&[17]), PacketKind::Zrtp);
        assert_eq!(classify(&[22, 0xfe, 0xfd]), PacketKind::Dtls);
        assert_eq!(classify(&[0x40, 0x00]), PacketKind::ChannelData);
        assert_eq!(classify(&[0x4f, 0xff]), PacketKind::ChannelData);
        assert_eq!(classify(&[0x80, 96]), PacketKind::Rtp);
        assert_eq!(classify(&[0x80, 0x80 | 96]), PacketKind::Rtp);
        assert_eq!(classify(&[0x80, 200]), PacketKind::Rtcp);
        assert_eq!(classify(&[0x81, 205]), PacketKind::Rtcp);
        assert_eq!(classify(&[0x50]), PacketKind::Unknown);
        assert_eq!(classify(&[0xff]), PacketKind::Unknown);
    }
}
