#!/usr/bin/env bash
# Fuzzes cmed's parsers with the cargo-fuzz targets of fuzz/ (libFuzzer; FUZZING.md lists the
# targets, the property each checks and the recorded runs).
#
# Usage: scripts/fuzz.sh [TARGET|all] [SECONDS]
#   TARGET   one target (`ls fuzz/fuzz_targets`), or all (the default): each in turn;
#   SECONDS  how long each target runs (default 60).
# Run from anywhere (it changes to the repository root). Needs cargo-fuzz
# (`cargo install cargo-fuzz --locked`); the sanitizer flags need nightly features, which
# RUSTC_BOOTSTRAP=1 unlocks on the stable toolchain (set here).
#
# What it does, per target: builds it (`cargo fuzz build -O`: optimised, with debug
# assertions, overflow checks and AddressSanitizer, which also reports leaks; SANITIZER=leak
# builds with LeakSanitizer alone, two to three times faster), then runs it
# for SECONDS (or RUNS executions, whichever ends first), with its dictionary
# (fuzz/dict/TARGET.dict) if it has one, over a work corpus
# (fuzz/corpus-work/TARGET, not committed, kept between runs) and the committed seeds
# (fuzz/corpus/TARGET, read only), one process, one worker (-jobs=1 -workers=1), and
# prints one line: executions, executions per second, peak RSS, and the result. A crash,
# leak or timeout (an input running over TIMEOUT seconds) leaves its input in
# fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/ with the fix, and
# tests/fuzz_corpora.rs replays it from then on. libFuzzer's own log of each run is
# fuzz/logs/TARGET.log.
#
# Environment: SANITIZER (address, the default, or leak, or none), RUNS (stop after that
# many executions, per process; default: no limit), TIMEOUT (per
# input, default 10 s), RSS_LIMIT_MB (default 2048), NICE (default 15), FUZZ_TARGET_DIR (the
# cargo target directory; default fuzz/target), FUZZ_FLAGS (more libFuzzer flags; with
# `-jobs=N -workers=N`, N processes share the work corpus and the printed executions are
# their sum).
#
# Exit status: 0 when every target ran without finding anything, 1 when one found a crash,
# leak or timeout, or ran with its leak detection switched off by libFuzzer (the run goes on
# with the next target), 2 when the setup failed (no
# cargo-fuzz, an unknown target, a build error).
set -euo pipefail

cd "$(dirname "$0")/.."

TARGET=${1:-all}
SECONDS_EACH=${2:-60}
NICE=${NICE:-15}
TIMEOUT=${TIMEOUT:-10}
RSS_LIMIT_MB=${RSS_LIMIT_MB:-2048}
SANITIZER=${SANITIZER:-address}
TARGET_DIR=${FUZZ_TARGET_DIR:-$PWD/fuzz/target}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "scripts/fuzz.sh: cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

mapfile -t ALL < <(ls fuzz/fuzz_targets | sed -n 's/\.rs$//p' | sort)
if [[ $TARGET == all ]]; then
    TARGETS=("${ALL[@]}")
elif [[ " ${ALL[*]} " == *" $TARGET "* ]]; then
    TARGETS=("$TARGET")
else
    echo "scripts/fuzz.sh: no fuzz target '$TARGET' (targets: ${ALL[*]})" >&2
    exit 2
fi

runs=()
if [[ -n ${RUNS:-} ]]; then
    runs=("-runs=$RUNS")
fi
read -r -a extra <<<"${FUZZ_FLAGS:-}"
dict() { # the target's dictionary, if it has one
    [[ -f fuzz/dict/$1.dict ]] && echo "-dict=$PWD/fuzz/dict/$1.dict"
    return 0
}

found=0
mkdir -p fuzz/logs
printf '%-14s %12s %9s %8s %s\n' target executions exec/s "rss MB" result
for t in "${TARGETS[@]}"; do
    if ! nice -n "$NICE" cargo fuzz build -O -s "$SANITIZER" --target-dir "$TARGET_DIR" "$t" >"fuzz/logs/$t.build.log" 2>&1; then
        echo "scripts/fuzz.sh: building $t failed (fuzz/logs/$t.build.log)" >&2
        exit 2
    fi
    bin=$TARGET_DIR/x86_64-unknown-linux-gnu/release/$t
    work=fuzz/corpus-work/$t
    artifacts=fuzz/artifacts/$t
    mkdir -p "$work" "$artifacts"
    # -jobs=1 -workers=1 runs one fuzzing process, whose log libFuzzer writes to
    # fuzz-0.log in the current directory: run it from a scratch directory.
    run=$(mktemp -d "${TMPDIR:-/tmp}/cmed-fuzz-$t.XXXXXX")
    status=0
    (cd "$run" && nice -n "$NICE" "$bin" "$OLDPWD/$work" "$OLDPWD/fuzz/corpus/$t" \
        -artifact_prefix="$OLDPWD/$artifacts/" -max_total_time="$SECONDS_EACH" \
        -timeout="$TIMEOUT" -rss_limit_mb="$RSS_LIMIT_MB" -print_final_stats=1 \
        -jobs=1 -workers=1 $(dict "$t") "${runs[@]}" "${extra[@]}" >/dev/null 2>&1) || status=$?
    cat "$run"/fuzz-*.log >"fuzz/logs/$t.log" 2>/dev/null || true
    rm -rf "$run"
    # The final statistics, summed over the fuzzing processes (one unless FUZZ_FLAGS asks
    # for -jobs=N: each prints its own); peak RSS is the largest.
    final_stat() { # STAT sum|max
        sed -n "s/^stat::$1: *//p" "fuzz/logs/$t.log" |
            awk -v op="$2" '{ s += $1; if ($1 > m) m = $1 } END { if (NR) print (op == "max" ? m : s) }'
    }
    execs=$(final_stat number_of_executed_units sum)
    rate=$(final_stat average_exec_per_sec sum)
    rss=$(final_stat peak_rss_mb max)
    problem=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z-]+|==[0-9]+== ERROR: [A-Za-z]+: [a-z-]+|panicked at [^ ]+' "fuzz/logs/$t.log" || true)
    # libFuzzer stops looking for leaks after a thousand inputs that each left more
    # allocations than they freed; such a run says nothing about leaks.
    unchecked=$(grep -m1 -o 'libFuzzer disabled leak detection' "fuzz/logs/$t.log" || true)
    if [[ $status -ne 0 || -n $problem ]]; then
        found=1
        artifact=$(grep -m1 -oE 'Test unit written to [^ ]+' "fuzz/logs/$t.log" | sed 's/Test unit written to //' || true)
        result="FOUND ${problem:-exit status $status} ${artifact:+($artifact)}"
    elif [[ -n $unchecked && $SANITIZER != none ]]; then
        found=1
        result="NOT CHECKED for leaks: $unchecked (the target keeps allocations between inputs)"
    else
        result="ok, no crash, leak or timeout"
    fi
    printf '%-14s %12s %9s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${rss:-?}" "$result"
done
exit "$found"
