#!/bin/bash
# CPU and memory of `p2p node` per viewer: for each count of viewers (default 1 10 50), start
# a node on loopback, that many `p2p view` processes, wait for them to connect, then sample
# the node's CPU time (utime + stime from /proc) over WINDOW seconds and its resident memory.
# usage: adapters/tests/node_load.sh P2P_BINARY [COUNTS...]
P2P=$1; shift
COUNTS=${*:-1 10 50}
WINDOW=${WINDOW:-10}
TICK=$(getconf CLK_TCK)
PORT=18190
for n in $COUNTS; do
  PORT=$((PORT + 1))
  OUT=$(mktemp)
  "$P2P" node --listen 127.0.0.1:$PORT --max-viewers $((n + 8)) --status-every 3600 > "$OUT" 2>&1 &
  NODE=$!
  for i in $(seq 100); do grep -q "node ready" "$OUT" && break; sleep 0.1; done
  RSS0=$(awk '/VmRSS/ { print $2 }' /proc/$NODE/status)
  VIEWERS=()
  for i in $(seq "$n"); do
    "$P2P" view http://127.0.0.1:$PORT/whep --duration $((WINDOW + 30)) --quiet > /dev/null 2>&1 &
    VIEWERS+=($!)
  done
  for i in $(seq 300); do
    [ "$(grep -c 'viewer connected' "$OUT")" -ge "$n" ] && break; sleep 0.1
  done
  CONNECTED=$(grep -c 'viewer connected' "$OUT")
  sleep 2
  T0=$(awk '{ print $14 + $15 }' /proc/$NODE/stat)
  sleep "$WINDOW"
  T1=$(awk '{ print $14 + $15 }' /proc/$NODE/stat)
  RSS=$(awk '/VmRSS/ { print $2 }' /proc/$NODE/status)
  kill "${VIEWERS[@]}" 2>/dev/null; wait "${VIEWERS[@]}" 2>/dev/null
  kill -INT $NODE; wait $NODE 2>/dev/null
  awk -v n="$n" -v c="$CONNECTED" -v t="$((T1 - T0))" -v hz="$TICK" -v w="$WINDOW" -v rss="$RSS" -v rss0="$RSS0" 'BEGIN {
    cpu = 100 * t / hz / w
    printf "viewers %d (connected %d): node CPU %.1f %% of a core (%.2f %% per viewer), RSS %.1f MiB (%.0f KiB per viewer over the idle %.1f MiB)\n",
      n, c, cpu, cpu / n, rss / 1024, (rss - rss0) / n, rss0 / 1024 }'
  rm -f "$OUT"
done
