#!/usr/bin/env bash
# One run of polarpipe's DAG on a real Apache Airflow 3 deployment on this machine: a throwaway AIRFLOW_HOME whose
# metadata database is a new PostgreSQL database, the LocalExecutor with PARALLELISM worker slots, and the three
# long-running components (`airflow api-server` on loopback, `airflow scheduler`, `airflow dag-processor`). The DAG
# file is `polarpipe airflow-dag --schedule none` for the given workspace and database, unpaused from the start; the
# script triggers one run with `airflow dags trigger`, waits for it to end, writes Airflow's task-instance records,
# stops the components and drops the metadata database.
#
#   AIRFLOW_BIN=/venv/bin/airflow Benchmarks/airflow_deployment.sh --polarpipe BIN --workspace DIR \
#       --database POLARPIPE_DATABASE_URL --server postgres://USER@HOST:PORT/DB [--parallelism P] \
#       [--report FILE] [--timeout SECONDS] [--home DIR] [--keep-home]
#
# --server is a PostgreSQL server URL whose user may create databases (the metadata database is made there). The
# venv needs `psycopg2-binary` and `asyncpg` beside apache-airflow. --report receives one tab-separated line per task
# instance: task_id, map_index, state, try_number, start and end (seconds since 1970). Prints the run's state and
# its wall times; exits 0 when the run succeeded, 1 when it failed or timed out, 2 on a setup error.
#
# On exit, also when interrupted (SIGINT, SIGTERM), it stops the components with SIGTERM and then kills, by pid, every
# process it started that is left. --home names the Airflow home (default: a new temporary folder), which is removed.
set -euo pipefail

airflow="${AIRFLOW_BIN:?set AIRFLOW_BIN to the airflow executable}"
polarpipe="" workspace="" database="" server="" parallelism=2 report="" timeout=600 home="" keep_home=0
while [ $# -gt 0 ]; do
    case "$1" in
        --polarpipe) polarpipe="$2"; shift 2 ;;
        --workspace) workspace="$2"; shift 2 ;;
        --database) database="$2"; shift 2 ;;
        --server) server="$2"; shift 2 ;;
        --parallelism) parallelism="$2"; shift 2 ;;
        --report) report="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --home) home="$2"; shift 2 ;;
        --keep-home) keep_home=1; shift ;;
        *) echo "airflow_deployment.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for required in polarpipe workspace database server; do
    [ -n "${!required}" ] || { echo "airflow_deployment.sh: --$required is required" >&2; exit 2; }
done
case "$parallelism" in ''|*[!0-9]*) echo "airflow_deployment.sh: --parallelism must be a number" >&2; exit 2 ;; esac
case "$timeout" in ''|*[!0-9]*) echo "airflow_deployment.sh: --timeout must be a number of seconds" >&2; exit 2 ;; esac

dag_id=training_data_pipeline
[ -n "$home" ] || home="$(mktemp -d "${TMPDIR:-/tmp}/polarpipe-airflow-home.XXXXXX")"
meta_db="pp_af_meta_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
# The server URL without its query (psql and SQLAlchemy spell the options differently), and then for the metadata DB.
server_base="${server%%\?*}"
meta_url="postgresql+psycopg2://${server_base#*://}"
meta_url="${meta_url%/*}/$meta_db"
meta_psql="${server_base%/*}/$meta_db"
pids=()

