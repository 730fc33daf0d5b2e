#!/usr/bin/env bash
# TURN load comparison on loopback: the same load drives `p2p turn-server` and coturn's
# `turnserver`, side by side with identical settings; each offered rate is run against one,
# then the other, so drifting machine load affects both alike.
#
# MODE=rust (default): our generator `turn-load` (adapters/src/bin/turn-load): ALLOCS
#   allocations (long-term credentials), a channel each to the generator's own echo socket,
#   LEN-byte ChannelData at RATE msg/s in all for DURATION s, sent as UDP GSO trains with
#   sendmmsg and received with recvmmsg. It costs less CPU per message than uclient, so on a
#   2-core machine the servers, not the generator, are what runs out first.
# MODE=uclient: coturn's `turnutils_uclient -c` (one allocation per client, 1000 msg/s each,
#   echoed by `turnutils_peer`), as the comparison was first run.
#
# For each offered rate it records messages sent, echoed and lost, the kernel's receive-buffer
# drops on each side (rust mode), the server process's CPU time (all threads, user + system,
# from /proc/PID/task/*/schedstat) per relayed datagram (each echoed message is relayed
# twice: client->peer and peer->client) and the generator's CPU per message; it prints a
# markdown table, the highest lossless rate of each server and the ratios.
#
# Usage: scripts/turn-load.sh            (needs coturn: apt-get install coturn)
# Knobs: MODE=rust|uclient  THREADS=1 (relay threads of both servers: p2p --relay-threads,
#        coturn --relay-threads)  LEN=1200  P2P=path/to/p2p  TURN_LOAD=path/to/turn-load
#        (default for both: cargo build --release)  NICE=0 (e.g. -10 on a machine busy with
#        other work: servers, generator and echo peer all run at that nice level, so the
#        comparison is not decided by who the scheduler happened to starve)
#   rust:    RATES="20000 40000 ..." (msg/s)  DURATION=5 (s per rate)  ALLOCS=32  TRAIN=8
#            (messages sent back to back per allocation, one GSO send; 1 = one at a time)
#   uclient: CLIENTS="10 20 40 60 80 100"  MSGS=15000 (per client)  Z=1 (ms between a
#            client's messages)
# Every process is bounded by `timeout` and stopped by PID; traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${MODE:-rust}
RATES=${RATES:-"20000 40000 60000 80000 100000 120000 140000 160000"}
DURATION=${DURATION:-5}
ALLOCS=${ALLOCS:-32}
TRAIN=${TRAIN:-8}
CLIENTS=${CLIENTS:-"10 20 40 60 80 100"}
MSGS=${MSGS:-15000}
LEN=${LEN:-1200}
Z=${Z:-1}
THREADS=${THREADS:-1}
NICE=${NICE:-0}
N=(nice -n "$NICE")
for bin in turnserver turnutils_uclient turnutils_peer; do
  command -v "$bin" >/dev/null || { echo "turn-load: $bin missing (apt-get install coturn)" >&2; exit 2; }
done
if [[ -z "${P2P:-}" || ( "$MODE" == rust && -z "${TURN_LOAD:-}" ) ]]; then
  cargo build --release -q -p adapters --bin p2p --bin turn-load
fi
P2P=${P2P:-"${CARGO_TARGET_DIR:-target}/release/p2p"}
TURN_LOAD=${TURN_LOAD:-"${CARGO_TARGET_DIR:-target}/release/turn-load"}

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
"${N[@]}" timeout 3600 turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PIDS+=($!)

start_server() { # $1 = p2p|coturn, $2 = port; sets OUTER to the timeout wrapper's PID
  local port=$2
  case $1 in
    p2p) "${N[@]}" timeout 3600 "$P2P" turn-server --listen "127.0.0.1:$port" --relay-ip 127.0.0.1 \
           --realm load --user user:pass --allow-loopback-peers --min-port 40000 --max-port 42499 \
           --relay-threads "$THREADS" >"$WORK/p2p.log" 2>&1 & ;;
    coturn) "${N[@]}" timeout 3600 turnserver -n --listening-ip=127.0.0.1 --listening-port="$port" \
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

