"""The live_latency benchmark's results: the tables printed above the figures, and the figures."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from _live_cpu import Usage

CORES, HEADROOM = 2, 0.8  # one 2-core machine, kept 20 % below full for spikes
TARGET_P50_S, TARGET_CPU_COPY = 4.0, 0.05
ARMS = {"ours": "ours: 1 s fMP4, list of 6", "baseline": "ffmpeg: 2 s TS, list of 5"}


@dataclass
class Channel:
    """One channel's CPU over the steady window, what its packager made, and how far its
    program date times are from the encoder's clock (seconds; positive: stamped late)."""

    usage: Usage
    copied: int
    encoded: int
    renditions: list[str]
    stamp: float
    load: float  # the machine's 1-minute load average at the end of the window

    @property
    def cores(self) -> float:
        """The channel's cost: the ingest process (every thread) and its ffmpeg."""
        return self.usage.cores("ingest") + self.usage.cores("packager")


@dataclass
class Results:
    copy: Channel
    idle: float  # the ingest's cores with no stream
    ladder: Channel
    samples: dict[str, dict[str, Any]]  # by arm: latency, behindEdge, heights, stalls, sessions
    settings: dict[str, dict[str, Any]]  # hls.js settings each arm's player ran with
    baseline_stamp: float
    web_playing: float  # the web server's cores while both players played
    load_playing: float
    edge: dict[str, list[float]]  # by arm: each new segment's listing - its media's end, s


def percentile(values: list[float], q: int) -> float:
    """Return the q-th percentile, interpolated between the two nearest samples."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def channels_per_machine(cores: float) -> int:
    return math.floor(CORES * HEADROOM / cores) if cores > 0 else 0


def _cpu_table(r: Results) -> None:
    print("\n== CPU, fraction of one core (CPU seconds / wall seconds)")
    print(f"{'':32}{'copy only':>14}{'full ladder':>22}")
    print(f"{'renditions':32}" + "".join(f"{'/'.join(c.renditions):>{w}}" for c, w in
                                         ((r.copy, 14), (r.ladder, 22))))  # fmt: skip
    print(f"{'video copied + encoded':32}{r.copy.copied:>10} + {r.copy.encoded}"
          f"{r.ladder.copied:>18} + {r.ladder.encoded}")  # fmt: skip
    rows = [
        ("ingest process (Python)", "ingest"),
        ("  its event loop thread", "loop thread"),
        ("  its other threads", "other threads"),
        ("packager ffmpeg", "packager"),
    ]
    for label, part in rows:
        print(f"{label:32}{r.copy.usage.cores(part):14.3f}{r.ladder.usage.cores(part):22.3f}")
    print(f"{'= per channel':32}{r.copy.cores:14.3f}{r.ladder.cores:22.3f}")
    for label, part in (("encoder (not counted)", "encoder"), ("web server, no viewer", "web")):
        print(f"{label:32}{r.copy.usage.cores(part):14.3f}{r.ladder.usage.cores(part):22.3f}")
    print(
        f"ingest idle, no stream: {r.idle:.3f}; windows {r.copy.usage.wall:.1f} s and "
        f"{r.ladder.usage.wall:.1f} s\nweb server while both arms played (page loads "
        f"included): {r.web_playing:.3f}\nload average (1 min) at the end of each window, of "
        f"{CORES} cores: {r.copy.load:.1f} copy only, {r.ladder.load:.1f} ladder, "
        f"{r.load_playing:.1f} players"
    )
    print(
        f"channels per 2-core machine: floor({CORES} x {HEADROOM} / {r.ladder.cores:.3f}) = "
        f"{channels_per_machine(r.ladder.cores)}; copy only: {channels_per_machine(r.copy.cores)}"
    )


def _latency_table(r: Results) -> None:
    print("\n== glass-to-glass latency, s: now - hls.js playingDate, a sample a second")
    print("   (players one after another, both arms at once)")
    print(f"{'arm':28}{'n':>4}{'p50':>7}{'p95':>7}{'min':>7}{'max':>7}"
          f"{'hls.js':>8}{'stalls':>8}  played")  # fmt: skip
    for arm, data in r.samples.items():
        values = data["latency"]
        heights = "/".join(f"{h}p" for h in sorted(set(data["heights"]), reverse=True) if h)
        print(f"{ARMS[arm]:28}{len(values):4}{statistics.median(values):7.2f}"
              f"{percentile(values, 95):7.2f}{min(values):7.2f}{max(values):7.2f}"
              f"{statistics.median(data['behindEdge']):8.2f}{data['stalls']:8}  "
              f"{heights or 'one rendition'}")  # fmt: skip
        each = " / ".join(f"{statistics.median(one):.2f}" for one in data["sessions"])
        print(f"{'  p50 of each player':28}{each}")
    print("(hls.js: its own latency estimate, p50: the playlist's edge, aged by the time since")
    print(" the playlist last grew, minus the playhead; liveSyncDurationCount aims at it)")
    print("where the p50 goes (s): hls.js's latency + segment listed after its media ended +")
    print("the rest (the player finds the listing at its next playlist reload)")
    for arm, data in r.samples.items():
        g2g, hls = statistics.median(data["latency"]), statistics.median(data["behindEdge"])
        delays = r.edge[arm]
        if len(delays) < 2:
            print(f"  {ARMS[arm]:28}too few segments listed while it played")
            continue
        edge = statistics.median(delays)
        listed = f"{edge:.2f} (p95 {percentile(delays, 95):.2f}, {len(delays)} segments)"
        print(f"  {ARMS[arm]:28}{g2g:.2f} = {hls:.2f} + {listed} + {g2g - hls - edge:.2f}")
    ours, theirs = r.settings["ours"], r.settings["baseline"]
    same = "identical" if ours == theirs else f"DIFFERENT (baseline: {theirs})"
    print(f"hls.js settings of both players {same}:")
    print("  " + ", ".join(f"{key}={value}" for key, value in ours.items()))
    print(
        "program date time minus the encoder's clock (positive: stamped after capture, so the "
        f"latency above is low by that much): ours {r.copy.stamp * 1000:+.0f} ms (copy), "
        f"{r.ladder.stamp * 1000:+.0f} ms (ladder); ffmpeg's {r.baseline_stamp * 1000:+.0f} ms"
    )


def report(r: Results) -> dict[str, str]:
    """Print the tables of intermediate figures; return the last line's figures."""
    _cpu_table(r)
    _latency_table(r)
    ours, theirs = r.samples["ours"]["latency"], r.samples["baseline"]["latency"]
    p50 = statistics.median(ours)
    p50_met = "met" if p50 <= TARGET_P50_S else "missed"
    cpu_met = "met" if r.copy.cores <= TARGET_CPU_COPY else "missed"
    print(
        f"\ntargets: p50 <= {TARGET_P50_S:g} s {p50_met} ({p50:.2f}); "
        f"cpu_copy <= {TARGET_CPU_COPY:g} {cpu_met} ({r.copy.cores:.3f})"
    )
    return {
        "p50_s": f"{p50:.2f}",
        "p95_s": f"{percentile(ours, 95):.2f}",
        "baseline_p50_s": f"{statistics.median(theirs):.2f}",
        "cpu_copy": f"{r.copy.cores:.3f}",
        "cpu_ladder": f"{r.ladder.cores:.3f}",
        "channels_per_machine": str(channels_per_machine(r.ladder.cores)),
    }
