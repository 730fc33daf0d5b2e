#!/usr/bin/env bash
# TURN load comparison on loopback: the same coturn `turnutils_uclient` load drives
# `p2p turn-server` and coturn's `turnserver`, one after the other, with identical settings.
#
# Both servers run side by side; each offered rate is run against one, then the other.
# For each offered rate (uclient clients x 1000 messages/s each, 1200-byte messages over
# channels, one allocation per client, echoed by `turnutils_peer`), it records the messages
# sent, received and lost, and the server process's CPU time (all threads, user + system,
# from /proc/PID/task/*/schedstat), and prints a markdown table with the CPU microseconds per
# relayed datagram (each echoed message is relayed twice: client->peer and peer->client) and
# the highest lossless rate of each server.
#
# Usage: scripts/turn-load.sh            (needs coturn: apt-get install coturn)
# Knobs: CLIENTS="10 20 40 60 80 100"  MSGS=15000 (per client)  LEN=1200  Z=1 (ms between
#        a client's messages)  P2P=path/to/p2p (default: cargo build --release)
#        THREADS=1 (relay threads of both servers: p2p --relay-threads, coturn --relay-threads)
# Every process is bounded by `timeout` and stopped by PID; traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-"10 20 40 60 80 100"}
MSGS=${MSGS:-15000}
LEN=${LEN:-1200}
Z=${Z:-1}
THREADS=${THREADS:-1}
for bin in turnserver turnutils_uclient turnutils_peer; do
  command -v "$bin" >/dev/null || { echo "turn-load: $bin missing (apt-get install coturn)" >&2; exit 2; }
done
if [[ -z "${P2P:-}" ]]; then
  cargo build --release -q -p adapters --bin p2p
  P2P="${CARGO_TARGET_DIR:-target}/release/p2p"
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# CPU nanoseconds used so far by every thread of PID.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END {printf "%.0f", s}'; }

# The process timeout started (its only child).
child_of() { for _ in $(seq 50); do c=$(pgrep -P "$1" | head -1) && [[ -n "$c" ]] && { echo "$c"; return; }; sleep 0.1; done; echo "$1"; }

wait_udp() { # wait until something answers a STUN Binding on port $1
  python3 - "$1" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
req = bytes([0,1,0,0,0x21,0x12,0xa4,0x42]) + bytes(range(12))
for _ in range(100):
    try:
        s.sendto(req, ("127.0.0.1", int(sys.argv[1]))); s.recvfrom(512); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

PEER_PORT=$(free_port)
timeout 3600 turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PIDS+=($!)

start_server() { # $1 = p2p|coturn, $2 = port; sets OUTER to the timeout wrapper's PID
  local port=$2
  case $1 in
    p2p) timeout 3600 "$P2P" turn-server --listen "127.0.0.1:$port" --relay-ip 127.0.0.1 \
           --realm load --user user:pass --allow-loopback-peers --min-port 40000 --max-port 42499 \
           --relay-threads "$THREADS" >"$WORK/p2p.log" 2>&1 & ;;
    coturn) timeout 3600 turnserver -n --listening-ip=127.0.0.1 --listening-port="$port" \
           --relay-ip=127.0.0.1 --lt-cred-mech -u user:pass -r load --no-tls --no-dtls \
           --allow-loopback-peers --no-cli --min-port=42500 --max-port=44999 \
           --relay-threads="$THREADS" \
           --log-file="$WORK/coturn.log" --simple-log >/dev/null 2>&1 & ;;
  esac
  OUTER=$!
  PIDS+=("$OUTER")
  wait_udp "$port" || { echo "turn-load: $1 did not start" >&2; exit 1; }
}

num() { grep -o "$1[ ~]*[0-9]*" "$2" | tail -1 | grep -o '[0-9]*$' || echo 0; }

echo "# TURN load: uclient -c -l $LEN -z $Z -n $MSGS -m CLIENTS (channels, 1 allocation per client), $THREADS relay thread(s) each"
echo "# machine: $(nproc) cores, $(uname -r); load before: $(uptime | sed 's/.*load average/load average/')"
echo
echo "| server | offered msg/s | sent | echoed | lost | server CPU s | CPU µs / relayed datagram |"
echo "|---|---:|---:|---:|---:|---:|---:|"
declare -A BEST USPD PID PORT
# Both servers run side by side (different ports, disjoint relay ranges); each rate is run
# against one then the other, so drifting machine load affects both alike.
for server in p2p coturn; do
  PORT[$server]=$(free_port)
  start_server "$server" "${PORT[$server]}"
  PID[$server]=$(child_of "$OUTER")
  BEST[$server]=0
done
for m in $CLIENTS; do
  rate=$(( m * 1000 / Z ))
  for server in p2p coturn; do
    pid=${PID[$server]}
    before=$(cpu_ns "$pid")
    timeout 300 turnutils_uclient -u user -w pass -e 127.0.0.1 -r "$PEER_PORT" -p "${PORT[$server]}" \
      -c -l "$LEN" -z "$Z" -n "$MSGS" -m "$m" 127.0.0.1 >"$WORK/u-$server-$m.log" 2>&1 || true
    after=$(cpu_ns "$pid")
    log="$WORK/u-$server-$m.log"
    sent=$(num "tot_send_msgs=" "$log"); recv=$(num "tot_recv_msgs=" "$log")
    lost=$(num "Total lost packets" "$log"); dropped=$(num "total send dropped" "$log")
    cpu_s=$(awk -v a="$before" -v b="$after" 'BEGIN{printf "%.2f", (b-a)/1e9}')
    uspd=$(awk -v a="$before" -v b="$after" -v n="$((sent + recv))" 'BEGIN{ if (n>0) printf "%.2f", (b-a)/1e3/n; else print "-" }')
    echo "| $server | $rate | $sent | $recv | $lost | $cpu_s | $uspd |"
    if [[ "$sent" -gt 0 && "$lost" -eq 0 && "$dropped" -eq 0 && "$sent" -eq $(( m * MSGS )) ]]; then
      BEST[$server]=$rate; USPD[$server]=$uspd
    fi
  done
done
echo
echo "Highest lossless offered rate: p2p turn-server ${BEST[p2p]} msg/s (${USPD[p2p]:--} µs CPU per relayed datagram there), coturn ${BEST[coturn]} msg/s (${USPD[coturn]:--} µs)."
echo "Load after: $(uptime | sed 's/.*load average/load average/')"
