#!/bin/bash
# Run inside a private network namespace (../../../../shared/peers/netns_run.sh, or the
# test's own `unshare`): start the WHEP lab on 198.18.0.2:8080, open PAGE in headless
# Chromium, save a screenshot to SHOT, print both logs. Exit status: the page's verdict.
# usage: lab.sh LAB_BINARY PAGE SHOT
LAB=$1; PAGE=$2; SHOT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp)
"$LAB" 198.18.0.2:8080 > "$OUT" 2>&1 &
P=$!
for i in $(seq 100); do grep -q ready "$OUT" && break; sleep 0.1; done
timeout 120 node "$HERE/run.js" "http://198.18.0.2:8080/$PAGE" "$SHOT"
RC=$?
kill $P 2>/dev/null; wait $P 2>/dev/null
echo "--- whep_lab:"; cat "$OUT"; rm -f "$OUT"
exit $RC
