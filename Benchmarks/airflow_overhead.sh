#!/usr/bin/env bash
# The cost of running the DAG under Apache Airflow instead of polarpipe's embedded runner, for the same run:
# one inbox is copied into two workspaces; one is loaded by `polarpipe run`, the other by `airflow dags test` over
# the DAG file of `polarpipe airflow-dag` (ten `polarpipe task` processes). Prints both wall times, the time the
# tasks themselves took (from the run history) and the difference per task.
#
#   AIRFLOW_BIN=/path/to/venv/bin/airflow Benchmarks/airflow_overhead.sh [SESSIONS] [postgres://server/db-for-admin]
#
# With a PostgreSQL server URL, both runs use a new database on that server (created with psql, then dropped);
# without one, each workspace's SQLite file. Needs a release build (.build/release/polarpipe).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/.build/release/polarpipe"
airflow="${AIRFLOW_BIN:?set AIRFLOW_BIN to the airflow executable}"
sessions="${1:-20}"
server="${2:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/polarpipe-airflow-bench.XXXXXX")"
cleanup() {
    if [ -n "$server" ]; then
        for db in pp_bench_embedded pp_bench_airflow; do psql "$server" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" generate --out "$work/inbox" --users 2 --sessions $(((sessions + 1) / 2)) --seed 11 >/dev/null
database() {  # the --database argument of workspace $1
    if [ -z "$server" ]; then echo "$work/$1/polarpipe.sqlite"; return; fi
    psql "$server" -qc "DROP DATABASE IF EXISTS pp_bench_$1 WITH (FORCE)" -c "CREATE DATABASE pp_bench_$1" >/dev/null
    python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
        "$server" "pp_bench_$1"
}
task_seconds() {  # the sum of the task durations of the only run in workspace $1
    local run
    run="$("$bin" runs list --workspace "$work/$1" --database "$2" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["run_id"])')"
    "$bin" runs show "$run" --workspace "$work/$1" --database "$2" --json | python3 -c '
import datetime, json, sys
def t(s): return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
tasks = [x for x in json.load(sys.stdin)["tasks"] if x.get("started_at") and x.get("ended_at")]
print("%.2f" % sum((t(x["ended_at"]) - t(x["started_at"])).total_seconds() for x in tasks))'
}
now() { date +%s.%N; }

mkdir -p "$work/embedded" "$work/airflow"
cp -r "$work/inbox" "$work/embedded/inbox"
cp -r "$work/inbox" "$work/airflow/inbox"
db_embedded="$(database embedded)"
db_airflow="$(database airflow)"

start="$(now)"
"$bin" run --workspace "$work/embedded" --database "$db_embedded" --retries 0 --quiet >/dev/null
embedded_wall="$(echo "$(now) - $start" | bc)"

export AIRFLOW_HOME="$work/airflow-home" AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__DAGS_FOLDER="$work/airflow-home/dags"
mkdir -p "$AIRFLOW__CORE__DAGS_FOLDER"
"$bin" airflow-dag --binary "$bin" --workspace "$work/airflow" --database "$db_airflow" --retries 0 \
    > "$AIRFLOW__CORE__DAGS_FOLDER/training_data_pipeline.py"
"$airflow" db migrate >/dev/null 2>&1
start="$(now)"
"$airflow" dags test training_data_pipeline >"$work/airflow.log" 2>&1 || { tail -40 "$work/airflow.log"; exit 1; }
airflow_wall="$(echo "$(now) - $start" | bc)"

embedded_tasks="$(task_seconds embedded "$db_embedded")"
airflow_tasks="$(task_seconds airflow "$db_airflow")"
printf 'sessions: %s, database: %s\n' "$sessions" "$([ -n "$server" ] && echo PostgreSQL || echo SQLite)"
printf 'embedded runner (polarpipe run): %6.2f s wall, tasks %6.2f s\n' "$embedded_wall" "$embedded_tasks"
printf 'Airflow (airflow dags test):     %6.2f s wall, tasks %6.2f s\n' "$airflow_wall" "$airflow_tasks"
printf 'Airflow overhead: %.2f s per run, %.2f s per task\n' \
    "$(echo "$airflow_wall - $embedded_wall" | bc)" "$(echo "($airflow_wall - $embedded_wall) / 10" | bc -l)"
