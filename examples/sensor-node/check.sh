#!/bin/bash
# Inside the node's namespace (see netns.sh): check.py (HTTP, bad input, WHEP by hand),
# then our own peer-core viewer (VIEWER), then headless
# Chromium opens the page and watches over WebRTC (adapters/tests/browser/watch.js: thermal
# frames, readings, audio samples, selected pair) while flood.py sends junk of every class at
# the media socket; the screenshot goes to SHOT.
# With VIEWER (adapters' whep_view example: our own peer-core as the WHEP client), that
# watches first for 6 s and ends its session.
# usage: check.sh PYTHON PAGE SHOT [VIEWER]
PY=$1; PAGE=$2; SHOT=$3; VIEWER=$4
HERE=$(cd "$(dirname "$0")" && pwd)
"$PY" "$HERE/check.py" "$PAGE" || exit 1
if [ -n "$VIEWER" ]; then
  echo -n "VIEWER "; timeout 30 "$VIEWER" 198.18.5.2:80 198.18.5.1 6 || exit 1
fi
# Junk for 15 s (about as long as Chromium takes to connect and count) at 250 datagrams/s.
"$PY" "$HERE/flood.py" 198.18.5.2 5004 15 250 &
FLOOD=$!
timeout 90 node "$HERE/../../adapters/tests/browser/watch.js" "http://198.18.5.2/" "$SHOT" 40
WATCHED=$?
wait $FLOOD || exit 1
exit $WATCHED
