//! The ICE agent: one component, UDP, full or lite.

mod candidates;
mod checklist;
mod checks;
mod config;
mod consent;
mod gather;
mod incoming;
mod nominate;
mod relay;
mod reset;

pub use config::{IceConfig, TurnServerConfig, MAX_PWD, MAX_UFRAG, TURN_SERVERS};

use crate::candidate::{Candidate, CandidateKind};
use crate::event::{IceEvent, IceRole, IceState, SelectedPair};
use crate::pair::{pair_priority, Pair, PairState};
use crate::sdp::{parse_candidate, CandidateParseError};
use core::net::SocketAddr;
use sansio::{Carrier, Entropy, Forked, Instant, Path, Rejected, SansIo, SendError, Transmit};
use stun_proto::auth::IntegrityKey;
use stun_proto::client::StunClient;
use stun_proto::wire::{Class, Message, TransactionId};

/// Largest connectivity check (request or response) the agent's transactions hold: a
/// maximal USERNAME (127 bytes) with every ICE attribute fits in 220.
pub(crate) const MSG: usize = 256;
/// Largest STUN server response the gatherer accepts (room for SOFTWARE and RFC 5780
/// attributes).
pub(crate) const GATHER_MSG: usize = 384;
/// Largest check response the agent queues.
pub(crate) const RESPONSE: usize = 160;
/// Events the agent holds for [`IceAgent::poll_event`] by default (its `EV`); a full queue
/// drops the newest and counts it.
pub const EVENTS: usize = 16;

/// What a transaction of the check client is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CheckKind {
    /// An ordinary or triggered connectivity check.
    Connectivity,
    /// A check carrying USE-CANDIDATE.
    Nomination,
    /// A consent freshness check on the selected pair.
    Consent,
}

/// A check in flight.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InFlight {
    pub(crate) id: TransactionId,
    pub(crate) pair: usize,
    pub(crate) kind: CheckKind,
}

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IceError {
    /// The candidate table (`C`) is full.
    TooManyCandidates,
    /// A candidate line did not parse.
    Parse(CandidateParseError),
    /// Credentials are empty, longer than [`MAX_UFRAG`]/[`MAX_PWD`], or the ufrag holds a
    /// colon.
    BadCredentials,
    /// The address family or component is not one this agent handles.
    Unsupported,
}

impl core::fmt::Display for IceError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IceError::TooManyCandidates => f.write_str("candidate table full"),
            IceError::Parse(e) => write!(f, "bad candidate: {e}"),
            IceError::BadCredentials => f.write_str("ICE ufrag/password of invalid length"),
            IceError::Unsupported => f.write_str("unsupported candidate"),
        }
    }
}

impl core::error::Error for IceError {}

/// Local or remote ICE credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IceCredentials {
    /// Username fragment.
    pub ufrag: heapless::String<MAX_UFRAG>,
    /// Password.
    pub pwd: heapless::String<MAX_PWD>,
}

impl IceCredentials {
    /// Fresh random credentials: 8 ufrag characters (48 bits) and 24 password characters
    /// (144 bits), from the ice-char alphabet.
    pub fn random(entropy: &mut dyn Entropy) -> Self {
        let mut ufrag = heapless::String::new();
        let mut pwd = heapless::String::new();
        for _ in 0..8 {
            let _ = ufrag.push(ice_char(entropy));
        }
        for _ in 0..24 {
            let _ = pwd.push(ice_char(entropy));
        }
        IceCredentials { ufrag, pwd }
    }

    /// Credentials from the peer's `ice-ufrag` and `ice-pwd`. RFC 8839 asks for at least 4
    /// and 22 characters; shorter ones are accepted (the peer's choice of strength) but empty
    /// ones are not.
    pub fn new(ufrag: &str, pwd: &str) -> Result<Self, IceError> {
        if ufrag.is_empty() || pwd.is_empty() || ufrag.contains(':') {
            return Err(IceError::BadCredentials);
        }
        let mut c = IceCredentials {
            ufrag: heapless::String::new(),
            pwd: heapless::String::new(),
        };
        c.ufrag
            .push_str(ufrag)
            .map_err(|_| IceError::BadCredentials)?;
        c.pwd.push_str(pwd).map_err(|_| IceError::BadCredentials)?;
        Ok(c)
    }
}

