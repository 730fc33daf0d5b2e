#!/bin/bash
# Inside the node's namespace (see netns.sh): check.py (STUN, HTTP, bad input), then headless
# Chromium opens the page and watches over WebRTC (adapters/tests/browser/watch.js: thermal
# frames, readings, audio samples, selected pair); the screenshot goes to SHOT.
# usage: check.sh PYTHON PAGE SHOT
PY=$1; PAGE=$2; SHOT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
"$PY" "$HERE/check.py" "$PAGE" || exit 1
timeout 90 node "$HERE/../../adapters/tests/browser/watch.js" "http://198.18.5.2/" "$SHOT" 40
