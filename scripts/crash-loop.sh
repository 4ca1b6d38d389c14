#!/usr/bin/env bash
# Crash loop (hardening issue, item 6): cmed killed with SIGKILL in the middle of a load,
# ROUNDS times, restarted each time on the same data directory, and checked.
#
# Run from anywhere as `scripts/crash-loop.sh [ROUNDS]` (default 50; it changes to the
# repository root). Needs the release binaries (`cargo build --release --bins`, built here
# when missing; CARGO_TARGET_DIR is honoured), python3 and GNU date. Everything listens on
# and talks to 127.0.0.1 only; the data directory, logs and startup-config live in a
# temporary directory, removed at the end (KEEP=1 keeps it).
#
# Each round:
#   1. starts the daemon on the data directory of all rounds and waits until `cmed cli`
#      answers (at most 30 s); its log must say "store opened" (a start that fails, or
#      whose store does not open, ends the loop: exit 1);
#   2. from round 1 on, checks what the previous round's load had acknowledged before the
#      kill against what the restarted daemon shows (`cmed-crash-load check`):
#      - every EM login answered "Login Successful" must be in `show extension-mobility`
#        (committed before they are answered: lost must be 0);
#      - every SIP registration (or unregistration) answered 200 more than MARGIN_MS before
#        the kill must be in `show voice register pool N`, every message-waiting NOTIFY
#        answered 200 that long before it in `show mwi` (both are written behind, at most a
#        second late); those of the last MARGIN_MS may be missing and are counted apart;
#   3. runs `cmed-crash-load load` (an EM login storm over the phone service pages, on every
#      EM phone with a different user each; SIP REGISTERs with digest of a window of pools;
#      message-summary NOTIFYs from 127.0.0.1 for a window of numbers, all at once) and
#      after a random KILL_MIN_MS..KILL_MAX_MS kills the daemon with SIGKILL, then stops
#      the load.
# After the last round the daemon is started once more, the last round is checked, and it
# is stopped with SIGTERM (it must exit 0). The acknowledgements are appended by the load
# as each answer arrives, with the time it arrived; the kill time is taken just before the
# signal, so "more than MARGIN_MS before the kill" errs in the daemon's favour by the few
# milliseconds between the two.
#
# Prints a line a round and a summary table. Exit status: 0 when nothing acknowledged was
# lost and the store opened every time; 1 when an acknowledged login was lost, a binding or
# message-waiting state acknowledged more than MARGIN_MS before a kill was lost, the daemon
# died before it was killed, or a start failed; 2 for a bad command line or setup.
#
# The SIP and MWI windows come round again every POOLS/POOLS_PER_ROUND and
# MWI_NUMBERS/MWI_PER_ROUND rounds (10 by default); odd passes unregister (Expires: 0) and
# clear (Messages-Waiting: no) what even passes set, so every round changes the store and
# the removals are checked too.
#
# Environment: EPHONES (10000; a quarter are EM phones, the logins of a round), USERS
# (10000, at least EPHONES/4), POOLS (2000), EM_RATE (1000 logins/s, open loop),
# EM_CONNS (32), POOLS_PER_ROUND (200), REG_RATE (80 REGISTER/s), MWI_NUMBERS (500),
# MWI_PER_ROUND (50), MWI_RATE (20 NOTIFY/s), KILL_MIN_MS (200), KILL_MAX_MS (2000),
# MARGIN_MS (1000), SEED (bash RANDOM seed for the kill moments; random by default,
# printed), KEEP (1: keep the temporary directory). The client, the daemon and anything
# else running share the machine's CPUs: how many requests a round gets answered depends
# on it, what is checked does not.
set -euo pipefail

cd "$(dirname "$0")/.."

die() {
    echo "crash-loop: $*" >&2
    exit 2
}

