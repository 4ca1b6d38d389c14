#!/usr/bin/env bash
# TFTP provisioning benchmark (issue 4): cmed's TFTP server side by side with tftpd-hpa.
#
# Run from anywhere as `scripts/bench-tftp.sh` (it changes to the repository root). Needs
# in.tftpd (tftpd-hpa), curl (with tftp), atftp and tftp (tftp-hpa), and root: tftpd-hpa runs
# chrooted (-s) as user nobody. Everything listens on and talks to 127.0.0.1 only.
#
# What it does:
# - builds the release binaries (a no-op when they are up to date), writes a 600-ephone
#   startup-config with cmed-gen-config and a 16 MiB random file, and starts cmed (on that
#   config, with --tftp-root) and tftpd-hpa on two unprivileged loopback ports;
# - for each client configuration, downloads big.bin REPS times from each server,
#   alternating the servers, checks every download with cmp, and reports the median MiB/s
#   of each server and the ratio cmed / tftpd-hpa against the issue's target;
# - runs the phone-boot storm (target/release/cmed-tftp-storm, STORM_COUNT phones at once)
#   STORM_RUNS times against cmed, and once against tftpd-hpa serving copies of the same
#   generated files, for information;
# - prints a table. Exit status 0 whatever the figures (a benchmark, not a test), 1 when a
#   download was not byte-identical (or failed), 2 when the setup failed.
#
# Environment: REPS (default 5), STORM_COUNT (500), STORM_RUNS (3), STORM_TIMEOUT (30 s), and
# PIN, where the processes run (taskset):
#   PIN=none  (default) wherever the scheduler puts them;
#   PIN=same  servers and clients all on CPU 0;
#   PIN=split servers on CPU 1, clients (and the storm) on CPU 0.
# Lock-step TFTP is one round trip per block, so the figures depend on whether client and
# server wake each other on the same CPU or across CPUs (on a VM the latter costs far more);
# unpinned runs switch between the two at random. Client and servers share the machine's
# CPUs, and anything else running on it shows in the figures: run it on an idle machine.
set -euo pipefail

cd "$(dirname "$0")/.."

REPS=${REPS:-5}
STORM_COUNT=${STORM_COUNT:-500}
STORM_RUNS=${STORM_RUNS:-3}
STORM_TIMEOUT=${STORM_TIMEOUT:-30}
SIZE=16777216 # 16 MiB
EPHONES=600
CLIENT_TIMEOUT=120
PIN=${PIN:-none}

die() {
    echo "bench-tftp: $*" >&2
    exit 2
}

for n in REPS STORM_COUNT STORM_RUNS STORM_TIMEOUT; do
    [[ ${!n} =~ ^[1-9][0-9]{0,3}$ ]] || die "$n must be a number from 1 to 9999"
done
case $PIN in
none) SRV_PIN=() CLI_PIN=() ;;
same) SRV_PIN=(taskset -c 0) CLI_PIN=(taskset -c 0) ;;
split)
    (($(nproc) >= 2)) || die "PIN=split needs two CPUs"
    SRV_PIN=(taskset -c 1) CLI_PIN=(taskset -c 0)
    ;;
*) die "PIN must be none, same or split" ;;
esac
# tftpd-hpa serves relative names (big.bin) only chrooted (-s), which needs root.
[[ $(id -u) -eq 0 ]] || die "run as root: tftpd-hpa chroots into its root (-s), then runs as nobody"
for cmd in in.tftpd curl atftp tftp cmp timeout ss taskset; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing command: $cmd"
done

echo "==> cargo build --release"
cargo build --release --quiet
CMED=target/release/cmed
STORM=target/release/cmed-tftp-storm
GEN=target/release/cmed-gen-config

# shellcheck source=bench-common.sh
. scripts/bench-common.sh
bench_setup tftp

