//! Sender and receiver reports and their report blocks (RFC 3550 §6.4).

use super::body::{emit_packet, packet_len, Body};
use super::{packet_type, HEADER_LEN};
use crate::wire::bytes::{
    put, put_u24, put_u32, put_u64, put_u8, slice, u24_at, u32_at, u64_at, u8_at,
};
use crate::wire::error::{EmitError, ParseError};

/// Length of one report block.
pub const REPORT_BLOCK_LEN: usize = 24;
const SR_INFO_LEN: usize = 24; // SSRC + sender info
const RR_INFO_LEN: usize = 4; // SSRC

/// One reception report block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: u32,
    /// Fraction of packets lost since the last report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed: duplicates can make it negative).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received from the source (LSR).
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s (DLSR).
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn read(b: &[u8]) -> ReportBlock {
        let lost = u24_at(b, 5);
        // sign-extend 24 bits
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        ReportBlock {
            ssrc: u32_at(b, 0),
            fraction_lost: u8_at(b, 4),
            cumulative_lost,
            extended_highest_seq: u32_at(b, 8),
            jitter: u32_at(b, 12),
            last_sr: u32_at(b, 16),
            delay_since_last_sr: u32_at(b, 20),
        }
    }

    fn write(&self, out: &mut [u8]) {
        put_u32(out, 0, self.ssrc);
        put_u8(out, 4, self.fraction_lost);
        let lost = self.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32 & 0x00FF_FFFF;
        put_u24(out, 5, lost);
        put_u32(out, 8, self.extended_highest_seq);
        put_u32(out, 12, self.jitter);
        put_u32(out, 16, self.last_sr);
        put_u32(out, 20, self.delay_since_last_sr);
    }
}

fn blocks(data: &[u8], count: u8) -> impl ExactSizeIterator<Item = ReportBlock> + '_ {
    (0..usize::from(count)).map(move |i| {
        ReportBlock::read(slice(
            data,
            i * REPORT_BLOCK_LEN,
            (i + 1) * REPORT_BLOCK_LEN,
        ))
    })
}

fn check_blocks(body: &[u8], fixed: usize, count: u8) -> Result<(), ParseError> {
    let needed = fixed + usize::from(count) * REPORT_BLOCK_LEN;
    if body.len() < needed {
        return Err(ParseError::Truncated {
            needed: needed + HEADER_LEN,
            got: body.len() + HEADER_LEN,
        });
    }
    Ok(())
}

/// A sender report view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SenderReport<'a> {
    body: &'a [u8],
    count: u8,
}

impl<'a> SenderReport<'a> {
    /// Validate the body (after the common header) of an SR with `count` blocks.
    pub fn new_checked(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        check_blocks(body, SR_INFO_LEN, count)?;
        Ok(SenderReport { body, count })
    }
    /// The sender's SSRC.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// The NTP timestamp (32.32 fixed point seconds since 1900).
    pub fn ntp_time(&self) -> u64 {
        u64_at(self.body, 4)
    }
    /// The RTP timestamp corresponding to the NTP timestamp.
    pub fn rtp_time(&self) -> u32 {
        u32_at(self.body, 12)
    }
    /// The sender's packet count.
    pub fn packet_count(&self) -> u32 {
        u32_at(self.body, 16)
    }
    /// The sender's payload octet count.
    pub fn octet_count(&self) -> u32 {
        u32_at(self.body, 20)
    }
    /// The report blocks.
    pub fn report_blocks(&self) -> impl ExactSizeIterator<Item = ReportBlock> + 'a {
        blocks(slice(self.body, SR_INFO_LEN, self.body.len()), self.count)
    }
    /// The profile-specific extension after the blocks.
    pub fn extension(&self) -> &'a [u8] {
        slice(self.body, self.typed_len(), self.body.len())
    }
    /// Bytes of the body a [`SenderReportRepr`] describes (the extension follows).
    fn typed_len(&self) -> usize {
        SR_INFO_LEN + usize::from(self.count) * REPORT_BLOCK_LEN
    }
    /// A repr borrowing `blocks` for the report blocks (collect them first; at most 31).
    /// The profile-specific [`extension`](Self::extension) is not part of it:
    /// [`Entry::with_repr`](super::Entry::with_repr) keeps it.
    pub fn to_repr<'b>(&self, blocks: &'b [ReportBlock]) -> SenderReportRepr<'b> {
        SenderReportRepr {
            ssrc: self.ssrc(),
            ntp_time: self.ntp_time(),
            rtp_time: self.rtp_time(),
            packet_count: self.packet_count(),
            octet_count: self.octet_count(),
            reports: blocks,
        }
    }
}

/// A receiver report view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    body: &'a [u8],
    count: u8,
}

