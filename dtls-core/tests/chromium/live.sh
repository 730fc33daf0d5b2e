#!/bin/bash
# Headless Chromium as the DTLS client against dtls-core (examples/chromium_peer.rs), in a
# private network namespace (/work/shared/peers/netns_run.sh: veth tst0/tst1 198.18.0.1/2).
# Records every DTLS datagram to $CAPTURE (default target/chromium-capture.txt).
# Needs: Debian chromium, node, playwright-core (npm install --prefix target/chromium-peer
# playwright-core), root for the namespace.
# usage: dtls-core/tests/chromium/live.sh        (from the workspace root)
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
HERE="$ROOT/dtls-core/tests/chromium"
CAPTURE=${CAPTURE:-$ROOT/target/chromium-capture.txt}
NODE_PATH=${NODE_PATH:-$ROOT/target/chromium-peer/node_modules}
PEER="$ROOT/target/debug/examples/chromium_peer"
command -v chromium >/dev/null || { echo "INTEROP PEER MISSING: chromium"; exit 2; }
[ -d "$NODE_PATH/playwright-core" ] || { echo "INTEROP PEER MISSING: playwright-core in $NODE_PATH"; exit 2; }
(cd "$ROOT" && cargo build -q -p dtls-core --example chromium_peer) || exit 2
NETNS=${NETNS:-/work/shared/peers/netns_run.sh}
export NODE_PATH
exec "$NETNS" bash -c '
  UFRAG=dtlscore PWD=dtlscorepassword0123456789
  "'"$PEER"'" 198.18.0.2:50000 $UFRAG $PWD "'"$CAPTURE"'" > /tmp/chromium_peer.out 2>&1 &
  P=$!
  for i in $(seq 50); do grep -q FINGERPRINT /tmp/chromium_peer.out && break; sleep 0.1; done
  FP=$(sed -n "s/^FINGERPRINT //p" /tmp/chromium_peer.out)
  timeout 40 node "'"$HERE"'/run.js" "file://'"$HERE"'/page.html?addr=198.18.0.2&port=50000&ufrag=$UFRAG&pwd=$PWD&fp=$FP"
  RC=$?
  sleep 0.5; kill $P 2>/dev/null; wait $P 2>/dev/null
  echo "--- dtls-core peer:"; cat /tmp/chromium_peer.out
  exit $RC'
