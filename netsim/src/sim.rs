//! A driver running sans-IO nodes on the simulated network, event by event.

use std::any::{type_name, Any};
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use sansio::{Instant, Path, Rejected, SansIo, Transmit};

use crate::{Delivery, HostId, Network};

/// A participant [`Sim`] drives: the [`SansIo`] contract minus the typed events.
///
/// Every `T: SansIo` becomes one through [`Machine`] (see [`Sim::add_machine`]); implement it
/// directly for scripted test nodes.
pub trait Node {
    /// Takes one datagram received on `path` (as [`SansIo::handle_datagram`]).
    fn handle_datagram(&mut self, now: Instant, path: Path, data: &[u8]) -> Result<(), Rejected>;
    /// Lets timers fire (as [`SansIo::handle_timeout`]).
    fn handle_timeout(&mut self, now: Instant);
    /// The next datagram to send, written to `out` (as [`SansIo::poll_transmit`]).
    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit>;
    /// When [`handle_timeout`](Node::handle_timeout) is next due.
    fn poll_timeout(&self) -> Option<Instant>;
    /// Called after each input once transmits are drained: collect events here.
    fn drain_events(&mut self, now: Instant) {
        let _ = now;
    }
}

/// Application data a machine hands up ([`SansIo::Data`]) that [`Machine`] can record.
pub trait AppData {
    /// The bytes handed up.
    fn payload(&self) -> &[u8];
}

impl AppData for sansio::NoData {
    fn payload(&self) -> &[u8] {
        match *self {}
    }
}

impl AppData for &[u8] {
    fn payload(&self) -> &[u8] {
        self
    }
}

/// A [`SansIo`] machine as a [`Node`]: its events and the application data it hands up are
/// collected, stamped with the virtual time they were polled at, until the test takes them.
pub struct Machine<T: SansIo> {
    machine: T,
    events: VecDeque<(Instant, T::Event)>,
    data: VecDeque<(Instant, Path, Vec<u8>)>,
}

impl<T: SansIo> Machine<T> {
    /// Wraps `machine`.
    pub fn new(machine: T) -> Self {
        Machine {
            machine,
            events: VecDeque::new(),
            data: VecDeque::new(),
        }
    }

    /// Application data the machine handed up so far (with the path it arrived on), oldest
    /// first.
    pub fn data(&self) -> &VecDeque<(Instant, Path, Vec<u8>)> {
        &self.data
    }

    /// Takes the oldest application data the machine handed up.
    pub fn poll_data(&mut self) -> Option<(Instant, Path, Vec<u8>)> {
        self.data.pop_front()
    }

    /// The machine.
    pub fn get(&self) -> &T {
        &self.machine
    }

    /// The machine, for commands (its transmits are sent on the next [`Sim`] step).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.machine
    }

    /// The events collected so far, oldest first.
    pub fn events(&self) -> &VecDeque<(Instant, T::Event)> {
        &self.events
    }

    /// Takes the oldest collected event.
    pub fn poll_event(&mut self) -> Option<(Instant, T::Event)> {
        self.events.pop_front()
    }

    /// The machine, dropping the collected events.
    pub fn into_inner(self) -> T {
        self.machine
    }
}

impl<T: SansIo> fmt::Debug for Machine<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Machine")
            .field("type", &type_name::<T>())
            .field("events", &self.events.len())
            .finish()
    }
}

impl<T: SansIo> Node for Machine<T>
where
    for<'a> T::Data<'a>: AppData,
{
    fn handle_datagram(&mut self, now: Instant, path: Path, data: &[u8]) -> Result<(), Rejected> {
        if let Some(up) = self.machine.handle_datagram(now, path, data)? {
            self.data.push_back((now, path, up.payload().to_vec()));
        }
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.machine.handle_timeout(now)
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.machine.poll_transmit(now, out)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.machine.poll_timeout()
    }

    fn drain_events(&mut self, now: Instant) {
        while let Some(e) = self.machine.poll_event() {
            self.events.push_back((now, e));
        }
    }
}

/// A node that can be downcast to its concrete type.
trait Erased: Node {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn name(&self) -> &'static str;
}

impl<N: Node + Any> Erased for N {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn name(&self) -> &'static str {
        type_name::<N>()
    }
}

/// A node added to a [`Sim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node{}", self.0)
    }
}

/// What one node did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Datagrams it accepted.
    pub received: u64,
    /// Datagrams it rejected as malformed or unauthenticated.
    pub rejected: u64,
    /// Datagrams it transmitted.
    pub transmitted: u64,
    /// `handle_timeout` calls.
    pub timeouts: u64,
}

