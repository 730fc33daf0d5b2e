//! ERROR-CODE values (RFC 8489 §14.8) and the registered codes.

/// An error code: class × 100 + number, 300–699.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(u16);

impl ErrorCode {
    /// 300 Try Alternate.
    pub const TRY_ALTERNATE: ErrorCode = ErrorCode(300);
    /// 400 Bad Request.
    pub const BAD_REQUEST: ErrorCode = ErrorCode(400);
    /// 401 Unauthenticated.
    pub const UNAUTHENTICATED: ErrorCode = ErrorCode(401);
    /// 403 Forbidden (RFC 8656).
    pub const FORBIDDEN: ErrorCode = ErrorCode(403);
    /// 405 Mobility Forbidden (RFC 8016).
    pub const MOBILITY_FORBIDDEN: ErrorCode = ErrorCode(405);
    /// 420 Unknown Attribute.
    pub const UNKNOWN_ATTRIBUTE: ErrorCode = ErrorCode(420);
    /// 437 Allocation Mismatch (RFC 8656).
    pub const ALLOCATION_MISMATCH: ErrorCode = ErrorCode(437);
    /// 438 Stale Nonce.
    pub const STALE_NONCE: ErrorCode = ErrorCode(438);
    /// 440 Address Family not Supported (RFC 8656).
    pub const ADDRESS_FAMILY_NOT_SUPPORTED: ErrorCode = ErrorCode(440);
    /// 441 Wrong Credentials (RFC 8656).
    pub const WRONG_CREDENTIALS: ErrorCode = ErrorCode(441);
    /// 442 Unsupported Transport Protocol (RFC 8656).
    pub const UNSUPPORTED_TRANSPORT_PROTOCOL: ErrorCode = ErrorCode(442);
    /// 443 Peer Address Family Mismatch (RFC 8656).
    pub const PEER_ADDRESS_FAMILY_MISMATCH: ErrorCode = ErrorCode(443);
    /// 446 Connection Already Exists (RFC 6062).
    pub const CONNECTION_ALREADY_EXISTS: ErrorCode = ErrorCode(446);
    /// 447 Connection Timeout or Failure (RFC 6062).
    pub const CONNECTION_TIMEOUT_OR_FAILURE: ErrorCode = ErrorCode(447);
    /// 486 Allocation Quota Reached (RFC 8656).
    pub const ALLOCATION_QUOTA_REACHED: ErrorCode = ErrorCode(486);
    /// 487 Role Conflict (RFC 8445).
    pub const ROLE_CONFLICT: ErrorCode = ErrorCode(487);
    /// 500 Server Error.
    pub const SERVER_ERROR: ErrorCode = ErrorCode(500);
    /// 508 Insufficient Capacity (RFC 8656).
    pub const INSUFFICIENT_CAPACITY: ErrorCode = ErrorCode(508);

    /// A code from its number; `None` outside 300–699.
    pub const fn new(code: u16) -> Option<ErrorCode> {
        if code >= 300 && code <= 699 {
            Some(ErrorCode(code))
        } else {
            None
        }
    }

    /// The numeric code.
    pub const fn code(self) -> u16 {
        self.0
    }

    /// The recommended reason phrase for registered codes, else "Error".
    pub const fn reason(self) -> &'static str {
        match self.0 {
            300 => "Try Alternate",
            400 => "Bad Request",
            401 => "Unauthenticated",
            403 => "Forbidden",
            405 => "Mobility Forbidden",
            420 => "Unknown Attribute",
            437 => "Allocation Mismatch",
            438 => "Stale Nonce",
            440 => "Address Family not Supported",
            441 => "Wrong Credentials",
            442 => "Unsupported Transport Protocol",
            443 => "Peer Address Family Mismatch",
            446 => "Connection Already Exists",
            447 => "Connection Timeout or Failure",
            486 => "Allocation Quota Reached",
            487 => "Role Conflict",
            500 => "Server Error",
            508 => "Insufficient Capacity",
            _ => "Error",
        }
    }

    /// The first four bytes of the value: reserved, class, number.
    pub(crate) const fn header(self) -> [u8; 4] {
        [0, 0, (self.0 / 100) as u8, (self.0 % 100) as u8]
    }

    /// Decode the first four bytes of the value.
    pub(crate) fn from_header(b: &[u8]) -> Option<ErrorCode> {
        let class = u16::from(*b.get(2)? & 0x07);
        let number = u16::from(*b.get(3)?);
        if number > 99 {
            return None;
        }
        ErrorCode::new(class * 100 + number)
    }
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}
