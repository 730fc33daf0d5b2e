//! Application data handed up: the decrypted records of one datagram, borrowed from the
//! endpoint's receive buffer.

use core::fmt;

/// Bytes of decrypted application data one datagram can hand up (a 1500-byte Ethernet
/// payload fits; a record that does not fit in what is left is dropped and counted).
pub const RX_LEN: usize = 2048;
/// Application-data records one datagram can hand up.
pub const MAX_RECORDS: usize = 16;

/// The receive buffer of a connected endpoint.
#[derive(Clone)]
pub(crate) struct Rx {
    pub(crate) buf: [u8; RX_LEN],
    pub(crate) ranges: heapless::Vec<(u16, u16), MAX_RECORDS>,
    pub(crate) used: usize,
}

impl Rx {
    pub(crate) const fn new() -> Self {
        Rx {
            buf: [0; RX_LEN],
            ranges: heapless::Vec::new(),
            used: 0,
        }
    }

    /// Start a new datagram.
    pub(crate) fn clear(&mut self) {
        self.ranges.clear();
        self.used = 0;
    }

    /// Room for one more record of `len` bytes: the slice to decrypt it in, at `self.used`.
    pub(crate) fn room(&mut self, len: usize) -> Option<&mut [u8]> {
        if self.ranges.is_full() {
            return None;
        }
        self.buf.get_mut(self.used..self.used.checked_add(len)?)
    }

    /// Keep `range` (relative to the slice [`room`](Rx::room) gave) as one record.
    pub(crate) fn keep(&mut self, range: core::ops::Range<usize>, record_len: usize) {
        let (start, end) = (self.used + range.start, self.used + range.end);
        if let (Ok(s), Ok(e)) = (u16::try_from(start), u16::try_from(end)) {
            if self.ranges.push((s, e)).is_ok() {
                self.used += record_len;
            }
        }
    }

    /// Append a record's plaintext (from another stack); `false` if it does not fit.
    #[cfg_attr(not(feature = "dimpl"), allow(dead_code))]
    pub(crate) fn push(&mut self, data: &[u8]) -> bool {
        let Some(room) = self.room(data.len()) else {
            return false;
        };
        room.copy_from_slice(data);
        self.keep(0..data.len(), data.len());
        true
    }

    pub(crate) fn view(&self) -> Option<AppData<'_>> {
        (!self.ranges.is_empty()).then_some(AppData {
            buf: &self.buf,
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
