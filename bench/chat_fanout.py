"""Benchmark: chat fan-out through our hub against stock ``group_send`` on channels-redis.

N websocket clients on one channel, in client processes of their own (``_chat_client.py``),
over loopback to real uvicorn servers; S of them are signed-in senders (session cookie and an
allowed Origin, as a browser) that together send R messages a second, each text unique
(``bench SEQ SENT``). Every socket, senders included, should receive every message: N x R
deliveries a second. Two arms, same clients, same load, same uvicorn:

- ``ours``: the project (``config.asgi``, production settings, ``REDIS_URL`` set so that two
  processes share the chat): the consumer checks limits in Redis, stores the message, and the
  hub fans one encoded string out to its sockets' queues; other processes get it once each
  over the Redis pub/sub layer.
- ``baseline``: the stock Channels chat (``_chat_baseline.py``): a group per channel on
  ``channels_redis.core.RedisChannelLayer`` (capacity 100, stock), ``group_send`` per message,
  one layer message per socket, each encoded by its consumer.

For N in ``--clients`` and 1 or 2 ASGI processes (``--processes``; clients split evenly across
them, each process on its own port), per arm: delivered messages/s over the steady window
(``--warmup`` to ``--seconds`` after the first send), p50/p99/max latency (sender's send to
receiver's read, one clock), lost deliveries (expected - received once the drain ends), close
codes, refused messages, server RSS per connection (VmRSS after all connect - after the
senders connect, / receivers), and the cores used by servers, Redis and clients.

Last line, for the headline case (``--headline``, default 1000 clients, 1 process):
``clients= rate= delivered_per_s= p50_ms= p99_ms= lost= baseline_delivered_per_s=
rss_kb_per_client= processes= baseline_p99_ms= baseline_lost= ratio=``. Targets: p99 < 250 ms,
nothing lost, ratio (ours / baseline delivered/s) >= 3. Run with
``make bench NAME=chat_fanout``; ``--quick`` for a short smoke run (100 clients, 1 process).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _chat_env import (
    PYTHON,
    ROOT,
    Processes,
    Server,
    cpu_seconds,
    machine_busy_seconds,
    rss_kb,
    start_redis,
)
from _chat_report import HEADER, Result, describe, percentile, row

BENCH = Path(__file__).resolve().parent
APPS = {
    "ours": ["config.asgi:application"],
    "baseline": ["_chat_baseline:application", "--app-dir", str(BENCH)],
}
SETTLE_SECONDS = 3.0  # after everyone connected: history and viewer counts go out first


class Worker:
    """A client process, spoken to in JSON lines."""

    def __init__(self, procs: Processes, plan: dict[str, Any], log: Path) -> None:
        self.log = log
        with log.open("wb") as err:
            self.proc = procs.start(
                [PYTHON, str(BENCH / "_chat_client.py")], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1,
            )  # fmt: skip
        self.tell(plan)

    def tell(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"a client process died:\n{tail}")
        return dict(json.loads(line))


def ask_all(workers: list[Worker], order: dict[str, Any]) -> list[dict[str, Any]]:
    for worker in workers:
        worker.tell(order)
    return [worker.answer() for worker in workers]


def log_issues(path: Path, end: int) -> tuple[list[str], int]:
    """Return the warnings and errors in the server log's first ``end`` bytes, and how many
    sockets it closed as too slow."""
    issues, slow = [], 0
    with path.open("rb") as log:
        text = log.read(end).decode(errors="replace")
    for line in text.splitlines():
        if "reads too slowly" in line:
            slow += 1
        elif any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback")):
            issues.append(line[:200])
    return issues, slow


def run_cell(
    procs: Processes, world: dict[str, Any], arm: str, clients: int, processes: int,
    args: argparse.Namespace,
) -> Result:  # fmt: skip
    """Start the arm's servers and the clients, send, count; stop them all."""
    import redis

    work: Path = world["work"]
    tag = f"{arm}-{processes}p-{clients}c"
    result = Result(arm, processes, clients, args.rate, offered_per_s=clients * args.rate)
    redis.Redis.from_url(world["redis_url"]).flushall()  # limits and layer state of the last run
    env = dict(world["env"]) if arm == "ours" else dict(world["baseline_env"])
    slug = world["channels"].pop(0) if arm == "ours" else "bench"
    logs = [work / f"server-{tag}-{i}.log" for i in range(processes)]
    servers = []
    for log in logs:
        with log.open("wb") as out:
            servers.append(Server(procs, APPS[arm], env, out))
    listening = ", ".join(f"{s.pid} on port {s.port}" for s in servers)
    print(f"   [{tag}] servers: {listening}", flush=True)  # e.g. for py-spy
    senders = min(args.senders, clients)
    messages = int(args.rate * args.seconds)
    conns: list[list[list[Any]]] = [[] for _ in range(args.client_processes)]
    for i in range(clients):
        server = servers[i % processes]
        sender = i if i < senders else None
        cookie = world["cookies"][i] if sender is not None and arm == "ours" else None
        conns[i % args.client_processes].append([server.port, server.origin, cookie, sender])
    plans = [
        {"conns": share, "path": f"/ws/chat/{slug}/", "messages": messages,
         "concurrency": args.concurrency}
        for share in conns
    ]  # fmt: skip
    workers = [Worker(procs, plan, work / f"client-{tag}-{w}.log") for w, plan in enumerate(plans)]
    try:
        started = time.monotonic()
        replies = ask_all(workers, {"command": "senders"})
        if not sum(reply["open"] for reply in replies):
            tails = [p.read_text(errors="replace")[-1500:] for p in logs]
            tails += [w.log.read_text(errors="replace")[-1500:] for w in workers]
            raise RuntimeError(f"no sender could connect: {replies}\n" + "\n".join(tails))
        time.sleep(1.0)
        rss_before = sum(rss_kb(s.pid) for s in servers)
        replies += ask_all(workers, {"command": "rest"})
        result.connect_seconds = time.monotonic() - started
        for reply in replies:
            for reason, count in reply["failures"].items():
                result.connect_failures[reason] = result.connect_failures.get(reason, 0) + count
        time.sleep(SETTLE_SECONDS)
        rss_after = sum(rss_kb(s.pid) for s in servers)
        receivers = clients - senders
        if receivers:
            result.rss_kb_per_client = (rss_after - rss_before) / receivers

        pids = {"servers": [s.pid for s in servers], "redis": [world["redis_pid"]]}
        pids["clients"] = [w.proc.pid for w in workers]
        t0 = time.time() + 1.0
        order = {
            "command": "run", "t0": t0, "rate": args.rate, "senders": senders,
            "idle": args.idle, "drain": args.drain,
        }  # fmt: skip
        for w, worker in enumerate(workers):
            worker.tell({**order, "latencies": str(work / f"latencies-{tag}-{w}.bin")})
        time.sleep(max(0.0, t0 + args.warmup - time.time()))
        cpu_start = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
        cpu_start["machine"], cpu_start["irq"] = machine_busy_seconds()
        clock_start = time.monotonic()
        time.sleep(max(0.0, t0 + args.seconds - time.time()))
        cpu_end = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
        cpu_end["machine"], cpu_end["irq"] = machine_busy_seconds()
        span = time.monotonic() - clock_start
        result.cores = {k: (cpu_end[k] - cpu_start[k]) / span for k in cpu_end}
        # Whatever else ran on the machine meanwhile (another benchmark, a test run).
        result.cores["other"] = max(0.0, result.cores.pop("machine") - sum(result.cores.values()))
        done = [worker.answer() for worker in workers]
        # What servers log from here on is the teardown (every client leaving at once).
        marks = [log.stat().st_size for log in logs]
        result.rss_mb_end = sum(rss_kb(s.pid) for s in servers) / 1024
    finally:
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.tell({"command": "exit"})
            procs.stop(worker.proc)
        for server in servers:
            procs.stop(server.proc)

    latencies = array("d")
    for w in range(len(workers)):
        path = work / f"latencies-{tag}-{w}.bin"
        latencies.frombytes(path.read_bytes())
        path.unlink()
    ordered = sorted(latencies)
    result.p50_ms = percentile(ordered, 0.50)
    result.p99_ms = percentile(ordered, 0.99)
    result.max_ms = ordered[-1] if ordered else float("nan")
    window = range(int(args.warmup), int(args.seconds))
    in_window = sum(int(d["per_second"].get(str(s), 0)) for d in done for s in window)
    result.delivered_per_s = in_window / len(window)
    result.sockets = sum(d["sockets"] for d in done)
    result.sent = sum(d["sent"] for d in done)
    result.received = sum(d["received"] for d in done)
    result.duplicates = sum(d["duplicates"] for d in done)
    result.worst = [max(ms) for ms in zip(*(d["worst"] for d in done), strict=True)]
    for arrivals in zip(*(d["first"] for d in done), strict=True):
        known = [ms for ms in arrivals if ms is not None]
        result.first.append(min(known) if known else float("nan"))
    for d in done:
        for key, count in d["errors"].items():
            result.errors[key] = result.errors.get(key, 0) + count
        for key, count in d["closes"].items():
            result.closes[key] = result.closes.get(key, 0) + count
    # Every error frame a sender gets is a refused message here (the texts are valid).
    result.refused = sum(result.errors.values())
    result.expected = (result.sent - result.refused) * result.sockets
    result.lost = result.expected - result.received
    for log, mark in zip(logs, marks, strict=True):
        issues, slow = log_issues(log, mark)
        result.log_issues += issues
        result.slow_closes_logged += slow
    return result


