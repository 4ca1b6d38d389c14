#!/usr/bin/env bash
# SIP REGISTER benchmark: cmed's registrar against Kamailio, driven by the same sipp commands
# on the same machine in one run (the anchor of crates-peers-anchors.md §C.3).
#
# Run from anywhere as `scripts/bench-sip.sh` (it changes to the repository root), as root
# when sipp or kamailio is missing (they are installed with apt-get, once). Everything
# listens on and talks to 127.0.0.1 only.
#
# What it does:
# - writes the startup-config with `cmed-gen-config --pools POOLS` (pool p registers as digest
#   user sip<p>, password s<p>), a Kamailio registrar config holding the same users and
#   passwords (usrloc in memory, `www_challenge` with qop=auth as cmed does), the sipp
#   scenario `reg_auth.xml` (REGISTER, 401, REGISTER with Authorization, 200) and its
#   injection file `users.csv`, all in a temporary directory;
# - per server, Kamailio first, then cmed (never both at once, so neither steals the other's
#   CPU): starts it on a free loopback port, checks with one `cmed-sip-phone one` that a
#   registrar answers there, samples its memory, runs the two sipp loads, samples memory
#   again and stops it:
#     closed loop: `-r 100000 -l LIMIT` (at most LIMIT registrations in flight), DURATION s;
#     open loop:   `-r RATE` (new registrations per second), DURATION s;
#   and reads the final cumulative line of sipp's `-trace_stat` CSV: successful and failed
#   registrations (one sipp "call" = one whole digest registration), the rate, the
#   retransmissions and the mean REGISTER-to-200 time; then (STORM=1) registers all POOLS
#   phones at once with `cmed-sip-phone storm` (time until every one has its 200, p95);
# - prints a table with the cmed/Kamailio ratio.
#
# Until cmed has its SIP listener nothing answers on its port: the script says so ("cmed: no
# SIP listener answered on …"), prints the Kamailio figures alone and still exits 0. Exit
# status 0 whatever the figures (a benchmark, not a test); 2 when the setup failed.
#
# Environment: DURATION (20 s per load), RATE (5000 REGISTER/s), LIMIT (200 in flight),
# POOLS (10000 users/pools), KAM_CHILDREN (2 UDP workers, as in the anchor), STORM (1: also
# the cmed-sip-phone storm; 0: sipp only). sipp, the
# servers and anything else running share the machine's CPUs: the figures are comparative,
# and only meaningful on an otherwise idle machine.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${DURATION:-20}
RATE=${RATE:-5000}
LIMIT=${LIMIT:-200}
POOLS=${POOLS:-10000}
KAM_CHILDREN=${KAM_CHILDREN:-2}
STORM=${STORM:-1}

die() {
    echo "bench-sip: $*" >&2
    exit 2
}

[[ $DURATION =~ ^[1-9][0-9]{0,3}$ ]] || die "DURATION must be a number from 1 to 9999"
[[ $RATE =~ ^[1-9][0-9]{0,5}$ ]] || die "RATE must be a number from 1 to 999999"
[[ $LIMIT =~ ^[1-9][0-9]{0,4}$ ]] || die "LIMIT must be a number from 1 to 99999"
[[ $POOLS =~ ^[1-9][0-9]{0,4}$ ]] && ((POOLS <= 10000)) || die "POOLS must be a number from 1 to 10000"
[[ $KAM_CHILDREN =~ ^[1-9][0-9]?$ ]] || die "KAM_CHILDREN must be a number from 1 to 99"
[[ $STORM =~ ^[01]$ ]] || die "STORM must be 0 or 1"

# ---------------------------------------------------------------- tools
# "debian-package:command": a package is installed only when its command is missing (Debian
# names sipp's package sip-tester). As in scripts/test.sh: non-interactive, and only as root.
BENCH_PACKAGES=(sip-tester:sipp kamailio:kamailio)
missing=()
for entry in "${BENCH_PACKAGES[@]}"; do
    command -v "${entry#*:}" >/dev/null 2>&1 || missing+=("${entry%%:*}")
done
if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -ne 0 ]]; then
        die "missing: ${missing[*]}; install them (apt-get install ${missing[*]}) or run this script as root"
    fi
    echo "==> installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