# ---------------------------------------------------------------- setup
HPA_ROOT=$TMP/hpa-root
CMED_ROOT=$TMP/cmed-root
mkdir -p "$HPA_ROOT" "$CMED_ROOT" "$TMP/data"
chmod 755 "$HPA_ROOT" "$CMED_ROOT"
head -c "$SIZE" /dev/urandom >"$TMP/big.bin"
chmod 644 "$TMP/big.bin"
cp "$TMP/big.bin" "$HPA_ROOT/big.bin"
cp "$TMP/big.bin" "$CMED_ROOT/big.bin"
"$GEN" --ephones "$EPHONES" --dns $((2 * EPHONES)) --users "$EPHONES" >"$TMP/bench.cfg"

echo "==> starting cmed"
"${SRV_PIN[@]}" "$CMED" run --no-console --config "$TMP/bench.cfg" --data "$TMP/data" \
    --tftp-port 0 --http-prov-port 0 --sccp-port 0 --sip-port 0 --http-port 0 \
    --tftp-root "$CMED_ROOT" 2>"$TMP/cmed.log" &
CMED_PID=$!
PIDS+=("$CMED_PID")
stats=""
for _ in $(seq 100); do
    if stats=$("$CMED" cli --data "$TMP/data" -c "show tftp statistics" 2>/dev/null); then
        break
    fi
    kill -0 "$CMED_PID" 2>/dev/null || { cat "$TMP/cmed.log" >&2; die "cmed exited"; }
    sleep 0.1
done
CMED_PORT=$(sed -n 's/^TFTP server: 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$stats")
[[ -n $CMED_PORT ]] || { cat "$TMP/cmed.log" >&2; die "cmed did not come up"; }

echo "==> starting tftpd-hpa"
HPA_FLAGS=(-L -s -u nobody)
HPA_PID=""
for _ in $(seq 20); do
    port=$((20000 + RANDOM % 20000))
    [[ -z $(ss -Hlun "sport = :$port") ]] || continue
    "${SRV_PIN[@]}" in.tftpd "${HPA_FLAGS[@]}" -a "127.0.0.1:$port" "$HPA_ROOT" 2>"$TMP/tftpd.log" &
    pid=$!
    sleep 0.3
    if kill -0 "$pid" 2>/dev/null; then
        HPA_PID=$pid
        HPA_PORT=$port
        PIDS+=("$pid")
        break
    fi
    wait "$pid" 2>/dev/null || true
done
[[ -n $HPA_PID ]] || { cat "$TMP/tftpd.log" >&2; die "tftpd-hpa did not start"; }

echo "cmed (pid $CMED_PID) on 127.0.0.1:$CMED_PORT, tftpd-hpa (pid $HPA_PID) on 127.0.0.1:$HPA_PORT"
echo "machine: $(nproc) CPUs, $(uname -sr); clients and servers share them; PIN=$PIN"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), REPS=$REPS, file $SIZE bytes"

# ---------------------------------------------------------------- throughput
CONFIGS=(curl-512 curl-1428 curl-8192 atftp-1428-w8 tftp-hpa)
declare -A LABEL=(
    [curl-512]="curl blksize 512"
    [curl-1428]="curl blksize 1428"
    [curl-8192]="curl blksize 8192"
    [atftp-1428-w8]="atftp blksize 1428 windowsize 8"
    [tftp-hpa]="tftp-hpa client (512, lock-step)"
)
declare -A TARGET=([curl-512]=1.0 [curl-1428]=1.0 [curl-8192]=1.0 [atftp-1428-w8]=3.0)

# fetch CONFIG PORT OUT: one download with that client; the client's exit status.
fetch() {
    local cfg=$1 port=$2 out=$3
    case $cfg in
    curl-*)
        "${CLI_PIN[@]}" timeout "$CLIENT_TIMEOUT" curl -s --tftp-blksize "${cfg#curl-}" \
            "tftp://127.0.0.1:$port/big.bin" -o "$out"
        ;;
    atftp-1428-w8)
        "${CLI_PIN[@]}" timeout "$CLIENT_TIMEOUT" atftp -g -r big.bin -l "$out" \
            --option "blksize 1428" --option "windowsize 8" 127.0.0.1 "$port" >/dev/null 2>&1
        ;;
    tftp-hpa)
        "${CLI_PIN[@]}" timeout "$CLIENT_TIMEOUT" tftp 127.0.0.1 "$port" -m octet -c get big.bin "$out"
        ;;
    esac
}

