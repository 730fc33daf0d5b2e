//! RFC 5780 §4.3–4.4 NAT behaviour discovery, client side, as a sans-IO machine: the mapping
//! and filtering behaviour (RFC 4787) of the NATs between a local socket and a STUN server
//! that runs in RFC 5780 mode (two IP addresses and two ports, OTHER-ADDRESS in its answers).
//!
//! * Mapping (§4.3): test I binds to the primary address; test II to the alternate IP and
//!   primary port; test III to the alternate IP and port. The same mapped address for I and
//!   II is endpoint-independent; for II and III only, address-dependent; otherwise
//!   address-and-port-dependent. A mapped address equal to the local address means no NAT.
//! * Filtering (§4.4): test II asks the primary address to answer from the alternate IP and
//!   port (CHANGE-REQUEST); test III to answer from the alternate port only. An answer to II
//!   is endpoint-independent filtering; to III only, address-dependent; neither,
//!   address-and-port-dependent.
//!
//! The filtering tests run right after test I, before the mapping tests: those send to the
//! alternate IP address, and from then on an address-dependent filter would let the
//! alternate address's answers in, passing for endpoint-independent filtering. (The
//! verdicts are still reported mapping first.)
//!
//! A filtering probe that the NAT rightly drops would wait out the whole RFC 8489
//! retransmission schedule (about 39.5 s at the default 500 ms RTO); each gets its own short
//! deadline instead ([`DEFAULT_FILTERING_DEADLINE`]), after which silence is the answer.
//!
//! ```
//! use sansio::{Instant, Path, SansIo, SeededEntropy};
//! use stun_proto::discovery::{Behaviour, BehaviourDiscovery, DiscoveryEvent};
//! use stun_proto::client::ClientConfig;
//! use stun_proto::server::{NatDiscovery, ServerAuth, ServerConfig, StunServer};
//!
//! let (local, primary, alternate) = (
//!     "192.0.2.10:40000".parse().unwrap(),
//!     "198.51.100.1:3478".parse().unwrap(),
//!     "198.51.100.2:3479".parse().unwrap(),
//! );
//! let config = ServerConfig { nat_discovery: Some(NatDiscovery { primary, alternate }), ..Default::default() };
//! let mut server: StunServer = StunServer::new(config, ServerAuth::None);
//! let mut d = BehaviourDiscovery::new(ClientConfig::default(), local, primary, SeededEntropy::new(1)).unwrap();
//! d.start(Instant::ZERO).unwrap();
//! let (mut out, mut resp, mut events) = ([0u8; 576], [0u8; 576], Vec::new());
//! // No NAT in between: every request reaches the server, every answer comes back.
//! while !d.is_done() {
//!     while let Some(t) = d.poll_transmit(Instant::ZERO, &mut out) {
//!         if let Ok(Some(r)) = server.respond(Instant::ZERO, t.path.reversed(), &out[..t.len], &mut resp) {
//!             d.handle_datagram(Instant::ZERO, r.path.reversed(), &resp[..r.len]).unwrap();
//!         }
//!     }
//!     events.extend(std::iter::from_fn(|| d.poll_event()));
//! }
//! assert_eq!(events, [
//!     DiscoveryEvent::Mapped(local),
//!     DiscoveryEvent::Mapping(Behaviour::EndpointIndependent),
//!     DiscoveryEvent::Filtering(Behaviour::EndpointIndependent),
//! ]);
//! ```

use crate::client::{
    ClientConfig, ClientEvent, Credentials, CredentialsError, Response, StartError, StunClient,
};
use crate::wire::attr::{Attribute, ChangeRequest, ErrorCode};
use crate::wire::{Message, Method, TransactionId};
use core::net::SocketAddr;
use core::time::Duration;
use sansio::{Entropy, EventQueue, Instant, NoData, Path, Rejected, SansIo, Transmit};

/// How long a filtering probe waits for an answer that may rightly never come: a few
/// retransmissions at the default RTO.
pub const DEFAULT_FILTERING_DEADLINE: Duration = Duration::from_secs(3);

/// How a NAT maps or filters (RFC 4787 §4.1, §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Behaviour {
    /// The same for every remote endpoint.
    EndpointIndependent,
    /// Depends on the remote IP address.
    AddressDependent,
    /// Depends on the remote IP address and port.
    AddressAndPortDependent,
}

impl core::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Behaviour::EndpointIndependent => "endpoint-independent",
            Behaviour::AddressDependent => "address-dependent",
            Behaviour::AddressAndPortDependent => "address-and-port-dependent",
        })
    }
}

/// Why discovery stopped without a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// A mapping test got no answer (the server is down or unreachable).
    NoAnswer,
    /// The server's answer has no OTHER-ADDRESS: it does not run RFC 5780.
    NotRfc5780,
    /// The server answered with an error.
    Refused(ErrorCode),
    /// A success response without a mapped address.
    NoMappedAddress,
    /// The transaction failed in the client (an unknown comprehension-required attribute…).
    ClientFailure,
    /// A request could not be started.
    Start(StartError),
}

