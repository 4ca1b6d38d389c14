#!/usr/bin/env bash
# Calls benchmark, SIP part (issue 13 (a)): sipp UAC -> server -> sipp UAS, SIP to SIP, with
# cmed relaying through a VoIP dial-peer (a B2BUA: two dialogs per call) beside Kamailio's
# stateful relay (`t_relay`, the anchor of sip-stack-and-call-tests.md §B.5), the same sipp
# commands against each in one run on the same machine.
#
# Run from anywhere as `scripts/bench-calls-sip.sh` (scripts/bench-calls.sh runs it after the
# SCCP part), as root when sipp or kamailio is missing (installed with apt-get, once).
# Everything listens on and talks to 127.0.0.1 only.
#
# What it does:
# - starts one sipp UAS (`-sn uas`: 180, 200, waits for ACK and BYE) on a free port;
# - Kamailio first, then cmed (never both at once): starts the server on a free port — Kamailio
#   relaying every request statefully to the UAS, cmed on the small-office configuration
#   with `dial-peer voice 7 voip` (`destination-pattern 7...`, `session target` the UAS) and
#   `allow-connections sip to sip`; the UAC calls from 127.0.0.1, the dial-peer's target
#   address, so cmed takes its calls;
# - per RATE in RATES: `sipp ADDR -sn uac -s 7001 -r RATE -m RATE*DURATION -d 0` (each call:
#   INVITE/100/180/200/ACK, then BYE/200 at once), and reads sipp's `-trace_stat` CSV
#   (successful and failed calls, calls per second over the run, retransmissions) and the
#   server's CPU time over the run (utime+stime of its processes, /proc/PID/stat);
# - prints a table: calls/s, failures, retransmissions, server CPU-seconds per 1,000 calls,
#   and the cmed/Kamailio ratio of calls per second (target >= 1.0).
#
# Environment: RATES (default "1000 2000" calls/s), DURATION (15 s per rate), KAM_CHILDREN (2
# UDP workers, as in the anchor). Exit status 0 whatever the figures; 2 when the setup failed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

RATES=${RATES:-1000 2000}
DURATION=${DURATION:-15}
KAM_CHILDREN=${KAM_CHILDREN:-2}

die() {
    echo "bench-calls-sip: $*" >&2
    exit 2
}
for r in $RATES; do
    [[ $r =~ ^[1-9][0-9]{0,4}$ ]] || die "RATES must be numbers from 1 to 99999"
done
[[ $DURATION =~ ^[1-9][0-9]{0,3}$ ]] || die "DURATION must be a number from 1 to 9999"
[[ $KAM_CHILDREN =~ ^[1-9][0-9]?$ ]] || die "KAM_CHILDREN must be a number from 1 to 99"

CMED=$ROOT/target/release/cmed
[[ -x $CMED ]] || cargo build --release --bins --quiet

# shellcheck source=bench-common.sh
. scripts/bench-common.sh
bench_need sip-tester:sipp kamailio:kamailio || die "missing tools"
bench_setup calls-sip

UAS_PORT=$(bench_udp_port)
echo "machine: $(nproc) CPUs, $(uname -sr); both sipps and the server share them"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), RATES=\"$RATES\" DURATION=$DURATION KAM_CHILDREN=$KAM_CHILDREN"
echo "==> sipp -sn uas -i 127.0.0.1 -p $UAS_PORT"
(cd "$TMP" && exec sipp -sn uas -i 127.0.0.1 -p "$UAS_PORT" -nostdin -timeout 3600s >/dev/null 2>&1) &
PIDS+=("$!")

