#!/bin/bash
# Run inside a private network namespace: start `p2p node` on 198.18.0.2:8080 (EXTRA: more
# flags), watch its page in headless Chromium until thermal frames, readings, audio and a
# selected pair show, save a screenshot to SHOT, print what the page counted and the node's
# log. Exit status: the watcher's verdict.
# usage: node.sh P2P_BINARY SHOT [EXTRA...]
P2P=$1; SHOT=$2; shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp)
"$P2P" node --listen 198.18.0.2:8080 "$@" > "$OUT" 2>&1 &
P=$!
for i in $(seq 100); do grep -q "open http" "$OUT" && break; sleep 0.1; done
timeout 90 node "$HERE/watch.js" "http://198.18.0.2:8080/" "$SHOT" 40
RC=$?
kill -TERM $P 2>/dev/null; wait $P 2>/dev/null
echo "--- p2p node:"; cat "$OUT"; rm -f "$OUT"
exit $RC