for cmd in sipp kamailio awk sed grep python3 timeout; do
    command -v "$cmd" >/dev/null 2>&1 || die "missing command: $cmd"
done
[[ -r /proc/self/status ]] || die "needs /proc"
# On a systemd host the package starts Kamailio on 5060 with its stock config; we never use
# that port or that instance, so it is left alone.
KAM_MODULES=$(dirname "$(find /usr/lib -path '*/kamailio/modules/registrar.so' -print -quit 2>/dev/null)")
[[ -f $KAM_MODULES/registrar.so ]] || die "no Kamailio modules directory found (registrar.so)"

CMED=$ROOT/target/release/cmed
SIPPHONE=$ROOT/target/release/cmed-sip-phone
GEN=$ROOT/target/release/cmed-gen-config
if [[ ! -x $CMED || ! -x $SIPPHONE || ! -x $GEN ]]; then
    echo "==> cargo build --release --bins"
    cargo build --release --bins --quiet
fi

# shellcheck source=bench-common.sh
. scripts/bench-common.sh
bench_setup sip

# free_port: a loopback port free for both UDP and TCP right now (the servers listen on both).
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
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# mem PID: "VmRSS Pss" in kB, the Pss summed over PID and its children (Kamailio's workers
# share its memory: their VmRSS would count it once per process, their Pss does not).
mem() {
    local pids=("$1") p rss pss=0
    mapfile -t -O 1 pids < <(cat "/proc/$1/task/"*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d')
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
    for p in "${pids[@]}"; do
        pss=$((pss + $(awk '/^Pss:/ { print $2; exit }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
    done
    echo "$rss $pss ${#pids[@]}"
}
# wait_gone PID SECS: waits for a process we started to end.
wait_gone() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}
# udp_drops: the machine's UDP RcvbufErrors (/proc/net/snmp): datagrams dropped because a
# receive buffer was full, whoever's. Over a load it says whether retransmissions were losses.
udp_drops() {
    awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) k[$i] = i; h = 1 } else { print $k["RcvbufErrors"]; exit } }' /proc/net/snmp
}
# forget PID: drops a process that has ended from PIDS, so the exit trap never signals a
# recycled pid that is no longer ours.
forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do
        [[ $p == "$1" ]] || keep+=("$p")
    done
    PIDS=("${keep[@]}")
}
# stop PID: stops a server we started (Kamailio's main process stops its own children).
stop() {
    kill "$1" 2>/dev/null || true
    wait_gone "$1" 10 || kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    forget "$1"
}
# run_bounded SECS CMD...: runs CMD in the background under `timeout` (which passes a TERM
# on to it), recorded in PIDS while it runs so an interrupt stops it too; returns its status.
run_bounded() {
    local secs=$1 pid rc=0
    shift
    timeout "$secs" "$@" &
    pid=$!
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    forget "$pid"
    return "$rc"
}

# ---------------------------------------------------------------- files
CFG=$TMP/bench.cfg
"$GEN" --ephones 1 --dns 2 --users 0 --pools "$POOLS" >"$CFG"
echo "config: $POOLS SIP pools, $(wc -l <"$CFG") lines"

# The injection file: user, password, the sipp auth keyword (sipp 3.6 does not expand fields
# inside [authentication …], so the whole keyword is a field, §B.3), and the pool's MAC as
# cmed-gen-config writes it (`id mac 64A0.E7hh.llll` for pool tag hhllll in hex), uppercase for
# the device name and lowercase for the instance UUID, as phones send them.
USERS=$TMP/users.csv
awk -v n="$POOLS" 'BEGIN {
    print "SEQUENTIAL"
    for (t = 1; t <= n; t++) {
        mac = sprintf("64A0E7%02X%04X", int(t / 65536) % 256, t % 65536)
        printf "sip%d;s%d;[authentication username=sip%d password=s%d];%s;%s\n", t, t, t, t, mac, tolower(mac)
    }
}' >"$USERS"