# median of the words of $1 (failed runs, "x", are left out); "-" when none.
median() {
    awk '{ for (i = 1; i <= NF; i++) if ($i != "x") v[++n] = $i }
        END {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
            if (n == 0) print "-"; else if (n % 2) printf "%.1f\n", v[(n + 1) / 2];
            else printf "%.1f\n", (v[n / 2] + v[n / 2 + 1]) / 2 }' <<<"$1"
}

# CPU ticks (user + nice + system) of the whole machine, and of a process with its reaped
# children. Their difference over a configuration is the CPU that something other than this
# benchmark used meanwhile: it should be near 0, or the figures are disturbed.
HZ=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4; exit }' /proc/stat; }
proc_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }'; }
ours_ticks() { echo $(($(proc_ticks "$CMED_PID") + $(proc_ticks "$HPA_PID") + $(proc_ticks $$))); }

BAD=0
declare -A RUNS MED OTHER
OUT=$TMP/out.bin
for cfg in "${CONFIGS[@]}"; do
    echo "==> ${LABEL[$cfg]}"
    for server in hpa cmed; do RUNS[$cfg.$server]=""; done
    m0=$(machine_ticks) o0=$(ours_ticks) w0=$(date +%s%N)
    for ((rep = 1; rep <= REPS; rep++)); do
        order=(hpa cmed)
        ((rep % 2)) || order=(cmed hpa)
        for server in "${order[@]}"; do
            if [[ $server == hpa ]]; then port=$HPA_PORT; else port=$CMED_PORT; fi
            rm -f "$OUT"
            t0=$(date +%s%N)
            rc=0
            fetch "$cfg" "$port" "$OUT" || rc=$?
            t1=$(date +%s%N)
            if [[ $rc -eq 0 ]] && cmp -s "$OUT" "$TMP/big.bin"; then
                rate=$(awk -v b="$SIZE" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", b / 1048576 / (ns / 1e9) }')
            else
                echo "    $server run $rep: FAILED (client exit $rc, or the file differs)" >&2
                rate=x
                BAD=1
            fi
            RUNS[$cfg.$server]+="$rate "
        done
    done
    m1=$(machine_ticks) o1=$(ours_ticks) w1=$(date +%s%N)
    OTHER[$cfg]=$(awk -v t=$((m1 - m0 - o1 + o0)) -v hz="$HZ" 'BEGIN { printf "%.1f", (t < 0 ? 0 : t) / hz }')
    for server in hpa cmed; do
        MED[$cfg.$server]=$(median "${RUNS[$cfg.$server]}")
    done
    echo "    CPU used by other processes meanwhile: ${OTHER[$cfg]} s in $(awk -v ns=$((w1 - w0)) 'BEGIN { printf "%.1f", ns / 1e9 }') s"
    echo "    tftpd-hpa MiB/s: ${RUNS[$cfg.hpa]}(median ${MED[$cfg.hpa]})"
    echo "    cmed      MiB/s: ${RUNS[$cfg.cmed]}(median ${MED[$cfg.cmed]})"
done
rm -f "$OUT"

# ---------------------------------------------------------------- boot storm
# Drops on a listening socket: the last column of its /proc/net/udp line (local port in hex).
udp_drops() {
    awk -v p="$(printf ':%04X' "$1")" '$2 ~ p"$" { print $NF; exit }' /proc/net/udp 2>/dev/null || true
}

echo "==> boot storm: $STORM_COUNT phones at once against cmed, $STORM_RUNS runs"
STORM_SUMMARY=()
for ((run = 1; run <= STORM_RUNS; run++)); do
    before=$(udp_drops "$CMED_PORT")
    rc=0
    "${CLI_PIN[@]}" timeout $((STORM_TIMEOUT + 30)) "$STORM" --server "127.0.0.1:$CMED_PORT" --count "$STORM_COUNT" \
        --macs-from-config "$TMP/bench.cfg" --timeout-secs "$STORM_TIMEOUT" | tee "$TMP/storm.txt" || rc=$?
    after=$(udp_drops "$CMED_PORT")
    echo "    exit $rc; datagrams dropped on cmed's request socket: $((${after:-0} - ${before:-0}))"
    STORM_SUMMARY+=("cmed run $run: $(grep -E '^(completed|wall|per phone)' "$TMP/storm.txt" | tr '\n' ' ' || true)")
done

# tftpd-hpa has no generated files: give it copies of the ones cmed generates for these MACs.
echo "==> boot storm against tftpd-hpa (static copies of cmed's files), for information"
macs=$(sed -n -E 's/^ *(mac-address|id mac) +([0-9A-Fa-f.]+).*/\2/p' "$TMP/bench.cfg" |
    tr -d . | tr a-f A-F | awk -v n="$STORM_COUNT" 'NR <= n')
copied=0
for mac in $macs; do
    timeout 10 curl -s "tftp://127.0.0.1:$CMED_PORT/SEP$mac.cnf.xml" -o "$HPA_ROOT/SEP$mac.cnf.xml" &&
        chmod 644 "$HPA_ROOT/SEP$mac.cnf.xml" && copied=$((copied + 1))
done
echo "    $copied files copied"
before=$(udp_drops "$HPA_PORT")
rc=0
"${CLI_PIN[@]}" timeout $((STORM_TIMEOUT + 30)) "$STORM" --server "127.0.0.1:$HPA_PORT" --count "$STORM_COUNT" \
    --macs-from-config "$TMP/bench.cfg" --timeout-secs "$STORM_TIMEOUT" | tee "$TMP/storm.txt" || rc=$?
after=$(udp_drops "$HPA_PORT")
echo "    exit $rc; datagrams dropped on tftpd-hpa's request socket: $((${after:-0} - ${before:-0}))"
STORM_SUMMARY+=("tftpd-hpa: $(grep -E '^(completed|wall|per phone)' "$TMP/storm.txt" | tr '\n' ' ' || true)")

# ---------------------------------------------------------------- table
echo
echo "==> results (median of $REPS runs, MiB/s of a 16 MiB file, PIN=$PIN)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %10s %7s %7s  %-6s %s\n' config tftpd-hpa cmed ratio target result "other CPU-s"
for cfg in "${CONFIGS[@]}"; do
    h=${MED[$cfg.hpa]} c=${MED[$cfg.cmed]}
    ratio=$(awk -v h="$h" -v c="$c" 'BEGIN { if (h + 0 > 0 && c + 0 > 0) printf "%.2f", c / h; else print "-" }')
    target=${TARGET[$cfg]:-}
    if [[ -z $target ]]; then
        result="(info)"
        target="-"
    elif [[ $ratio == - ]]; then
        result=FAIL
    else
        result=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t ? "PASS" : "FAIL") }')
        target=">= $target"
    fi
    printf '%-34s %10s %10s %7s %7s  %-6s %s\n' "${LABEL[$cfg]}" "$h" "$c" "$ratio" "$target" "$result" "${OTHER[$cfg]}"
done
echo
echo "boot storm ($STORM_COUNT phones: CTLSEP<MAC>.tlv then SEP<MAC>.cnf.xml, lock-step):"
for line in "${STORM_SUMMARY[@]}"; do
    echo "  $line"
done

if ((BAD)); then
    echo "bench-tftp: some downloads failed or were not byte-identical" >&2
    exit 1
fi
exit 0
