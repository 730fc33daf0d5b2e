//! PASSWORD-ALGORITHM(S) (RFC 8489 §14.11–14.12) and UNKNOWN-ATTRIBUTES (§14.9).

use super::AttrType;
use crate::wire::{be16, padded};

/// A password algorithm: how the long-term key is derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PasswordAlgorithm {
    /// MD5(username ":" realm ":" password), the RFC 5389 key.
    Md5,
    /// SHA-256(username ":" realm ":" password), RFC 8489 §18.5.1.2.
    Sha256,
    /// An algorithm this crate does not implement.
    Other(u16),
}

impl PasswordAlgorithm {
    /// The registered number.
    pub const fn number(self) -> u16 {
        match self {
            PasswordAlgorithm::Md5 => 0x0001,
            PasswordAlgorithm::Sha256 => 0x0002,
            PasswordAlgorithm::Other(n) => n,
        }
    }

    /// The algorithm with that number.
    pub const fn from_number(n: u16) -> Self {
        match n {
            0x0001 => PasswordAlgorithm::Md5,
            0x0002 => PasswordAlgorithm::Sha256,
            n => PasswordAlgorithm::Other(n),
        }
    }

    /// Encoded size of one entry (no parameters are defined for MD5 or SHA-256).
    pub const ENTRY_LEN: usize = 4;

    /// Decode a PASSWORD-ALGORITHM value (parameters, if any, are ignored).
    pub fn decode(value: &[u8]) -> Option<Self> {
        let n = be16(value, 0)?;
        let plen = usize::from(be16(value, 2)?);
        (value.len() == 4 + padded(plen)).then_some(Self::from_number(n))
    }
}

/// The list in a PASSWORD-ALGORITHMS attribute: wire bytes when parsed, a slice when built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordAlgorithms<'a> {
    /// As found in a message (validated by decode).
    Wire(&'a [u8]),
    /// To be written.
    List(&'a [PasswordAlgorithm]),
}

impl<'a> PasswordAlgorithms<'a> {
    /// Validate wire bytes: a sequence of (algorithm, parameter length, padded parameters).
    pub fn decode(value: &'a [u8]) -> Option<Self> {
        let mut at = 0;
        while at < value.len() {
            let plen = usize::from(be16(value, at + 2)?);
            at += 4 + padded(plen);
        }
        (at == value.len()).then_some(PasswordAlgorithms::Wire(value))
    }

    /// The algorithms, in order.
    pub fn iter(&self) -> impl Iterator<Item = PasswordAlgorithm> + 'a {
        let (wire, list): (&'a [u8], &'a [PasswordAlgorithm]) = match *self {
            PasswordAlgorithms::Wire(w) => (w, &[]),
            PasswordAlgorithms::List(l) => (&[], l),
        };
        let mut at = 0usize;
        let from_wire = core::iter::from_fn(move || {
            let n = be16(wire, at)?;
            at += 4 + padded(usize::from(be16(wire, at + 2)?));
            Some(PasswordAlgorithm::from_number(n))
        });
        from_wire.chain(list.iter().copied())
    }

    /// Whether `alg` is in the list.
    pub fn contains(&self, alg: PasswordAlgorithm) -> bool {
        self.iter().any(|a| a == alg)
    }

    /// Encoded value length.
    pub fn len(&self) -> usize {
        match self {
            PasswordAlgorithms::Wire(w) => w.len(),
            PasswordAlgorithms::List(l) => l.len() * PasswordAlgorithm::ENTRY_LEN,
        }
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn write(&self, out: &mut [u8]) {
        match self {
            PasswordAlgorithms::Wire(w) => {
                if let Some(o) = out.get_mut(..w.len()) {
                    o.copy_from_slice(w)
                }
            }
            PasswordAlgorithms::List(l) => {
                for (chunk, alg) in out.chunks_exact_mut(4).zip(l.iter()) {
                    let [a, b] = alg.number().to_be_bytes();
                    chunk.copy_from_slice(&[a, b, 0, 0]);
                }
            }
        }
    }
}

/// The list in an UNKNOWN-ATTRIBUTES attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownAttributes<'a> {
    /// As found in a message: pairs of bytes.
    Wire(&'a [u8]),
    /// To be written.
    List(&'a [AttrType]),
}

impl<'a> UnknownAttributes<'a> {
    /// Validate wire bytes (an even number of bytes).
    pub fn decode(value: &'a [u8]) -> Option<Self> {
        (value.len() % 2 == 0).then_some(UnknownAttributes::Wire(value))
    }

    /// The attribute types, in order.
    pub fn iter(&self) -> impl Iterator<Item = AttrType> + 'a {
        let (wire, list): (&'a [u8], &'a [AttrType]) = match *self {
            UnknownAttributes::Wire(w) => (w, &[]),
            UnknownAttributes::List(l) => (&[], l),
        };
        let from_wire = wire.chunks_exact(2).map(|c| {
            let mut b = [0u8; 2];
            b.copy_from_slice(c);
            AttrType(u16::from_be_bytes(b))
        });
        from_wire.chain(list.iter().copied())
    }

    /// Encoded value length.
    pub fn len(&self) -> usize {
        match self {
            UnknownAttributes::Wire(w) => w.len(),
            UnknownAttributes::List(l) => l.len() * 2,
        }
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn write(&self, out: &mut [u8]) {
        for (chunk, t) in out.chunks_exact_mut(2).zip(self.iter()) {
            chunk.copy_from_slice(&t.0.to_be_bytes());
        }
    }
}