# One registration: the Cisco phone's Contact parameters (provisioning reference §4.1) ride
# along, so a registrar that binds by device name finds its pool; Kamailio just stores them.
cat >"$TMP/reg_auth.xml" <<'EOF'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register with digest auth">
  <send retrans="500" start_rtd="1"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port];transport=[transport]>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-[field4]>";+u.sip!devicename.ccm.cisco.com="SEP[field3]"
      Max-Forwards: 70
      Expires: 3600
      User-Agent: SIPp
      Content-Length: 0

    ]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port];transport=[transport]>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-[field4]>";+u.sip!devicename.ccm.cisco.com="SEP[field3]"
      [field2]
      Max-Forwards: 70
      Expires: 3600
      User-Agent: SIPp
      Content-Length: 0

    ]]></send>
  <recv response="200" rtd="1"/>
  <ResponseTimeRepartition value="1, 2, 5, 10, 20, 50, 100, 200"/>
</scenario>
EOF

KAM_PORT=$(free_port)
[[ $KAM_PORT =~ ^[0-9]+$ ]] || die "no free loopback port for Kamailio"
# Kamailio: registrar only, usrloc in memory, per-user passwords in an htable loaded at start
# from a db_text table (the same users and passwords as the cmed config; 10,000 assignments
# written into the config itself would exhaust Kamailio's parser memory). The challenge
# offers qop=auth (flag 1), as cmed's does, so both servers do the same digest work.
mkdir -p "$TMP/kamdb"
printf '%s\n' 'table_name(string) table_version(int)' 'htable:2' >"$TMP/kamdb/version"
awk -v n="$POOLS" 'BEGIN {
    print "id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) expires(int)"
    for (t = 1; t <= n; t++) printf "%d:sip%d:0:0:s%d:0\n", t, t, t
}' >"$TMP/kamdb/htable"
{
    cat <<EOF
#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=$KAM_CHILDREN
listen=udp:127.0.0.1:$KAM_PORT
listen=tcp:127.0.0.1:$KAM_PORT
tcp_children=1
auto_aliases=no
mpath="$KAM_MODULES/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "db_text.so"
loadmodule "htable.so"
loadmodule "auth.so"
loadmodule "ctl.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "gruu_enabled", 0)
modparam("ctl", "binrpc", "unix:$TMP/kamailio_ctl")
modparam("htable", "db_url", "text://$TMP/kamdb")
modparam("htable", "htable", "pw=>size=14;dbtable=htable;")
EOF
    cat <<'EOF'
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (!is_method("REGISTER")) { sl_send_reply("501", "Not Implemented"); exit; }
    if ($sht(pw=>$tU) == $null) { sl_send_reply("404", "Unknown user"); exit; }
    if (!pv_www_authenticate("$td", "$sht(pw=>$tU)", "0")) {
        www_challenge("$td", "1");
        exit;
    }
    if ($au != $tU) { sl_send_reply("403", "Wrong user"); exit; }
    if (!save("location")) { sl_reply_error(); }
    exit;
}
EOF
} >"$TMP/kamailio-reg.cfg"
kamailio -c -f "$TMP/kamailio-reg.cfg" >"$TMP/kamailio-check.log" 2>&1 ||
    { cat "$TMP/kamailio-check.log" >&2; die "Kamailio refused the generated config"; }

echo "machine: $(nproc) CPUs, $(uname -sr); sipp and the server share them"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), DURATION=$DURATION RATE=$RATE LIMIT=$LIMIT POOLS=$POOLS"
echo "sipp: $(sipp -v 2>&1 | sed -n -E 's/^ *(SIPp v[^ ]*[^ .]).*/\1/p' | head -n 1); kamailio: $(kamailio -v 2>&1 | sed -n -E "s/^version: (kamailio [^ ]+).*/\1/p" | head -n 1)"

# ---------------------------------------------------------------- measuring
# probe ADDR: one digest registration with cmed-sip-phone; prints its output. Exit 0 when a
# 200 came back, 3 when nothing answered, else 1.
probe() {
    local rc=0
    run_bounded 20 "$SIPPHONE" one --server "$1" --mac 64A0E7000001 --user sip1 --password s1 \
        --timeout 2 >"$TMP/probe.out" 2>&1 || rc=$?
    sed 's/^/  probe: /' "$TMP/probe.out" | head -n 8
    return "$rc"
}

