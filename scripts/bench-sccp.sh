#!/usr/bin/env bash
# SCCP registration benchmark (issue 5): a storm of 10,000 simulated phones against cmed.
#
# Run from anywhere as `scripts/bench-sccp.sh` (it changes to the repository root).
# Everything listens on and talks to 127.0.0.1 only.
#
# What it does:
# - builds the release binaries when one is missing, writes the 10,000-ephone startup-config
#   with cmed-gen-config (10,000 ephones, 20,000 ephone-dns, 10,000 users) and starts cmed
#   on it (SCCP on a free loopback port, the other servers on free ports or off);
# - samples the daemon's VmRSS/VmHWM (/proc/PID/status) after loading;
# - runs `cmed-phone storm --count COUNT --hold HOLD --deadline DEADLINE` in the background,
#   samples the daemon's CPU time (utime+stime, /proc/PID/stat) just before it starts and as
#   soon as the `storm:` line appears, and its memory at that moment; also cmed-phone's own
#   CPU time, and the machine's TCP listen-queue overflows and SYN retransmissions over the
#   storm (/proc/net/netstat: connections beyond the listen backlog wait for a retransmitted
#   SYN, 1 s and more);
# - while the phones hold (one keepalive each per announced interval, 30 s), measures the
#   daemon's CPU over a WINDOW-second window starting SETTLE seconds after the storm, then
#   samples memory again (phones still registered), waits for cmed-phone to end, and samples
#   once more (phones gone);
# - prints a table against the issue's targets.
#
# Exit status 0 whatever the figures (a benchmark, not a test); 1 when cmed-phone printed no
# `storm:` line or the daemon went away during the measurement; 2 when the setup failed.
#
# Environment: COUNT (default 10000), HOLD (65 s), DEADLINE (120 s), WINDOW (60 s),
# SETTLE (1 s). HOLD must leave room for SETTLE + WINDOW; cmed-phone itself ends up to one
# keepalive interval after HOLD (each phone finishes its wait). The load generator and the daemon
# share the machine's CPUs, and anything else running on it shows in the figures: run it on
# an idle machine.
set -euo pipefail

cd "$(dirname "$0")/.."

COUNT=${COUNT:-10000}
HOLD=${HOLD:-65}
DEADLINE=${DEADLINE:-120}
WINDOW=${WINDOW:-60}
SETTLE=${SETTLE:-1}
EPHONES=10000

die() {
    echo "bench-sccp: $*" >&2
    exit 2
}

for n in COUNT HOLD DEADLINE WINDOW; do
    [[ ${!n} =~ ^[1-9][0-9]{0,4}$ ]] || die "$n must be a number from 1 to 99999"
done
[[ $SETTLE =~ ^[0-9]{1,3}$ ]] || die "SETTLE must be a number from 0 to 999"
((COUNT <= EPHONES)) || die "COUNT must be at most $EPHONES"
((SETTLE + WINDOW < HOLD)) || die "HOLD ($HOLD) must be longer than SETTLE + WINDOW ($((SETTLE + WINDOW)))"
for cmd in getconf awk sed grep date; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing command: $cmd"
done
[[ -r /proc/self/stat ]] || die "needs /proc"

CMED=target/release/cmed
PHONE=target/release/cmed-phone
GEN=target/release/cmed-gen-config
if [[ ! -x $CMED || ! -x $PHONE || ! -x $GEN ]]; then
    echo "==> cargo build --release --bins"
    cargo build --release --bins --quiet
fi

TICK=$(getconf CLK_TCK)
# shellcheck source=bench-common.sh
. scripts/bench-common.sh
bench_setup sccp

