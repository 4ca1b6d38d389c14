# Sourced by the bench-*.sh scripts: a temporary directory and the processes the script
# starts (append their pids to PIDS), all removed or stopped on exit or interrupt (KEEP=1
# keeps the directory, to read the logs); the wait for cmed to answer; and the reading of
# sipp's statistics.
# Usage: bench_setup NAME   (sets TMP and PIDS)
bench_setup() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/cmed-bench-$1.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [[ -n ${KEEP:-} ]] || rm -rf "$TMP"
}

# Waits up to 30 s for the cmed started as PID with data directory DATA to answer on its
# control socket. Usage: bench_wait_cmed CMED DATA PID; returns 1 if it exited or never
# answered.
bench_wait_cmed() {
    local i
    for i in $(seq 300); do
        "$1" cli --data "$2" -c "show ephone summary | include configured" >/dev/null 2>&1 && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# sipp_final FILE: "ok failed rate retrans rtd" from the last line of a sipp -trace_stat CSV,
# columns found by name (sipp 3.6: `;`-separated, cumulative columns end in `(C)`). The rate
# is successful calls per second of the run (StartTime to CurrentTime, whose third
# tab-separated part is epoch seconds), not sipp's CallRate (calls started, failed ones
# too); rtd is the mean of ResponseTime1(C) in ms (`HH:MM:SS:uuuuuu`), `-` when the scenario
# measures none. "- - - - -" when the file has no result.
sipp_final() {
    awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { last = $0 }
        END {
            if (!("SuccessfulCall(C)" in col) || last == "") { print "- - - - -"; exit }
            split(last, v, ";")
            split(v[col["StartTime"]], t0, "\t"); split(v[col["CurrentTime"]], t1, "\t")
            secs = t1[3] - t0[3]
            ok = v[col["SuccessfulCall(C)"]]
            rtd = "-"
            if ("ResponseTime1(C)" in col) {
                split(v[col["ResponseTime1(C)"]], r, ":")
                rtd = sprintf("%.1f", r[1] * 3600000 + r[2] * 60000 + r[3] * 1000 + r[4] / 1000)
            }
            rate = secs > 0 ? ok / secs : 0
            printf "%s %s %.0f %s %s\n", ok, v[col["FailedCall(C)"]], rate, v[col["Retransmissions(C)"]], rtd
        }' "$1" 2>/dev/null || echo "- - - - -"
}

# bench_need PACKAGE:COMMAND...: installs (apt-get, as root) the packages whose command is
# missing; returns 1, saying which, when some are missing and we are not root.
bench_need() {
    local entry missing=()
    for entry in "$@"; do
        command -v "${entry#*:}" >/dev/null 2>&1 || missing+=("${entry%%:*}")
    done
    ((${#missing[@]} == 0)) && return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing: ${missing[*]}; install them (apt-get install ${missing[*]}) or run this script as root" >&2
        return 1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# bench_udp_port: a free UDP port on 127.0.0.1.
bench_udp_port() {
    python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_sip_port: a port free on 127.0.0.1 for both UDP and TCP (cmed's SIP listens on both).
bench_sip_port() {
    python3 -c '
import socket
for _ in range(100):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break'
}

# bench_cpu_ticks PID: utime+stime of PID and its children processes (Kamailio's workers),
# in clock ticks.
bench_cpu_ticks() {
    local p total=0
    for p in "$1" $(cat "/proc/$1/task/"*/children 2>/dev/null); do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

# bench_stop PID: stops a process the script started and drops it from PIDS.
bench_stop() {
    local keep=() p
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# bench_kamailio_relay PORT TARGET_PORT CHILDREN: the anchor for SIP calls (sip-stack-and-call-
# tests.md §B.5): Kamailio on 127.0.0.1:PORT with CHILDREN UDP workers, relaying every request
# statefully (`t_relay`) to 127.0.0.1:TARGET_PORT. Writes $TMP/kamailio-relay.cfg, checks it,
# starts Kamailio in the foreground (-DD, log in $TMP/kamailio.log), appends its pid to PIDS,
# sets KAM to it and waits up to 5 s for its workers. Returns 1 (saying why) when there are no
# Kamailio modules or Kamailio refuses the configuration.
bench_kamailio_relay() {
    local port=$1 target=$2 children=$3 modules
    modules=$(dirname "$(find /usr/lib -path '*/kamailio/modules/tm.so' -print -quit 2>/dev/null)")
    [[ -f $modules/tm.so ]] || { echo "no Kamailio modules directory found (tm.so)" >&2; return 1; }
    cat >"$TMP/kamailio-relay.cfg" <<KAMCFG
#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=$children
listen=udp:127.0.0.1:$port
auto_aliases=no
mpath="$modules/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    \$du = "sip:127.0.0.1:$target";
    t_relay();
    exit;
}
KAMCFG
    kamailio -c -f "$TMP/kamailio-relay.cfg" >"$TMP/kam-check.log" 2>&1 ||
        { cat "$TMP/kam-check.log" >&2; echo "Kamailio refused the relay config" >&2; return 1; }
    kamailio -f "$TMP/kamailio-relay.cfg" -DD -E -m 256 -M 16 >"$TMP/kamailio.log" 2>&1 &
    KAM=$!
    PIDS+=("$KAM")
    for _ in $(seq 50); do
        [[ -n $(cat "/proc/$KAM/task/"*/children 2>/dev/null) ]] && break
        sleep 0.1
    done
}
