"""Load test of a real `vnrag serve` on loopback: concurrent users with think time, then saturation.

The script starts the server itself, on 127.0.0.1 in a temporary data directory with the dev corpus indexed
(from the embedding cache .cache/embeddings.sqlite when present, so indexing does not re-embed; --corpus-limit
for a quick run). It creates --users employees (one bearer token each) and then runs, with asyncio + httpx:

1. --users concurrent users for --duration s, each looping: a request (query 60 %, stream 25 %, document list
   15 %), then a think time of 1-3 s; prints requests, errors and p50/p95/p99 per endpoint;
2. saturation: --sat-concurrency clients sending queries back to back (no think time) for --sat-duration s;
   prints queries/s.

The server's rate limit is raised for the run (VNRAG_RATE_LIMIT_PER_MINUTE) so that the limiter, not the
server, does not decide the figures. The load generator shares the machine's CPUs with the server.

    .venv/bin/python bench/load.py [--users 100] [--duration 60] [--corpus-limit N] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "vi-legal-dev"
ADMIN_PASSWORD = "tai-trong-" + secrets.token_urlsafe(12)
USER_PASSWORD = "nguoi-dung-" + secrets.token_urlsafe(12)
MIX = (("query", 0.60), ("stream", 0.25), ("list", 0.15))


def index_corpus(data_dir: Path, limit: int | None) -> int:
    from shared.bootstrap.local import build_local_services
    from shared.config import LocalSettings
    from shared.services.evaluation.runner import index_corpus as ingest
    from shared.services.evaluation.runner import load_corpus

    cache = data_dir.parent / "embeddings-copy.sqlite"
    shared_cache = REPO / ".cache" / "embeddings.sqlite"
    if shared_cache.exists():
        shutil.copyfile(shared_cache, cache)
    corpus = load_corpus(DATA / "corpus.jsonl")[:limit]
    services = build_local_services(LocalSettings(data_dir=data_dir), embedding_cache=cache)
    ingest(services, corpus)
    return len(corpus)


def questions(n: int = 200) -> list[str]:
    with (DATA / "queries.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line)["query"] for line in f if line.strip()]
    return rows[:n]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int, log: Path, rate_limit: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VNRAG_")}
    env.update(VNRAG_DATA_DIR=str(data_dir), VNRAG_ADMIN_PASSWORD=ADMIN_PASSWORD,
               VNRAG_JWT_SECRET=secrets.token_urlsafe(48), VNRAG_RATE_LIMIT_PER_MINUTE=str(rate_limit))
    cmd = [sys.executable, "-c", "import sys; from shared.entrypoints.cli.main import main; sys.exit(main())",
           "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, cwd=data_dir.parent, stdout=out, stderr=subprocess.STDOUT)


def wait_for_health(base: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vnrag serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"vnrag serve did not answer within {timeout} s")


async def make_users(client: httpx.AsyncClient, n: int) -> list[str]:
    login = await client.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    login.raise_for_status()
    admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
    gate = asyncio.Semaphore(4)

    async def one(i: int) -> str:
        async with gate:
            name = f"tai-{i:03d}"
            created = await client.post("/api/v1/auth/users", headers=admin,
                                        json={"username": name, "password": USER_PASSWORD, "role": "employee"})
            created.raise_for_status()
            token = await client.post("/api/v1/auth/login", json={"username": name, "password": USER_PASSWORD})
            token.raise_for_status()
            return token.json()["access_token"]

    return await asyncio.gather(*(one(i) for i in range(n)))


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.error_samples: list[str] = []

    def ok(self, endpoint: str, ms: float) -> None:
        self.latencies.setdefault(endpoint, []).append(ms)

    def fail(self, endpoint: str, why: str) -> None:
        self.errors[endpoint] = self.errors.get(endpoint, 0) + 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{endpoint}: {why}")

    def summary(self) -> dict:
        out = {}
        for endpoint in sorted(set(self.latencies) | set(self.errors)):
            values = sorted(self.latencies.get(endpoint, []))
            out[endpoint] = {"requests": len(values) + self.errors.get(endpoint, 0),
                             "errors": self.errors.get(endpoint, 0),
                             "p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "p99_ms": pct(values, 99)}
        return out


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))  # nearest rank
    return round(values[k], 1)


async def request(client: httpx.AsyncClient, kind: str, token: str, question: str, rec: Recorder) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    try:
        if kind == "query":
            r = await client.post("/api/v1/query", json={"query": question}, headers=headers)
            ok = r.status_code == 200 and "answer" in r.json()
        elif kind == "stream":
            first = None
            async with client.stream("POST", "/api/v1/query/stream", json={"query": question},
                                     headers=headers) as r:
                body = []
                async for chunk in r.aiter_text():
                    if first is None:
                        first = (time.perf_counter() - started) * 1000
                    body.append(chunk)
            text = "".join(body)
            ok = r.status_code == 200 and "event: done" in text
            if ok and first is not None:
                rec.ok("stream_first_event", first)
        else:
            r = await client.get("/api/v1/documents", params={"limit": 20}, headers=headers)
            ok = r.status_code == 200 and "documents" in r.json()
        ms = (time.perf_counter() - started) * 1000
        if ok:
            rec.ok(kind, ms)
        else:
            rec.fail(kind, f"HTTP {r.status_code}")
    except (httpx.HTTPError, ValueError) as exc:
        rec.fail(kind, f"{type(exc).__name__}: {exc}")


async def user_loop(client: httpx.AsyncClient, token: str, qs: list[str], until: float, rec: Recorder,
                    rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, 3))  # users arrive spread over the first think time
    kinds, weights = zip(*MIX, strict=True)
    while time.monotonic() < until:
        await request(client, rng.choices(kinds, weights)[0], token, rng.choice(qs), rec)
        await asyncio.sleep(rng.uniform(1, 3))


async def saturate(client: httpx.AsyncClient, tokens: list[str], qs: list[str], concurrency: int,
                   duration: float) -> dict:
    rec = Recorder()
    until = time.monotonic() + duration

    async def worker(i: int) -> None:
        rng = random.Random(1000 + i)
        while time.monotonic() < until:
            await request(client, "query", tokens[i % len(tokens)], rng.choice(qs), rec)

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    summary = rec.summary().get("query", {"requests": 0, "errors": 0})
    done = summary["requests"] - summary["errors"]
    return {"concurrency": concurrency, "seconds": round(elapsed, 1), **summary,
            "queries_per_s": round(done / elapsed, 1), "error_samples": rec.error_samples}


async def run(base: str, args: argparse.Namespace) -> dict:
    qs = questions()
    # Idle connections are dropped by the client before uvicorn's 5 s keep-alive timeout closes them, so a
    # request never races the server closing its connection (a ReadError that would be the client's doing).
    limits = httpx.Limits(max_connections=args.users + 10, max_keepalive_connections=args.users + 10,
                          keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        tokens = await make_users(client, args.users)
        print(f"{len(tokens)} users created and logged in in {time.perf_counter() - started:.1f} s", flush=True)
        rec = Recorder()
        until = time.monotonic() + args.duration
        started = time.perf_counter()
        await asyncio.gather(*(user_loop(client, tokens[i], qs, until, rec, random.Random(i))
                               for i in range(args.users)))
        elapsed = time.perf_counter() - started
        load_mid = os.getloadavg()
        users = rec.summary()
        total = sum(v["requests"] for k, v in users.items() if k != "stream_first_event")
        errors = sum(v["errors"] for v in users.values())
        print(f"\n{args.users} users, think time 1-3 s, {elapsed:.0f} s: {total} requests "
              f"({total / elapsed:.1f}/s), {errors} errors; load average {load_mid[0]:.2f}")
        print(f"  {'endpoint':<20} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for endpoint, s in users.items():
            print(f"  {endpoint:<20} {s['requests']:>8} {s['errors']:>6} {s['p50_ms'] or 0:>8.1f} "
                  f"{s['p95_ms'] or 0:>8.1f} {s['p99_ms'] or 0:>8.1f}")
        for sample in rec.error_samples:
            print(f"  error: {sample}")
        sat = await saturate(client, tokens, qs, args.sat_concurrency, args.sat_duration)
        load_end = os.getloadavg()
        print(f"\nsaturated: {args.sat_concurrency} clients, no think time, {sat['seconds']} s: "
              f"{sat['queries_per_s']} queries/s, {sat['errors']} errors, p50 {sat.get('p50_ms')} ms, "
              f"p95 {sat.get('p95_ms')} ms; load average {load_end[0]:.2f}")
    query = users.get("query", {})
    return {"users": args.users, "duration_s": round(elapsed, 1), "think_time_s": [1, 3],
            "mix": dict(MIX), "requests": total, "errors": errors, "requests_per_s": round(total / elapsed, 1),
            "endpoints": users, "error_samples": rec.error_samples, "saturated": sat,
            "goal": {"errors": 0, "query_p95_ms": 200},
            "goal_met": errors == 0 and (query.get("p95_ms") or 1e9) <= 200,
            "loadavg_during_users": [round(x, 2) for x in load_mid], "loadavg_after": [round(x, 2) for x in load_end]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--sat-concurrency", type=int, default=8)
    parser.add_argument("--sat-duration", type=float, default=20)
    parser.add_argument("--corpus-limit", type=int, default=None, help="Index only the first N passages.")
    parser.add_argument("--rate-limit", type=int, default=1_000_000,
                        help="VNRAG_RATE_LIMIT_PER_MINUTE of the server for the run.")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    args.users = max(1, min(args.users, 1000))  # bounded: a loopback benchmark, not a flood
    args.duration = max(1.0, min(args.duration, 600.0))
    args.sat_duration = max(1.0, min(args.sat_duration, 120.0))

    load = os.getloadavg()
    print(f"load test: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; "
          f"server rate limit raised to {args.rate_limit}/min for the run", flush=True)
    with tempfile.TemporaryDirectory(prefix="vnrag-load-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        passages = index_corpus(data_dir, args.corpus_limit)
        print(f"indexed {passages} passages in {time.perf_counter() - started:.1f} s", flush=True)
        port, log = free_port(), Path(tmp) / "serve.log"
        process = start_server(data_dir, port, log, args.rate_limit)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(base, process, log)
            result = asyncio.run(run(base, args))
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
    out = {"benchmark": "load", "passages": passages, "rate_limit_per_minute": args.rate_limit,
           "loadavg_before": [round(x, 2) for x in load], "cpus": os.cpu_count(), **result}
    print(f"goal (0 errors, query p95 <= 200 ms): {'met' if out['goal_met'] else 'NOT met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