struct Slot {
    host: HostId,
    node: Box<dyn Erased>,
    stats: NodeStats,
}

/// Largest datagram a node may transmit (the largest UDP payload).
const BUF_LEN: usize = 65_535;
/// Steps at one instant before the driver declares a livelock.
const MAX_STEPS_PER_INSTANT: u32 = 100_000;
/// Datagrams one node may emit in one drain before the driver declares a runaway.
const MAX_TRANSMITS_PER_DRAIN: u32 = 100_000;

/// Runs nodes on a [`Network`], in virtual time, event by event.
///
/// Each [`step`](Sim::step) first sends what every node wants sent, then jumps to the earliest
/// of the network's next hop and the nodes' timeouts, hands out the datagrams due (to the
/// receiving host's nodes in the order they were added, skipping nodes that answer
/// [`Rejected::NotForUs`]), fires the due timeouts, and after each input drains that node's
/// transmits (into the network at the same instant) and events.
///
/// Node misbehaviour that would hang a test (a timeout that never moves forward, endless
/// transmits, a `Transmit` longer than the buffer) panics with a message.
///
/// ```
/// use std::collections::VecDeque;
/// use std::time::Duration;
/// use netsim::{LinkConfig, NatConfig, Network, Sim};
/// use sansio::{Instant, Path, Rejected, SansIo, Transmit};
///
/// /// Answers every datagram on the path it came from; reports who asked.
/// #[derive(Default)]
/// struct Echo(VecDeque<(Path, Vec<u8>)>, VecDeque<Path>);
/// impl SansIo for Echo {
///     type Event = Path;
///     type Data<'a> = sansio::NoData;
///     fn handle_datagram<'a>(&mut self, _: Instant, path: Path, data: &'a [u8])
///         -> Result<Option<sansio::NoData>, Rejected> {
///         self.0.push_back((path, data.to_vec()));
///         self.1.push_back(path);
///         Ok(None)
///     }
///     fn handle_timeout(&mut self, _: Instant) {}
///     fn poll_transmit(&mut self, _: Instant, out: &mut [u8]) -> Option<Transmit> {
///         let (path, data) = self.0.pop_front()?;
///         out.get_mut(..data.len())?.copy_from_slice(&data);
///         Some(Transmit { path, len: data.len() })
///     }
///     fn poll_event(&mut self) -> Option<Path> { self.1.pop_front() }
///     fn poll_timeout(&self) -> Option<Instant> { None }
/// }
///
/// let mut net = Network::new(1);
/// let internet = net.internet();
/// net.set_link(internet, LinkConfig::with_delay(Duration::from_millis(25)));
/// let lan = net.add_nat(internet, "203.0.113.1", "10.0.0.0/24", NatConfig::symmetric());
/// let client = net.add_host(lan, "10.0.0.2");
/// let server = net.add_host(internet, "198.51.100.1");
///
/// let mut sim = Sim::new(net);
/// let c = sim.add_machine(client, Echo::default());
/// let s = sim.add_machine(server, Echo::default());
/// // A raw datagram from the client starts an endless ping-pong through the NAT.
/// let path = Path::udp("10.0.0.2:4000".parse()?, "198.51.100.1:7".parse()?);
/// sim.net_mut().send(client, path, b"hi");
/// let done = sim.run_until(Instant::from_secs(1), |sim| sim.events::<Echo>(c).len() == 3);
/// assert!(done, "{}", sim.net().trace());
/// assert_eq!(sim.now(), Instant::from_millis(150)); // six 25 ms crossings
/// assert_eq!(sim.events::<Echo>(s).len(), 3);
/// assert_eq!(sim.events::<Echo>(s)[0].1.remote.ip().to_string(), "203.0.113.1");
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
pub struct Sim {
    net: Network,
    slots: Vec<Slot>,
    buf: Vec<u8>,
    unclaimed: u64,
    last_instant: Instant,
    steps_at_instant: u32,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<_> = self.slots.iter().map(|s| (s.host, s.node.name())).collect();
        f.debug_struct("Sim")
            .field("now", &self.net.now())
            .field("nodes", &nodes)
            .field("unclaimed", &self.unclaimed)
            .finish()
    }
}

impl Sim {
    /// A driver over `net`, with no nodes yet.
    pub fn new(net: Network) -> Self {
        Sim {
            net,
            slots: Vec::new(),
            buf: vec![0; BUF_LEN],
            unclaimed: 0,
            last_instant: Instant::ZERO,
            steps_at_instant: 0,
        }
    }