# Field FIELD=VALUE of turn-load's line in file $2.
field() { grep -o "\b$1=[^ ]*" "$2" | tail -1 | cut -d= -f2; }

declare -A BEST USPD PID PORT SUM CNT CLEAN_AT
for server in p2p coturn; do
  PORT[$server]=$(free_port)
  start_server "$server" "${PORT[$server]}"
  PID[$server]=$(child_of "$OUTER")
  BEST[$server]=0
done

# One rate against one server: prints a table row, sets OK (lossless) and US (µs/datagram).
run_rust() { # $1 = server, $2 = rate
  local log="$WORK/t-$1-$2.log"
  "${N[@]}" timeout 120 "$TURN_LOAD" --server "127.0.0.1:${PORT[$1]}" --user user:pass --rates "$2" \
    --duration "$DURATION" --allocations "$ALLOCS" --train "$TRAIN" --len "$LEN" --server-pid "${PID[$1]}" \
    >"$log" 2>&1 || true
  local sent echoed lost refused
  sent=$(field sent "$log"); echoed=$(field echoed "$log"); lost=$(field lost "$log")
  refused=$(field refused "$log"); US=$(field server_us_per_datagram "$log")
  echo "| $1 | $2 | ${sent:--} | ${echoed:--} | ${lost:--} | $(field server_drops "$log") | $(field gen_drops "$log") | $(field server_cpu_s "$log") | ${US:--} | $(field gen_us_per_msg "$log") |"
  OK=0; ECHOED=${echoed:-0}; SENT=${sent:-0}; SECS=$(field secs "$log")
  [[ -n "$sent" && "$sent" -gt 0 && "$lost" -eq 0 && "$refused" -eq 0 ]] && OK=1 || true
}

run_uclient() { # $1 = server, $2 = clients
  local m=$2 log="$WORK/u-$1-$2.log" pid=${PID[$1]} before after
  before=$(cpu_ns "$pid")
  TIMEFORMAT='%U %S'
  { time "${N[@]}" timeout 300 turnutils_uclient -u user -w pass -e 127.0.0.1 -r "$PEER_PORT" \
      -p "${PORT[$1]}" -c -l "$LEN" -z "$Z" -n "$MSGS" -m "$m" 127.0.0.1 >"$log" 2>&1 || true; } 2>"$log.time"
  after=$(cpu_ns "$pid")
  local sent recv lost dropped cpu_s gen
  sent=$(num "tot_send_msgs=" "$log"); recv=$(num "tot_recv_msgs=" "$log")
  lost=$(num "Total lost packets" "$log"); dropped=$(num "total send dropped" "$log")
  cpu_s=$(awk -v a="$before" -v b="$after" 'BEGIN{printf "%.2f", (b-a)/1e9}')
  US=$(awk -v a="$before" -v b="$after" -v n="$((sent + recv))" 'BEGIN{ if (n>0) printf "%.2f", (b-a)/1e3/n; else print "-" }')
  gen=$(awk -v n="$sent" '{ if (n>0) printf "%.2f", ($1+$2)*1e6/n; else print "-" }' "$log.time")
  echo "| $1 | $(( m * 1000 / Z )) | $sent | $recv | $lost | - | - | $cpu_s | $US | $gen |"
  OK=0; ECHOED=${recv:-0}; SENT=${sent:-0}; SECS=$(( MSGS * Z / 1000 ))
  [[ "$sent" -gt 0 && "$lost" -eq 0 && "$dropped" -eq 0 && "$sent" -eq $(( m * MSGS )) ]] && OK=1 || true
}

if [[ $MODE == rust ]]; then
  STEPS=$RATES
  echo "# TURN load: turn-load --allocations $ALLOCS --train $TRAIN --len $LEN --duration $DURATION (channels, own echo peer), $THREADS relay thread(s) each"
