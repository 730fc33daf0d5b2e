//! Application data handed up: the decrypted records of one datagram, borrowed from the
//! endpoint's receive buffer.

use core::fmt;

/// Bytes of decrypted application data one datagram can hand up (a 1500-byte Ethernet
/// payload fits; a record that does not fit in what is left is dropped and counted).
pub const RX_LEN: usize = 2048;
/// Application-data records one datagram can hand up.
pub const MAX_RECORDS: usize = 16;

/// A receive buffer of its own and its [`Records`] (the `dimpl` adapter's; an endpoint's
/// receive buffer is the memory its handshake reassembled in).
#[cfg(feature = "dimpl")]
#[derive(Clone)]
pub(crate) struct Rx {
    pub(crate) buf: [u8; RX_LEN],
    pub(crate) records: Records,
}

#[cfg(feature = "dimpl")]
impl Rx {
    pub(crate) const fn new() -> Self {
        Rx {
            buf: [0; RX_LEN],
            records: Records::new(),
        }
    }

    /// Start a new datagram.
    pub(crate) fn clear(&mut self) {
        self.records.clear();
    }

    /// Append a record's plaintext (from another stack); `false` if it does not fit.
    pub(crate) fn push(&mut self, data: &[u8]) -> bool {
        let Some(room) = self.records.room(&mut self.buf, data.len()) else {
            return false;
        };
        room.copy_from_slice(data);
        self.records.keep(0..data.len(), data.len());
        true
    }

    pub(crate) fn view(&self) -> Option<AppData<'_>> {
        self.records.view(&self.buf)
    }
}

/// Where the records of one datagram are in a receive buffer its owner keeps (a DTLS
/// endpoint's is the memory its handshake reassembled in): at most [`MAX_RECORDS`] records
/// in the first [`RX_LEN`] bytes.
#[derive(Clone, Debug)]
pub(crate) struct Records {
    pub(crate) ranges: heapless::Vec<(u16, u16), MAX_RECORDS>,
    pub(crate) used: usize,
}

impl Records {
    pub(crate) const fn new() -> Self {
        Records {
            ranges: heapless::Vec::new(),
            used: 0,
        }
    }

    /// Start a new datagram.
    pub(crate) fn clear(&mut self) {
        self.ranges.clear();
        self.used = 0;
    }

    /// Room in `buf` for one more record of `len` bytes: the slice to decrypt it in, at
    /// `self.used`.
    pub(crate) fn room<'b>(&self, buf: &'b mut [u8], len: usize) -> Option<&'b mut [u8]> {
        if self.ranges.is_full() {
            return None;
        }
        let end = self.used.checked_add(len).filter(|e| *e <= RX_LEN)?;
        buf.get_mut(self.used..end)
    }

    /// What [`room`](Records::room) would give, read-only: the bytes from `self.used` on.
    pub(crate) fn rest<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.used..RX_LEN).unwrap_or(&[])
    }

    /// Keep `range` (relative to the slice [`room`](Records::room) gave) as one record.
    pub(crate) fn keep(&mut self, range: core::ops::Range<usize>, record_len: usize) {
        let (start, end) = (self.used + range.start, self.used + range.end);
        if let (Ok(s), Ok(e)) = (u16::try_from(start), u16::try_from(end)) {
            if self.ranges.push((s, e)).is_ok() {
                self.used += record_len;
            }
        }
    }

    /// The records kept, in `buf`.
    pub(crate) fn view<'b>(&'b self, buf: &'b [u8]) -> Option<AppData<'b>> {
        (!self.ranges.is_empty()).then_some(AppData {
            buf,
            ranges: &self.ranges,
        })
    }
}

/// What `handle_datagram` hands up when a datagram carried application data: how much. The
/// records themselves are decrypted into the endpoint's receive buffer and read with
/// [`Dtls::received`](crate::Dtls::received) (valid until the next input), because the
/// workspace contract lets handed-up data borrow only from the datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// Application-data records decrypted from the datagram.
    pub records: usize,
    /// Their plaintext bytes in all.
    pub bytes: usize,
}

impl AppData<'_> {
    /// The counts of these records.
    pub fn counts(&self) -> Received {
        Received {
            records: self.len(),
            bytes: self.iter().map(<[u8]>::len).sum(),
        }
    }
}

/// The application data of one datagram: one slice per DTLS record, in order (a record is
/// the unit the peer sent: one SCTP packet in WebRTC).
#[derive(Clone, Copy)]
pub struct AppData<'a> {
    buf: &'a [u8],
    ranges: &'a [(u16, u16)],
}

impl<'a> AppData<'a> {
    /// No record.
    pub const EMPTY: AppData<'static> = AppData {
        buf: &[],
        ranges: &[],
    };

    /// Number of records.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Record `i`.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let (s, e) = self.ranges.get(i)?;
        self.buf.get(usize::from(*s)..usize::from(*e))
    }

    /// The first record (the only one, usually).
    pub fn first(&self) -> &'a [u8] {
        self.get(0).unwrap_or(&[])
    }

    /// The records, in order.
    pub fn iter(&self) -> AppDataIter<'a> {
        AppDataIter {
            data: *self,
            next: 0,
        }
    }
}

impl fmt::Debug for AppData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(<[u8]>::len))
            .finish()
    }
}

impl<'a> IntoIterator for AppData<'a> {
    type Item = &'a [u8];
    type IntoIter = AppDataIter<'a>;

    fn into_iter(self) -> AppDataIter<'a> {
        self.iter()
    }
}

/// The records of an [`AppData`].
#[derive(Clone, Debug)]
pub struct AppDataIter<'a> {
    data: AppData<'a>,
    next: usize,
}

impl<'a> Iterator for AppDataIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let r = self.data.get(self.next)?;
        self.next += 1;
        Some(r)
    }
}
