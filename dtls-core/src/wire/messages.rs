//! The other handshake messages of an ECDHE-ECDSA handshake: Certificate, ServerKeyExchange,
//! CertificateRequest, ClientKeyExchange, CertificateVerify and Finished.

use super::codec::{Reader, Writer};
use super::extensions::U16List;
use super::{EmitError, ParseError};

/// `curve_type` named_curve (RFC 8422 §5.4).
pub const CURVE_TYPE_NAMED: u8 = 3;
/// Bytes of `verify_data` in TLS 1.2 Finished.
pub const VERIFY_DATA_LEN: usize = 12;

/// A Certificate message: the peer's chain, leaf first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateMsg<'a> {
    list: &'a [u8],
}

impl<'a> CertificateMsg<'a> {
    /// Parse the body, checking every entry is framed and non-empty.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let list = r.vec24()?;
        r.finish()?;
        let mut entries = Reader::new(list);
        while !entries.is_empty() {
            if entries.vec24()?.is_empty() {
                return Err(ParseError::Invalid("empty certificate"));
            }
        }
        Ok(CertificateMsg { list })
    }

    /// The certificates (DER), leaf first.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut r = Reader::new(self.list);
        core::iter::from_fn(move || r.vec24().ok())
    }

    /// The leaf certificate, if the list is not empty.
    pub fn leaf(&self) -> Option<&'a [u8]> {
        self.iter().next()
    }

    /// Write a body holding the one certificate `der`.
    pub fn emit_single(der: &[u8], w: &mut Writer<'_>) -> Result<(), EmitError> {
        let outer = w.begin_vec(3)?;
        let inner = w.begin_vec(3)?;
        w.put(der)?;
        w.end_vec(inner)?;
        w.end_vec(outer)
    }
}

/// An ECDHE ServerKeyExchange (RFC 8422 §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerKeyExchange<'a> {
    /// The named group of the key.
    pub group: u16,
    /// The server's ephemeral public key (an uncompressed point for secp256r1).
    pub public: &'a [u8],
    /// The signature scheme (`SignatureAndHashAlgorithm`).
    pub scheme: u16,
    /// The signature (DER ECDSA for our suites).
    pub signature: &'a [u8],
    /// The raw `ServerECDHParams` bytes: the signed content after the randoms.
    pub params: &'a [u8],
}

impl<'a> ServerKeyExchange<'a> {
    /// Parse the body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        if r.u8()? != CURVE_TYPE_NAMED {
            return Err(ParseError::Invalid("curve_type"));
        }
        let group = r.u16()?;
        let public = r.vec8()?;
        let params = body.get(..body.len() - r.remaining()).unwrap_or(&[]);
        let scheme = r.u16()?;
        let signature = r.vec16()?;
        r.finish()?;
        Ok(ServerKeyExchange {
            group,
            public,
            scheme,
            signature,
            params,
        })
    }

    /// Write `ServerECDHParams` for `group` and `public` (the part that is signed).
    pub fn emit_params(group: u16, public: &[u8], w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.u8(CURVE_TYPE_NAMED)?;
        w.u16(group)?;
        w.vec8(public)
    }

    /// Write the signature part after the params.
    pub fn emit_signature(
        scheme: u16,
        signature: &[u8],
        w: &mut Writer<'_>,
    ) -> Result<(), EmitError> {
        w.u16(scheme)?;
        w.vec16(signature)
    }
}

/// A TLS 1.2 CertificateRequest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateRequest<'a> {
    /// Acceptable `ClientCertificateType`s.
    pub certificate_types: &'a [u8],
    /// Acceptable signature schemes.
    pub schemes: U16List<'a>,
    /// Acceptable CAs (raw; WebRTC sends none).
    pub authorities: &'a [u8],
}

impl<'a> CertificateRequest<'a> {
    /// Parse the body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let certificate_types = r.vec8()?;
        if certificate_types.is_empty() {
            return Err(ParseError::Invalid("certificate_types"));
        }
        let schemes = U16List::read(&mut r)?;
        let authorities = r.vec16()?;
        r.finish()?;
        Ok(CertificateRequest {
            certificate_types,
            schemes,
            authorities,
        })
    }

    /// Write a request for `types` signed with `schemes`, naming no authority.
    pub fn emit(types: &[u8], schemes: &[u16], w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.vec8(types)?;
        let m = w.begin_vec(2)?;
        for s in schemes {
            w.u16(*s)?;
        }
        w.end_vec(m)?;
        w.u16(0)
    }
}

