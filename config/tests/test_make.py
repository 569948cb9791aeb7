"""The developer commands' contracts: benchmark output and the helper scripts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = re.compile(
    r"^ratio=\d+\.\d\d cores_busy=\d+\.\d\d realtime=\d+\.\d\d psnr_delta_db=-?\d+\.\d\d$"
)


@pytest.mark.media
@pytest.mark.slow
def test_transcode_ladder_bench_ends_with_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, "bench/transcode_ladder.py", "--seconds", "1", "--preset", "ultrafast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert FIGURES.match(lines[-1]), lines[-1]
    assert result.stdout.endswith(lines[-1] + "\n")  # nothing after the figures
    assert any(line.startswith("PSNR 360p: a ") for line in lines)


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


def test_procfile_runs_web_on_host_and_port_and_the_worker() -> None:
    procfile = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )

    assert set(procfile) == {"web", "worker"}
    assert "config.asgi:application" in procfile["web"]
    assert '--host "$HOST" --port "$PORT"' in procfile["web"]
    assert "scripts/worker.py" in procfile["worker"]
