#!/bin/bash
# Inside the node's namespace (see netns.sh): `p2p turn-server` on 198.18.5.1:3478, then
# headless Chromium opens the node's page relay-only through it (the page's ?turn= query) and
# must see thermal frames, readings and audio over a relayed pair.
# usage: check_relay.sh P2P SHOT
P2P=$1; SHOT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp)
"$P2P" turn-server --listen 198.18.5.1:3478 --user lab:secret --allowed-peer-ip 198.18.0.0/15 --log info > "$OUT" 2>&1 &
T=$!
for i in $(seq 50); do grep -qi "listening\|ready\|turn-server" "$OUT" && break; sleep 0.1; done
timeout 90 node "$HERE/../../adapters/tests/browser/watch.js" "http://198.18.5.2/?turn=198.18.5.1:3478&user=lab&pass=secret" "$SHOT" 40
RC=$?
kill -TERM $T 2>/dev/null; wait $T 2>/dev/null
echo "--- p2p turn-server:"; cat "$OUT"; rm -f "$OUT"
exit $RC
