#!/usr/bin/env bash
# Builds the decode fuzzer (libFuzzer + AddressSanitizer) and fuzzes the decoders for a number of seconds
# (default 60) over the seed corpus; see docs/FUZZING.md.
#
#   Fuzz/run.sh [seconds]
#
# Exits non-zero when an input crashes the harness (a trap, a sanitizer report, a broken property, a leak or more
# than 2 GiB of memory). Inputs slower than 20 s are saved and listed but do not stop the run, unless
# POLARPIPE_FUZZ_STRICT=1. With POLARPIPE_FUZZ_KEEP_GOING=1 nothing stops the run: every failing input is saved
# and counted (for long runs). Failing inputs are in $POLARPIPE_FUZZ_WORK/artifacts/ (default /tmp/polarpipe-fuzz).
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${POLARPIPE_FUZZ_WORK:-/tmp/polarpipe-fuzz}"
# Longest input, bytes (default 1 MiB: the real files fit). Smaller inputs run faster: 131072 suits long runs.
max_len="${POLARPIPE_FUZZ_MAX_LEN:-1048576}"
export POLARPIPE_FUZZ_MAX_LEN="$max_len"
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts" "$work/staging"

echo "== building the fuzzer ($(date -u +%H:%M:%S))"
build_start=$(date +%s)
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing)
swift build --package-path "$here" "${flags[@]}" 2>&1 | tail -3
# The run uses its own copy, so that a rebuild during a long run does not change the binary its processes start.
cp "$(swift build --package-path "$here" "${flags[@]}" --show-bin-path)/DecodeFuzzer" "$work/DecodeFuzzer"
fuzzer="$work/DecodeFuzzer"
echo "== built in $(( $(date +%s) - build_start )) s"

# Seeds: the real sample files that fit, then the generated ones (see Seeds.swift). (Leak checks are off for this
# step: ZIPFoundation, which builds the zip seeds, leaks a few bytes a path.)
find "$here/../Sources/PolarPipeTestSupport/Resources/samples" -name '*.json' -size -"$((max_len + 1))"c \
    -exec cp {} "$work/seeds/" \;
ASAN_OPTIONS=detect_leaks=0 POLARPIPE_FUZZ_WRITE_SEEDS="$work/seeds" "$fuzzer"

# A leak inside FoundationXML's error path is the toolchain's, not polarpipe's (see lsan.supp).
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

ignore=(-ignore_timeouts=1)
[ "${POLARPIPE_FUZZ_STRICT:-0}" = 1 ] && ignore=()
if [ "${POLARPIPE_FUZZ_KEEP_GOING:-0}" = 1 ]; then
    ignore=(-ignore_timeouts=1 -ignore_crashes=1 -ignore_ooms=1)
fi
before=$(find "$work/artifacts" -type f | wc -l)
touch "$work/started"
echo "== fuzzing for $seconds s from $(date -u +%H:%M:%S) UTC; corpus $work/corpus, artifacts $work/artifacts"
set +e
# Fork mode: each batch of inputs runs in a child process, so a slow input can be skipped without ending the run.
POLARPIPE_FUZZ_STAGING="$work/staging" "$fuzzer" "$work/corpus" "$work/seeds" -fork=1 "${ignore[@]}" \
    -dict="$here/polar.dict" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 2>&1 \
    | grep --line-buffered -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE) |^INFO: (log|Running|Seed:)|NEW_FUNC'
status=${PIPESTATUS[0]}
set -e
echo "== fuzzer exit status $status; new failing inputs in $work/artifacts: $(( $(find "$work/artifacts" -type f | wc -l) - before ))"
find "$work/artifacts" -type f -newer "$work/started" | sed 's/^/   /'
exit "$status"
