#!/usr/bin/env bash
# Extension Mobility login storm (issue 6 benchmark).
#
# Starts the release daemon on the 10,000-user configuration from cmed-gen-config, raises
# `em max-concurrent-requests`, and runs cmed-em-storm against its phone service pages:
#   1. closed loop: COUNT logins as fast as CONNS keep-alive connections go (durable logins/s);
#   2. open loop: 500 logins/s for RATE_SECS seconds (p50 / p99 latency).
# Every login is committed to the store (redb, fsync) before its answer, as in production.
# Client and daemon share the machine's CPUs. Talks only to 127.0.0.1.
#
# Environment: COUNT (20000), CONNS (64), RATE (500), RATE_SECS (10).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20000}
CONNS=${CONNS:-64}
RATE=${RATE:-500}
RATE_SECS=${RATE_SECS:-10}

[[ -x target/release/cmed && -x target/release/cmed-em-storm && -x target/release/cmed-gen-config ]] ||
    cargo build --release --bins

# shellcheck source=bench-common.sh
. scripts/bench-common.sh
bench_setup em
tmp=$TMP

target/release/cmed-gen-config --ephones 10000 --dns 20000 --users 10000 > "$tmp/em.cfg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/release/cmed run --no-console --config "$tmp/em.cfg" --data "$tmp/data" \
    --tftp-port 0 --http-prov-port 0 --sccp-port 0 --sip-port 0 --http-port "$port" 2> "$tmp/cmed.log" &
pid=$!
PIDS+=("$pid")
bench_wait_cmed target/release/cmed "$tmp/data" "$pid" || { echo "cmed did not come up" >&2; exit 2; }
target/release/cmed cli --data "$tmp/data" -c 'configure terminal' -c 'telephony-service' \
    -c 'em max-concurrent-requests 1000' -c 'end' > /dev/null

cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks=$(getconf CLK_TCK)

echo "==> closed loop: $COUNT logins over $CONNS connections"
before=$(cpu)
target/release/cmed-em-storm --server "127.0.0.1:$port" --config "$tmp/em.cfg" \
    --count "$COUNT" --connections "$CONNS"
after=$(cpu)
echo "    daemon CPU: $(( (after - before) * 1000 / ticks )) ms, $(echo "scale=3; ($after - $before) * 1000 / $ticks / $COUNT" | bc) ms per login"

echo "==> open loop: $RATE logins/s for $RATE_SECS s"
target/release/cmed-em-storm --server "127.0.0.1:$port" --config "$tmp/em.cfg" \
    --count $((RATE * RATE_SECS)) --rate "$RATE" --connections "$CONNS"
echo "==> daemon: $(grep VmRSS "/proc/$pid/status")"
target/release/cmed cli --data "$tmp/data" -c 'show extension-mobility | include Total'