/// Whether `c` may be shown to the peer under the policy (see [`IceAgent::signalled_candidates`]).
fn announces(relay_only: bool, c: &Candidate) -> bool {
    !relay_only || c.kind == CandidateKind::Relayed
}

fn ice_char(entropy: &mut dyn Entropy) -> char {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char::from(*ALPHABET.get(entropy.below(64) as usize).unwrap_or(&b'A'))
}

/// An ICE agent for one component over UDP.
///
/// Capacities: `C` local and `C` remote candidates, `P` candidate pairs, `T` STUN
/// transactions in flight, `R` TURN allocations (`R = 0` removes TURN's memory and, the paths
/// being dead at compile time, its code), `S` STUN-server gathering (1, the default, or 0:
/// `S = 0` leaves out asking [`IceConfig::stun_servers`] for server-reflexive candidates, and
/// the STUN client that does it: about 3 KB — peer-reflexive discovery still
/// learns the NAT's mappings from the peer's checks), `EV` events held for
/// [`poll_event`](Self::poll_event) ([`EVENTS`]: an owner that drains them after every call
/// needs a few; an event is about 150 bytes). No allocator is used. Call order, as for
/// every machine of this workspace: one `handle_*` call or command, then drain
/// [`poll_transmit`](Self::poll_transmit), then drain [`poll_event`](Self::poll_event), then
/// read [`poll_timeout`](Self::poll_timeout).
///
/// `E` must be cloneable because each embedded STUN client draws transaction IDs from its own
/// copy; pass a cryptographically secure source (a handle to the OS or a hardware RNG).
#[derive(Debug)]
pub struct IceAgent<
    E: Entropy + Clone,
    const C: usize = 16,
    const P: usize = 64,
    const T: usize = 16,
    const R: usize = 1,
    const S: usize = 1,
    const EV: usize = EVENTS,
> {
    /// What the application configured (of its TURN servers, the first `R`).
    config: IceConfig<R>,
    /// Randomness: credentials, tie-breaker, consent jitter, forks for the clients.
    entropy: E,
    /// Controlling or controlled (RFC 8445 §6.1.1), changed by role conflicts.
    role: IceRole,
    /// Our ICE-CONTROLLING/ICE-CONTROLLED value.
    tie_breaker: u64,
    /// Our ufrag and password.
    local_creds: IceCredentials,
    /// The key checks to us are verified with (our password).
    local_key: IntegrityKey,
    /// The peer's ufrag and password, once signalled.
    remote_creds: Option<IceCredentials>,
    /// The peer is an ICE-lite agent.
    remote_lite: bool,
    /// ICE restarts so far (salts each new check client's entropy).
    restarts: u32,
    /// Local and remote candidates.
    cands: candidates::Candidates<C>,
    /// Pairs, triggered checks, checks in flight and pacing.
    list: checklist::CheckList<P, T>,
    /// The STUN client running our checks (exists once the peer's credentials are known).
    checks: Option<StunClient<Forked<E>, T, MSG, 0>>,
    /// Server-reflexive gathering.
    gatherer: gather::Gatherer<Forked<E>, S>,
    /// Answers to the peer's checks, waiting for `poll_transmit`.
    responses: sansio::TransmitQueue<{ 4 * RESPONSE }, 4>,
    /// The connection state reported to the owner.
    state: IceState,
    /// The selected pair (an index into the check list).
    selected: Option<usize>,
    /// The pair kept for data across a restart until a new one is selected.
    previous: Option<SelectedPair>,
    /// When the first pair became valid (starts the nomination wait).
    first_valid_at: Option<Instant>,
    /// Consent freshness on the selected pair.
    consent: consent::Consent,
    /// Events for `poll_event`.
    events: sansio::EventQueue<IceEvent, EV>,
    /// TURN allocations for relayed candidates.
    relays: heapless::Vec<relay::Relay<E>, R>,
    /// The time of the latest input.
    now: Instant,
}

