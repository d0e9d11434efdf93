#!/usr/bin/env python3
"""Latency of the dashboards and the statistics API with the response cache off, in-process and in Redis.

Starts `polarpipe serve` on a free loopback port once per cache setting over an existing workspace (one that a
run has loaded), creates an admin and a user token, and sends a bounded loop of GET requests on one keep-alive
connection per endpoint: at most --requests requests or --seconds seconds each, whichever comes first. Redis is a
throwaway `redis-server` on a free loopback port (no persistence). Prints one table row per endpoint and setting.

    python3 Benchmarks/cache_latency.py --polarpipe .build/release/polarpipe --workspace /tmp/ws50k --user u0001
"""
import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(polarpipe, workspace, user, admin):
    args = [polarpipe, "tokens", "create", user, "--workspace", workspace] + (["--admin"] if admin else [])
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]


def serve(polarpipe, workspace, cache):
    process = subprocess.Popen([polarpipe, "serve", "--workspace", workspace, "--port", "0", "--cache", cache],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        sys.exit(f"serve --cache {cache} did not start: {line!r}")
    return process, int(match.group(1))


def measure(port, path, bearer, requests, seconds):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {bearer}"}
    times, states, size = [], {}, 0
    deadline = time.monotonic() + seconds
    for i in range(requests + 1):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            sys.exit(f"GET {path}: {response.status} {body[:200]!r}")
        if i > 0:  # the first request fills the cache
            times.append(elapsed)
            state = response.getheader("x-polarpipe-cache", "?")
            states[state] = states.get(state, 0) + 1
        size = len(body)
        if time.monotonic() > deadline and len(times) >= 5:
            break
    connection.close()
    times.sort()
    return {"n": len(times), "median_ms": statistics.median(times) * 1000,
            "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))] * 1000, "bytes": size, "states": states}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polarpipe", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--user", required=True, help="a user key of the workspace (its page and statistics are read)")
    parser.add_argument("--redis-server", default="/usr/bin/redis-server")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    args.requests = max(1, min(args.requests, 100_000))
    args.seconds = max(1.0, min(args.seconds, 600.0))

    admin = token(args.polarpipe, args.workspace, args.user, admin=True)
    user = token(args.polarpipe, args.workspace, args.user, admin=False)
    endpoints = [("/", admin, "dashboard index (admin)"), (f"/users/{args.user}.html", user, "user dashboard page"),
                 ("/api/v1/global/statistics", admin, "global statistics API"),
                 (f"/api/v1/users/{args.user}/statistics", user, "user statistics API")]

    redis_port = free_port()
    redis = subprocess.Popen([args.redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    print("| endpoint | cache | requests | median ms | p95 ms | body bytes | x-polarpipe-cache |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    try:
        for cache in ["off", "memory", f"redis://127.0.0.1:{redis_port}"]:
            process, port = serve(args.polarpipe, args.workspace, cache)
            try:
                for path, bearer, name in endpoints:
                    r = measure(port, path, bearer, args.requests, args.seconds)
                    label = "redis" if cache.startswith("redis") else cache
                    states = ", ".join(f"{k} {v}" for k, v in sorted(r["states"].items()))
                    print(f"| {name} | {label} | {r['n']} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} | {r['bytes']} | {states} |",
                          flush=True)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
    finally:
        redis.kill()
        redis.wait()


if __name__ == "__main__":
    main()
