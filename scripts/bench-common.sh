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
    rm -rf "$TMP"
}