impl<
        E: Entropy + Clone,
        const C: usize,
        const P: usize,
        const T: usize,
        const R: usize,
        const S: usize,
        const EV: usize,
    > IceAgent<E, C, P, T, R, S, EV>
{
    /// A new agent in `role` with fresh local credentials.
    pub fn new(config: IceConfig, role: IceRole, mut entropy: E) -> Self {
        let config = config.keep_turn_servers::<R>();
        let local_creds = IceCredentials::random(&mut entropy);
        let local_key = IntegrityKey::short_term(local_creds.pwd.as_bytes());
        let tie_breaker = entropy.next_u64();
        let gatherer = gather::Gatherer::new(&config, Forked::new(entropy.clone(), 1));
        // A lite agent is controlled unless both sides are lite (RFC 8445 §6.1.1).
        let role = if config.lite {
            IceRole::Controlled
        } else {
            role
        };
        IceAgent {
            config,
            role,
            tie_breaker,
            local_creds,
            local_key,
            remote_creds: None,
            remote_lite: false,
            restarts: 0,
            cands: candidates::Candidates::new(),
            list: checklist::CheckList::new(),
            checks: None,
            gatherer,
            responses: sansio::TransmitQueue::new(),
            state: IceState::New,
            selected: None,
            previous: None,
            first_valid_at: None,
            consent: consent::Consent::idle(),
            events: sansio::EventQueue::new(),
            relays: heapless::Vec::new(),
            now: Instant::ZERO,
            entropy,
        }
    }

    /// Our credentials, to send to the peer (`a=ice-ufrag`, `a=ice-pwd`).
    pub fn local_credentials(&self) -> &IceCredentials {
        &self.local_creds
    }

    /// The peer's credentials, once signalled (none again after a restart until the peer's new
    /// ones are given).
    pub fn remote_credentials(&self) -> Option<&IceCredentials> {
        self.remote_creds.as_ref()
    }

    /// The current role.
    pub fn role(&self) -> IceRole {
        self.role
    }

    /// The connection state.
    pub fn state(&self) -> IceState {
        self.state
    }

    /// Whether gathering finished (hosts reported and every STUN request answered or timed
    /// out).
    pub fn gathering_complete(&self) -> bool {
        self.gatherer.is_complete()
    }

    /// Local candidates gathered so far.
    pub fn local_candidates(&self) -> &[Candidate] {
        self.cands.local()
    }

    /// Remote candidates known so far (including peer-reflexive ones learned from checks).
    pub fn remote_candidates(&self) -> &[Candidate] {
        self.cands.remote()
    }

    /// The candidate pairs and their states.
    pub fn pairs(&self) -> &[Pair] {
        self.list.pairs()
    }

    /// The pair data goes on: the selected one, or across a restart the previous one until a
    /// new pair is selected.
    pub fn selected_pair(&self) -> Option<SelectedPair> {
        self.selected
            .and_then(|i| self.describe(i))
            .or(self.previous)
    }

    /// The path to send application data on.
    pub fn selected_path(&self) -> Option<Path> {
        self.selected_pair().map(|s| Path::udp(s.local, s.remote))
    }

    pub(crate) fn describe(&self, pair: usize) -> Option<SelectedPair> {
        let (l, r) = self.cands.ends(self.list.get(pair)?)?;
        Some(SelectedPair {
            local: l.base,
            local_addr: l.addr,
            local_kind: l.kind,
            remote: r.addr,
            remote_kind: r.kind,
        })
    }

    /// Report a local address (one socket the application has bound) as a host candidate,
    /// and start server-reflexive gathering from it. `preference` orders several interfaces
    /// (65535: most preferred).
    pub fn add_host(
        &mut self,
        now: Instant,
        addr: SocketAddr,
        preference: u16,
    ) -> Result<(), IceError> {
        self.now = now;
        let c = Candidate::host(addr, preference);
        let idx = self.push_local(c)?;
        // A lite agent has host candidates only (RFC 8445 §2.5).
        if !self.config.lite {
            self.gather_from(now, idx);
            self.start_relays(now, addr);
        }
        self.pair_local(idx);
        Ok(())
    }

    /// No more host addresses will be added: gathering completes once the STUN requests in
    /// flight are answered or time out.
    pub fn hosts_done(&mut self, now: Instant) {
        self.now = now;
        self.gatherer.set_hosts_done();
        self.check_gathering_complete();
    }

    /// Add a local candidate (announced when new and the policy lets it be seen); its index.
    pub(crate) fn push_local(&mut self, c: Candidate) -> Result<usize, IceError> {
        let (i, new) = self.cands.add_local(c.clone())?;
        if new && self.announces(&c) {
            self.emit(IceEvent::LocalCandidate(c));
        }
        Ok(i)
    }

    /// Whether `c` may be shown to the peer: under the relay-only policy only relayed
    /// candidates are (as a browser's `iceTransportPolicy: "relay"`): host and
    /// server-reflexive addresses stay private, used only to reach the TURN server.
    fn announces(&self, c: &Candidate) -> bool {
        announces(self.config.relay_only, c)
    }

    /// The local candidates to signal to the peer (in SDP or trickled): all of them, or only
    /// the relayed ones under the relay-only policy. [`local_candidates`](Self::local_candidates)
    /// lists every candidate the agent holds.
    pub fn signalled_candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.cands.local().iter().filter(|c| self.announces(c))
    }

    /// Take `role` (JSEP: the offerer controls, RFC 8829 §5.2.1; a lite agent stays
    /// controlled). Meant for before checks start; later the role-conflict rules of RFC 8445
    /// §7.3.1.1 still apply.
    pub fn set_ice_role(&mut self, role: IceRole) {
        if !self.config.lite {
            self.set_role(role);
        }
    }

    /// The peer's credentials (from its SDP or signaling). Checks start once these and at
    /// least one remote candidate are known. `remote_lite`: the peer is an ICE-lite agent.
    pub fn set_remote_credentials(
        &mut self,
        now: Instant,
        creds: IceCredentials,
        remote_lite: bool,
    ) {
        self.now = now;
        self.remote_lite = remote_lite;
        if remote_lite && !self.config.lite && self.role == IceRole::Controlled {
            self.set_role(IceRole::Controlling);
        }
        let entropy = Forked::new(self.entropy.clone(), 2 + u64::from(self.restarts));
        self.checks = Some(checks::client(
            &self.config,
            &self.local_creds,
            &creds,
            entropy,
        ));
        self.list.clear_in_flight();
        self.remote_creds = Some(creds);
        self.update_state();
    }

    /// Add a remote candidate (trickled at any time).
    pub fn add_remote_candidate(&mut self, now: Instant, c: Candidate) -> Result<(), IceError> {
        self.now = now;
        if c.component != 1 {
            return Err(IceError::Unsupported);
        }
        let Some(i) = self.cands.add_remote(c)? else {
            return Ok(());
        };
        self.pair_remote(i);
        self.permit_all(now);
        self.update_state();
        Ok(())
    }

    /// Parse and add a remote `candidate:` line.
    pub fn add_remote_candidate_line(&mut self, now: Instant, line: &str) -> Result<(), IceError> {
        let c = parse_candidate(line).map_err(IceError::Parse)?;
        self.add_remote_candidate(now, c)
    }

    /// The peer signalled end-of-candidates (RFC 8838 §8.2).
    pub fn end_of_remote_candidates(&mut self, now: Instant) {
        self.now = now;
        self.cands.set_remote_done();
        self.update_state();
    }

    /// ICE restart (RFC 8445 §9): new local credentials, a new check list, the peer's new
    /// credentials and candidates to follow. Data keeps flowing on the current pair until a
    /// new one is selected.
    pub fn restart(&mut self, now: Instant) {
        self.now = now;
        self.previous = self.selected_pair().or(self.previous);
        self.local_creds = IceCredentials::random(&mut self.entropy);
        self.local_key = IntegrityKey::short_term(self.local_creds.pwd.as_bytes());
        self.restarts = self.restarts.wrapping_add(1);
        self.remote_creds = None;
        self.checks = None;
        self.cands.clear_remote();
        self.list.clear();
        self.selected = None;
        self.first_valid_at = None;
        self.consent = consent::Consent::idle();
        self.state = IceState::New;
        self.emit(IceEvent::StateChanged(IceState::New));
        let locals = self.cands.clone();
        let relay_only = self.config.relay_only;
        for c in locals
            .local()
            .iter()
            .filter(|c| c.kind != CandidateKind::PeerReflexive && announces(relay_only, c))
        {
            self.emit(IceEvent::LocalCandidate(c.clone()));
        }
        if self.gatherer.is_complete() {
            self.emit(IceEvent::GatheringComplete);
        }
    }

    /// Put `c` in place of the oldest peer-reflexive remote candidate that the selected pair
    /// does not use; its pairs start over for the new address. Indices stay stable.
    pub(crate) fn replace_stale_remote(&mut self, c: Candidate) -> Option<usize> {
        let in_use = self
            .selected
            .and_then(|s| self.list.get(s))
            .map(|p| usize::from(p.remote));
        let victim = self.cands.stale_remote(in_use)?;
        self.cands.replace_remote(victim, c)?;
        let v = u8::try_from(victim).ok()?;
        let affected: heapless::Vec<usize, P> = (0..self.list.pairs().len())
            .filter(|i| self.list.get(*i).is_some_and(|p| p.remote == v))
            .collect();
        for i in affected {
            if let Some(p) = self.list.get_mut(i) {
                let (local, remote) = (p.local, p.remote);
                *p = Pair::new(local, remote, 0);
            }
            self.recompute_priority(i);
            // Answers to checks sent to the old address must not count for the new one.
            self.list.forget_checks_of(i);
        }
        Some(victim)
    }

    pub(crate) fn set_role(&mut self, role: IceRole) {
        if self.role == role {
            return;
        }
        self.role = role;
        for i in 0..self.list.pairs().len() {
            self.recompute_priority(i);
        }
        self.emit(IceEvent::RoleChanged(role));
    }

    pub(crate) fn pair_prio(&self, local_prio: u32, remote_prio: u32) -> u64 {
        match self.role {
            IceRole::Controlling => pair_priority(local_prio, remote_prio),
            IceRole::Controlled => pair_priority(remote_prio, local_prio),
        }
    }

    fn recompute_priority(&mut self, i: usize) {
        let Some((l, r)) = self.list.get(i).and_then(|p| self.cands.ends(p)) else {
            return;
        };
        let prio = self.pair_prio(l.priority, r.priority);
        if let Some(p) = self.list.get_mut(i) {
            p.priority = prio;
        }
    }

    /// Pair a new local candidate with every remote one.
    pub(crate) fn pair_local(&mut self, local: usize) {
        for r in 0..self.cands.remote().len() {
            self.add_pair(local, r);
        }
    }

    /// Pair a new remote candidate with every local one that sends (host and relayed;
    /// server-reflexive candidates share their host base, RFC 8445 §6.1.2.4).
    fn pair_remote(&mut self, remote: usize) {
        for l in 0..self.cands.local().len() {
            self.add_pair(l, remote);
        }
    }

    /// Add a pair unless redundant, incompatible or over capacity. Returns its index.
    pub(crate) fn add_pair(&mut self, local: usize, remote: usize) -> Option<usize> {
        let l = self.cands.local().get(local)?;
        let r = self.cands.remote().get(remote)?;
        if matches!(
            l.kind,
            CandidateKind::ServerReflexive | CandidateKind::PeerReflexive
        ) || l.addr.is_ipv4() != r.addr.is_ipv4()
        {
            return None;
        }
        let (li, ri) = (u8::try_from(local).ok()?, u8::try_from(remote).ok()?);
        if let Some(i) = self.list.find(li, ri) {
            return Some(i);
        }
        let mut pair = Pair::new(li, ri, self.pair_prio(l.priority, r.priority));
        // Unfreeze the first pair of each foundation pair (RFC 8445 §6.1.2.6, simplified: a
        // pair starts Waiting unless one with the same foundations exists already).
        let sibling = self
            .list
            .pairs()
            .iter()
            .any(|p| self.cands.same_foundations(p, &pair));
        if !sibling {
            pair.state = PairState::Waiting;
        }
        self.list.push(pair)
    }

    /// Queue an event. None releases a resource and each is also state the owner can read
    /// (`state()`, `selected()`, `local_candidates()`), so a full queue drops the new one and
    /// counts it ([`events_dropped`](Self::events_dropped)).
    pub(crate) fn emit(&mut self, ev: IceEvent) {
        self.events.push(ev);
    }

    /// Release every TURN allocation (a Refresh with lifetime 0, RFC 8656 §7) when the
    /// connection ends: the server frees the relay at once instead of when its lifetime runs
    /// out. Poll the transmits out afterwards.
    pub fn release_relays(&mut self, now: Instant) {
        self.now = now;
        for r in self.relays_mut() {
            if r.client.relayed_address().is_some() {
                let _ = r.client.delete(now);
            }
        }
    }

    /// Events dropped because the owner did not drain them.
    pub fn events_dropped(&self) -> u64 {
        self.events.dropped()
    }

    pub(crate) fn set_state(&mut self, s: IceState) {
        if self.state != s {
            self.state = s;
            self.emit(IceEvent::StateChanged(s));
        }
    }

    /// Re-derive the overall state from the pairs.
    pub(crate) fn update_state(&mut self) {
        if self.selected.is_some() {
            return self.set_state(IceState::Connected);
        }
        if self.state == IceState::Disconnected && !self.list.all_failed() {
            return;
        }
        let everything_known = self.cands.remote_done() && self.gatherer.is_complete();
        let all_failed = self.list.all_failed();
        if self.remote_creds.is_some() && !self.list.is_empty() && !(everything_known && all_failed)
        {
            self.set_state(IceState::Checking);
        } else if everything_known && all_failed && self.remote_creds.is_some() && !self.config.lite
        {
            self.set_state(IceState::Failed);
        }
    }

    /// [`SansIo::handle_datagram`], also telling the logical path the data arrived on: the
    /// socket's `path`, or for data a TURN server relayed to one of our relayed candidates,
    /// that candidate and the peer's address (what [`selected_path`](Self::selected_path)
    /// names and what a DTLS endpoint started on it expects).
    pub fn receive<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<(Path, &'a [u8])>, Rejected> {
        self.now = now;
        let (path, data) = match relay::unwrap(self.relays_mut(), now, path, data) {
            Ok(Some(inner)) => inner,
            Ok(None) => {
                self.after_input(now);
                return Ok(None);
            }
            Err(Rejected::NotForUs) => (path, data),
            Err(e) => return Err(e),
        };
        if sansio::classify(data) != sansio::PacketKind::Stun {
            // Across a restart the remote candidates are forgotten, but the old pair still
            // carries data (both ways) until a new one is selected.
            let known = self.cands.remote_index(path.remote).is_some()
                || self.previous.is_some_and(|p| p.remote == path.remote);
            return if known {
                Ok(Some((path, data)))
            } else {
                Err(Rejected::NotForUs)
            };
        }
        let r = self.handle_stun(now, path, data);
        self.after_input(now);
        r.map(|()| None)
    }

    /// A STUN datagram, parsed once here and handed as a checked view to whichever part
    /// owns it: a check request, a response to our checks, or a gathering response.
    fn handle_stun(&mut self, now: Instant, path: Path, data: &[u8]) -> Result<(), Rejected> {
        let msg = Message::new_checked(data).map_err(|_| Rejected::NotForUs)?;
        if msg.class() == Class::Request {
            return self.handle_check_request(now, path, &msg);
        }
        if let Some(c) = self.checks.as_mut() {
            match c.handle_message(now, path, &msg) {
                Ok(Some(r)) => {
                    self.on_check_response(now, &r);
                    return Ok(());
                }
                Ok(None) => return Ok(()),
                Err(Rejected::NotForUs) => {}
                Err(e) => return Err(e),
            }
        }
        if let Some(m) = self.gatherer.handle_message(now, path, &msg)? {
            self.on_mapping(m);
        }
        Ok(())
    }

    /// Process client events and timers after any input.
    fn after_input(&mut self, now: Instant) {
        self.drain_check_events(now);
        self.drain_gather_events(now);
        self.drain_relay_events(now);
        self.check_gathering_complete();
        self.run_nomination(now);
        self.run_consent(now);
        self.update_state();
    }
}

