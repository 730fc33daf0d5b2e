#!/bin/bash
# Time from page load to the first heat-map frame, N times (default 10): each run starts
# `p2p node` and a fresh headless Chromium in a private network namespace (node.sh), and the
# page records performance.now() when it draws its first thermal frame. Prints each time and
# the median.
# usage: sudo shared/peers/netns_run.sh adapters/tests/browser/first_frame.sh P2P_BINARY [N]
P2P=$1; N=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
SHOT=$(mktemp --suffix=.png)
for i in $(seq "$N"); do
  "$HERE/node.sh" "$P2P" "$SHOT" | grep -o '"firstFrameAtMs":[0-9]*' | cut -d: -f2
done | sort -n | awk '{ v[NR] = $1; print "run: " $1 " ms" }
  END { if (NR == 0) { print "no measurement"; exit 1 }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
        print "median of " NR ": " m " ms" }'
rm -f "$SHOT"