# now_ns: wall clock in nanoseconds.
now_ns() { date +%s%N; }
# cpu_ticks PID: utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks. The
# fields are counted after the command name, which is in parentheses and may hold spaces.
cpu_ticks() {
    local s
    s=$(<"/proc/$1/stat") || return 1
    s=${s##*) }
    awk '{ print $12 + $13 }' <<<"$s"
}
# mem PID: "VmRSS VmHWM" in kB.
mem() {
    awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' "/proc/$1/status"
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# tcp_counters: "ListenOverflows ListenDrops TCPSynRetrans" from /proc/net/netstat (whole
# machine: anything else connecting at the same time counts too).
tcp_counters() {
    awk '$1 == "TcpExt:" { if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1 }
            else for (i = 2; i <= NF; i++) v[k[i]] = $i }
        END { print v["ListenOverflows"] + 0, v["ListenDrops"] + 0, v["TCPSynRetrans"] + 0 }' /proc/net/netstat
}

# ---------------------------------------------------------------- setup
mkdir -p "$TMP/data"
CFG=$TMP/bench.cfg
"$GEN" --ephones "$EPHONES" --dns $((2 * EPHONES)) --users "$EPHONES" >"$CFG"
echo "config: $(wc -l <"$CFG") lines, $(wc -c <"$CFG") bytes"

# The daemon listens on the configured source address: make sure it is loopback.
BIND=()
src=$(sed -n -E 's/^ *ip source-address +([0-9.]+).*/\1/p' "$CFG" | head -n 1)
if [[ $src != 127.* ]]; then
    echo "config's ip source-address is '${src:-none}': passing --bind 127.0.0.1"
    BIND=(--bind 127.0.0.1)
fi

echo "==> starting cmed"
"$CMED" run --no-console --config "$CFG" --data "$TMP/data" "${BIND[@]}" \
    --tftp-port 0 --http-prov-port 0 --sccp-port 0 --sip-port 0 --http-port 0 \
    2>"$TMP/cmed.log" &
CMED_PID=$!
PIDS+=("$CMED_PID")
bench_wait_cmed "$CMED" "$TMP/data" "$CMED_PID" ||
    { cat "$TMP/cmed.log" >&2; die "cmed exited or did not come up in 30 s"; }
# The SCCP port it bound (--sccp-port 0): from its log line `SCCP listening addr=IP:PORT`.
SCCP=$(sed 's/\x1b\[[0-9;]*m//g' "$TMP/cmed.log" | sed -n -E 's/.*SCCP listening addr=([0-9.]+:[0-9]+).*/\1/p' | head -n 1)
[[ $SCCP == 127.*:* ]] || { cat "$TMP/cmed.log" >&2; die "no loopback SCCP address in cmed's log (got '$SCCP')"; }

echo "cmed (pid $CMED_PID) SCCP on $SCCP"
echo "machine: $(nproc) CPUs, $(uname -sr); cmed-phone and cmed share them"
echo "fd limit: $(ulimit -n); clock ticks: $TICK/s"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), COUNT=$COUNT HOLD=$HOLD DEADLINE=$DEADLINE WINDOW=$WINDOW SETTLE=$SETTLE"

read -r RSS_LOAD HWM_LOAD < <(mem "$CMED_PID")
echo "after load: VmRSS $(mb "$RSS_LOAD") MB, VmHWM $(mb "$HWM_LOAD") MB"

# ---------------------------------------------------------------- storm
echo "==> storm: $PHONE storm --server $SCCP --config CFG --count $COUNT --hold $HOLD --deadline $DEADLINE"
OUT=$TMP/phone.out
: >"$OUT"
read -r OVF0 LDROP0 SYNRT0 < <(tcp_counters)
CPU_T0=$(cpu_ticks "$CMED_PID")
WALL_T0=$(now_ns)
"$PHONE" storm --server "$SCCP" --config "$CFG" --count "$COUNT" --hold "$HOLD" \
    --deadline "$DEADLINE" >"$OUT" 2>"$TMP/phone.err" &
PHONE_PID=$!
PIDS+=("$PHONE_PID")

# Wait for the `storm:` line, polling every 20 ms, at most DEADLINE + 30 s.
STORM_LINE=""
limit=$((WALL_T0 + (DEADLINE + 30) * 1000000000))
for _ in $(seq $(((DEADLINE + 30) * 50))); do
    if STORM_LINE=$(grep -m 1 '^storm:' "$OUT"); then
        break
    fi
    STORM_LINE=""
    kill -0 "$PHONE_PID" 2>/dev/null || break
    (($(now_ns) < limit)) || break
    sleep 0.02
