#!/usr/bin/env bash
# Wall time of one batch on a real Airflow deployment (Benchmarks/airflow_deployment.sh) at several LocalExecutor
# parallelisms, on PostgreSQL, beside `polarpipe run` (the embedded runner) on the same files. Each run gets a fresh
# copy of the inbox and a new database. Prints one line per run: the dag_run's own wall time (Airflow's start to
# end, without the deployment's start-up), the sum of the task instances' durations, and the time-weighted number of
# task instances running at once.
#
#   AIRFLOW_BIN=/venv/bin/airflow Benchmarks/airflow_parallelism.sh postgres://USER@HOST:PORT/DB [PARALLELISMS] [INBOX]
#
# PARALLELISMS defaults to "1 2 4". INBOX defaults to the issue's batch, 200 one-hour sessions
# (`polarpipe generate --users 10 --sessions 20 --seed 1`), generated once into a temporary folder. Uses
# .build/release/polarpipe when it exists, else .build/debug/polarpipe (say which in what you report).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AIRFLOW_BIN:?set AIRFLOW_BIN to the airflow executable}"
server="${1:?give a PostgreSQL server URL whose user may create databases}"
parallelisms="${2:-1 2 4}"
inbox="${3:-}"
bin="$PWD/.build/release/polarpipe"
[ -x "$bin" ] || bin="$PWD/.build/debug/polarpipe"
work="$(mktemp -d "${TMPDIR:-/tmp}/polarpipe-airflow-parallelism.XXXXXX")"
db="pp_af_bench_$$"
cleanup() { psql "$server" -Xqc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "$inbox" ]; then
    inbox="$work/inbox"
    "$bin" generate --out "$inbox" --users 10 --sessions 20 --seed 1 >/dev/null
fi
server_base="${server%%\?*}"
database_url="${server_base%/*}/$db"
fresh() {  # a new database and a workspace with a copy of the inbox, in $work/ws
    psql "$server" -Xq -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    rm -rf "$work/ws"
    mkdir -p "$work/ws"
    cp -r "$inbox" "$work/ws/inbox"
}
echo "binary: $bin; inbox: $(find "$inbox" -type f | wc -l) files, $(du -sh "$inbox" | cut -f1); $(nproc) cores"

fresh
start="$(date +%s.%N)"
"$bin" run --workspace "$work/ws" --database "$database_url" --retries 0 --quiet >/dev/null
printf 'polarpipe run (embedded):     %7.1f s\n' "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"

for p in $parallelisms; do
    fresh
    Benchmarks/airflow_deployment.sh --polarpipe "$bin" --workspace "$work/ws" --database "$database_url" \
        --server "$server" --parallelism "$p" --report "$work/report.tsv" > "$work/deployment.log" 2>&1 \
        || { tail -30 "$work/deployment.log"; exit 1; }
    run="$(sed -n 's/.*the dag_run from start to end: \([0-9.]*\) s.*/\1/p' "$work/deployment.log")"
    # Busy time (the sum of the instances' durations) and the mean number running at once over the first start to
    # the last end.
    awk -F'\t' -v p="$p" -v run="$run" '$5 != "" && $6 != "" {
            busy += $6 - $5; n++
            if (first == "" || $5 < first) first = $5
            if (last == "" || $6 > last) last = $6
        }
        END { printf "Airflow, parallelism %d:     %7.1f s  (%d task instances, %.1f s of task time, %.2f running at once)\n",
                     p, run, n, busy, busy / (last - first) }' "$work/report.tsv"
    # Where the task time went: each task's instances summed, in the DAG's order of first start.
    awk -F'\t' '$5 != "" && $6 != "" {
            if (!($1 in t)) order[++k] = $1
            t[$1] += $6 - $5; c[$1]++
        }
        END { for (i = 1; i <= k; i++) printf "    %-32s %6.1f s  (%d instance%s)\n", order[i], t[order[i]], c[order[i]], c[order[i]] == 1 ? "" : "s" }' \
        "$work/report.tsv"
done
