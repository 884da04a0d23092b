"""A flame graph of one gunicorn worker under load (py-spy), and its top frames.

    .venv/bin/python bench/profile_worker.py                          # the cold product list, this tree
    .venv/bin/python bench/profile_worker.py --target search --tree /tmp/before --name before

Starts gunicorn from --tree (default: this checkout; another checkout, such as a `git worktree`
of an older commit, shows "before") on the `make bench` database with `make bench`'s settings,
drives it with wrk (bench/wrk/shop.lua's graphql-cold mode: every request misses the answer
cache) at --clients clients, and records the busiest worker with py-spy for --seconds.
Writes bench/results/flame-<name>-<target>.svg and prints the top frames, by own time and by
the share of samples that pass through a few landmarks (GraphQL execution, the ORM, the driver).
py-spy (PyPI) needs ptrace: run as root, or with kernel.yama.ptrace_scope=0.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import graphql_cold  # noqa: E402 - the queries

PORT = 8923
LANDMARKS = {
    "GraphQL execution": "execute_operation",
    "resolvers' loaders": "batch_load",
    "ORM: building SQL": "as_sql",
    "driver: waiting for PostgreSQL": "wait (psycopg",
    "model instances": "from_db",
    "validation": "validate (graphql",
    "parsing": "parse (graphql",
    "JSON encoding": "json_encode",
    "middleware and view before execution": "dispatch (shop/graphql/view.py",
}


def bodies(target: str) -> list[dict]:
    if target == "list":
        return [{"query": graphql_cold.PRODUCT_LIST, "variables": {}}]
    if target == "search":
        return [{"query": graphql_cold.SEARCH, "variables": {"q": q}} for q in graphql_cold.SEARCH_WORDS]
    return [{"query": graphql_cold.PRODUCT, "variables": {"slug": "mat-ong-hoa-ban"}}]


def top_frames(raw: Path, limit: int) -> str:
    total, own, through = 0, collections.Counter(), collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for name, mark in LANDMARKS.items():
            if any(mark in f for f in frames):
                through[name] += n
    lines = [f"{total} samples", "through:"]
    lines += [f"  {100 * through[name] / total:5.1f} %  {name}" for name in LANDMARKS]
    lines.append("own time:")
    lines += [f"  {100 * n / total:5.1f} %  {frame[:150]}" for frame, n in own.most_common(limit)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=str(ROOT), help="the checkout to run (its own code, this .venv)")
    parser.add_argument("--name", default="after")
    parser.add_argument("--target", choices=["list", "search", "product"], default="list")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", graphql_cold.DEFAULT_DATABASE_URL))
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    venv = ROOT / ".venv" / "bin"
    work = Path(tempfile.mkdtemp(prefix="ocop-flame-"))
    data = work / "bodies.jsonl"
    data.write_text("\n".join(json.dumps({**b, "variables": {**b["variables"], "nonce": "__NONCE__"}})
                              for b in bodies(args.target)))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", "DATABASE_URL": args.database, "DEBUG": "0",
           "SECRET_KEY": secrets.token_urlsafe(50), "TRACE_SIGNING_KEYS": secrets.token_urlsafe(32),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "TRUST_X_FORWARDED_FOR": "1", "REDIS_URL": "",
           "LOG_LEVEL": "WARNING", "GUNICORN_ACCESS_LOG": "", "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
           "MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "PYTHONPATH": str(tree)}
    env.pop("ELASTICSEARCH_URL", None)
    command = [str(venv / "gunicorn"), "shop.wsgi:application", "-b", f"127.0.0.1:{PORT}", "-w", str(args.workers),
               "--chdir", str(tree), "--log-level", "warning"]
    if (tree / "deploy" / "gunicorn.conf.py").read_text().find("post_worker_init") >= 0:
        command[1:1] = ["-c", str(tree / "deploy" / "gunicorn.conf.py")]
    server = subprocess.Popen(command, env=env, cwd=tree, start_new_session=True,
                              stdout=(work / "server.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        lua = ROOT / "bench" / "wrk" / "shop.lua"
        wrk = ["wrk", "-t", "2", "-c", str(args.clients), "-s", str(lua), f"http://127.0.0.1:{PORT}", "--",
               "graphql-cold", str(data)]
        subprocess.run(wrk[:1] + ["-d", "4s"] + wrk[1:], capture_output=True, check=True)  # every worker warm
        load = subprocess.Popen(wrk[:1] + ["-d", f"{args.seconds + 6}s"] + wrk[1:], stdout=subprocess.PIPE, text=True)
        time.sleep(2)
        workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                                  text=True).stdout.split()]
        busiest = max(workers, key=lambda pid: sum(map(int, Path(f"/proc/{pid}/stat").read_text()
                                                       .rsplit(")", 1)[1].split()[11:13])))
        raw = work / "flame.txt"
        spy = str(venv / "py-spy")
        svg = ROOT / "bench" / "results" / f"flame-{args.name}-{args.target}.svg"
        # Two samplers over the same seconds: the raw stacks for the summary, the SVG to look at.
        spies = [subprocess.Popen([spy, "record", "--pid", str(busiest), "--duration", str(args.seconds), "--rate",
                                   "250", "--nonblocking", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for extra in (["--format", "raw", "--output", str(raw)], ["--output", str(svg)])]
        if any(s.wait() for s in spies):
            raise SystemExit("py-spy failed (it needs ptrace: run as root)")
        summary = load.communicate()[0]
        line = next((x for x in summary.splitlines() if x.startswith("BENCH ")), "BENCH {}")
        result = json.loads(line[6:] or "{}")
        if result:
            print(f"wrk: {result['requests'] / (result['duration_us'] / 1e6):.0f} req/s, p50 "
                  f"{result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms, errors {result['errors']}")
        print(top_frames(raw, args.top))
        print(f"flame graph: {svg.relative_to(ROOT)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
