//! ClientHello, ServerHello and HelloVerifyRequest (RFC 6347 §4.2.1, RFC 5246 §7.4.1).

use super::codec::{Reader, Writer};
use super::extensions::{Extensions, U16List};
use super::{EmitError, ParseError};

/// Largest DTLS 1.2 cookie (RFC 6347 §4.2.1: `opaque cookie<0..2^8-1>`).
pub const MAX_COOKIE_LEN: usize = 255;
/// Largest session id.
pub const MAX_SESSION_ID_LEN: usize = 32;

/// The fields at the start of a ClientHello body, up to and including the cookie: enough for a
/// stateless server to answer the first fragment of a fragmented ClientHello.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientHelloPrefix<'a> {
    /// `client_version`.
    pub version: u16,
    /// `random`.
    pub random: [u8; 32],
    /// `session_id` (0–32 bytes).
    pub session_id: &'a [u8],
    /// `cookie` (empty on a first ClientHello).
    pub cookie: &'a [u8],
}

impl<'a> ClientHelloPrefix<'a> {
    /// Parse from the start of a ClientHello body (the rest may be missing).
    pub fn parse(r: &mut Reader<'a>) -> Result<Self, ParseError> {
        let version = r.u16()?;
        let random = r.array()?;
        let session_id = r.vec8()?;
        if session_id.len() > MAX_SESSION_ID_LEN {
            return Err(ParseError::Invalid("session_id length"));
        }
        let cookie = r.vec8()?;
        Ok(ClientHelloPrefix {
            version,
            random,
            session_id,
            cookie,
        })
    }
}

/// A ClientHello.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// Version, random, session id and cookie.
    pub prefix: ClientHelloPrefix<'a>,
    /// Offered cipher suites, in preference order.
    pub cipher_suites: U16List<'a>,
    /// Offered compression methods (must include null, 0).
    pub compression_methods: &'a [u8],
    /// Extensions (empty when absent).
    pub extensions: Extensions<'a>,
}

impl<'a> ClientHello<'a> {
    /// Parse a whole ClientHello body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let prefix = ClientHelloPrefix::parse(&mut r)?;
        let cipher_suites = U16List::read(&mut r)?;
        if cipher_suites.is_empty() {
            return Err(ParseError::Invalid("cipher_suites"));
        }
        let compression_methods = r.vec8()?;
        if compression_methods.is_empty() {
            return Err(ParseError::Invalid("compression_methods"));
        }
        let extensions = if r.is_empty() {
            Extensions::default()
        } else {
            Extensions::new(r.vec16()?)?
        };
        r.finish()?;
        Ok(ClientHello {
            prefix,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    /// Write the body; `extensions` is the raw block (without its length).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        let p = &self.prefix;
        w.u16(p.version)?;
        w.put(&p.random)?;
        w.vec8(p.session_id)?;
        w.vec8(p.cookie)?;
        let suites = w.begin_vec(2)?;
        for s in self.cipher_suites.iter() {
            w.u16(s)?;
        }
        w.end_vec(suites)?;
        w.vec8(self.compression_methods)?;
        w.vec16(self.extensions.raw())
    }
}

/// A ServerHello.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// `server_version`.
    pub version: u16,
    /// `random`.
    pub random: [u8; 32],
    /// `session_id`.
    pub session_id: &'a [u8],
    /// The chosen cipher suite.
    pub cipher_suite: u16,
    /// The chosen compression method.
    pub compression_method: u8,
    /// Extensions (empty when absent).
    pub extensions: Extensions<'a>,
}

impl<'a> ServerHello<'a> {
    /// Parse a ServerHello body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let version = r.u16()?;
        let random = r.array()?;
        let session_id = r.vec8()?;
        if session_id.len() > MAX_SESSION_ID_LEN {
            return Err(ParseError::Invalid("session_id length"));
        }
        let cipher_suite = r.u16()?;
        let compression_method = r.u8()?;
        let extensions = if r.is_empty() {
            Extensions::default()
        } else {
            Extensions::new(r.vec16()?)?
        };
        r.finish()?;
        Ok(ServerHello {
            version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// Write the body.
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.u16(self.version)?;
        w.put(&self.random)?;
        w.vec8(self.session_id)?;
        w.u16(self.cipher_suite)?;
        w.u8(self.compression_method)?;
        w.vec16(self.extensions.raw())
    }
}

/// A HelloVerifyRequest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelloVerifyRequest<'a> {
    /// `server_version` (DTLS 1.0 is recommended here for compatibility, RFC 6347 §4.2.1).
    pub version: u16,
    /// The cookie to echo.
    pub cookie: &'a [u8],
}

impl<'a> HelloVerifyRequest<'a> {
    /// Parse the body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let version = r.u16()?;
        let cookie = r.vec8()?;
        r.finish()?;
        Ok(HelloVerifyRequest { version, cookie })
    }

    /// Bytes of the body.
    pub fn buffer_len(&self) -> usize {
        3 + self.cookie.len()
    }

    /// Write the body.
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.u16(self.version)?;
        w.vec8(self.cookie)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::DTLS_1_2;

    #[test]
    fn client_hello_round_trip() {
        let ext = [0u8, 23, 0, 0];
        let suites = [0xc0u8, 0x2b, 0xcc, 0xa9];
        let ch = ClientHello {
            prefix: ClientHelloPrefix {
                version: DTLS_1_2,
                random: [7; 32],
                session_id: &[],
                cookie: &[1, 2, 3],
            },
            cipher_suites: U16List::new(&suites).unwrap(),
            compression_methods: &[0],
            extensions: Extensions::new(&ext).unwrap(),
        };
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        ch.emit(&mut w).unwrap();
        let n = w.len();
        assert_eq!(n, 2 + 32 + 1 + 4 + 2 + 4 + 2 + 2 + 4);
        assert_eq!(ClientHello::parse(&buf[..n]), Ok(ch));
        // The prefix alone parses from a truncated body (a first fragment).
        let p = ClientHelloPrefix::parse(&mut Reader::new(&buf[..40])).unwrap();
        assert_eq!(p.cookie, &[1, 2, 3]);
        // Every truncation fails cleanly, except the one that drops the whole extensions block
        // (extensions are optional).
        for cut in 0..n {
            let without_extensions = cut == n - 6;
            assert_eq!(
                ClientHello::parse(&buf[..cut]).is_err(),
                !without_extensions,
                "cut {cut}"
            );
        }
    }

    #[test]
    fn server_hello_and_hvr_round_trip() {
        let ext = [0xffu8, 1, 0, 1, 0];
        let sh = ServerHello {
            version: DTLS_1_2,
            random: [9; 32],
            session_id: &[5; 32],
            cipher_suite: 0xc02b,
            compression_method: 0,
            extensions: Extensions::new(&ext).unwrap(),
        };
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        sh.emit(&mut w).unwrap();
        let n = w.len();
        assert_eq!(ServerHello::parse(&buf[..n]), Ok(sh));
        let hvr = HelloVerifyRequest {
            version: 0xfeff,
            cookie: &[0xaa; 16],
        };
        let mut w = Writer::new(&mut buf);
        hvr.emit(&mut w).unwrap();
        assert_eq!(w.len(), hvr.buffer_len());
        assert_eq!(&buf[..3], &[0xfe, 0xff, 16]);
        assert_eq!(HelloVerifyRequest::parse(&buf[..19]), Ok(hvr));
        let mut long_sid = [0u8; 80];
        long_sid[34] = 33;
        assert_eq!(
            ServerHello::parse(&long_sid),
            Err(ParseError::Invalid("session_id length"))
        );
    }
}
