#!/usr/bin/env bash
# Bounded fuzz pass over the SharpFuzz harnesses in tests/Fuzz.
#   tests/fuzz.sh [SECONDS] [TARGET...]      default: 60 seconds for each of `packet`, `config`, `proxy`, `client-address` and `http1`
# With afl-fuzz (Debian's afl++) and the sharpfuzz tool (SharpFuzz.CommandLine 2.3.0) it instruments a copy of
# the build and runs afl-fuzz; without them it runs the in-process mutation loop (same harness, no coverage).
# The corpus (tests/Fuzz/corpus/TARGET) is replayed first. Exits 1 on any crash and keeps the crashing inputs in
# the work directory it prints (copy them to tests/Fuzz/corpus/TARGET/crash-NAME once fixed).
# Uses one core, niced. Environment: FUZZ_WORK (work directory), FUZZ_NO_AFL=1 (force the in-process loop).
set -euo pipefail

seconds="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(packet config proxy client-address http1)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${FUZZ_WORK:-$(mktemp -d /tmp/lb-fuzz.XXXXXX)}"
mkdir -p "$work"
export PATH="$PATH:$HOME/.dotnet/tools"

one_core=()
if command -v taskset > /dev/null; then
    one_core=(taskset -c "$(($(nproc) - 1))")
fi
run() { nice -n 19 "${one_core[@]}" "$@"; }

echo "fuzz: building tests/Fuzz (Release) into $work/bin"
dotnet build "$repo/tests/Fuzz" -c Release -nologo -v q -o "$work/bin" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 2; }
fuzz=(dotnet "$work/bin/LoadBalancer.Fuzz.dll")

for t in "${targets[@]}"; do
    run "${fuzz[@]}" replay "$t" "$repo/tests/Fuzz/corpus/$t" | tail -n 20 || { echo "fuzz: corpus replay of $t crashed"; exit 1; }
done

use_afl=0
if [[ "${FUZZ_NO_AFL:-0}" != 1 ]] && command -v afl-fuzz > /dev/null; then
    if ! command -v sharpfuzz > /dev/null; then
        dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 > "$work/tool.log" 2>&1 || true
    fi
    if command -v sharpfuzz > /dev/null; then
        # Crashing inputs are replayed on an uninstrumented copy: instrumented code run outside afl-fuzz writes to a
        # trace map that is not there, and dies with an AccessViolationException that hides the real exception.
        cp -r "$work/bin" "$work/plain"
        (cd "$work/bin" && sharpfuzz LoadBalancer.Modes.dll && sharpfuzz balancer.dll) > "$work/instrument.log" 2>&1 && use_afl=1
    fi
fi
[[ $use_afl == 1 ]] || echo "fuzz: not using AFL (FUZZ_NO_AFL=1, or afl-fuzz/sharpfuzz missing): in-process mutation loop"

status=0
for t in "${targets[@]}"; do
    if [[ $use_afl == 1 ]]; then
        out="$work/findings-$t"
        dict=()
        [[ -f "$repo/tests/Fuzz/$t.dict" ]] && dict=(-x "$repo/tests/Fuzz/$t.dict")
        echo "fuzz: afl-fuzz $t for ${seconds}s (log $work/afl-$t.log)"
        AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 \
            run afl-fuzz -V "$seconds" "${dict[@]}" -i "$repo/tests/Fuzz/corpus/$t" -o "$out" -t 5000 -m none \
            -- "${fuzz[@]}" "$t" > "$work/afl-$t.log" 2>&1 || { tail -n 30 "$work/afl-$t.log"; status=1; continue; }
        grep -E '^(execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs) ' "$out/default/fuzzer_stats" | tr -s ' ' | sed "s/^/fuzz: $t: /"
        mapfile -t crashes < <(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null)
        if [[ ${#crashes[@]} -gt 0 ]]; then
            echo "fuzz: $t: ${#crashes[@]} crashing inputs in $out/default/crashes"
            dotnet "$work/plain/LoadBalancer.Fuzz.dll" replay "$t" "${crashes[@]}" | head -n 40 || true
            status=1
        fi
    else
        echo "fuzz: in-process loop $t for ${seconds}s"
        run "${fuzz[@]}" loop "$t" "$repo/tests/Fuzz/corpus/$t" "$seconds" "$work/crashes-$t" | sed "s/^/fuzz: $t: /" || status=1
    fi
done

if [[ $status == 0 && -z "${FUZZ_WORK:-}" ]]; then
    rm -rf "$work"
    echo "fuzz: no crash"
else
    echo "fuzz: work directory kept: $work"
fi
exit $status