/// The one contract (see the [`sansio`] crate page). Application data that arrived on a
/// known pair is handed up (borrowing the datagram); data goes out through [`Carrier`].
impl<
        E: Entropy + Clone,
        const C: usize,
        const P: usize,
        const T: usize,
        const R: usize,
        const S: usize,
        const EV: usize,
    > SansIo for IceAgent<E, C, P, T, R, S, EV>
{
    type Event = IceEvent;
    /// Application data that arrived on a known pair, borrowed from the datagram.
    type Data<'a> = &'a [u8];

    /// STUN (checks, responses, gathering, TURN) is consumed; anything else from a known
    /// remote candidate is handed up; `Err(NotForUs)` for the rest.
    fn handle_datagram<'a>(
        &mut self,
        now: Instant,
        path: Path,
        data: &'a [u8],
    ) -> Result<Option<&'a [u8]>, Rejected> {
        Ok(self.receive(now, path, data)?.map(|(_, inner)| inner))
    }

    /// Let timers fire. Early or repeated calls do nothing.
    fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if let Some(c) = self.checks.as_mut() {
            c.handle_timeout(now);
        }
        self.gatherer.handle_timeout(now);
        for r in self.relays_mut() {
            r.client.handle_timeout(now);
        }
        self.pace(now);
        self.after_input(now);
    }

    /// The next datagram to send.
    /// Checks and responses on a relayed candidate come out wrapped for the TURN server.
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        // A datagram that cannot be wrapped (no permission yet) is dropped, as a link would
        // drop it; retransmission covers checks. Keep draining the rest.
        let mut scratch = [0u8; MSG];
        while let Some(t) = self.responses.pop(&mut scratch) {
            let payload = scratch.get(..t.len).unwrap_or(&[]);
            if let Some(w) = relay::wrap(self.relays_mut(), now, t.path, payload, out) {
                return Some(w);
            }
        }
        while let Some(t) = self
            .checks
            .as_mut()
            .and_then(|c| c.poll_transmit(now, &mut scratch))
        {
            let payload = scratch.get(..t.len).unwrap_or(&[]);
            if let Some(w) = relay::wrap(self.relays_mut(), now, t.path, payload, out) {
                return Some(w);
            }
        }
        if let Some(t) = self.gatherer.poll_transmit(now, out) {
            return Some(t);
        }
        self.relays_mut()
            .iter_mut()
            .find_map(|r| r.client.poll_transmit(now, out))
    }

    fn poll_event(&mut self) -> Option<IceEvent> {
        self.events.pop()
    }

    /// When to call `handle_timeout` next.
    fn poll_timeout(&self) -> Option<Instant> {
        let mut t = [
            self.checks.as_ref().and_then(|c| c.poll_timeout()),
            self.gatherer.poll_timeout(),
            self.next_pace(),
            self.nomination_deadline(),
            self.consent_deadline(),
            self.relays()
                .iter()
                .filter_map(|r| r.client.poll_timeout())
                .min(),
        ];
        t.sort_unstable();
        t.into_iter().flatten().next()
    }
}

/// Application data over the selected pair. Through a relayed candidate the datagram goes to
/// the TURN server, as ChannelData once the channel is bound.
impl<
        E: Entropy + Clone,
        const C: usize,
        const P: usize,
        const T: usize,
        const R: usize,
        const S: usize,
        const EV: usize,
    > Carrier for IceAgent<E, C, P, T, R, S, EV>
{
    type To = ();

    fn send(
        &mut self,
        now: Instant,
        _to: (),
        data: &[u8],
        out: &mut [u8],
    ) -> Result<Transmit, SendError> {
        let path = self.selected_path().ok_or(SendError::NotConnected)?;
        relay::wrap(self.relays_mut(), now, path, data, out).ok_or(SendError::NotPermitted)
    }
}
