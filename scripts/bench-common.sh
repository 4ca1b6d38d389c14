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
