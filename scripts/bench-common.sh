# Sourced by the bench-*.sh scripts: a temporary directory and the processes the script
# starts (append their pids to PIDS), all removed or stopped on exit or interrupt.
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