RESULTS=$TMP/results
: >"$RESULTS"
# load NAME ADDR PID: the sipp UAC at each rate against the server PID at ADDR.
load() {
    local name=$1 addr=$2 pid=$3 rate stat before after rc ok failed cps retrans
    for rate in $RATES; do
        stat=$TMP/$name-$rate.csv
        echo "==> $name: sipp $addr -sn uac -s 7001 -i 127.0.0.1 -r $rate -m $((rate * DURATION)) -d 0 -nostdin -trace_stat -fd 1"
        before=$(bench_cpu_ticks "$pid")
        rc=0
        (cd "$TMP" && exec timeout $((DURATION * 3 + 30)) sipp "$addr" -sn uac -s 7001 -i 127.0.0.1 \
            -p "$(bench_udp_port)" -r "$rate" -m $((rate * DURATION)) -d 0 -timeout $((DURATION * 3))s \
            -nostdin -trace_stat -stf "$stat" -fd 1 >"$TMP/$name-$rate.out" 2>&1) || rc=$?
        after=$(bench_cpu_ticks "$pid")
        read -r ok failed cps retrans _ < <(sipp_final "$stat")
        local cpu
        cpu=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$ok" \
            'BEGIN { if (n > 0) printf "%.2f", t / hz / n * 1000; else print "-" }')
        echo "    $ok calls, $failed failed, $cps calls/s, $retrans retransmissions, server $cpu CPU-s per 1,000 calls (sipp exit $rc)"
        echo "$name $rate $ok $failed $cps $retrans $cpu" >>"$RESULTS"
    done
}

# ---------------------------------------------------------------- Kamailio
KAM_PORT=$(bench_udp_port)
echo "==> kamailio (stateful relay, $KAM_CHILDREN UDP workers) on 127.0.0.1:$KAM_PORT"
bench_kamailio_relay "$KAM_PORT" "$UAS_PORT" "$KAM_CHILDREN" || die "Kamailio did not start"
load kamailio "127.0.0.1:$KAM_PORT" "$KAM"
bench_stop "$KAM"

# ---------------------------------------------------------------- cmed
awk -v uas="$UAS_PORT" '
    /^dial-peer voice 8000 voip$/ && !done {
        print "voice service voip\n allow-connections sip to sip\n!"
        print "dial-peer voice 7 voip\n destination-pattern 7...\n session protocol sipv2"
        print " session target ipv4:127.0.0.1:" uas "\n codec g711ulaw\n!"
        done = 1
    }
    { print }' sample-configs/small-office.cfg >"$TMP/calls-sip.cfg"
CMED_PORT=$(bench_sip_port)
echo "==> cmed, SIP on 127.0.0.1:$CMED_PORT, dial-peer 7 to the UAS"
"$CMED" run --no-console --config "$TMP/calls-sip.cfg" --data "$TMP/data" --bind 127.0.0.1 \
    --sip-port "$CMED_PORT" --sccp-port 0 --tftp-port 0 --http-port 0 --http-prov-port 0 \
    >"$TMP/cmed.log" 2>&1 &
CMED_PID=$!
PIDS+=("$CMED_PID")
bench_wait_cmed "$CMED" "$TMP/data" "$CMED_PID" || { tail "$TMP/cmed.log" >&2; die "cmed did not start"; }
load cmed "127.0.0.1:$CMED_PORT" "$CMED_PID"
bench_stop "$CMED_PID"

# ---------------------------------------------------------------- table
echo
printf '%-9s %6s %8s %7s %8s %8s %14s\n' server rate calls failed calls/s retrans "CPU-s/1k calls"
while read -r name rate ok failed cps retrans cpu; do
    printf '%-9s %6s %8s %7s %8s %8s %14s\n' "$name" "$rate" "$ok" "$failed" "$cps" "$retrans" "$cpu"
done <"$RESULTS"
for rate in $RATES; do
    awk -v r="$rate" '$2 == r { cps[$1] = $5 }
        END {
            if (cps["kamailio"] > 0 && cps["cmed"] != "-")
                printf "ratio cmed/kamailio at %s calls/s offered: %.2f\n", r, cps["cmed"] / cps["kamailio"]
        }' "$RESULTS"
done
