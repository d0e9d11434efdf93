#!/usr/bin/env python3
"""Run DuckDB and polarpipe over the same generated old-layout sessions, in one session, and print the ratio.

DuckDB's part is load-only: read the JSON files, load HR samples and route points into tables, and compute HR
statistics per exercise. polarpipe's part is its whole DAG (claim, validate, users, exercises, samples, statistics,
reports, archive) on a fresh SQLite workspace, through `polarpipe bench --inbox-from`.

    pip install duckdb
    swift build -c release
    python3 Benchmarks/compare_duckdb.py --sessions 200
"""
import argparse, json, os, resource, shutil, subprocess, sys, tempfile, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--polarpipe", default=".build/release/polarpipe")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    import duckdb

    work = tempfile.mkdtemp(prefix="polarpipe-vs-duckdb-")
    try:
        inbox = os.path.join(work, "inbox")
        users = max(1, (args.sessions + 19) // 20)
        per_user = (args.sessions + users - 1) // users
        subprocess.run([args.polarpipe, "generate", "--out", inbox, "--users", str(users), "--sessions", str(per_user),
                        "--seed", str(args.seed)], check=True, stdout=subprocess.DEVNULL)
        files = [os.path.join(d, f) for d, _, fs in os.walk(inbox) for f in fs if f.endswith(".json")]
        mb = sum(os.path.getsize(f) for f in files) / 1e6

        # DuckDB: load-only.
        t0 = time.perf_counter()
        con = duckdb.connect(os.path.join(work, "duck.db"))
        con.execute(f"""
            CREATE TABLE exercises AS
            SELECT filename, unnest(exercises) AS e
            FROM read_json('{inbox}/*/*.json', filename = true, maximum_object_size = 268435456)""")
        con.execute("""
            CREATE TABLE heart_rate_samples AS
            SELECT filename, s.dateTime AS t, s.value AS bpm FROM (SELECT filename, unnest(e.samples.heartRate) AS s FROM exercises)
            WHERE s.value BETWEEN 30 AND 250""")
        con.execute("""
            CREATE TABLE gps_route_points AS
            SELECT filename, p.dateTime AS t, p.latitude, p.longitude, p.altitude
            FROM (SELECT filename, unnest(e.samples.recordedRoute) AS p FROM exercises)""")
        hr = con.execute("""
            SELECT filename, count(*), min(bpm), max(bpm), avg(bpm) FROM heart_rate_samples GROUP BY filename""").fetchall()
        n_hr = con.execute("SELECT count(*) FROM heart_rate_samples").fetchone()[0]
        n_gps = con.execute("SELECT count(*) FROM gps_route_points").fetchone()[0]
        con.close()
        duck = time.perf_counter() - t0
        duck_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # polarpipe: the whole DAG.
        out = subprocess.run([args.polarpipe, "bench", "--inbox-from", inbox, "--sessions", str(len(files)), "--json"],
                             check=True, capture_output=True, text=True).stdout
        pp = json.loads(out)
        print(f"{len(files)} one-hour old-layout sessions, {mb:.1f} MB of JSON")
        print(f"DuckDB {duckdb.__version__} load-only: {duck:.2f} s ({mb / duck:.1f} MB/s), {n_hr} HR rows, {n_gps} GPS rows, "
              f"{len(hr)} exercises with HR statistics, peak RSS {duck_rss:.0f} MB")
        print(f"polarpipe whole DAG:  {pp['wall_s']:.2f} s ({pp['mb_per_s']:.1f} MB/s), {pp['rows']} rows, "
              f"peak RSS {pp['peak_rss_mb']:.0f} MB")
        print(f"ratio polarpipe / DuckDB time: {pp['wall_s'] / duck:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