ROUNDS=${1:-50}
[[ $ROUNDS =~ ^[1-9][0-9]{0,3}$ ]] || die "ROUNDS must be a number from 1 to 9999"
EPHONES=${EPHONES:-10000}
USERS=${USERS:-10000}
POOLS=${POOLS:-2000}
EM_RATE=${EM_RATE:-1000}
EM_CONNS=${EM_CONNS:-32}
POOLS_PER_ROUND=${POOLS_PER_ROUND:-200}
REG_RATE=${REG_RATE:-80}
MWI_NUMBERS=${MWI_NUMBERS:-500}
MWI_PER_ROUND=${MWI_PER_ROUND:-50}
MWI_RATE=${MWI_RATE:-20}
KILL_MIN_MS=${KILL_MIN_MS:-200}
KILL_MAX_MS=${KILL_MAX_MS:-2000}
MARGIN_MS=${MARGIN_MS:-1000}
for v in EPHONES USERS POOLS EM_RATE EM_CONNS POOLS_PER_ROUND REG_RATE MWI_NUMBERS MWI_PER_ROUND \
    MWI_RATE KILL_MIN_MS KILL_MAX_MS MARGIN_MS; do
    [[ ${!v} =~ ^[0-9]{1,6}$ ]] || die "$v must be a whole number"
done
((POOLS >= 1 && POOLS <= 10000)) || die "POOLS must be from 1 to 10000"
((EPHONES >= 4 && EPHONES <= 10000)) || die "EPHONES must be from 4 to 10000"
((KILL_MIN_MS <= KILL_MAX_MS && KILL_MAX_MS <= 30000)) || die "need KILL_MIN_MS <= KILL_MAX_MS <= 30000"
((USERS >= EPHONES / 4)) || die "USERS must be at least EPHONES/4 (one user per EM phone a round)"
# Two DNs for each ephone that is not an EM phone, as cmed-gen-config wants.
DNS=$((2 * (EPHONES - EPHONES / 4)))
# A window never takes the same pool or number twice in one round (it would set and clear it).
((POOLS_PER_ROUND <= POOLS)) || die "POOLS_PER_ROUND must be at most POOLS"
((MWI_NUMBERS <= DNS)) || die "MWI_NUMBERS must be at most $DNS (the ephone-dns)"
((MWI_PER_ROUND <= MWI_NUMBERS)) || die "MWI_PER_ROUND must be at most MWI_NUMBERS"
SEED=${SEED:-$((($(date +%s) ^ $$) & 32767))}
RANDOM=$SEED

for cmd in python3 date timeout awk grep; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing command: $cmd"
done
BIN=${CARGO_TARGET_DIR:-target}/release
CMED=$BIN/cmed
LOAD=$BIN/cmed-crash-load
[[ -x $CMED && -x $LOAD && -x $BIN/cmed-gen-config ]] || cargo build --release --bins

# shellcheck source=bench-common.sh
. scripts/bench-common.sh
bench_setup crash
tmp=$TMP
data=$tmp/data

free_port() {
    python3 - <<'EOF'
import socket
for _ in range(100):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        u.close()
        t.close()
    print(port)
    break
EOF
}
ms() { date +%s%3N; }
# forget PID: drops a process that has ended from PIDS (the exit trap signals only ours).
forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do
        [[ $p == "$1" ]] || keep+=("$p")
    done
    PIDS=("${keep[@]}")
}

"$BIN/cmed-gen-config" --ephones "$EPHONES" --dns "$DNS" --users "$USERS" --pools "$POOLS" > "$tmp/crash.cfg" ||
    die "cmed-gen-config refused the sizes"
# As in bench-em.sh: the EM storm runs more than the default 5 requests at once.
sed -i 's/^telephony-service$/telephony-service\n em max-concurrent-requests 1000/' "$tmp/crash.cfg"
http=$(free_port)
sip=$(free_port)
sccp=$(free_port)

echo "crash-loop: $ROUNDS rounds, seed $SEED; $EPHONES ephones ($((EPHONES / 4)) EM, $EM_RATE logins/s), \
$POOLS pools ($POOLS_PER_ROUND a round, $REG_RATE/s), $MWI_NUMBERS numbers ($MWI_PER_ROUND NOTIFYs a round, $MWI_RATE/s), \
kill after ${KILL_MIN_MS}-${KILL_MAX_MS} ms, margin $MARGIN_MS ms; in $tmp"

pid=
starts=0
checked=0
opened=0
failed=0
fault() {
    echo "crash-loop: $*" >&2
    failed=1
}