/// Parse an ECDHE ClientKeyExchange body: the client's public key.
pub fn parse_client_key_exchange(body: &[u8]) -> Result<&[u8], ParseError> {
    let mut r = Reader::new(body);
    let public = r.vec8()?;
    r.finish()?;
    if public.is_empty() {
        return Err(ParseError::Invalid("ecdh_Yc"));
    }
    Ok(public)
}

/// A digitally-signed element: a CertificateVerify body (RFC 5246 §7.4.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigitallySigned<'a> {
    /// Signature scheme.
    pub scheme: u16,
    /// Signature bytes.
    pub signature: &'a [u8],
}

impl<'a> DigitallySigned<'a> {
    /// Parse the body.
    pub fn parse(body: &'a [u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(body);
        let scheme = r.u16()?;
        let signature = r.vec16()?;
        r.finish()?;
        Ok(DigitallySigned { scheme, signature })
    }

    /// Write the body.
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.u16(self.scheme)?;
        w.vec16(self.signature)
    }
}

/// Parse a Finished body: exactly 12 bytes of `verify_data`.
pub fn parse_finished(body: &[u8]) -> Result<[u8; VERIFY_DATA_LEN], ParseError> {
    let mut r = Reader::new(body);
    let v = r.array()?;
    r.finish()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_round_trip() {
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        CertificateMsg::emit_single(&[0x30, 0x01, 0x00], &mut w).unwrap();
        let n = w.len();
        assert_eq!(&buf[..n], &[0, 0, 6, 0, 0, 3, 0x30, 1, 0]);
        let c = CertificateMsg::parse(&buf[..n]).unwrap();
        assert_eq!(c.leaf(), Some(&[0x30u8, 1, 0][..]));
        assert_eq!(CertificateMsg::parse(&[0, 0, 0]).unwrap().leaf(), None);
        assert_eq!(
            CertificateMsg::parse(&[0, 0, 3, 0, 0, 0]),
            Err(ParseError::Invalid("empty certificate"))
        );
        assert_eq!(
            CertificateMsg::parse(&[0, 0, 4, 0, 0, 3, 1]),
            Err(ParseError::Truncated)
        );
    }

    #[test]
    fn server_key_exchange_round_trip() {
        let mut buf = [0u8; 160];
        let mut w = Writer::new(&mut buf);
        ServerKeyExchange::emit_params(23, &[4; 65], &mut w).unwrap();
        let params_len = w.len();
        ServerKeyExchange::emit_signature(0x0403, &[0x30; 70], &mut w).unwrap();
        let n = w.len();
        let ske = ServerKeyExchange::parse(&buf[..n]).unwrap();
        assert_eq!((ske.group, ske.public.len(), ske.scheme), (23, 65, 0x0403));
        assert_eq!(ske.params, &buf[..params_len]);
        assert_eq!(ske.signature, &[0x30; 70]);
        buf[0] = 1;
        assert_eq!(
            ServerKeyExchange::parse(&buf[..n]),
            Err(ParseError::Invalid("curve_type"))
        );
    }

    #[test]
    fn request_verify_finished() {
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        CertificateRequest::emit(&[64], &[0x0403], &mut w).unwrap();
        let n = w.len();
        assert_eq!(&buf[..n], &[1, 64, 0, 2, 4, 3, 0, 0]);
        let cr = CertificateRequest::parse(&buf[..n]).unwrap();
        assert!(cr.schemes.contains(0x0403));
        let ds = DigitallySigned {
            scheme: 0x0403,
            signature: &[1, 2, 3],
        };
        let mut w = Writer::new(&mut buf);
        ds.emit(&mut w).unwrap();
        assert_eq!(DigitallySigned::parse(&buf[..7]), Ok(ds));
        assert_eq!(parse_finished(&[1; 12]), Ok([1; 12]));
        assert_eq!(parse_finished(&[1; 13]), Err(ParseError::TrailingBytes));
        assert_eq!(
            parse_client_key_exchange(&[0]),
            Err(ParseError::Invalid("ecdh_Yc"))
        );
        assert_eq!(parse_client_key_exchange(&[2, 4, 4]), Ok(&[4u8, 4][..]));
    }
}
