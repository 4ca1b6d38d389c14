#!/usr/bin/env bash
# The layering check (ARCHITECTURE.md §2): each top-level module of src/ may import only the
# modules below it, and the pure layers use no tokio and read no clock. Among the leaves, `leg`
# (the engine–protocol vocabulary) names devices (`ids`), short texts, media and the time zone
# (`civil`). Prints every
# offending line and exits 1 if there is one. Comment lines are not code and are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

leaf="ids time small_str leg civil debug digest media"
# Module -> what it may import (besides itself).
declare -A allowed=(
    [ids]="" [time]="" [small_str]="" [civil]="" [debug]="" [digest]="" [media]="" [leg]="small_str media ids civil"
    [grammar]="$leaf"
    [config]="$leaf grammar"
    [proto]="$leaf"
    [store]="$leaf"
    [engine]="$leaf grammar config store"
    [files]="$leaf grammar config store engine"
    [cli]="$leaf grammar config proto store engine files"
    [actor]="$leaf grammar config proto store engine files cli"
    [net]="$leaf grammar config proto store engine files cli actor"
    [daemon]="$leaf grammar config proto store engine files cli actor net"
    [sim]="$leaf proto"
    [fuzzing]="$leaf grammar config proto store engine files cli actor net daemon sim"
)
pure="grammar config proto engine files store"

code_lines() { # FILE... -> "file:line:text" for lines that are not comments
    grep -rnH --include='*.rs' -E "$1" "${@:2}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true
}

bad=0
for module in "${!allowed[@]}"; do
    if [[ -d src/$module ]]; then path=src/$module; else path=src/$module.rs; fi
    [[ -e $path ]] || continue
    ok=" ${allowed[$module]} $module "
    while IFS= read -r hit; do
        [[ -z $hit ]] && continue
        for used in $(grep -oE 'crate::[a-z_]+' <<<"${hit#*:*:}" | sed 's/crate:://' | sort -u); do
            if [[ $ok != *" $used "* ]]; then
                echo "layering: src/$module may not import crate::$used: $hit"
                bad=1
            fi
        done
    done < <(code_lines 'crate::[a-z_]+' "$path")
done
for module in $pure; do
    if [[ -d src/$module ]]; then path=src/$module; else path=src/$module.rs; fi
    while IFS= read -r hit; do
        [[ -z $hit ]] && continue
        echo "layering: src/$module is pure (no tokio, no clock; time is passed in): $hit"
        bad=1
    done < <(code_lines 'tokio::|use tokio|Instant::now\(|SystemTime::now\(' "$path")
done
if ((bad)); then
    exit 1
fi
echo "layering: ok (${#allowed[@]} modules, pure: $pure)"