impl<'a> ReceiverReport<'a> {
    /// Validate the body of an RR with `count` blocks.
    pub fn new_checked(count: u8, body: &'a [u8]) -> Result<Self, ParseError> {
        check_blocks(body, RR_INFO_LEN, count)?;
        Ok(ReceiverReport { body, count })
    }
    /// The reporter's SSRC.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// The report blocks.
    pub fn report_blocks(&self) -> impl ExactSizeIterator<Item = ReportBlock> + 'a {
        blocks(slice(self.body, RR_INFO_LEN, self.body.len()), self.count)
    }
    /// The profile-specific extension after the blocks.
    pub fn extension(&self) -> &'a [u8] {
        slice(self.body, self.typed_len(), self.body.len())
    }
    /// Bytes of the body a [`ReceiverReportRepr`] describes (the extension follows).
    fn typed_len(&self) -> usize {
        RR_INFO_LEN + usize::from(self.count) * REPORT_BLOCK_LEN
    }
    /// A repr borrowing `blocks` for the report blocks (collect them first; at most 31).
    /// The profile-specific [`extension`](Self::extension) is not part of it:
    /// [`Entry::with_repr`](super::Entry::with_repr) keeps it.
    pub fn to_repr<'b>(&self, blocks: &'b [ReportBlock]) -> ReceiverReportRepr<'b> {
        ReceiverReportRepr {
            ssrc: self.ssrc(),
            reports: blocks,
        }
    }
}

/// A sender report to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SenderReportRepr<'a> {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// NTP timestamp, 32.32 fixed point.
    pub ntp_time: u64,
    /// RTP timestamp of the same instant.
    pub rtp_time: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
    /// At most 31 report blocks.
    pub reports: &'a [ReportBlock],
}

impl Body for SenderReportRepr<'_> {
    fn count(&self) -> u8 {
        self.reports.len().min(usize::from(u8::MAX)) as u8
    }
    fn packet_type(&self) -> u8 {
        packet_type::SR
    }
    fn body_len(&self) -> usize {
        SR_INFO_LEN + self.reports.len() * REPORT_BLOCK_LEN
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.ssrc);
        put_u64(out, 8, self.ntp_time);
        put_u32(out, 16, self.rtp_time);
        put_u32(out, 20, self.packet_count);
        put_u32(out, 24, self.octet_count);
        write_blocks(out, 28, self.reports);
    }
}

impl SenderReportRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

/// A receiver report to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReceiverReportRepr<'a> {
    /// The reporter's SSRC.
    pub ssrc: u32,
    /// At most 31 report blocks.
    pub reports: &'a [ReportBlock],
}

impl Body for ReceiverReportRepr<'_> {
    fn count(&self) -> u8 {
        self.reports.len().min(usize::from(u8::MAX)) as u8
    }
    fn packet_type(&self) -> u8 {
        packet_type::RR
    }
    fn body_len(&self) -> usize {
        RR_INFO_LEN + self.reports.len() * REPORT_BLOCK_LEN
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.ssrc);
        write_blocks(out, 8, self.reports);
    }
}

impl ReceiverReportRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

fn write_blocks(out: &mut [u8], mut pos: usize, reports: &[ReportBlock]) {
    for r in reports {
        let mut b = [0u8; REPORT_BLOCK_LEN];
        r.write(&mut b);
        put(out, pos, &b);
        pos += REPORT_BLOCK_LEN;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::super::{Compound, RtcpPacket};
    use super::*;

    #[test]
    fn sr_roundtrip_with_negative_loss() {
        let blocks = [ReportBlock {
            ssrc: 0x1111,
            fraction_lost: 64,
            cumulative_lost: -3,
            extended_highest_seq: 0x0001_0005,
            jitter: 42,
            last_sr: 0xAABB_CCDD,
            delay_since_last_sr: 65536,
        }];
        let sr = SenderReportRepr {
            ssrc: 7,
            ntp_time: 0xE000_0000_8000_0000,
            rtp_time: 90000,
            packet_count: 10,
            octet_count: 12000,
            reports: &blocks,
        };
        let mut buf = [0u8; 64];
        let n = sr.emit(&mut buf).unwrap();
        assert_eq!(n, 52);
        assert_eq!(&buf[..4], &[0x81, 200, 0, 12]);
        let Some(Ok(RtcpPacket::SenderReport(p))) = Compound::new(&buf[..n]).next() else {
            panic!("not an SR")
        };
        let got: heapless::Vec<ReportBlock, 2> = p.report_blocks().collect();
        assert_eq!(p.to_repr(&got), sr);
        assert!(p.extension().is_empty());
    }

    #[test]
    fn rr_truncated_blocks() {
        let rr = ReceiverReportRepr {
            ssrc: 1,
            reports: &[ReportBlock::default(); 2],
        };
        let mut buf = [0u8; 64];
        let n = rr.emit(&mut buf).unwrap();
        buf[0] = 0x83; // claims 3 blocks
        assert!(matches!(
            Compound::new(&buf[..n]).next(),
            Some(Err(ParseError::Truncated { .. }))
        ));
        assert_eq!(
            rr.emit(&mut buf[..20]),
            Err(EmitError::BufferTooSmall { needed: 56 })
        );
    }
}
