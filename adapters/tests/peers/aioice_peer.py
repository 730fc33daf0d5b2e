"""aioice as the peer of `p2p ice`, speaking its one-line ICE1 signaling over stdin/stdout.

usage: aioice_peer.py controlling|controlled
Prints its ICE1 line, reads the other side's, connects, then prints `connected`,
waits for one datagram (printed as `peer: ...`), sends `hello from aioice` and exits 0.
Loopback only: host candidates are pinned to 127.0.0.1.
"""
import asyncio, base64, sys
import aioice, aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def encode(conn):
    lines = [f"ufrag {conn.local_username}", f"pwd {conn.local_password}", "lite 0"]
    lines += ["candidate:" + c.to_sdp() for c in conn.local_candidates]
    return "ICE1 " + base64.b64encode(("\n".join(lines) + "\n").encode()).decode()


async def main():
    controlling = sys.argv[1] == "controlling"
    conn = aioice.Connection(ice_controlling=controlling, components=1, use_ipv6=False)
    await conn.gather_candidates()
    print(encode(conn), flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    text = base64.b64decode(line.strip().split(" ", 1)[1]).decode()
    for l in text.splitlines():
        if l.startswith("ufrag "):
            conn.remote_username = l[6:]
        elif l.startswith("pwd "):
            conn.remote_password = l[4:]
        elif l.startswith("candidate:"):
            await conn.add_remote_candidate(aioice.Candidate.from_sdp(l[len("candidate:"):]))
    await conn.add_remote_candidate(None)
    await asyncio.wait_for(conn.connect(), 20)
    print("connected", flush=True)
    data = await asyncio.wait_for(conn.recv(), 20)
    print("peer: " + data.decode(), flush=True)
    await conn.send(b"hello from aioice")
    await asyncio.sleep(0.5)
    await conn.close()


asyncio.run(main())