def setup_world(procs: Processes, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Start Redis, migrate a fresh SQLite database, create the channels and senders."""
    redis_proc, redis_url = start_redis(procs, work)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "REDIS_URL": redis_url,
        "STORAGE_BACKEND": "local",
        "LIVE_BACKEND": "local",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    baseline_env = {k: v for k, v in env.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    baseline_env["BENCH_REDIS_URL"] = redis_url
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    cells = len(args.clients) * len(args.processes)
    setup = subprocess.run(
        [PYTHON, str(BENCH / "_chat_setup.py"), str(cells), str(args.senders)],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    made = json.loads(setup.stdout.strip().splitlines()[-1])
    return {
        "work": work, "env": env, "baseline_env": baseline_env, "redis_url": redis_url,
        "redis_pid": redis_proc.pid, "channels": made["channels"], "cookies": made["cookies"],
    }  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ints = lambda text: [int(x) for x in text.split(",") if x.strip()]  # noqa: E731
    parser.add_argument("--clients", type=ints, default=[100, 1000, 5000])
    parser.add_argument("--processes", type=ints, default=[1, 2])
    parser.add_argument("--arms", default="ours,baseline", help="ours, baseline or both")
    parser.add_argument(
        "--baseline-clients", type=ints, default=None, help="N for the baseline (default: all)"
    )
    parser.add_argument("--rate", type=float, default=10.0, help="messages a second, in all")
    parser.add_argument("--senders", type=int, default=20, help="signed-in sending sockets")
    parser.add_argument("--seconds", type=float, default=30.0, help="sending time")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not in delivered/s")
    parser.add_argument("--drain", type=float, default=20.0, help="most seconds to wait after")
    parser.add_argument("--idle", type=float, default=3.0, help="drain ends after this quiet")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=50, help="handshakes at once, each")
    parser.add_argument("--headline", default="1000,1", help="CLIENTS,PROCESSES of the last line")
    parser.add_argument("--keep", action="store_true", help="keep the logs and database")
    parser.add_argument("--dump", type=Path, help="write every cell's figures here (JSON)")
    parser.add_argument("--quick", action="store_true", help="100 clients, 1 process, 8 s")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.processes, args.seconds, args.warmup = [100], [1], 8.0, 2.0
        args.headline = "100,1"
    if args.seconds <= args.warmup + 1:
        parser.error("--seconds must exceed --warmup by more than a second")
    if args.rate * args.seconds < 1 or args.senders < 1:
        parser.error("nothing to send")
    if args.rate / min(args.senders, min(args.clients)) > 1.0:
        parser.error("each sender may send 1 message a second: add --senders")
    return args


def main() -> int:
    """Run the matrix and print the table; the last line holds the headline case."""
    args = parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < max(args.clients) + 1000:
        sys.exit(f"the open-file limit is {hard}: {max(args.clients)} sockets need more")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    base_clients = args.baseline_clients or args.clients
    cores = len(os.sched_getaffinity(0))
    print(
        f"chat fan-out: rate {args.rate:g} msg/s from {args.senders} senders, "
        f"{args.seconds:g} s sending (delivered/s over {args.warmup:g}-{args.seconds:g} s), "
        f"{args.client_processes} client processes; {cores} cores, clients included"
    )
    results: list[Result] = []
    procs = Processes()
    with contextlib.ExitStack() as stack:
        if args.keep:
            tmp = tempfile.mkdtemp(prefix="onair-chat-bench-")
            print(f"working in {tmp} (kept)")
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="onair-chat-bench-"))
        try:  # every process stops before its folder goes, on errors and Ctrl-C too
            world = setup_world(procs, Path(tmp), args)
            print(HEADER)
            for clients in args.clients:
                for processes in args.processes:
                    for arm in arms:
                        if arm == "baseline" and clients not in base_clients:
                            continue
                        r = run_cell(procs, world, arm, clients, processes, args)
                        results.append(r)
                        print(row(r), flush=True)
                        describe(r)
        finally:
            procs.stop_all()

    if args.dump:
        args.dump.write_text(json.dumps([asdict(r) for r in results]))
    print()
    print(HEADER)
    for r in results:
        print(row(r))
    head_clients, head_processes = (int(x) for x in args.headline.split(","))

    def find(arm: str) -> Result | None:
        for r in results:
            if (r.arm, r.clients, r.processes) == (arm, head_clients, head_processes):
                return r
        return None

    if results and not any(
        (r.clients, r.processes) == (head_clients, head_processes) for r in results
    ):
        head_clients, head_processes = results[0].clients, results[0].processes
    ours, base = find("ours"), find("baseline")
    pairs = [f"clients={head_clients}", f"rate={args.rate:g}"]
    if ours is not None:
        pairs += [
            f"delivered_per_s={ours.delivered_per_s:.0f}", f"p50_ms={ours.p50_ms:.1f}",
            f"p99_ms={ours.p99_ms:.1f}", f"lost={ours.lost}",
        ]  # fmt: skip
    if base is not None:
        pairs.append(f"baseline_delivered_per_s={base.delivered_per_s:.0f}")
    if ours is not None:
        pairs.append(f"rss_kb_per_client={ours.rss_kb_per_client:.1f}")
    pairs.append(f"processes={head_processes}")
    if base is not None:
        pairs += [f"baseline_p99_ms={base.p99_ms:.1f}", f"baseline_lost={base.lost}"]
    if ours is not None and base is not None and base.delivered_per_s > 0:
        pairs.append(f"ratio={ours.delivered_per_s / base.delivered_per_s:.2f}")
    print(" ".join(pairs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
