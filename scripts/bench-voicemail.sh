#!/usr/bin/env bash
# Voicemail benchmark (issue 14): (a) trunk calls to users logged in nowhere, which cmed
# sends to the voicemail pilot's dial-peer, beside the same calls through Kamailio's stateful
# relay (the anchor); (b) a burst of message-waiting NOTIFYs lighting registered SCCP phones.
#
# Run from anywhere as `scripts/bench-voicemail.sh` (it changes to the repository root), as
# root when sipp, kamailio or dumpcap is missing (installed with apt-get, once) and for the
# loopback capture. The binaries are taken from ${CARGO_TARGET_DIR:-target}/release (built
# with `cargo build --release --bins` when one is missing). Everything listens on and talks
# to 127.0.0.1 only; every load is bounded in count and time.
#
# What it does:
# (a) PARTS contains `calls`:
# - writes the 10,000-user configuration (`cmed-gen-config`, defaults: 10,000 ephones,
#   20,000 DNs, 10,000 user profiles, nobody logged in) with `voice service voip` /
#   `allow-connections sip to sip` and the voicemail dial-peer (`dial-peer voice 8000 voip`,
#   the pilot of `telephony-service voicemail 8000`) aimed at a sipp UAS (`-sn uas`: 180,
#   200, ACK, BYE) on a free port;
# - an injection file of RATE×DURATION calls: each a calling number of its own (5000000 up)
#   and, as called number, the user-profile numbers in turn;
# - per server, Kamailio first (relaying every request statefully to the UAS), then cmed
#   (never both at once): captures loopback with dumpcap (UDP to the server's port and to the
#   UAS's), runs `sipp -sf uac-vm.xml -inf calls.csv -r RATE -m RATE×DURATION` from
#   127.0.0.1 (the dial-peer's target address, so cmed takes the trunk's calls; each call
#   INVITE/100/180/200/ACK, then BYE/200 at once), reads sipp's `-trace_stat` CSV (calls,
#   failures, calls per second over the run, retransmissions) and the server's CPU time
#   (utime+stime of its processes, /proc/PID/stat);
# - pairs, in the capture, each INVITE that reached the server with the INVITE the server
#   sent to the UAS for it (the same From user: cmed puts the caller's number there, Kamailio
#   relays it) and gives p50/p99/max of the delay between the two (the trunk dials en bloc,
#   so its INVITE is its "last digit"); for cmed it also counts the outgoing INVITEs whose
#   single `Diversion` names the called number with `reason=unavailable;counter=1`;
# - prints a table and the cmed/Kamailio ratios of calls per second and of p99 delay.
# (b) PARTS contains `mwi`:
# - writes a configuration of PHONES ephones, each with an ephone-dn of its own (number
#   100000 + tag, `button 1:tag`), and the voicemail dial-peer at 127.0.0.1 (so NOTIFYs from
#   127.0.0.1 are trusted), starts cmed on it (SCCP and SIP on free ports);
# - runs `cmed-mwi-storm`: registers the phones CONCURRENCY at a time and keeps them
#   connected, then sends one message-summary NOTIFY per number from 127.0.0.1 all at once
#   (retransmitting the unanswered as a SIP client does) and waits for every phone's lamp
#   (SetLamp on the voicemail stimulus, on, line 1 and handset); it prints the time from
#   the first NOTIFY to the last lamp, the answers, the retransmissions, the datagrams the
#   kernel dropped on cmed's SIP socket, and cmed's CPU over the burst; then
#   `show mwi` counts the numbers cmed holds as waiting.
#
# Environment: PARTS ("calls mwi"), RATE (200 calls/s), DURATION (30 s), KAM_CHILDREN (2 UDP
# workers, as in the anchor), PHONES (10000), CONCURRENCY (100 registrations at once),
# DEADLINE (60 s for the registrations and again for the burst), KEEP (keep the temporary
# directory: logs, captures). Exit status 0 whatever the figures; 1 when a part gave no
# result or cmed-mwi-storm reported failures; 2 when the setup failed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

PARTS=${PARTS:-calls mwi}
RATE=${RATE:-200}
DURATION=${DURATION:-30}
KAM_CHILDREN=${KAM_CHILDREN:-2}
PHONES=${PHONES:-10000}
CONCURRENCY=${CONCURRENCY:-100}
DEADLINE=${DEADLINE:-60}

die() {
    echo "bench-voicemail: $*" >&2
    exit 2
}
for p in $PARTS; do
    [[ $p == calls || $p == mwi ]] || die "PARTS must be made of \"calls\" and \"mwi\""