    /// The network.
    pub fn net(&self) -> &Network {
        &self.net
    }

    /// The network, to change links or NATs mid-run or to send raw datagrams.
    pub fn net_mut(&mut self) -> &mut Network {
        &mut self.net
    }

    /// The network, ending the simulation.
    pub fn into_net(self) -> Network {
        self.net
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.net.now()
    }

    /// Runs `node` on `host` (datagrams to any of the host's addresses and ports).
    pub fn add_node<N: Node + 'static>(&mut self, host: HostId, node: N) -> NodeId {
        let id = NodeId(u32::try_from(self.slots.len()).unwrap_or(u32::MAX));
        self.slots.push(Slot {
            host,
            node: Box::new(node),
            stats: NodeStats::default(),
        });
        id
    }

    /// Runs a [`SansIo`] `machine` on `host`, collecting its events (see
    /// [`events`](Sim::events)).
    pub fn add_machine<T>(&mut self, host: HostId, machine: T) -> NodeId
    where
        T: SansIo + 'static,
        T::Event: 'static,
        for<'a> T::Data<'a>: AppData,
    {
        self.add_node(host, Machine::new(machine))
    }

    #[track_caller]
    fn slot(&self, id: NodeId) -> &Slot {
        self.slots
            .get(id.0 as usize)
            .unwrap_or_else(|| misuse(format_args!("unknown {id}")))
    }

    #[track_caller]
    fn slot_mut(&mut self, id: NodeId) -> &mut Slot {
        self.slots
            .get_mut(id.0 as usize)
            .unwrap_or_else(|| misuse(format_args!("unknown {id}")))
    }

    /// The host `id` runs on.
    #[track_caller]
    pub fn host_of(&self, id: NodeId) -> HostId {
        self.slot(id).host
    }

    /// What `id` did so far.
    #[track_caller]
    pub fn node_stats(&self, id: NodeId) -> NodeStats {
        self.slot(id).stats
    }

    /// Datagrams delivered to a host where no node took them.
    pub fn unclaimed(&self) -> u64 {
        self.unclaimed
    }

    /// Node `id` as its concrete type `N`.
    ///
    /// # Panics
    /// When `id` is not an `N`.
    #[track_caller]
    pub fn node<N: Any>(&self, id: NodeId) -> &N {
        let slot = self.slot(id);
        slot.node.as_any().downcast_ref().unwrap_or_else(|| {
            misuse(format_args!(
                "{id} is a {}, not a {}",
                slot.node.name(),
                type_name::<N>()
            ))
        })
    }

    /// Node `id` as its concrete type `N`, mutably; transmits it queues go out on the next
    /// step.
    ///
    /// # Panics
    /// When `id` is not an `N`.
    #[track_caller]
    pub fn node_mut<N: Any>(&mut self, id: NodeId) -> &mut N {
        let slot = self.slot_mut(id);
        let name = slot.node.name();
        slot.node
            .as_any_mut()
            .downcast_mut()
            .unwrap_or_else(|| misuse(format_args!("{id} is a {name}, not a {}", type_name::<N>())))
    }

    /// The machine added as `id` with [`add_machine`](Sim::add_machine).
    #[track_caller]
    pub fn machine<T: SansIo + 'static>(&self, id: NodeId) -> &T {
        self.node::<Machine<T>>(id).get()
    }

    /// The machine added as `id`, mutably (for commands; see also [`with`](Sim::with)).
    #[track_caller]
    pub fn machine_mut<T: SansIo + 'static>(&mut self, id: NodeId) -> &mut T {
        self.node_mut::<Machine<T>>(id).get_mut()
    }

    /// Events machine `id` reported so far and nobody took, oldest first, with the virtual
    /// time they were collected at.
    #[track_caller]
    pub fn events<T: SansIo + 'static>(&self, id: NodeId) -> &VecDeque<(Instant, T::Event)> {
        self.node::<Machine<T>>(id).events()
    }

    /// Application data machine `id` handed up so far and nobody took, oldest first.
    #[track_caller]
    pub fn data<T: SansIo + 'static>(&self, id: NodeId) -> &VecDeque<(Instant, Path, Vec<u8>)> {
        self.node::<Machine<T>>(id).data()
    }

    /// Takes the oldest event machine `id` reported.
    #[track_caller]
    pub fn poll_event<T: SansIo + 'static>(&mut self, id: NodeId) -> Option<(Instant, T::Event)> {
        self.node_mut::<Machine<T>>(id).poll_event()
    }

    /// Runs `command` on machine `id` at the current time, then sends what it transmits and
    /// collects its events right away.
    #[track_caller]
    pub fn with<T: SansIo + 'static, R>(
        &mut self,
        id: NodeId,
        command: impl FnOnce(&mut T, Instant) -> R,
    ) -> R {
        let now = self.now();
        let r = command(self.machine_mut::<T>(id), now);
        self.flush(id.0 as usize);
        r
    }

    /// Sends what node `index` wants to send now, then lets it collect events.
    fn flush(&mut self, index: usize) {
        let now = self.net.now();
        let Sim {
            net, slots, buf, ..
        } = self;
        let Some(slot) = slots.get_mut(index) else {
            return;
        };
        let mut count = 0u32;
        while let Some(tx) = slot.node.poll_transmit(now, buf) {
            count += 1;
            if count > MAX_TRANSMITS_PER_DRAIN {
                misuse(format_args!(
                    "{} keeps transmitting at {now}",
                    slot.node.name()
                ));
            }
            let Some(data) = buf.get(..tx.len) else {
                misuse(format_args!(
                    "{} returned len {} > buffer",
                    slot.node.name(),
                    tx.len
                ));
            };
            slot.stats.transmitted += 1;
            net.send(slot.host, tx.path, data);
        }
        slot.node.drain_events(now);
    }

    fn flush_all(&mut self) {
        for i in 0..self.slots.len() {
            self.flush(i);
        }
    }

    /// The earliest of the network's next hop and the nodes' timeouts.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let nodes = self.slots.iter().filter_map(|s| s.node.poll_timeout());
        nodes.chain(self.net.poll_timeout()).min()
    }

    /// Processes the next instant at which anything happens, if it is not after `deadline`;
    /// returns whether it did.
    pub fn step(&mut self, deadline: Instant) -> bool {
        self.flush_all();
        let Some(next) = self.poll_timeout() else {
            return false;
        };
        if next > deadline {
            return false;
        }
        let t = next.max(self.net.now());
        self.guard_livelock(t);
        self.net.advance_to(t);
        while let Some(d) = self.net.poll_delivery() {
            self.dispatch(d);
        }
        for i in 0..self.slots.len() {
            let due = self
                .slots
                .get(i)
                .and_then(|s| s.node.poll_timeout())
                .is_some_and(|at| at <= t);
            if let (true, Some(slot)) = (due, self.slots.get_mut(i)) {
                slot.stats.timeouts += 1;
                slot.node.handle_timeout(t);
                self.flush(i);
            }
        }
        true
    }

    /// Offers a delivery to the nodes of its host, in order.
    fn dispatch(&mut self, d: Delivery) {
        let now = self.net.now();
        for i in 0..self.slots.len() {
            let Some(slot) = self.slots.get_mut(i) else {
                continue;
            };
            if slot.host != d.host {
                continue;
            }
            match slot.node.handle_datagram(now, d.path, &d.data) {
                Err(Rejected::NotForUs) => continue,
                Ok(()) => slot.stats.received += 1,
                Err(_) => slot.stats.rejected += 1,
            }
            self.flush(i);
            return;
        }
        self.unclaimed += 1;
    }

    fn guard_livelock(&mut self, t: Instant) {
        if t != self.last_instant {
            self.last_instant = t;
            self.steps_at_instant = 0;
            return;
        }
        self.steps_at_instant += 1;
        if self.steps_at_instant > MAX_STEPS_PER_INSTANT {
            let stuck: Vec<&str> = self
                .slots
                .iter()
                .filter(|s| s.node.poll_timeout().is_some_and(|at| at <= t))
                .map(|s| s.node.name())
                .collect();
            misuse(format_args!(
                "livelock at {t}: timeouts never move forward in {stuck:?}"
            ));
        }
    }

    /// Steps until `done` returns true (checked before the first step and after each) or
    /// nothing is left to do before `deadline`; time then stands at `deadline`. Returns
    /// whether `done` held.
    pub fn run_until(&mut self, deadline: Instant, mut done: impl FnMut(&mut Sim) -> bool) -> bool {
        self.flush_all();
        if done(self) {
            return true;
        }
        while self.step(deadline) {
            if done(self) {
                return true;
            }
        }
        self.net.advance_to(deadline);
        done(self)
    }

    /// Runs everything due in the next `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) {
        let deadline = self.now() + duration;
        self.run_until(deadline, |_| false);
    }
}

#[track_caller]
#[allow(
    clippy::panic,
    reason = "test-tool misuse or node bug must stop the test"
)]
fn misuse(what: fmt::Arguments<'_>) -> ! {
    panic!("netsim::Sim: {what}")
}