# start_daemon N: starts cmed (log cmed.N.log), sets pid and ready (ms until cli answers).
start_daemon() {
    local log=$tmp/cmed.$1.log t0
    t0=$(ms)
    NO_COLOR=1 "$CMED" run --no-console --config "$tmp/crash.cfg" --data "$data" \
        --tftp-port 0 --http-prov-port 0 --sccp-port "$sccp" --sip-port "$sip" \
        --http-port "$http" 2> "$log" &
    pid=$!
    PIDS+=("$pid")
    starts=$((starts + 1))
    if ! bench_wait_cmed "$CMED" "$data" "$pid"; then
        fault "start $1: cmed did not answer within 30 s; its log ends:"
        tail -5 "$log" >&2
        return 1
    fi
    ready=$(($(ms) - t0))
    if ! grep -q "store opened" "$log"; then
        fault "start $1: no \"store opened\" in $log"
        return 1
    fi
    opened=$((opened + 1))
}

cli() { timeout 60 "$CMED" cli --data "$data" "$@"; }

# check N: checks round N's acknowledgements against the running daemon; sets verdict.
check() {
    local acked=$tmp/acked.$1
    touch "$acked"
    cli -c "show extension-mobility" > "$tmp/em.$1" || true
    awk '$2 == "reg" { print "show voice register pool " $3 }' "$acked" | cli > "$tmp/pools.$1" || true
    cli -c "show mwi" > "$tmp/mwi.$1" || true
    if ! verdict=$("$LOAD" check --acked "$acked" --kill-ms "$(cat "$tmp/kill.$1")" \
        --margin-ms "$MARGIN_MS" --em "$tmp/em.$1" --pools "$tmp/pools.$1" --mwi "$tmp/mwi.$1" \
        2> "$tmp/check.$1.err"); then
        fault "round $1: lost what was acknowledged:"
        cat "$tmp/check.$1.err" >&2
    fi
    [[ -n $verdict ]] || { fault "round $1: no verdict"; cat "$tmp/check.$1.err" >&2; verdict=""; }
}

# The figures of a verdict, by name.
field() { tr ' ' '\n' <<< "$verdict" | awk -F= -v k="$1" '$1 == k { print $2 }'; }

declare -A total=()
keys=(em_acked em_lost reg_acked reg_checked reg_lost reg_recent_missing mwi_acked mwi_checked mwi_lost mwi_recent_missing)
max_ready=0
sum_ready=0
printf '%5s %6s %6s | %6s %4s | %5s %5s %4s %6s | %5s %5s %4s %6s\n' \
    round kill ready em_ack lost reg_ok old lost recent mwi_ok old lost recent
