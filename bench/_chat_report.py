"""The chat_fanout benchmark's results: one cell's figures, and how they are printed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    arm: str
    processes: int
    clients: int
    rate: float
    offered_per_s: float = 0.0
    delivered_per_s: float = 0.0
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    sent: int = 0
    refused: int = 0
    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicates: int = 0
    sockets: int = 0
    connect_failures: dict[str, int] = field(default_factory=dict)
    closes: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    rss_kb_per_client: float = float("nan")
    rss_mb_end: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)
    connect_seconds: float = 0.0
    log_issues: list[str] = field(default_factory=list)
    slow_closes_logged: int = 0
    worst: list[float] = field(default_factory=list)  # ms, each message's latest arrival
    first: list[float] = field(default_factory=list)  # ms, each message's earliest arrival


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def row(r: Result) -> str:
    closes = ", ".join(f"{k}×{v}" for k, v in sorted(r.closes.items())) or "-"
    cores = "/".join(
        f"{r.cores.get(k, 0):.2f}" for k in ("servers", "redis", "clients", "irq", "other")
    )
    lost = f"{r.lost} ({100 * r.lost / r.expected:.1f} %)" if r.expected else str(r.lost)
    return (
        f"| {r.arm} | {r.processes} | {r.clients} | {r.offered_per_s:.0f} | "
        f"{r.delivered_per_s:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.0f} | {lost} | "
        f"{closes} | {r.rss_kb_per_client:.1f} | {cores} | {r.connect_seconds:.1f} |"
    )


HEADER = (
    "| arm | procs | clients | offered/s | delivered/s | p50 ms | p99 ms | max ms | lost | "
    "closed | RSS kB/client | cores servers/redis/clients/irq/other | connect s |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def describe(r: Result) -> None:
    print(
        f"   sent {r.sent}, refused {r.refused}, sockets {r.sockets}, expected {r.expected}, "
        f"received {r.received}, duplicates {r.duplicates}, server RSS at end "
        f"{r.rss_mb_end:.0f} MB"
    )
    if r.worst:
        # Where a message's time goes: to its first socket (the sender's socket, the limits,
        # the database, the bus), then from the first socket to the last (the fan-out).
        first = sorted(ms for ms in r.first if ms == ms)
        spread = sorted(w - f for w, f in zip(r.worst, r.first, strict=True) if f == f)
        print(
            f"   per message: first arrival p50 {percentile(first, 0.5):.1f} ms, "
            f"p99 {percentile(first, 0.99):.1f} ms; first to last arrival p50 "
            f"{percentile(spread, 0.5):.1f} ms, p99 {percentile(spread, 0.99):.1f} ms"
        )
        slowest = sorted(range(len(r.worst)), key=lambda seq: -r.worst[seq])[:5]
        listed = ", ".join(f"#{seq} {r.worst[seq]:.0f} ms" for seq in slowest)
        print(f"   slowest messages (latest arrival): {listed}")
    if r.connect_failures:
        print(f"   connect failures: {r.connect_failures}")
    if r.errors:
        print(f"   error frames: {r.errors}")
    if r.slow_closes_logged:
        print(f"   server log: {r.slow_closes_logged} sockets closed as too slow (4008)")
    for line in r.log_issues[:5]:
        print(f"   server log: {line}")
    if len(r.log_issues) > 5:
        print(f"   server log: … {len(r.log_issues) - 5} more warning/error lines")
