#!/bin/bash
# Boot the sensor node under QEMU (mps2-an386, LAN9118 on a TAP device) inside a fresh,
# private network namespace — lo plus tap0 198.18.5.1/24, the node being 198.18.5.2 — run
# CMD there once the node listens, then stop QEMU. The namespace dies with this script:
# nothing reaches a real interface and nothing is left behind. Needs root.
# usage: netns.sh FIRMWARE LOG SEED CMD ARGS...
# The node's semihosting log goes to LOG; the exit status is CMD's.
FW=$1; LOG=$2; SEED=$3; shift 3
exec unshare --net bash -c '
  FW=$1; LOG=$2; SEED=$3; shift 3
  ip link set lo up
  sysctl -qw net.ipv6.conf.default.disable_ipv6=1   # tap0 IPv4 only: no address change later (a browser aborts on one)
  ip tuntap add tap0 mode tap
  ip addr add 198.18.5.1/24 dev tap0
  ip link set tap0 up
  ip route add default via 198.18.5.2 dev tap0   # stays on the segment (Chromium gathers nothing without a route)
  timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none \
    -semihosting-config enable=on,target=native \
    -nic tap,ifname=tap0,script=no,downscript=no,model=lan9118 \
    -kernel "$FW" -append "seed=$SEED" > "$LOG" 2>&1 < /dev/null &
  Q=$!
  for i in $(seq 300); do grep -q "listening on" "$LOG" && break; kill -0 $Q 2>/dev/null || break; sleep 0.1; done
  if ! grep -q "listening on" "$LOG"; then echo "the node did not start:"; cat "$LOG"; kill $Q 2>/dev/null; exit 3; fi
  "$@"; RC=$?
  kill $Q 2>/dev/null; wait $Q 2>/dev/null
  exit $RC' netns "$FW" "$LOG" "$SEED" "$@"
