//! Alerts (RFC 5246 §7.2).

use super::codec::{Reader, Writer};
use super::{EmitError, ParseError};

/// How bad an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertLevel {
    /// warning (1).
    Warning,
    /// fatal (2): the connection ends.
    Fatal,
}

/// What an alert says. The values a DTLS 1.2 endpoint sends or may receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlertDescription {
    /// close_notify (0).
    CloseNotify,
    /// unexpected_message (10).
    UnexpectedMessage,
    /// bad_record_mac (20).
    BadRecordMac,
    /// record_overflow (22).
    RecordOverflow,
    /// handshake_failure (40).
    HandshakeFailure,
    /// bad_certificate (42).
    BadCertificate,
    /// unsupported_certificate (43).
    UnsupportedCertificate,
    /// certificate_expired (45).
    CertificateExpired,
    /// certificate_unknown (46).
    CertificateUnknown,
    /// illegal_parameter (47).
    IllegalParameter,
    /// decode_error (50).
    DecodeError,
    /// decrypt_error (51).
    DecryptError,
    /// protocol_version (70).
    ProtocolVersion,
    /// insufficient_security (71).
    InsufficientSecurity,
    /// internal_error (80).
    InternalError,
    /// user_canceled (90).
    UserCanceled,
    /// no_renegotiation (100).
    NoRenegotiation,
    /// unsupported_extension (110).
    UnsupportedExtension,
    /// Any other value.
    Other(u8),
}

impl AlertDescription {
    /// The wire value.
    pub const fn to_u8(self) -> u8 {
        match self {
            AlertDescription::CloseNotify => 0,
            AlertDescription::UnexpectedMessage => 10,
            AlertDescription::BadRecordMac => 20,
            AlertDescription::RecordOverflow => 22,
            AlertDescription::HandshakeFailure => 40,
            AlertDescription::BadCertificate => 42,
            AlertDescription::UnsupportedCertificate => 43,
            AlertDescription::CertificateExpired => 45,
            AlertDescription::CertificateUnknown => 46,
            AlertDescription::IllegalParameter => 47,
            AlertDescription::DecodeError => 50,
            AlertDescription::DecryptError => 51,
            AlertDescription::ProtocolVersion => 70,
            AlertDescription::InsufficientSecurity => 71,
            AlertDescription::InternalError => 80,
            AlertDescription::UserCanceled => 90,
            AlertDescription::NoRenegotiation => 100,
            AlertDescription::UnsupportedExtension => 110,
            AlertDescription::Other(v) => v,
        }
    }

    /// From the wire value.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0 => AlertDescription::CloseNotify,
            10 => AlertDescription::UnexpectedMessage,
            20 => AlertDescription::BadRecordMac,
            22 => AlertDescription::RecordOverflow,
            40 => AlertDescription::HandshakeFailure,
            42 => AlertDescription::BadCertificate,
            43 => AlertDescription::UnsupportedCertificate,
            45 => AlertDescription::CertificateExpired,
            46 => AlertDescription::CertificateUnknown,
            47 => AlertDescription::IllegalParameter,
            50 => AlertDescription::DecodeError,
            51 => AlertDescription::DecryptError,
            70 => AlertDescription::ProtocolVersion,
            71 => AlertDescription::InsufficientSecurity,
            80 => AlertDescription::InternalError,
            90 => AlertDescription::UserCanceled,
            100 => AlertDescription::NoRenegotiation,
            110 => AlertDescription::UnsupportedExtension,
            v => AlertDescription::Other(v),
        }
    }
}

/// An alert message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Level.
    pub level: AlertLevel,
    /// Description.
    pub description: AlertDescription,
}

impl Alert {
    /// Bytes of an alert.
    pub const LEN: usize = 2;

    /// A fatal alert.
    pub const fn fatal(description: AlertDescription) -> Self {
        Alert {
            level: AlertLevel::Fatal,
            description,
        }
    }

    /// A warning alert.
    pub const fn warning(description: AlertDescription) -> Self {
        Alert {
            level: AlertLevel::Warning,
            description,
        }
    }

    /// Parse a record payload holding exactly one alert.
    pub fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader::new(data);
        let level = match r.u8()? {
            1 => AlertLevel::Warning,
            2 => AlertLevel::Fatal,
            _ => return Err(ParseError::Invalid("alert level")),
        };
        let description = AlertDescription::from_u8(r.u8()?);
        r.finish()?;
        Ok(Alert { level, description })
    }

    /// Write the alert.
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<(), EmitError> {
        w.u8(match self.level {
            AlertLevel::Warning => 1,
            AlertLevel::Fatal => 2,
        })?;
        w.u8(self.description.to_u8())
    }

    /// The alert as bytes.
    pub fn to_bytes(&self) -> [u8; 2] {
        let mut out = [0u8; 2];
        let _ = self.emit(&mut Writer::new(&mut out));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_round_trip() {
        for v in 0..=255u8 {
            assert_eq!(AlertDescription::from_u8(v).to_u8(), v);
        }
        let a = Alert::fatal(AlertDescription::BadCertificate);
        assert_eq!(a.to_bytes(), [2, 42]);
        assert_eq!(Alert::parse(&[2, 42]), Ok(a));
        assert_eq!(
            Alert::parse(&[1, 0]),
            Ok(Alert::warning(AlertDescription::CloseNotify))
        );
        assert_eq!(
            Alert::parse(&[3, 0]),
            Err(ParseError::Invalid("alert level"))
        );
        assert_eq!(Alert::parse(&[1, 0, 0]), Err(ParseError::TrailingBytes));
    }
}