log() { printf '%s airflow_deployment: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
meta() { psql "$meta_psql" -XAtq -F $'\t' -c "$1"; }

# The pids of every process below this script (the components, their executor workers, task supervisors and
# `polarpipe task` processes, which Airflow puts in sessions of their own).
descendants() {
    local -A parent=()
    local dir stat fields
    for dir in /proc/[0-9]*; do
        { read -r stat < "$dir/stat"; } 2>/dev/null || continue   # a process that has just ended
        read -ra fields <<< "${stat##*) }"   # after the command name: state, ppid, …
        parent[${dir#/proc/}]="${fields[1]}"
    done
    local -A keep=([$$]=1)
    local grew=1 pid
    while [ $grew = 1 ]; do
        grew=0
        for pid in "${!parent[@]}"; do
            if [ -z "${keep[$pid]:-}" ] && [ -n "${keep[${parent[$pid]}]:-}" ]; then keep[$pid]=1; grew=1; fi
        done
    done
    for pid in "${!keep[@]}"; do [ "$pid" = $$ ] || echo "$pid"; done
}

stop() {
    local status=$?
    trap - EXIT INT TERM
    local tree
    tree="$(descendants)"
    if [ ${#pids[@]} -gt 0 ]; then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 1 50); do
            local alive=0
            for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
            [ $alive = 0 ] && break
            sleep 0.2
        done
    fi
    # What outlived its component (an orphan is re-parented, hence the list taken before the SIGTERM), by pid.
    for pid in $tree $(descendants); do kill -KILL "$pid" 2>/dev/null || true; done
    psql "$server" -Xq -c "DROP DATABASE IF EXISTS $meta_db WITH (FORCE)" >/dev/null 2>&1 || true
    if [ $keep_home = 1 ]; then log "Airflow home kept: $home"; else rm -rf "$home"; fi
    exit $status
}
trap stop EXIT
trap 'exit 1' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
mkdir -p "$home/dags" "$home/logs"
# One file holds the deployment's settings; the secrets shared by the components live only there.
cat > "$home/airflow.cfg" <<EOF
[core]
dags_folder = $home/dags
executor = LocalExecutor
parallelism = $parallelism
load_examples = False
dags_are_paused_at_creation = False
auth_manager = airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
simple_auth_manager_all_admins = True
execution_api_server_url = http://127.0.0.1:$port/execution/

[database]
sql_alchemy_conn = $meta_url

[api]
host = 127.0.0.1
port = $port
secret_key = $(secret)

[api_auth]
jwt_secret = $(secret)

[workers]
# A slot is free again 1 s after its task ends instead of 5 s; and patience with a busy API server.
min_heartbeat_interval = 1
execution_api_timeout = 30

[scheduler]
scheduler_idle_sleep_time = 0.5

[dag_processor]
refresh_interval = 5

[logging]
base_log_folder = $home/logs
EOF
chmod 600 "$home/airflow.cfg"
export AIRFLOW_HOME="$home"
# Settings from the caller's environment must not override the file.
for name in $(env | sed -n 's/^\(AIRFLOW__[A-Z0-9_]*\)=.*/\1/p'); do unset "$name"; done

psql "$server" -Xq -c "CREATE DATABASE $meta_db" >/dev/null
"$polarpipe" airflow-dag --binary "$polarpipe" --workspace "$workspace" --database "$database" --schedule none \
    --retries 1 --retry-delay 1 > "$home/dags/$dag_id.py"
started="$(date +%s.%N)"
"$airflow" db migrate > "$home/migrate.log" 2>&1 || { tail -20 "$home/migrate.log" >&2; exit 2; }

"$airflow" api-server --host 127.0.0.1 --port "$port" > "$home/api-server.log" 2>&1 &
pids+=($!)
"$airflow" scheduler --skip-serve-logs > "$home/scheduler.log" 2>&1 &
pids+=($!)
"$airflow" dag-processor > "$home/dag-processor.log" 2>&1 &
pids+=($!)

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
deadline=$(( $(date +%s) + timeout ))
# Checked while waiting: every component still runs, the deadline has not passed.
alive() {
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { log "a component exited"; tail -n 20 "$home"/*.log >&2; exit 2; }
    done
    [ "$(date +%s)" -lt "$deadline" ]
}

# The run can be triggered once the DAG file is parsed into the metadata database; its tasks start once the API
# server answers (the workers report to it). The DAG is unpaused from the start (dags_are_paused_at_creation) and
# has no schedule: the triggered run is its only one.
until [ "$(meta "SELECT count(*) FROM serialized_dag WHERE dag_id = '$dag_id'" 2>/dev/null)" = 1 ]; do
    alive || { log "the DAG is not parsed after ${timeout}s"; tail -n 20 "$home"/*.log >&2; exit 2; }
    sleep 0.5
done
triggered="$(date +%s.%N)"
"$airflow" dags trigger "$dag_id" > "$home/trigger.log" 2>&1 || { cat "$home/trigger.log" >&2; exit 2; }
until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
        "http://127.0.0.1:$port/api/v2/monitor/health" 2>/dev/null; do
    alive || { log "the API server does not answer after ${timeout}s"; tail -n 20 "$home"/*.log >&2; exit 2; }
    sleep 0.5
done
up="$(date +%s.%N)"
log "up after $(seconds "$started" "$up") s (port $port, parallelism $parallelism)"

state=""
while :; do
    state="$(meta "SELECT state FROM dag_run WHERE dag_id = '$dag_id' ORDER BY id DESC LIMIT 1")"
    case "$state" in success|failed) break ;; esac
    alive || { log "the run is still $state after ${timeout}s"; state=timeout; break; }
    sleep 0.5
done
ended="$(date +%s.%N)"

run_seconds="$(meta "SELECT extract(epoch FROM end_date - start_date) FROM dag_run WHERE dag_id = '$dag_id' ORDER BY id DESC LIMIT 1")"
if [ -n "$report" ]; then
    meta "SELECT task_id, map_index, state, try_number, extract(epoch FROM start_date), extract(epoch FROM end_date)
          FROM task_instance WHERE dag_id = '$dag_id' ORDER BY start_date NULLS LAST, task_id, map_index" > "$report"
fi
printf 'run: %s\n' "$state"
printf 'start-up (db migrate to the API server answering): %s s\n' "$(seconds "$started" "$up")"
printf 'airflow dags trigger to the end: %s s (the dag_run from start to end: %s s)\n' "$(seconds "$triggered" "$ended")" \
    "$(seconds 0 "${run_seconds:-0}")"
[ "$state" = success ] || { tail -n 30 "$home/scheduler.log" >&2; exit 1; }