# load NAME ADDR KIND: one sipp run; appends "NAME KIND ok failed rate retrans" to RESULTS.
RESULTS=$TMP/results
: >"$RESULTS"
load() {
    local name=$1 addr=$2 kind=$3 args lport rc=0 stat drops
    case $kind in
    closed) args=(-r 100000 -l "$LIMIT") ;;
    open) args=(-r "$RATE") ;;
    esac
    lport=$(free_port)
    stat=$TMP/$name-$kind.csv
    echo "==> $name, $kind loop: sipp $addr -sf reg_auth.xml -inf users.csv -i 127.0.0.1 -p $lport ${args[*]} -timeout ${DURATION}s -nostdin -trace_stat -fd 1"
    # sipp stops itself at -timeout; `timeout` bounds it should it hang.
    drops=$(udp_drops)
    # sipp reads reg_auth.xml and users.csv from TMP, where it also writes its logs.
    cd "$TMP"
    run_bounded $((DURATION + 30)) sipp "$addr" -sf reg_auth.xml -inf users.csv \
        -i 127.0.0.1 -p "$lport" "${args[@]}" -timeout "${DURATION}s" -nostdin \
        -trace_stat -stf "$stat" -fd 1 -trace_err -error_file "$TMP/$name-$kind.err" \
        >"$TMP/$name-$kind.out" 2>&1 || rc=$?
    cd "$ROOT"
    if [[ ! -s $stat ]]; then
        echo "    sipp wrote no statistics; the end of its output:"
        tail -n 5 "$TMP/$name-$kind.out" | sed 's/^/    sipp: /'
    fi
    read -r ok failed rate retrans rtd < <(sipp_final "$stat")
    drops=$(($(udp_drops) - drops))
    echo "    $ok registered, $failed failed, $rate /s, $retrans retransmissions, mean REGISTER-to-200 $rtd ms (sipp exit $rc)"
    echo "    UDP receive-buffer drops on the machine meanwhile: $drops"
    if [[ $failed != 0 && -s $TMP/$name-$kind.err ]]; then
        grep -m 3 -E 'Aborting|unexpected|error' "$TMP/$name-$kind.err" | cut -c1-200 | sed 's/^/    sipp: /' || true
    fi
    echo "$name $kind $ok $failed $rate $retrans $rtd" >>"$RESULTS"
}

# bench NAME PID ADDR: memory, both loads, memory again, for a server that answered.
declare -A MEM_BEFORE MEM_AFTER STORMS
bench() {
    local name=$1 pid=$2 addr=$3 rss pss n
    read -r rss pss n < <(mem "$pid")
    MEM_BEFORE[$name]="$(mb "$rss") MB RSS, $(mb "$pss") MB PSS over $n processes"
    echo "$name before: ${MEM_BEFORE[$name]}"
    load "$name" "$addr" closed
    kill -0 "$pid" 2>/dev/null || { echo "bench-sip: $name went away during the closed loop" >&2; return 1; }
    load "$name" "$addr" open
    kill -0 "$pid" 2>/dev/null || { echo "bench-sip: $name went away during the open loop" >&2; return 1; }
    if ((STORM)); then
        echo "==> $name, storm: cmed-sip-phone storm --server $addr --count $POOLS --deadline 60"
        run_bounded 120 "$SIPPHONE" storm --server "$addr" --count "$POOLS" --deadline 60 \
            >"$TMP/$name-storm.out" 2>&1 || true
        STORMS[$name]=$(grep -m 1 '^storm:' "$TMP/$name-storm.out" || true)
        echo "    ${STORMS[$name]:-no storm: line from cmed-sip-phone}"
        kill -0 "$pid" 2>/dev/null || { echo "bench-sip: $name went away during the storm" >&2; return 1; }
    fi
    read -r rss pss n < <(mem "$pid")
    MEM_AFTER[$name]="$(mb "$rss") MB RSS, $(mb "$pss") MB PSS over $n processes"
    echo "$name after:  ${MEM_AFTER[$name]}"
}

# ---------------------------------------------------------------- Kamailio
KAM_ADDR=127.0.0.1:$KAM_PORT
echo "==> starting kamailio on $KAM_ADDR ($KAM_CHILDREN UDP workers)"
kamailio -f "$TMP/kamailio-reg.cfg" -DD -E -m 256 -M 16 >"$TMP/kamailio.log" 2>&1 &
KAM_PID=$!
PIDS+=("$KAM_PID")
KAM_OK=""
for _ in $(seq 50); do
    kill -0 "$KAM_PID" 2>/dev/null || break
    if probe "$KAM_ADDR" >"$TMP/probe.print"; then
        KAM_OK=1
        break
    fi
    sleep 0.2