impl core::fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DiscoveryError::NoAnswer => f.write_str("no answer from the STUN server"),
            DiscoveryError::NotRfc5780 => {
                f.write_str("the server does not support RFC 5780 (no OTHER-ADDRESS)")
            }
            DiscoveryError::Refused(c) => write!(f, "the server answered {c}"),
            DiscoveryError::NoMappedAddress => f.write_str("the server sent no mapped address"),
            DiscoveryError::ClientFailure => f.write_str("the STUN transaction failed"),
            DiscoveryError::Start(e) => write!(f, "cannot send a request: {e:?}"),
        }
    }
}

impl core::error::Error for DiscoveryError {}

/// What discovery found, in this order: the mapped address, the mapping behaviour, the
/// filtering behaviour; or a failure, after which nothing more comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscoveryEvent {
    /// The mapped (server-reflexive) address of test I.
    Mapped(SocketAddr),
    /// The mapping behaviour (endpoint-independent when there is no NAT).
    Mapping(Behaviour),
    /// The filtering behaviour; discovery is done.
    Filtering(Behaviour),
    /// Discovery stopped.
    Failed(DiscoveryError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Idle,
    /// Mapping test I (primary address).
    Binding,
    /// Filtering test II (change IP and port).
    FilteringII,
    /// Filtering test III (change port).
    FilteringIII,
    /// Mapping test II (alternate IP, primary port).
    MappingII,
    /// Mapping test III (alternate address), after test II gave `m2`.
    MappingIII {
        m2: SocketAddr,
    },
    Done,
}

/// The discovery machine: one probe in flight at a time, from `local` to the server.
///
/// Call order, as for every machine of this workspace: [`start`](Self::start) (or a
/// `handle_*` call), then drain `poll_transmit`, then drain `poll_event`, then sleep until
/// `poll_timeout`. Answers to the probes arrive through `handle_datagram` (possibly from the
/// server's other addresses: that is the point of the filtering tests).
#[derive(Debug)]
pub struct BehaviourDiscovery<E> {
    client: StunClient<E, 2, 256>,
    local: SocketAddr,
    server: SocketAddr,
    other: Option<SocketAddr>,
    /// Test I's mapped address.
    mapped: Option<SocketAddr>,
    /// The filtering verdict, held until the mapping one is known.
    filtering: Option<Behaviour>,
    step: Step,
    probe: Option<(TransactionId, Option<Instant>)>,
    filtering_deadline: Duration,
    events: EventQueue<DiscoveryEvent, 4>,
}

impl<E: Entropy> BehaviourDiscovery<E> {
    /// Discovery from `local` (the socket's own address) towards the RFC 5780 server at
    /// `server` (its primary address), with `config`'s retransmission schedule.
    pub fn new(
        config: ClientConfig,
        local: SocketAddr,
        server: SocketAddr,
        entropy: E,
    ) -> Result<Self, CredentialsError> {
        let client = StunClient::new(config, Credentials::None, entropy)?;
        Ok(BehaviourDiscovery {
            client,
            local,
            server,
            other: None,
            mapped: None,
            filtering: None,
            step: Step::Idle,
            probe: None,
            filtering_deadline: DEFAULT_FILTERING_DEADLINE,
            events: EventQueue::new(),
        })
    }

    /// Wait this long (instead of [`DEFAULT_FILTERING_DEADLINE`]) for each filtering probe.
    pub fn with_filtering_deadline(mut self, deadline: Duration) -> Self {
        self.filtering_deadline = deadline;
        self
    }

    /// Send mapping test I.
    pub fn start(&mut self, now: Instant) -> Result<(), StartError> {
        self.step = Step::Binding;
        self.probe(now, self.server, None)
    }

    /// Whether a verdict (or a failure) was reached.
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// The server's OTHER-ADDRESS, once test I was answered.
    pub fn other_address(&self) -> Option<SocketAddr> {
        self.other
    }

    fn probe(
        &mut self,
        now: Instant,
        to: SocketAddr,
        change: Option<ChangeRequest>,
    ) -> Result<(), StartError> {
        let path = Path::udp(self.local, to);
        let id = match change {
            Some(c) => {
                let attrs = [Attribute::ChangeRequest(c)];
                self.client
                    .start_request(now, path, Method::BINDING, &attrs)?
            }
            None => self.client.start_request(now, path, Method::BINDING, &[])?,
        };
        let deadline = change.map(|_| now + self.filtering_deadline);
        self.probe = Some((id, deadline));
        Ok(())
    }

    /// Send the next probe, or fail discovery when it cannot be sent.
    fn next(&mut self, now: Instant, step: Step, to: SocketAddr, change: Option<ChangeRequest>) {
        self.step = step;
        if let Err(e) = self.probe(now, to, change) {
            self.fail(DiscoveryError::Start(e));
        }
    }