done
[[ $RATE =~ ^[1-9][0-9]{0,3}$ ]] || die "RATE must be a number from 1 to 9999"
[[ $DURATION =~ ^[1-9][0-9]{0,2}$ ]] || die "DURATION must be a number from 1 to 999"
[[ $KAM_CHILDREN =~ ^[1-9][0-9]?$ ]] || die "KAM_CHILDREN must be a number from 1 to 99"
[[ $PHONES =~ ^[1-9][0-9]{0,4}$ ]] && ((PHONES <= 10000)) || die "PHONES must be a number from 1 to 10000"
[[ $CONCURRENCY =~ ^[1-9][0-9]{0,3}$ ]] || die "CONCURRENCY must be a number from 1 to 9999"
[[ $DEADLINE =~ ^[1-9][0-9]{0,2}$ ]] || die "DEADLINE must be a number from 1 to 999"

BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
built=1
for b in cmed cmed-gen-config cmed-mwi-storm; do
    [[ -x $BIN/$b ]] || built=0
done
((built)) || cargo build --release --bins --quiet

# shellcheck source=bench-common.sh
. scripts/bench-common.sh
bench_need sip-tester:sipp kamailio:kamailio wireshark-common:dumpcap || die "missing tools"
bench_setup voicemail

# CPU ticks (user + nice + system) of the whole machine, and of processes with their reaped
# children (this shell's include every load generator that has ended). The machine's minus
# ours over a load is what something else used meanwhile (the machine is shared): near 0, or
# the figures are disturbed.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4; exit }' /proc/stat; }
proc_ticks() {
    local p total=0
    for p in "$@"; do
        total=$((total + $(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }' || echo 0)))
    done
    echo "$total"
}
# other_cpu M0 O0 M1 O1 SECONDS: "X CPU-s in Y s" used by other processes.
other_cpu() {
    awk -v t=$(($3 - $1 - $4 + $2)) -v hz="$HZ" -v s="$5" 'BEGIN { printf "%.1f CPU-s in %.1f s", (t < 0 ? 0 : t) / hz, s }'
}
tcp_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HZ=$(getconf CLK_TCK)
rc=0
echo "machine: $(nproc) CPUs, $(uname -sr); load generators and servers share them; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), PARTS=\"$PARTS\" RATE=$RATE DURATION=$DURATION KAM_CHILDREN=$KAM_CHILDREN PHONES=$PHONES CONCURRENCY=$CONCURRENCY"

# ============================================================ (a) calls to logged-out users
calls_part() {
    local uas_port calls=$((RATE * DURATION))
    uas_port=$(bench_udp_port)
    echo
    echo "==> (a) calls to users logged in nowhere: sipp -sn uas -i 127.0.0.1 -p $uas_port"
    (cd "$TMP" && exec sipp -sn uas -i 127.0.0.1 -p "$uas_port" -nostdin -timeout 3600s >/dev/null 2>&1) &
    local uas=$!
    PIDS+=("$uas")

    "$BIN/cmed-gen-config" >"$TMP/vm-base.cfg"
    awk -v uas="$uas_port" '
        /^dial-peer voice 8000 voip$/ { print "voice service voip\n allow-connections sip to sip\n!"; peer = 1 }
        peer && /^ session target / { print " session target ipv4:127.0.0.1:" uas; peer = 0; next }
        { print }' "$TMP/vm-base.cfg" >"$TMP/vm-calls.cfg"
    grep -q "session target ipv4:127.0.0.1:$uas_port" "$TMP/vm-calls.cfg" || die "no voicemail dial-peer in the generated configuration"
    # The called numbers: every user profile's numbers (nobody is logged in at start).
    awk '/^voice user-profile / { u = 1; next } /^!/ { u = 0 } u && $1 == "number" { print $2 }' \
        "$TMP/vm-calls.cfg" | sort -u >"$TMP/users.txt"
    local users
    users=$(wc -l <"$TMP/users.txt")
    ((users > 0)) || die "no user-profile numbers in the generated configuration"
    awk -v n="$calls" 'NR == FNR { u[c++] = $1; next }
        END { print "SEQUENTIAL"; for (i = 0; i < n; i++) printf "%d;%s\n", 5000000 + i, u[i % c] }' \
        "$TMP/users.txt" /dev/null >"$TMP/calls.csv"
    echo "    $calls calls, calling numbers 5000000-$((5000000 + calls - 1)), called: $users user-profile numbers in turn"
    cat >"$TMP/uac-vm.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- A trunk's call, dialled en bloc: field0 calls field1; then BYE at once. -->
<scenario name="trunk call to a logged-out user">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "[field0]" <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field1]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:[field0]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[

      ACK sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "[field0]" <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field1]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:[field0]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[

      BYE sip:[field1]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "[field0]" <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field1]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:[field0]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
XML

    : >"$TMP/calls-results"
    # load NAME PORT PID: capture, the sipp UAC against the server PID on PORT, the pairing.
    load() {
        local name=$1 port=$2 pid=$3 cap stat before after src=0 ok failed cps retrans cpu delays
        local paired unpaired p50 p99 pmax diverted
        stat=$TMP/$name.csv
        echo "==> $name: dumpcap -i lo -f 'udp dst port $port or udp dst port $uas_port'"
        dumpcap -i lo -P -q -B 64 -f "udp dst port $port or udp dst port $uas_port" \
            -w "$TMP/$name.pcap" 2>"$TMP/$name-dumpcap.log" &
        cap=$!
        PIDS+=("$cap")
        for _ in $(seq 50); do
            grep -q "Capturing on" "$TMP/$name-dumpcap.log" 2>/dev/null && break
            kill -0 "$cap" 2>/dev/null || { cat "$TMP/$name-dumpcap.log" >&2; die "dumpcap did not start"; }
            sleep 0.1
        done
        sleep 0.5
        echo "==> $name: sipp 127.0.0.1:$port -sf uac-vm.xml -inf calls.csv -i 127.0.0.1 -r $RATE -m $calls -nostdin -trace_stat"
        before=$(bench_cpu_ticks "$pid")
        local m0 o0 w0 m1 o1 w1 other
        m0=$(machine_ticks) o0=$(($(proc_ticks $$ "$uas" "$cap") + before)) w0=$(date +%s%N)
        (cd "$TMP" && exec timeout $((DURATION * 3 + 30)) sipp "127.0.0.1:$port" -sf uac-vm.xml \
            -inf calls.csv -i 127.0.0.1 -p "$(bench_udp_port)" -r "$RATE" -m "$calls" \
            -timeout $((DURATION * 3))s -nostdin -trace_stat -stf "$stat" -fd 1 \
            >"$TMP/$name.out" 2>&1) || src=$?
        after=$(bench_cpu_ticks "$pid")
        m1=$(machine_ticks) o1=$(($(proc_ticks $$ "$uas" "$cap") + after)) w1=$(date +%s%N)
        other=$(other_cpu "$m0" "$o0" "$m1" "$o1" "$(awk -v ns=$((w1 - w0)) 'BEGIN { printf "%.1f", ns / 1e9 }')")
        sleep 0.5
        bench_stop "$cap"
        read -r ok failed cps retrans _ < <(sipp_final "$stat")
        cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$ok" \
            'BEGIN { if (n > 0) printf "%.2f", t / hz / n * 1000; else print "-" }')
        delays=$(pairs "$TMP/$name.pcap" "$port" "$uas_port")
        echo "    $ok calls, $failed failed, $cps calls/s, $retrans retransmissions, server $cpu CPU-s per 1,000 calls (sipp exit $src)"
        read -r paired unpaired p50 p99 pmax diverted <<<"$delays"
        echo "    INVITE in -> INVITE out to the UAS: $paired paired ($unpaired INVITEs in without one out), p50 $p50 ms, p99 $p99 ms, max $pmax ms; $diverted with the Diversion to voicemail"
        echo "    CPU used by other processes meanwhile: $other; capture (received/dropped): $(sed -n 's|^Packets received/dropped on interface .*: \([0-9]*/[0-9]*\) (pcap.*|\1|p' "$TMP/$name-dumpcap.log")"
        echo "$name $ok $failed $cps $retrans $cpu $paired $p50 $p99 $pmax $diverted" >>"$TMP/calls-results"
    }

    local kam_port
    kam_port=$(bench_udp_port)
    echo "==> kamailio (stateful relay, $KAM_CHILDREN UDP workers) on 127.0.0.1:$kam_port"
    bench_kamailio_relay "$kam_port" "$uas_port" "$KAM_CHILDREN" || die "Kamailio did not start"
    load kamailio "$kam_port" "$KAM"
    bench_stop "$KAM"

    local cmed_port cmed
    cmed_port=$(bench_sip_port)
    echo "==> cmed on the 10,000-user configuration, SIP on 127.0.0.1:$cmed_port, dial-peer 8000 to the UAS"
    "$BIN/cmed" run --no-console --config "$TMP/vm-calls.cfg" --data "$TMP/data-calls" --bind 127.0.0.1 \
        --sip-port "$cmed_port" --sccp-port 0 --tftp-port 0 --http-port 0 --http-prov-port 0 \
        >"$TMP/cmed-calls.log" 2>&1 &
    cmed=$!
    PIDS+=("$cmed")
    bench_wait_cmed "$BIN/cmed" "$TMP/data-calls" "$cmed" || { tail "$TMP/cmed-calls.log" >&2; die "cmed did not start"; }
    load cmed "$cmed_port" "$cmed"
    echo "    cmed VmRSS at the end: $(awk '/^VmRSS/ { print $2, $3 }' "/proc/$cmed/status")"
    bench_stop "$cmed"
    bench_stop "$uas"

    echo
    printf '%-9s %6s %7s %8s %8s %9s %9s %9s %9s %9s\n' server calls failed calls/s retrans "CPU-s/1k" paired "p50 ms" "p99 ms" "max ms"
    local name ok failed cps retrans cpu paired p50 p99 pmax diverted
    while read -r name ok failed cps retrans cpu paired p50 p99 pmax diverted; do
        printf '%-9s %6s %7s %8s %8s %9s %9s %9s %9s %9s\n' "$name" "$ok" "$failed" "$cps" "$retrans" "$cpu" "$paired" "$p50" "$p99" "$pmax"
    done <"$TMP/calls-results"
    awk '{ cps[$1] = $4; p99[$1] = $9; ok[$1] = $2 }
        END {
            if (cps["kamailio"] > 0 && cps["cmed"] != "-")
                printf "ratio cmed/kamailio, calls/s: %.2f\n", cps["cmed"] / cps["kamailio"]
            if (p99["kamailio"] > 0 && p99["cmed"] != "-")
                printf "ratio cmed/kamailio, p99 INVITE in -> out: %.2f (target: cmed p99 < 20 ms)\n", p99["cmed"] / p99["kamailio"]
        }' "$TMP/calls-results"
    grep -q '^cmed [0-9]' "$TMP/calls-results" || rc=1
}

# pairs PCAP SERVER_PORT UAS_PORT: "paired unpaired p50 p99 max diverted" — each INVITE to
# SERVER_PORT with the first INVITE to UAS_PORT of the same From user (times in ms);
# diverted: outgoing INVITEs with exactly one Diversion naming the incoming INVITE's
# Request-URI user as unavailable, counter 1.
pairs() {
    python3 - "$@" <<'PY'
import re, struct, sys

path, server, uas = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
link = struct.unpack(end + "I", data[20:24])[0]
off = 24
inbound, outbound, diverted_ok = {}, {}, {}
while off + 16 <= len(data):
    sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    t = sec + frac / (1e9 if nano else 1e6)
    if link == 1:        # Ethernet (Linux loopback)
        if pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
    elif link == 113:    # Linux cooked
        ip = pkt[16:]
    else:
        ip = pkt
    if len(ip) < 28 or ip[9] != 17:
        continue
    ihl = (ip[0] & 15) * 4
    dport = struct.unpack(">H", ip[ihl + 2:ihl + 4])[0]
    payload = ip[ihl + 8:]
    if not payload.startswith(b"INVITE "):
        continue
    head = payload.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    ruri_user = re.match(r"INVITE sips?:([^@;>]+)@", lines[0])
    frm = next((l for l in lines[1:] if re.match(r"(?i)(from|f)\s*:", l)), "")
    user = re.search(r"sips?:([^@;>]+)@", frm)
    if not user:
        continue
    user = user.group(1)
    if dport == server:
        inbound.setdefault(user, (t, ruri_user.group(1) if ruri_user else None))
    elif dport == uas and user not in outbound:
        outbound[user] = t
        div = [l for l in lines[1:] if re.match(r"(?i)diversion\s*:", l)]
        diverted_ok[user] = div
deltas, diverted = [], 0
for user, (t, called) in inbound.items():
    if user in outbound:
        deltas.append((outbound[user] - t) * 1000)
        div = diverted_ok[user]
        if (len(div) == 1 and called and f"<sip:{called}@" in div[0]
                and "reason=unavailable" in div[0] and "counter=1" in div[0]):
            diverted += 1
deltas.sort()
def pct(q):
    return deltas[min(int(len(deltas) * q), len(deltas) - 1)] if deltas else float("nan")
print(len(deltas), len(inbound) - len(deltas), "%.2f" % pct(0.5), "%.2f" % pct(0.99),
      "%.2f" % (deltas[-1] if deltas else float("nan")), diverted)
PY
}

# ============================================================ (b) MWI burst
mwi_part() {
    echo
    echo "==> (b) $PHONES message-waiting NOTIFYs lighting $PHONES registered SCCP phones"
    # Each phone and the storm's process hold one socket per phone.
    local need=$((PHONES + 1000))
    if (($(ulimit -n) < need)); then
        local hard
        hard=$(ulimit -Hn)
        [[ $hard == unlimited ]] || ((hard >= need)) || ulimit -Hn "$need" 2>/dev/null ||
            die "the open files limit ($hard) is below $need and cannot be raised"
        ulimit -n "$need"
    fi
    awk -v n="$PHONES" 'BEGIN {
        print "hostname CME-MWI-Bench\n!"
        print "telephony-service\n max-ephones " n "\n max-dn " n
        print " ip source-address 127.0.0.1 port 2000\n keepalive 30\n voicemail 8000\n!"
        for (t = 1; t <= n; t++) printf "ephone-dn  %d\n number %d\n name Line %d\n!\n", t, 100000 + t, 100000 + t
        for (t = 1; t <= n; t++) printf "ephone  %d\n mac-address 0021.A0%02X.%04X\n type 7965\n button 1:%d\n!\n", t, int(t / 65536) % 256, t % 65536, t
        print "dial-peer voice 8000 voip\n description Voicemail server\n destination-pattern 8000"
        print " session protocol sipv2\n session target ipv4:127.0.0.1:5070\n!\nend"
    }' >"$TMP/vm-mwi.cfg"
    "$BIN/cmed" check "$TMP/vm-mwi.cfg" >"$TMP/check-mwi.log" 2>&1 || { tail "$TMP/check-mwi.log" >&2; die "cmed check refused the MWI configuration"; }
    local sccp sip cmed out src=0
    sccp=$(tcp_port)
    sip=$(bench_sip_port)
    "$BIN/cmed" run --no-console --config "$TMP/vm-mwi.cfg" --data "$TMP/data-mwi" --bind 127.0.0.1 \
        --sccp-port "$sccp" --sip-port "$sip" --tftp-port 0 --http-port 0 --http-prov-port 0 \
        >"$TMP/cmed-mwi.log" 2>&1 &
    cmed=$!
    PIDS+=("$cmed")
    bench_wait_cmed "$BIN/cmed" "$TMP/data-mwi" "$cmed" || { tail "$TMP/cmed-mwi.log" >&2; die "cmed did not start"; }
    local m0 o0 w0 m1 o1 w1
    m0=$(machine_ticks) o0=$(proc_ticks $$ "$cmed") w0=$(date +%s%N)
    echo "==> cmed-mwi-storm --sccp 127.0.0.1:$sccp --sip 127.0.0.1:$sip --config vm-mwi.cfg --count $PHONES --concurrency $CONCURRENCY --pid $cmed --deadline $DEADLINE"
    timeout $((DEADLINE * 2 + 60)) "$BIN/cmed-mwi-storm" --sccp "127.0.0.1:$sccp" --sip "127.0.0.1:$sip" \
        --config "$TMP/vm-mwi.cfg" --count "$PHONES" --concurrency "$CONCURRENCY" --pid "$cmed" \
        --deadline "$DEADLINE" 2>&1 | tee "$TMP/mwi.out" || src=$?
    m1=$(machine_ticks) o1=$(proc_ticks $$ "$cmed") w1=$(date +%s%N)
    echo "    CPU used by other processes meanwhile (registration and burst): $(other_cpu "$m0" "$o0" "$m1" "$o1" "$(awk -v ns=$((w1 - w0)) 'BEGIN { printf "%.1f", ns / 1e9 }')")"
    ((src == 0)) || rc=1
    grep -q '^lamps: ' "$TMP/mwi.out" || rc=1
    out=$("$BIN/cmed" cli --data "$TMP/data-mwi" -c "show mwi" 2>/dev/null | grep -c '^1[0-9]* ' || true)
    echo "    show mwi: $out numbers with messages waiting; cmed VmRSS $(awk '/^VmRSS/ { print $2, $3 }' "/proc/$cmed/status") (cmed-mwi-storm exit $src)"
    bench_stop "$cmed"
}

for p in $PARTS; do
    "${p}_part"
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$rc"
