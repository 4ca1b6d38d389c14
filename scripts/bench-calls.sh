#!/usr/bin/env bash
# Calls benchmark, SCCP part (issue 13 (b)): 1,000 simulated SCCP phones calling each other
# in pairs through cmed — call setups per second and setup times, and the daemon's memory
# per active call.
#
# Run from anywhere as `scripts/bench-calls.sh` (it changes to the repository root).
# Everything listens on and talks to 127.0.0.1 only.
#
# What it does:
# - builds the release binaries when one is missing, writes a startup-config with
#   cmed-gen-config (PHONES ephones, two DNs each for the three in four without Extension
#   Mobility), starts cmed on it (SCCP on a free loopback port, the rest off or on free
#   ports) and waits for its control socket;
# - runs `cmed-call-storm --pairs PAIRS`: the phones register, then every caller at once
#   lifts the handset and dials its callee, which answers when it rings; both open their
#   RTP receivers and wait to be told where the other receives; then the caller hangs up.
#   It prints setups per second and p50/p99 setup times (from the caller's off-hook, and
#   from the callee's answer, to both phones' StartMediaTransmission);
#   cmed-call-storm reads the daemon's VmRSS with the phones registered and again with
#   every call connected: the difference over the calls is the memory per active call.
# - does it twice: all calls at once (the setup rate), then RATE calls per second (the
#   setup times at the issue's target rate).
#
# - then (SIP=1, the default) runs scripts/bench-calls-sip.sh: sipp UAC -> cmed -> sipp UAS
#   through a dial-peer beside the same sipp pair through Kamailio's stateful relay (its
#   header says how).
#
# Environment: PHONES (default 1340, so 1,000 of them own their numbers), PAIRS (500),
# RATE (500 calls/s), DEADLINE (60 s), SIP (1: also the SIP part; 0: SCCP only; its own
# settings are bench-calls-sip.sh's). Exit status 0 whatever the figures; 1 when the storm reported failures or
# no result; 2 when the setup failed.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/bench-common.sh

PHONES=${PHONES:-1340}
PAIRS=${PAIRS:-500}
DEADLINE=${DEADLINE:-60}
RATE=${RATE:-500}
SIP=${SIP:-1}
[[ $PHONES =~ ^[1-9][0-9]{0,4}$ ]] && ((PHONES <= 10000)) || { echo "bench-calls: PHONES must be 1-10000" >&2; exit 2; }
[[ $PAIRS =~ ^[1-9][0-9]{0,3}$ ]] || { echo "bench-calls: PAIRS must be 1-9999" >&2; exit 2; }
[[ $DEADLINE =~ ^[1-9][0-9]{0,3}$ ]] || { echo "bench-calls: DEADLINE must be 1-9999" >&2; exit 2; }
[[ $RATE =~ ^[1-9][0-9]{0,4}$ ]] || { echo "bench-calls: RATE must be 1-99999" >&2; exit 2; }
[[ $SIP =~ ^[01]$ ]] || { echo "bench-calls: SIP must be 0 or 1" >&2; exit 2; }

BIN=target/release
for b in cmed cmed-gen-config cmed-call-storm; do
    [[ -x $BIN/$b ]] || cargo build --release --bins
done

bench_setup calls
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SCCP=$(free_port)
"$BIN/cmed-gen-config" --ephones "$PHONES" --dns $((PHONES * 2)) --users 0 --pools 0 >"$TMP/calls.cfg"
"$BIN/cmed" run --no-console --config "$TMP/calls.cfg" --data "$TMP/data" --bind 127.0.0.1 \
    --sccp-port "$SCCP" --tftp-port 0 --http-port 0 --http-prov-port 0 --sip-port 0 \
    >"$TMP/cmed.log" 2>&1 &
CMED=$!
PIDS+=("$CMED")
bench_wait_cmed "$BIN/cmed" "$TMP/data" "$CMED" || { tail "$TMP/cmed.log" >&2; echo "bench-calls: cmed did not start" >&2; exit 2; }

echo "machine: $(nproc) CPUs, $(uname -sr); the phones and the daemon share them"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), PHONES=$PHONES PAIRS=$PAIRS RATE=$RATE"
storm() { # RATE: one storm; prints its lines; returns cmed-call-storm's status
    timeout $((DEADLINE + 60)) "$BIN/cmed-call-storm" --server "127.0.0.1:$SCCP" \
        --config "$TMP/calls.cfg" --pairs "$PAIRS" --rate "$1" --pid "$CMED" --deadline "$DEADLINE" 2>&1
}
echo "==> all $PAIRS calls at once (setups per second)"
storm 0 || rc=$?
echo "==> $PAIRS calls at $RATE per second (setup times at the target rate)"
storm "$RATE" || rc=$?
if ((SIP)); then
    kill "$CMED" 2>/dev/null || true
    wait "$CMED" 2>/dev/null || true
    echo "==> SIP to SIP through a dial-peer, beside Kamailio (scripts/bench-calls-sip.sh)"
    # RATE is this script's; the SIP part reads RATES.
    env -u RATE scripts/bench-calls-sip.sh || rc=$?
fi
exit "${rc:-0}"
