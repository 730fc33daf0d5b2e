"""aioice as the peer of `p2p ice`, speaking its one-line ICE1 signaling over stdin/stdout.

usage: aioice_peer.py controlling|controlled [--host IP] [--stun HOST:PORT]
                      [--turn HOST:PORT --turn-user NAME --turn-pass PASS] [--relay-only]
                      [--rounds N]

Prints its ICE1 line, reads the other side's, connects, prints `connected` and
`role: controlling|controlled` (after any role conflict), waits for one datagram (printed as
`peer: ...`) and answers `hello from aioice`. With --rounds 2 it then restarts the way a
remote agent's ICE restart looks on the wire: a new agent with new credentials and
candidates prints a new ICE1 line, reads the other side's new line, connects, and the
exchange repeats (`hello again from aioice`). The old agent keeps answering until the new one
is connected. Host candidates are pinned to --host (127.0.0.1 by default).
"""
import argparse, asyncio, base64, sys
import aioice, aioice.ice

p = argparse.ArgumentParser()
p.add_argument("role", choices=["controlling", "controlled"])
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--stun")
p.add_argument("--turn")
p.add_argument("--turn-user")
p.add_argument("--turn-pass")
p.add_argument("--relay-only", action="store_true")
p.add_argument("--rounds", type=int, default=1)
args = p.parse_args()

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [args.host]


def addr(s):
    h, port = s.rsplit(":", 1)
    return (h, int(port))


def encode(conn):
    lines = [f"ufrag {conn.local_username}", f"pwd {conn.local_password}", "lite 0"]
    lines += ["candidate:" + c.to_sdp() for c in conn.local_candidates]
    return "ICE1 " + base64.b64encode(("\n".join(lines) + "\n").encode()).decode()


async def read_line():
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def connect(controlling):
    kw = {}
    if args.stun:
        kw["stun_server"] = addr(args.stun)
    if args.turn:
        kw.update(turn_server=addr(args.turn), turn_username=args.turn_user,
                  turn_password=args.turn_pass)
    if args.relay_only:
        kw["transport_policy"] = aioice.TransportPolicy.RELAY
    conn = aioice.Connection(ice_controlling=controlling, components=1, use_ipv6=False, **kw)
    await conn.gather_candidates()
    print(encode(conn), flush=True)
    line = await read_line()
    text = base64.b64decode(line.strip().split(" ", 1)[1]).decode()
    for l in text.splitlines():
        if l.startswith("ufrag "):
            conn.remote_username = l[6:]
        elif l.startswith("pwd "):
            conn.remote_password = l[4:]
        elif l.startswith("candidate:"):
            await conn.add_remote_candidate(aioice.Candidate.from_sdp(l[len("candidate:"):]))
    await conn.add_remote_candidate(None)
    await asyncio.wait_for(conn.connect(), 25)
    print("connected", flush=True)
    print("role: " + ("controlling" if conn.ice_controlling else "controlled"), flush=True)
    return conn


async def echo_old(conn):
    # The old agent answers data until it is closed (data keeps flowing during a restart).
    try:
        while True:
            data = await conn.recv()
            print("old peer: " + data.decode(), flush=True)
            await conn.send(b"old pair from aioice")
    except Exception:
        pass


async def main():
    controlling = args.role == "controlling"
    old = None
    keep = None
    for n in range(args.rounds):
        conn = await connect(controlling)
        if old is not None:
            keep.cancel()
            await old.close()
        data = await asyncio.wait_for(conn.recv(), 25)
        print("peer: " + data.decode(), flush=True)
        await conn.send(b"hello from aioice" if n == 0 else b"hello again from aioice")
        old, keep = conn, asyncio.ensure_future(echo_old(conn))
    await asyncio.sleep(0.5)
    await old.close()


asyncio.run(main())