done
cat "$TMP/probe.print"
if [[ -n $KAM_OK ]]; then
    bench kamailio "$KAM_PID" "$KAM_ADDR" || true
else
    tail -n 20 "$TMP/kamailio.log" >&2
    echo "bench-sip: Kamailio did not register the probe phone on $KAM_ADDR; no Kamailio figures" >&2
fi
stop "$KAM_PID"

# ---------------------------------------------------------------- cmed
CMED_PORT=$(free_port)
[[ $CMED_PORT =~ ^[0-9]+$ ]] || die "no free loopback port for cmed"
CMED_ADDR=127.0.0.1:$CMED_PORT
mkdir -p "$TMP/data"
echo "==> starting cmed, SIP on $CMED_ADDR"
"$CMED" run --no-console --config "$CFG" --data "$TMP/data" \
    --tftp-port 0 --http-prov-port 0 --sccp-port 0 --http-port 0 --sip-port "$CMED_PORT" \
    2>"$TMP/cmed.log" &
CMED_PID=$!
PIDS+=("$CMED_PID")
CMED_OK=""
if ! bench_wait_cmed "$CMED" "$TMP/data" "$CMED_PID"; then
    tail -n 20 "$TMP/cmed.log" >&2
    echo "cmed: did not come up (no control socket in 30 s); no cmed figures"
else
    rc=0
    probe "$CMED_ADDR" >"$TMP/probe.print" || rc=$?
    cat "$TMP/probe.print"
    case $rc in
    0) CMED_OK=1 ;;
    3) echo "cmed: no SIP listener answered on $CMED_ADDR (UDP); no cmed figures" ;;
    *) echo "cmed: the SIP listener on $CMED_ADDR answered but did not register sip1 (see the probe above); no cmed figures" ;;
    esac
    if [[ -z $CMED_OK ]]; then
        # What the daemon said about SIP, to tell a missing listener from a misconfigured one.
        said=$(sed 's/\x1b\[[0-9;]*m//g' "$TMP/cmed.log" | grep -E -m 5 'SIP|[^-]sip[ _:=]' | cut -c1-200 || true)
        echo "${said:-nothing about SIP}" | sed 's/^/  cmed log: /'
        read -r rss pss n < <(mem "$CMED_PID")
        MEM_BEFORE[cmed]="$(mb "$rss") MB RSS with $POOLS pools loaded"
    fi
fi
if [[ -n $CMED_OK ]]; then
    bench cmed "$CMED_PID" "$CMED_ADDR" || true
fi
stop "$CMED_PID"

# ---------------------------------------------------------------- table
echo
echo "==> results (sipp digest REGISTER, $DURATION s per load, $(nproc) CPUs shared by sipp and the server)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
row() { printf '%-8s %-16s %11s %7s %8s %8s %8s %14s\n' "$@"; }
row server load registered failed "OK/s" retrans "rtd ms" "cmed/kamailio"
for kind in closed open; do
    read -r _ _ kok kfail krate kret krtd < <(grep -E "^kamailio $kind " "$RESULTS" || echo "- - - - - - -")
    read -r _ _ cok cfail crate cret crtd < <(grep -E "^cmed $kind " "$RESULTS" || echo "- - - - - - -")
    label="closed -l $LIMIT"
    [[ $kind == open ]] && label="open -r $RATE"
    row kamailio "$label" "$kok" "$kfail" "$krate" "$kret" "$krtd" ""
    ratio=$(awk -v c="$crate" -v k="$krate" 'BEGIN { if (c ~ /^[0-9.]+$/ && k ~ /^[0-9.]+$/ && k > 0) printf "%.2f", c / k; else print "-" }')
    row cmed "$label" "$cok" "$cfail" "$crate" "$cret" "$crtd" "$ratio"
done
for name in kamailio cmed; do
    echo "$name memory before: ${MEM_BEFORE[$name]:--}; after: ${MEM_AFTER[$name]:--}"
done
if ((STORM)); then
    for name in kamailio cmed; do
        echo "$name ${STORMS[$name]:-storm: -}"
    done
fi
[[ -n $CMED_OK ]] || echo "cmed: not measured (no SIP listener answered on $CMED_ADDR)"
exit 0