done
[[ -n $STORM_LINE ]] || STORM_LINE=$(grep -m 1 '^storm:' "$OUT" || true)
CPU_T1=$(cpu_ticks "$CMED_PID") || { cat "$TMP/cmed.log" >&2; echo "bench-sccp: cmed is gone" >&2; exit 1; }
WALL_T1=$(now_ns)
PHONE_TICKS=$(cpu_ticks "$PHONE_PID" 2>/dev/null || echo "")
read -r RSS_REG HWM_REG < <(mem "$CMED_PID")
read -r OVF1 LDROP1 SYNRT1 < <(tcp_counters)
if [[ -z $STORM_LINE ]]; then
    cat "$TMP/phone.err" >&2
    echo "bench-sccp: no storm: line from cmed-phone" >&2
    exit 1
fi
echo "$STORM_LINE"
if [[ -s $TMP/phone.err ]]; then
    echo "cmed-phone stderr:"
    sed 's/^/  /' "$TMP/phone.err" | head -n 20
fi
REGISTERED=$(sed -n -E 's/^storm: ([0-9]+) registered.*/\1/p' <<<"$STORM_LINE")
FAILED=$(sed -n -E 's/^storm: [0-9]+ registered, ([0-9]+) failed.*/\1/p' <<<"$STORM_LINE")
STORM_S=$(sed -n -E 's/.*all done in ([0-9.]+) s.*/\1/p' <<<"$STORM_LINE")
STORM_CPU_TICKS=$((CPU_T1 - CPU_T0))
echo "daemon CPU during the storm: $STORM_CPU_TICKS ticks over $(awk -v n=$((WALL_T1 - WALL_T0)) 'BEGIN { printf "%.3f", n / 1e9 }') s wall (from launch to the storm: line)"
echo "cmed-phone CPU until then: ${PHONE_TICKS:-?} ticks"
echo "TCP during the storm (whole machine): ListenOverflows +$((OVF1 - OVF0)), ListenDrops +$((LDROP1 - LDROP0)), TCPSynRetrans +$((SYNRT1 - SYNRT0))"
echo "SCCP listen backlog (ss Send-Q): $(ss -Hltn "sport = :${SCCP##*:}" 2>/dev/null | awk '{ print $3; exit }' || true)"
echo "after the storm: VmRSS $(mb "$RSS_REG") MB, VmHWM $(mb "$HWM_REG") MB"
DAEMON_REG=$("$CMED" cli --data "$TMP/data" -c "show ephone summary | include registered" 2>/dev/null |
    sed -n -E 's/^Total ephones registered *: *([0-9]+).*/\1/p' || true)
echo "daemon says registered: ${DAEMON_REG:-?}"

# ---------------------------------------------------------------- steady keepalives
echo "==> steady load: daemon CPU over $WINDOW s, from $SETTLE s after the storm"
sleep "$SETTLE"
CPU_S0=$(cpu_ticks "$CMED_PID") || { echo "bench-sccp: cmed is gone" >&2; exit 1; }
WALL_S0=$(now_ns)
sleep "$WINDOW"
CPU_S1=$(cpu_ticks "$CMED_PID") || { echo "bench-sccp: cmed is gone" >&2; exit 1; }
WALL_S1=$(now_ns)
read -r RSS_END HWM_END < <(mem "$CMED_PID")
STEADY_TICKS=$((CPU_S1 - CPU_S0))
STEADY_S=$(awk -v n=$((WALL_S1 - WALL_S0)) 'BEGIN { printf "%.3f", n / 1e9 }')
echo "daemon CPU: $STEADY_TICKS ticks over $STEADY_S s"
echo "end of the window: VmRSS $(mb "$RSS_END") MB, VmHWM $(mb "$HWM_END") MB"

# cmed-phone ends HOLD s after its storm: line; wait for it, at most HOLD + 60 s in all.
PHONE_RC=""
for _ in $(seq $(((HOLD + 60) * 10))); do
    kill -0 "$PHONE_PID" 2>/dev/null || break
    (($(now_ns) < WALL_T1 + (HOLD + 60) * 1000000000)) || break
    sleep 0.1
done
if kill -0 "$PHONE_PID" 2>/dev/null; then
    echo "bench-sccp: cmed-phone still running $((HOLD + 60)) s after the storm; stopping it" >&2
    kill "$PHONE_PID" 2>/dev/null || true
fi
PHONE_RC=0
wait "$PHONE_PID" || PHONE_RC=$?
HOLD_LINE=$(grep -m 1 '^hold:' "$OUT" || true)
echo "${HOLD_LINE:-no hold: line}; cmed-phone exit $PHONE_RC"
sleep 1
read -r RSS_GONE HWM_GONE < <(mem "$CMED_PID") || { echo "bench-sccp: cmed is gone" >&2; exit 1; }
echo "after the phones left: VmRSS $(mb "$RSS_GONE") MB, VmHWM $(mb "$HWM_GONE") MB"

# ---------------------------------------------------------------- table
CPU_MS_REG=$(awk -v t="$STORM_CPU_TICKS" -v hz="$TICK" -v n="${REGISTERED:-0}" \
    'BEGIN { if (n > 0) printf "%.3f", t / hz * 1000 / n; else print "-" }')
STORM_CPU_PCT=$(awk -v t="$STORM_CPU_TICKS" -v hz="$TICK" -v ns=$((WALL_T1 - WALL_T0)) \
    'BEGIN { printf "%.0f", t / hz / (ns / 1e9) * 100 }')
STEADY_PCT=$(awk -v t="$STEADY_TICKS" -v hz="$TICK" -v s="$STEADY_S" \
    'BEGIN { printf "%.2f", t / hz / s * 100 }')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "" && v != "-" && v + 0 < t + 0 ? "PASS" : "FAIL") }'; }

