#!/bin/bash
# Run a command in a fresh, private network namespace: lo plus a veth pair tst0/tst1 with the
# test addresses 198.18.0.1/24 and 198.18.0.2/24 (RFC 2544 benchmark range) and a default
# route that stays inside (Chromium gathers nothing without one). Nothing can leave it.
# Needs root (or an unprivileged user namespace: `unshare --user --map-root-user --net`).
# usage: netns.sh CMD ARGS...
# The veths get no IPv6: their link-local addresses would appear a second or so after they
# come up (duplicate address detection), and a browser started meanwhile aborts what it has
# in flight on that change (net::ERR_NETWORK_CHANGED). Every test address is IPv4.
exec unshare --net bash -c '
  ip link set lo up
  sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip link add tst0 type veth peer name tst1
  ip addr add 198.18.0.1/24 dev tst0; ip addr add 198.18.0.2/24 dev tst1
  ip link set tst0 up; ip link set tst1 up
  ip route add default via 198.18.0.2 dev tst0
  exec "$@"' netns "$@"
