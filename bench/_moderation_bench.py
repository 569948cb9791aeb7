"""Benchmark: AI moderation's two hot paths on this CPU, beside the bare models as the floor.

(Run through ``bench/moderation.py``, which only calls ``main``: see why there.)

A throwaway world in a temporary folder: a fresh SQLite database (migrated, so the default
policy rules are in it), ``MEDIA_ROOT`` for ``default_storage``, production settings, one
channel made by ``live.services.channel_create`` with a live session, a site-wide and a
channel blocked term. Everything runs in this one thread, one call after another.

1. Pictures: six 720p JPEG frames (``_moderation_inputs.py``) saved in storage. Arms:
   ``hook`` = ``live.moderation.classify_thumbnail(session, name)``, what the live worker's task
   does (storage read, decode, NudeNet on our one-thread onnxruntime session, policy);
   ``floor`` = stock ``NudeDetector().detect(bytes)`` (its own OpenCV decode, onnxruntime's
   default threads); ``floor_1t`` = the same ``detect(bytes)`` on our one-thread session.
   Per arm p50/p95 and images/s (1 / mean), and the hook's stages timed apart.
2. Chat: a fixed mix of lines (35 clean to 5 abusive). Arms: ``hook`` =
   ``live.moderation.check_message(draft)``, the whole hook (blocked terms, normaliser,
   model, policy, and a Flag written for each abusive line); ``classify`` = the classifier's
   ``classify_text`` alone; ``fast`` = our fast scoring of one text (``ProfanityModel``);
   ``floor`` = ``profanity_check.predict_prob([text])``, the library's own call.
3. Memory: fresh processes (``_moderation_rss.py``): VmRSS at start, after Django's setup,
   after ``LocalClassifier().warm_up()`` and after one picture and one text (the worker as it
   runs), beside a bare process holding only the two models (the floor).

Arms run in alternating order (a b c c b a) so drift in the machine's load hits all alike.
Last line: ``image_ms`` (hook p50) ``text_p50_ms text_p99_ms`` (hook) ``channels_per_worker``
(60 s / the hook's mean seconds a picture, floored: live channels one worker thread samples
once a minute) ``rss_mb`` (the worker after use). Targets: image_ms <= 50,
text_p99_ms <= 5, channels_per_worker >= 1000. Run with ``make bench NAME=moderation``;
``--quick`` for a short smoke run.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# The project first, ahead of bench/ (the script's folder, sys.path[0]): bench/moderation.py
# shares the moderation app's name, and ``import moderation`` must find the app.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _chat_env import machine_busy_seconds
from _moderation_inputs import ABUSIVE, chat_lines, frames

ROOT = Path(__file__).resolve().parent.parent
IMAGE_ORDER = ("hook", "floor", "floor_1t", "floor_1t", "floor", "hook")
TEXT_ORDER = ("hook", "classify", "fast", "floor", "floor", "fast", "classify", "hook")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of the values (sorted here)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


class Times:
    """Wall-clock and CPU milliseconds (this process, all threads) of each call."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.results: list[object] = []

    def time(self, call: Callable[[Any], object], item: Any) -> object:
        wall, cpu = time.perf_counter_ns(), time.process_time_ns()
        result = call(item)
        self.cpu.append((time.process_time_ns() - cpu) / 1e6)
        self.wall.append((time.perf_counter_ns() - wall) / 1e6)
        self.results.append(result)
        return result