echo
echo "==> results ($COUNT phones, $(nproc) CPUs shared by cmed-phone and cmed)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
row() { printf '%-44s %18s %12s  %s\n' "$@"; }
row figure value target result
row "phones registered (cmed-phone / daemon)" "${REGISTERED:-?} / ${DAEMON_REG:-?}" "$COUNT" \
    "$([[ ${REGISTERED:-} == "$COUNT" && ${FAILED:-} == 0 ]] && echo PASS || echo FAIL)"
row "failed registrations" "${FAILED:-?}" "0" "$([[ ${FAILED:-} == 0 ]] && echo PASS || echo FAIL)"
row "storm: all registered in" "$STORM_S s" "< 5 s" "$(verdict "$STORM_S" 5)"
row "VmRSS after load (no phones)" "$(mb "$RSS_LOAD") MB" "-" "(info)"
row "VmRSS right after the storm" "$(mb "$RSS_REG") MB" "< 150 MB" "$(verdict "$(mb "$RSS_REG")" 150)"
row "VmRSS end of window (phones registered)" "$(mb "$RSS_END") MB" "< 150 MB" "$(verdict "$(mb "$RSS_END")" 150)"
row "VmHWM end of window" "$(mb "$HWM_END") MB" "-" "(info)"
row "VmRSS after the phones left" "$(mb "$RSS_GONE") MB" "-" "(info)"
row "daemon CPU per registration" "$CPU_MS_REG ms" "-" "(info)"
row "daemon CPU during the storm, % of a core" "$STORM_CPU_PCT %" "-" "(info)"
row "cmed-phone CPU during the storm" "$(awk -v t="${PHONE_TICKS:-}" -v hz="$TICK" 'BEGIN { if (t != "") printf "%.2f s", t / hz; else print "-" }')" "-" "(info)"
row "ListenOverflows / SYN retransmits (storm)" "$((OVF1 - OVF0)) / $((SYNRT1 - SYNRT0))" "-" "(info)"
row "steady keepalives, daemon CPU % of a core" "$STEADY_PCT %" "< 5 %" "$(verdict "$STEADY_PCT" 5)"
row "keepalives (cmed-phone hold: line)" "$(sed -n -E 's/^hold: [0-9]+ s, ([0-9]+) keepalives answered, ([0-9]+) phones lost.*/\1 ans, \2 lost/p' <<<"$HOLD_LINE")" "-" "(info)"
exit 0