    fn fail(&mut self, e: DiscoveryError) {
        if let Some((id, _)) = self.probe.take() {
            self.client.cancel(id);
        }
        self.step = Step::Done;
        self.events.push(DiscoveryEvent::Failed(e));
    }

    /// Both verdicts are known: report them, mapping first.
    fn done(&mut self, mapping: Behaviour) {
        self.probe = None;
        self.step = Step::Done;
        self.events.push(DiscoveryEvent::Mapping(mapping));
        if let Some(f) = self.filtering {
            self.events.push(DiscoveryEvent::Filtering(f));
        }
    }

    /// The filtering verdict is known: on to the mapping tests (none without a NAT).
    fn filtered(&mut self, now: Instant, b: Behaviour) {
        self.filtering = Some(b);
        self.probe = None;
        match (self.mapped, self.other) {
            (Some(m), _) if m == self.local => self.done(Behaviour::EndpointIndependent),
            (_, Some(other)) => {
                let to = SocketAddr::new(other.ip(), self.server.port());
                self.next(now, Step::MappingII, to, None);
            }
            _ => self.fail(DiscoveryError::NotRfc5780),
        }
    }

    /// The answer to the probe in flight.
    fn on_answer(&mut self, now: Instant, r: &Response<'_>) {
        self.probe = None;
        if let Some(code) = r.error_code() {
            return self.fail(DiscoveryError::Refused(code));
        }
        match self.step {
            Step::FilteringII => return self.filtered(now, Behaviour::EndpointIndependent),
            Step::FilteringIII => return self.filtered(now, Behaviour::AddressDependent),
            _ => {}
        }
        let Some(mapped) = r.mapped_address() else {
            return self.fail(DiscoveryError::NoMappedAddress);
        };
        match self.step {
            Step::Binding => {
                let Some(other) = r.message.other_address() else {
                    return self.fail(DiscoveryError::NotRfc5780);
                };
                self.other = Some(other);
                self.mapped = Some(mapped);
                self.events.push(DiscoveryEvent::Mapped(mapped));
                let both = ChangeRequest {
                    change_ip: true,
                    change_port: true,
                };
                self.next(now, Step::FilteringII, self.server, Some(both));
            }
            Step::MappingII if Some(mapped) == self.mapped => {
                self.done(Behaviour::EndpointIndependent)
            }
            Step::MappingII => match self.other {
                Some(other) => self.next(now, Step::MappingIII { m2: mapped }, other, None),
                None => self.fail(DiscoveryError::NotRfc5780),
            },
            Step::MappingIII { m2 } if mapped == m2 => self.done(Behaviour::AddressDependent),
            Step::MappingIII { .. } => self.done(Behaviour::AddressAndPortDependent),
            _ => {}
        }
    }

    /// The probe in flight got no answer in time.
    fn on_silence(&mut self, now: Instant) {
        self.probe = None;
        match self.step {
            Step::FilteringII => {
                let port = ChangeRequest {
                    change_ip: false,
                    change_port: true,
                };
                self.next(now, Step::FilteringIII, self.server, Some(port));
            }
            Step::FilteringIII => self.filtered(now, Behaviour::AddressAndPortDependent),
            Step::Idle | Step::Done => {}
            _ => self.fail(DiscoveryError::NoAnswer),
        }
    }

    /// Outcomes of the client's transactions, and the filtering deadline.
    fn after_input(&mut self, now: Instant) {
        while let Some(ev) = self.client.poll_event() {
            let Some((id, _)) = self.probe else { continue };
            match ev {
                ClientEvent::TimedOut { id: i } if i == id => self.on_silence(now),
                ClientEvent::Failed { id: i, .. } if i == id => {
                    self.fail(DiscoveryError::ClientFailure)
                }
                _ => {}
            }
        }
        if let Some((id, Some(deadline))) = self.probe {
            if now >= deadline {
                self.client.cancel(id);
                self.on_silence(now);
            }
        }
    }
}

impl<E: Entropy> SansIo for BehaviourDiscovery<E> {
    type Event = DiscoveryEvent;
    type Data<'a> = NoData;

    /// An answer to a probe (from whichever of the server's addresses); `Err(NotForUs)` for
    /// anything else.
    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<NoData>, Rejected> {
        let msg = Message::new_checked(data).map_err(|_| Rejected::NotForUs)?;
        let answer = self.client.handle_message(now, path, &msg)?;
        if let (Some(r), Some((id, _))) = (answer, self.probe) {
            if r.id == id {
                self.on_answer(now, &r);
            }
        }
        self.after_input(now);
        Ok(None)
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.client.handle_timeout(now);
        self.after_input(now);
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.client.poll_transmit(now, out)
    }

    fn poll_event(&mut self) -> Option<DiscoveryEvent> {
        self.events.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let deadline = self.probe.and_then(|(_, d)| d);
        match (self.client.poll_timeout(), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
