//! Attributes: raw TLVs, the registry of types, and typed values decoded lazily.

mod address;
mod algorithms;
mod error_code;
mod kind;
mod turn;
mod typed;

pub use address::{address_len, XorAddress};
pub use address::{decode_address, decode_xor_address, encode_address, encode_xor_address};
pub use algorithms::{PasswordAlgorithm, PasswordAlgorithms, UnknownAttributes};
pub use error_code::ErrorCode;
pub use kind::AttrType;
pub use turn::{AddressFamily, RelayProtocol, MAX_REASON};
pub use typed::{is_turn, Attribute, ChangeRequest};

/// One attribute as it sits in a message: its type and its unpadded value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawAttribute<'a> {
    /// The attribute type.
    pub kind: AttrType,
    /// The value, without padding.
    pub value: &'a [u8],
    /// Offset of the attribute header from the start of the message.
    pub offset: usize,
}

impl<'a> RawAttribute<'a> {
    /// Decode the value as a typed STUN [`Attribute`]; unknown types give
    /// [`Attribute::Other`].
    #[inline]
    pub fn decode(&self, tid: &super::TransactionId) -> Result<Attribute<'a>, super::ParseError> {
        Attribute::decode(self.kind, self.value, tid)
    }

    /// A big-endian `u32` value of exactly four bytes.
    #[inline]
    pub fn u32(&self) -> Result<u32, super::ParseError> {
        let b: [u8; 4] = self.value.try_into().map_err(|_| self.invalid())?;
        Ok(u32::from_be_bytes(b))
    }

    /// The error for a value that does not decode as its type requires.
    pub fn invalid(&self) -> super::ParseError {
        super::ParseError::InvalidAttribute { attr: self.kind.0 }
    }
}