def alternate(
    order: Sequence[str], arms: dict[str, Callable[[Any], object]], items: Sequence[Any]
) -> tuple[dict[str, Times], float]:
    """Run each arm on a few items unmeasured, then the items split over its turns in order.

    Also returns how many cores the rest of the machine kept busy meanwhile (other load).
    """
    for arm in arms.values():
        for item in items[: max(6, len(items) // 20)]:
            arm(item)
    turns = {name: order.count(name) for name in arms}
    seen = dict.fromkeys(arms, 0)
    times = {name: Times() for name in arms}
    start = (time.monotonic(), machine_busy_seconds()[0], time.process_time())
    for name in order:
        part = len(items) // turns[name]
        for item in items[seen[name] * part : (seen[name] + 1) * part]:
            times[name].time(arms[name], item)
        seen[name] += 1
    span = time.monotonic() - start[0]
    ours = time.process_time() - start[2]
    other = (machine_busy_seconds()[0] - start[1] - ours) / span
    return times, max(0.0, other)


def environment(work: Path) -> dict[str, str]:
    """Production settings on a throwaway database and media folder."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "STORAGE_BACKEND": "local",
        "MODERATION_BACKEND": "local",
        "LOG_LEVEL": "WARNING",
    }


def setup_world(pictures: dict[str, bytes]) -> dict[str, Any]:
    """Migrate, then a streamer, a viewer, a channel live now, two blocked terms, pictures."""
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from accounts.models import User
    from live.services import channel_create
    from live.sessions import session_open
    from moderation.models import BlockedTerm

    call_command("migrate", interactive=False, verbosity=0)
    owner = User.objects.create_user(username="bench-streamer", password=None)
    viewer = User.objects.create_user(username="bench-viewer", password=None)
    channel = channel_create(owner=owner, slug="bench", title="Benchmark channel")
    session = session_open(channel_id=channel.pk, held=None)
    BlockedTerm.objects.create(term="buy followers", channel=None)
    BlockedTerm.objects.create(term="spoilers", channel=channel)
    names = {
        name: default_storage.save(f"channels/{channel.pk}/thumbs/{name}.jpg", ContentFile(data))
        for name, data in pictures.items()
    }
    return {"channel": channel, "session": session, "viewer": viewer, "names": names}


def describe(name: str, times: Times, tail: float) -> str:
    """One arm's line: wall p50/tail/mean/max, CPU p50/tail/mean (ms)."""
    wall, cpu, q = times.wall, times.cpu, f"p{round(tail * 100)}"
    return (
        f"{name:<12} wall p50 {percentile(wall, 0.5):7.3f}  {q} {percentile(wall, tail):7.3f}  "
        f"mean {mean(wall):7.3f}  max {max(wall):7.2f} | cpu p50 {percentile(cpu, 0.5):7.3f}  "
        f"{q} {percentile(cpu, tail):7.3f}  mean {mean(cpu):7.3f}  (ms, n={len(wall)})"
    )


def image_stages(classifier: Any, names: dict[str, str], items: Sequence[str]) -> None:
    """Time the hook's stages apart (CPU ms), and two cheaper decodes of the same pictures."""
    import cv2
    import numpy as np
    from django.core.files.storage import default_storage
    from PIL import Image

    from moderation import policy
    from moderation.backends.local import decode_image

    def cpu_ms(stage: str, call: Callable[..., Any], *args: Any) -> Any:
        start = time.process_time_ns()
        result = call(*args)
        stages.setdefault(stage, []).append((time.process_time_ns() - start) / 1e6)
        return result

    def read(name: str) -> bytes:
        with default_storage.open(name, "rb") as fh:
            return bytes(fh.read())

    def pil_cv2_flip(data: bytes) -> Any:  # the same array as decode_image's, flipped by cv2
        with Image.open(io.BytesIO(data)) as image:
            return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)

    def cv2_decode(data: bytes) -> Any:
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)

    stages: dict[str, list[float]] = {}
    for name in items:
        data = cpu_ms("read", read, names[name])
        pixels = cpu_ms("decode", decode_image, data)
        cpu_ms("detect", classifier._image_model().detect, pixels)
        cpu_ms("decide", policy.decide, classifier.classify_image(data))
        cpu_ms("pil+cv2 flip", pil_cv2_flip, data)
        cpu_ms("cv2.imdecode", cv2_decode, data)
    got = {stage: percentile(values, 0.5) for stage, values in stages.items()}
    print(
        "hook stages, CPU p50: "
        + ", ".join(f"{k} {got[k]:.2f} ms" for k in ("read", "decode", "detect", "decide"))
    )
    print(
        f"decode alternatives, CPU p50: decode_image {got['decode']:.2f} ms (PIL, cv2 swap), "
        f"PIL + cv2.cvtColor flip {got['pil+cv2 flip']:.2f} ms (same array), "
        f"cv2.imdecode {got['cv2.imdecode']:.2f} ms"
    )