else
  STEPS=$CLIENTS
  echo "# TURN load: uclient -c -l $LEN -z $Z -n $MSGS -m CLIENTS (channels, 1 allocation per client), $THREADS relay thread(s) each"
fi
echo "# machine: $(nproc) cores, $(uname -r); load before: $(uptime | sed 's/.*load average/load average/')"
echo
echo "| server | offered msg/s | sent | echoed | lost | server drops | generator drops | server CPU s | server CPU µs / relayed datagram | generator CPU µs / msg |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
# Per server: highest lossless rate, "lossless up to" (every rate up to it lossless), peak
# delivered rate; per rate: whether both delivered >= 99 % (their CPU is compared there).
declare -A CLEAN PEAK NEAR
for server in p2p coturn; do CLEAN[$server]=0; PEAK[$server]=0; done
declare -a ORDER
for step in $STEPS; do
  rate=$step; [[ $MODE == uclient ]] && rate=$(( step * 1000 / Z ))
  ORDER+=("$rate"); NEAR[$rate]=1
  for server in p2p coturn; do
    if [[ $MODE == rust ]]; then run_rust "$server" "$step"; else run_uclient "$server" "$step"; fi
    delivered=$(awk -v e="$ECHOED" -v s="${SECS:-0}" 'BEGIN{ if (s>0) printf "%d", e/s; else print 0 }')
    (( delivered > PEAK[$server] )) && PEAK[$server]=$delivered
    if [[ $OK == 1 ]]; then
      BEST[$server]=$rate; USPD[$server]=$US
      [[ ${CLEAN[$server]} != stop ]] && CLEAN[$server]=$rate
    elif [[ ${CLEAN[$server]} != stop ]]; then
      CLEAN_AT[$server]=${CLEAN[$server]}; CLEAN[$server]=stop
    fi
    (( SENT > 0 && ECHOED * 100 >= SENT * 99 )) || NEAR[$rate]=0
    eval "US_${server}_$rate=\${US:-0}"
  done
done
for server in p2p coturn; do
  [[ ${CLEAN[$server]} == stop ]] && CLEAN[$server]=${CLEAN_AT[$server]}
  SUM[$server]=0; CNT[$server]=0
done
for rate in "${ORDER[@]}"; do
  [[ ${NEAR[$rate]} == 1 ]] || continue
  for server in p2p coturn; do
    v=$(eval echo "\$US_${server}_$rate")
    SUM[$server]=$(awk -v a="${SUM[$server]}" -v b="$v" 'BEGIN{print a+b}')
    CNT[$server]=$(( CNT[$server] + 1 ))
  done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "-" }'; }
echo
echo "Highest lossless offered rate: p2p turn-server ${BEST[p2p]} msg/s (${USPD[p2p]:--} µs CPU per relayed datagram there), coturn ${BEST[coturn]} msg/s (${USPD[coturn]:--} µs): $(ratio "${BEST[p2p]}" "${BEST[coturn]}")x."
echo "Lossless at every rate up to: p2p ${CLEAN[p2p]} msg/s, coturn ${CLEAN[coturn]} msg/s: $(ratio "${CLEAN[p2p]}" "${CLEAN[coturn]}")x."
echo "Peak delivered (echoed) rate: p2p ${PEAK[p2p]} msg/s, coturn ${PEAK[coturn]} msg/s: $(ratio "${PEAK[p2p]}" "${PEAK[coturn]}")x."
if (( CNT[p2p] > 0 )); then
  mp=$(ratio "${SUM[p2p]}" "${CNT[p2p]}"); mc=$(ratio "${SUM[coturn]}" "${CNT[coturn]}")
  echo "Mean CPU per relayed datagram over the ${CNT[p2p]} rates both delivered >= 99 %: p2p $mp µs, coturn $mc µs (p2p uses $(ratio "$mp" "$mc") of coturn's)."
else
  echo "No rate that both delivered >= 99 %."
fi
echo "Load after: $(uptime | sed 's/.*load average/load average/')"
