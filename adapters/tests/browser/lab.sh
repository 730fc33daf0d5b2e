#!/bin/bash
# Run inside a private network namespace (netns.sh beside this file): start the WHEP lab on
# 198.18.0.2:8080 (and, when TURN_CMD is set, that TURN server first), open PAGE in headless
# Chromium, save a screenshot to SHOT, print all logs. Exit status: the page's verdict.
# usage: [TURN_CMD="p2p turn-server …"] lab.sh LAB_BINARY PAGE SHOT [LAB_ARGS…]
LAB=$1; PAGE=$2; SHOT=$3; shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp); TURN_OUT=$(mktemp)
if [ -n "$TURN_CMD" ]; then
  $TURN_CMD > "$TURN_OUT" 2>&1 &
  T=$!
  sleep 0.5
fi
"$LAB" 198.18.0.2:8080 "$@" > "$OUT" 2>&1 &
P=$!
for i in $(seq 100); do grep -q ready "$OUT" && break; sleep 0.1; done
timeout 150 node "$HERE/run.js" "http://198.18.0.2:8080/$PAGE" "$SHOT"
RC=$?
kill $P 2>/dev/null; wait $P 2>/dev/null
[ -n "$T" ] && { kill $T 2>/dev/null; wait $T 2>/dev/null; echo "--- turn server:"; tail -n 30 "$TURN_OUT"; }
echo "--- whep_lab:"; cat "$OUT"; rm -f "$OUT" "$TURN_OUT"
exit $RC