def bench_images(
    world: dict[str, Any], pictures: dict[str, bytes], count: int
) -> tuple[float, float]:
    """Time the picture path's arms and the hook's stages; return the hook's p50 and mean ms."""
    from nudenet import NudeDetector

    from live.moderation import classify_thumbnail
    from moderation.backends import get_classifier
    from moderation.backends.local import LocalClassifier

    classifier = get_classifier()
    assert isinstance(classifier, LocalClassifier), classifier
    classifier.warm_up()
    ours = classifier._image_model()  # the very session the hook uses (one thread)
    stock = NudeDetector()
    session_id, names = world["session"].pk, world["names"]
    arms: dict[str, Callable[[Any], object]] = {
        "hook": lambda name: classify_thumbnail(session_id, names[name]),
        "floor": lambda name: stock.detect(pictures[name]),
        "floor_1t": lambda name: ours.detect(pictures[name]),
    }
    items = [name for _ in range(math.ceil(count / len(pictures))) for name in pictures][:count]
    times, other = alternate(IMAGE_ORDER, arms, items)
    print(f"\n== pictures: {len(pictures)} 720p JPEGs, {count} per arm, one after another")
    print(f"other load while timed: {other:.2f} cores busy besides this benchmark")
    print("   " + ", ".join(f"{name} {len(data) // 1024} kB" for name, data in pictures.items()))
    for arm, values in times.items():
        print(f"{describe(arm, values, 0.95)}  {1000 / mean(values.wall):5.1f} images/s")
    outcomes = {str(x): times["hook"].results.count(x) for x in set(times["hook"].results)}
    print(f"hook outcomes: {outcomes} (allowed: nothing flagged, no evidence written)")
    image_stages(classifier, names, items[: max(len(pictures), count // 3)])
    hook, floor, floor_1t = (percentile(times[k].wall, 0.5) for k in ("hook", "floor", "floor_1t"))
    print(
        f"image: hook p50 {hook:.1f} ms (target <= 50 ms), {hook / floor:.2f}x the stock "
        f"floor's p50, {hook / floor_1t:.2f}x the one-thread floor's"
    )
    return hook, mean(times["hook"].wall)


def bench_text(world: dict[str, Any], count: int) -> tuple[float, float]:
    """Time the chat path's arms; return the hook's p50 and p99 in ms."""
    from profanity_check import predict_prob

    from live.chat.hooks import Draft
    from live.moderation import CHAT_TEXT, check_message
    from moderation import selectors
    from moderation.backends import get_classifier
    from moderation.backends.profanity import ProfanityModel
    from moderation.models import Flag

    channel, session, viewer = world["channel"], world["session"], world["viewer"]
    classifier = get_classifier()
    fast = ProfanityModel()
    terms = selectors.blocked_terms(channel_id=channel.pk)

    def hook(text: str) -> bool:
        return bool(check_message(Draft(channel.pk, session.pk, viewer.pk, "viewer", text)))

    arms: dict[str, Callable[[Any], object]] = {
        "hook": hook,
        "classify": lambda text: classifier.classify_text(text, channel_terms=terms),
        "fast": lambda text: fast.scores([text]),
        "floor": lambda text: predict_prob([text]),
    }
    lines = chat_lines(count)
    flags_before = Flag.objects.filter(item_kind=CHAT_TEXT).count()
    times, other = alternate(TEXT_ORDER, arms, lines)
    flags = Flag.objects.filter(item_kind=CHAT_TEXT).count() - flags_before
    print(f"\n== chat: {count} lines per arm ({len(set(lines))} distinct), one after another")
    print(f"other load while timed: {other:.2f} cores busy besides this benchmark")
    for arm, values in times.items():
        print(describe(arm, values, 0.99))
    hook_times = times["hook"]
    for refused, what in ((False, "hook, passed"), (True, "hook, refused")):
        part = Times()
        runs = zip(hook_times.wall, hook_times.cpu, hook_times.results, strict=True)
        for wall, cpu, result in runs:
            if result is refused:
                part.wall.append(wall)
                part.cpu.append(cpu)
        if part.wall:
            print(describe(what, part, 0.99))
    abusive = sum(1 for line in lines if line in ABUSIVE)
    print(
        f"hook: {hook_times.results.count(True)} of {len(hook_times.results)} measured lines "
        f"refused ({abusive} of the {count} lines are abusive); {flags} flags written, warm-up "
        "included"
    )
    p50, p99 = percentile(hook_times.wall, 0.5), percentile(hook_times.wall, 0.99)
    print(
        f"text: hook p50 {p50:.2f} ms, p99 {p99:.2f} ms (target p99 <= 5 ms); p99 "
        f"{p99 / percentile(times['floor'].wall, 0.99):.2f}x the library's floor, "
        f"{p99 / percentile(times['fast'].wall, 0.99):.2f}x our fast model alone"
    )
    return p50, p99


def measure_rss(env: dict[str, str], picture: Path) -> dict[str, dict[str, float]]:
    """Start the worker and the bare process, each fresh; return their stages' RSS in MB."""
    found = {}
    for mode in ("worker", "bare"):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "_moderation_rss.py"), mode, str(picture)],
            env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            sys.exit(f"the {mode} memory probe failed:\n{proc.stderr[-2000:]}")
        found[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    print("\n== memory (VmRSS, MB, fresh processes)")
    for mode, stages in found.items():
        print(f"{mode:<7} " + "  ".join(f"{k} {v:6.1f}" for k, v in stages.items()))
    worker, bare = found["worker"], found["bare"]
    print(
        f"worker with models loaded {worker['models']:.1f} MB, after use {worker['used']:.1f} MB; "
        f"bare models {bare['used']:.1f} MB; worker - bare {worker['used'] - bare['used']:.1f} MB"
    )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=300, help="pictures per arm")
    parser.add_argument("--messages", type=int, default=3000, help="chat lines per arm")
    parser.add_argument("--quick", action="store_true", help="60 pictures, 400 lines per arm")
    args = parser.parse_args()
    if args.quick:
        args.images, args.messages = 60, 400
    if args.images < 12 or args.messages < 40:
        parser.error("at least 12 pictures and 40 lines per arm")
    print(f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="onair-bench-") as tmp:
        work = Path(tmp)
        env = environment(work)
        os.environ.update(env)
        pictures = frames()
        (work / "picture.jpg").write_bytes(pictures["landscape-1"])
        world = setup_world(pictures)
        image_p50, image_mean_ms = bench_images(world, pictures, args.images)
        text_p50, text_p99 = bench_text(world, args.messages)
        rss = measure_rss(env, work / "picture.jpg")
    channels = math.floor(60 / (image_mean_ms / 1000))
    print(
        f"\nchannels per worker thread at one picture a minute: {channels} (target >= 1000); "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    print(
        f"image_ms={image_p50:.2f} text_p50_ms={text_p50:.2f} text_p99_ms={text_p99:.2f} "
        f"channels_per_worker={channels} rss_mb={rss['worker']['used']:.1f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
