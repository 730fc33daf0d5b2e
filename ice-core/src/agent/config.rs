//! Agent settings.

use core::net::SocketAddr;
use core::time::Duration;
use stun_proto::client::RetransmitConfig;

/// Longest ufrag the agent stores (RFC 8839 allows 256; browsers use 4–16).
pub const MAX_UFRAG: usize = 63;
/// Longest password the agent stores (RFC 8839 allows 256; browsers use 22–32).
pub const MAX_PWD: usize = 96;

/// A TURN server to get relayed candidates from, with long-term credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TurnServerConfig {
    /// The server's address (UDP).
    pub server: SocketAddr,
    /// Username (or a REST-API `expiry:user` name).
    pub username: heapless::String<128>,
    /// Password.
    pub password: heapless::String<128>,
}

impl TurnServerConfig {
    /// A server entry; `None` when a credential exceeds 128 bytes.
    pub fn new(server: SocketAddr, username: &str, password: &str) -> Option<Self> {
        Some(TurnServerConfig {
            server,
            username: heapless::String::try_from(username).ok()?,
            password: heapless::String::try_from(password).ok()?,
        })
    }
}

/// TURN servers an [`IceConfig`] holds by default (its `TS`).
pub const TURN_SERVERS: usize = 2;

/// Agent settings. `Default` follows RFC 8445 and RFC 7675.
///
/// `TS` is how many TURN servers it holds. An application fills the default one; an agent
/// keeps the first `R` of them (its own parameter: an agent without relays keeps none, and
/// so not their credentials, about 290 bytes a server).
#[derive(Clone, Debug)]
pub struct IceConfig<const TS: usize = TURN_SERVERS> {
    /// Be an ICE-lite agent: host candidates only, answer checks, never send them.
    pub lite: bool,
    /// Pacing between new checks, `Ta` (RFC 8445 §14.2: 50 ms by default).
    pub ta: Duration,
    /// Retransmission of connectivity checks.
    pub check_retransmit: RetransmitConfig,
    /// After the first valid pair, how long to wait for higher-priority pairs before
    /// nominating the best valid one (controlling agent, regular nomination).
    pub nomination_delay: Duration,
    /// The same wait when the best valid pair is relayed: a relay costs a server hop and the
    /// operator's bandwidth, so direct pairs still being checked get longer to succeed.
    pub relay_nomination_delay: Duration,
    /// Mean interval between consent checks (RFC 7675: 5 s, randomised ±20 %).
    pub consent_interval: Duration,
    /// Consent is lost after this long without a response (RFC 7675: 30 s).
    pub consent_timeout: Duration,
    /// STUN servers to learn server-reflexive candidates from.
    pub stun_servers: heapless::Vec<SocketAddr, 4>,
    /// TURN servers to allocate relayed candidates on (at most `R` of the agent are used).
    pub turn_servers: heapless::Vec<TurnServerConfig, TS>,
    /// Only use relayed candidates for checks (like `iceTransportPolicy: "relay"`).
    pub relay_only: bool,
    /// SOFTWARE attribute on requests (None saves bytes).
    pub software: Option<&'static str>,
}

impl<const TS: usize> Default for IceConfig<TS> {
    fn default() -> Self {
        IceConfig {
            lite: false,
            ta: Duration::from_millis(50),
            check_retransmit: RetransmitConfig {
                rto: Duration::from_millis(250),
                max_transmits: 7,
                rm: 8,
                reliable_timeout: Duration::from_millis(39_500),
            },
            nomination_delay: Duration::from_millis(500),
            relay_nomination_delay: Duration::from_secs(2),
            consent_interval: Duration::from_secs(5),
            consent_timeout: Duration::from_secs(30),
            stun_servers: heapless::Vec::new(),
            turn_servers: heapless::Vec::new(),
            relay_only: false,
            software: None,
        }
    }
}

impl<const TS: usize> IceConfig<TS> {
    /// The same settings holding at most `N` TURN servers: the first `N` of these.
    pub fn keep_turn_servers<const N: usize>(self) -> IceConfig<N> {
        IceConfig {
            lite: self.lite,
            ta: self.ta,
            check_retransmit: self.check_retransmit,
            nomination_delay: self.nomination_delay,
            relay_nomination_delay: self.relay_nomination_delay,
            consent_interval: self.consent_interval,
            consent_timeout: self.consent_timeout,
            stun_servers: self.stun_servers,
            turn_servers: self.turn_servers.into_iter().take(N).collect(),
            relay_only: self.relay_only,
            software: self.software,
        }
    }
}
