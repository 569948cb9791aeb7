"""The developer commands' contracts: benchmark output and the helper scripts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.transcoding.ladder import plan_ladder

ROOT = Path(__file__).resolve().parents[2]
PAIR = re.compile(r"^([a-z_0-9]+)=(-?\d+\.\d\d)$")


@pytest.mark.media
@pytest.mark.slow
@pytest.mark.database_free
def test_transcode_ladder_bench_ends_with_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, "bench/transcode_ladder.py", "--seconds", "1", "--preset", "ultrafast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # two sources, four runs each: minutes on a busy 2-core box
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert result.stdout.endswith(lines[-1] + "\n")  # nothing after the figures
    pairs = [PAIR.match(pair) for pair in lines[-1].split(" ")]
    assert all(pairs), lines[-1]
    figures = {m.group(1): float(m.group(2)) for m in pairs if m}
    per_source = ["ratio", "cores_busy", "cores_busy_b", "realtime", "psnr_delta_db"]
    assert set(figures) == {"ratio", "cores_busy", "realtime", "psnr_delta_db"} | {
        f"{key}_{source}" for key in per_source for source in ("testsrc2", "camera")
    }
    # Unsuffixed: the worst source. psnr_delta_db: the worst of every production rung.
    assert figures["psnr_delta_db"] == min(
        figures["psnr_delta_db_testsrc2"], figures["psnr_delta_db_camera"]
    )
    runs = [line.split(":")[0] for line in lines if line.startswith("run ")]
    assert runs == ["run 1 a", "run 2 b", "run 3 b", "run 4 a"] * 2  # a b b a per source
    for source in ("testsrc2", "camera"):
        scored = [line.split() for line in lines if line.startswith(f"PSNR {source} ")]
        assert [words[2].rstrip(":") for words in scored] == [
            rung.name for rung in plan_ladder(1920, 1080)
        ]
        worst = min(float(words[-2]) for words in scored)  # "... a-b -0.12 dB"
        assert worst == figures[f"psnr_delta_db_{source}"]


def test_bench_script_names_the_benchmarks_when_one_is_unknown() -> None:
    result = subprocess.run(
        ["bash", "scripts/bench.sh", "no_such_bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "There is no benchmark 'no_such_bench'" in result.stderr
    assert "transcode_ladder" in result.stderr


def test_procfile_runs_web_on_host_and_port_the_workers_and_the_ingest() -> None:
    procfile = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )

    assert set(procfile) == {"web", "worker", "live-worker", "ingest"}
    assert "config.asgi:application" in procfile["web"]
    assert '--host "$HOST" --port "$PORT"' in procfile["web"]
    assert "scripts/worker.py" in procfile["worker"]
    assert "Q_CLUSTER_NAME=live" in procfile["live-worker"]
    assert "scripts/worker.py" in procfile["live-worker"]
    assert "manage.py ingest" in procfile["ingest"]