t_begin=$(ms)
for ((r = 0; r <= ROUNDS; r++)); do
    start_daemon "$r" || break
    sum_ready=$((sum_ready + ready))
    if ((ready > max_ready)); then max_ready=$ready; fi
    if ((r > 0)); then
        p=$((r - 1))
        check "$p"
        checked=$((checked + 1))
        for k in "${keys[@]}"; do
            v=$(field "$k")
            total[$k]=$((${total[$k]:-0} + ${v:-0}))
        done
        for k in reg_oldest_missing_ms mwi_oldest_missing_ms; do
            v=$(field "$k")
            if ((${v:-0} > ${total[$k]:-0})); then total[$k]=$v; fi
        done
        printf '%5s %6s %6s | %6s %4s | %5s %5s %4s %6s | %5s %5s %4s %6s\n' "$p" "$(cat "$tmp/delay.$p")" \
            "$ready" "$(field em_acked)" "$(field em_lost)" "$(field reg_acked)" "$(field reg_checked)" \
            "$(field reg_lost)" "$(field reg_recent_missing)" "$(field mwi_acked)" "$(field mwi_checked)" \
            "$(field mwi_lost)" "$(field mwi_recent_missing)"
    fi
    if ((r == ROUNDS)); then
        # The last start: a clean stop must work on the store the kills left.
        kill -TERM "$pid"
        if wait "$pid"; then :; else fault "SIGTERM: cmed exited with $?"; fi
        forget "$pid"
        break
    fi
    # The load, bounded by its deadline and by timeout.
    timeout 60 "$LOAD" load --http "127.0.0.1:$http" --sip "127.0.0.1:$sip" --config "$tmp/crash.cfg" \
        --round "$r" --acked "$tmp/acked.$r" --em-rate "$EM_RATE" --em-connections "$EM_CONNS" \
        --pools-per-round "$POOLS_PER_ROUND" --reg-rate "$REG_RATE" \
        --mwi-per-round "$MWI_PER_ROUND" --mwi-rate "$MWI_RATE" --mwi-numbers "$MWI_NUMBERS" --deadline 30 \
        --started "$tmp/started.$r" 2> "$tmp/load.$r.err" &
    lpid=$!
    PIDS+=("$lpid")
    # The kill is timed from the moment the load begins (the config read, the sockets open).
    for ((i = 0; i < 1000; i++)); do
        [[ -s $tmp/started.$r ]] && break
        kill -0 "$lpid" 2>/dev/null || break
        sleep 0.01
    done
    [[ -s $tmp/started.$r ]] || fault "round $r: the load did not start"
    delay=$((KILL_MIN_MS + (RANDOM * 32768 + RANDOM) % (KILL_MAX_MS - KILL_MIN_MS + 1)))
    echo "$delay" > "$tmp/delay.$r"
    sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill -0 "$pid" 2>/dev/null || fault "round $r: cmed died before it was killed (see cmed.$r.log)"
    ms > "$tmp/kill.$r"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget "$pid"
    kill -TERM "$lpid" 2>/dev/null || true
    wait "$lpid" 2>/dev/null || true
    forget "$lpid"
    # Refusals before the kill are worth a look (the summary line starts with "load:").
    if grep -qv "^load:" "$tmp/load.$r.err"; then
        echo "crash-loop: round $r: the load said:" >&2
        { grep -v "^load:" "$tmp/load.$r.err" || true; } | head -3 >&2
    fi
done
t_end=$(ms)

echo
echo "crash-loop summary ($ROUNDS rounds, seed $SEED, $(((t_end - t_begin) / 1000)) s)"
printf '| %-52s | %s |\n' "what" "result"
printf '|%s|%s|\n' "------------------------------------------------------" "--------"
row() { printf '| %-52s | %s |\n' "$1" "$2"; }
row "rounds killed and checked" "$checked / $ROUNDS"
row "store opened (starts)" "$opened / $starts"
row "restart until cmed cli answers, mean / max (ms)" "$((starts > 0 ? sum_ready / starts : 0)) / $max_ready"
row "EM logins acknowledged before the kill" "${total[em_acked]:-0}"
row "EM logins lost" "${total[em_lost]:-0}"
row "SIP (un)registrations acknowledged" "${total[reg_acked]:-0}"
row "  acknowledged > ${MARGIN_MS} ms before the kill: checked" "${total[reg_checked]:-0}"
row "  of those lost" "${total[reg_lost]:-0}"
row "  of the last ${MARGIN_MS} ms, missing (allowed)" "${total[reg_recent_missing]:-0}"
row "  oldest missing, acknowledged ms before the kill" "${total[reg_oldest_missing_ms]:-0}"
row "MWI NOTIFYs acknowledged" "${total[mwi_acked]:-0}"
row "  acknowledged > ${MARGIN_MS} ms before the kill: checked" "${total[mwi_checked]:-0}"
row "  of those lost" "${total[mwi_lost]:-0}"
row "  of the last ${MARGIN_MS} ms, missing (allowed)" "${total[mwi_recent_missing]:-0}"
row "  oldest missing, acknowledged ms before the kill" "${total[mwi_oldest_missing_ms]:-0}"
row "daemon log lines at WARN or ERROR (all starts)" "$(cat "$tmp"/cmed.*.log | grep -cE ' (WARN|ERROR) ' || true)"

if ((checked < ROUNDS)); then
    failed=1
fi
if ((${total[em_lost]:-0} + ${total[reg_lost]:-0} + ${total[mwi_lost]:-0} > 0)); then
    failed=1
fi
if ((failed)); then
    echo "crash-loop: FAILED" >&2
    exit 1
fi
echo "crash-loop: OK"
