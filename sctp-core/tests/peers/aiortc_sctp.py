"""aiortc's RTCSctpTransport over plain UDP (a stand-in for its DTLS transport), for
sctp-core's interop test.

Usage: aiortc_sctp.py LOCAL_PORT REMOTE_PORT ROLE(client|server) START_DELAY_S

It starts the SCTP transport (aiortc always sends INIT: RFC 8841 §9.3), echoes every message
on channels the other side opens, opens two channels of its own ("py-ordered",
"py-unordered") and sends the message matrix on each; prints progress lines on stdout.
It exits when stdin closes or after 120 s.
"""
import asyncio
import sys

from aiortc.rtcdatachannel import RTCDataChannel, RTCDataChannelParameters
from aiortc.rtcsctptransport import RTCSctpCapabilities, RTCSctpTransport

SIZES = [0, 1, 100, 1200, 5000, 65536, 262144]


def payload(size, salt, text):
    if text:
        return "".join(chr(97 + ((i * 131) ^ salt) % 26) for i in range(size))
    return bytes(((i * 131) ^ salt) & 0xFF for i in range(size))


class UdpDtls:
    """What RTCSctpTransport touches of RTCDtlsTransport: state, _role,
    _register_data_receiver, _unregister_data_receiver, _send_data."""

    def __init__(self, role):
        self.state = "connected"
        self._role = role
        self.receiver = None
        self.udp = None

    def _register_data_receiver(self, receiver):
        self.receiver = receiver

    def _unregister_data_receiver(self, receiver):
        self.receiver = None

    async def _send_data(self, data):
        self.udp.sendto(data)


class Proto(asyncio.DatagramProtocol):
    def __init__(self, dtls):
        self.dtls = dtls

    def datagram_received(self, data, addr):
        if self.dtls.receiver is not None:
            asyncio.ensure_future(self.dtls.receiver._handle_data(data))


def say(*a):
    print(*a, flush=True)


async def main():
    local, remote, role, delay = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    loop = asyncio.get_running_loop()
    dtls = UdpDtls(role)
    udp, _ = await loop.create_datagram_endpoint(
        lambda: Proto(dtls), local_addr=("127.0.0.1", local), remote_addr=("127.0.0.1", remote)
    )
    dtls.udp = udp
    sctp = RTCSctpTransport(dtls)

    @sctp.on("datachannel")
    def on_channel(ch):
        say("OPENED", ch.id, ch.label, "ordered" if ch.ordered else "unordered")

        @ch.on("message")
        def on_message(m):
            ch.send(m)

    await asyncio.sleep(delay)
    await sctp.start(RTCSctpCapabilities(maxMessageSize=262144), 5000)
    for _ in range(300):
        if sctp.state == "connected":
            break
        await asyncio.sleep(0.05)
    say("CONNECTED", sctp.state)

    chans = []
    for label, ordered in (("py-ordered", True), ("py-unordered", False)):
        ch = RTCDataChannel(sctp, RTCDataChannelParameters(label=label, ordered=ordered))
        chans.append(ch)
    for _ in range(200):
        if all(c.readyState == "open" for c in chans):
            break
        await asyncio.sleep(0.05)
    say("MINE", " ".join(str(c.id) for c in chans))
    n = 0
    for ch in chans:
        for text in (True, False):
            for size in SIZES:
                ch.send(payload(size, n, text))
                n += 1
    say("SENT", n)
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    try:
        await asyncio.wait_for(stdin.read(), 120)
    except asyncio.TimeoutError:
        pass
    await sctp.stop()


asyncio.run(main())
