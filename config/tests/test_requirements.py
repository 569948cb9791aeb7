"""The locked requirements (.txt) match their ranges (.in), agree with each other, carry hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements"
LOCKS = ("base", "prod", "dev")
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def ranges(name: str) -> list[Requirement]:
    """Return the requirements of ``name``.in and of the .in files it includes (-r)."""
    found = []
    for line in (REQUIREMENTS / f"{name}.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            found += ranges(line[3:].strip().removesuffix(".in"))
        elif line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def pins(name: str) -> dict[str, tuple[str, int]]:
    """Map each package of ``name``.txt to its version and how many hashes it lists."""
    locked: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (REQUIREMENTS / f"{name}.txt").read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            assert current not in locked, f"{name}.txt pins {current} twice"
            locked[current] = (match[2], 0)
        elif line.strip().startswith("--hash=sha256:"):
            version, hashes = locked[current]
            locked[current] = (version, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            pytest.fail(f"{name}.txt has a line that is not a pin, hash or comment: {line!r}")
    return locked


@pytest.mark.parametrize("name", LOCKS)
def test_every_range_is_locked_to_a_version_inside_it(name: str) -> None:
    locked = pins(name)
    for requirement in ranges(name):
        package = canonicalize_name(requirement.name)
        assert package in locked, f"{package} is in {name}.in but not {name}.txt: run make lock"
        version = locked[package][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}.txt has {package}=={version}, outside {name}.in's {requirement.specifier}: "
            "run make lock"
        )


@pytest.mark.parametrize("name", LOCKS)
def test_every_locked_package_has_hashes(name: str) -> None:
    # pip --require-hashes refuses a file whose package has none; one missing breaks make run.
    missing = [package for package, (_, hashes) in pins(name).items() if hashes == 0]
    assert not missing


@pytest.mark.parametrize("name", ["prod", "dev"])
def test_prod_and_dev_run_the_versions_base_locked(name: str) -> None:
    base, other = pins("base"), pins(name)
    differ = {
        package: (version, other[package][0])
        for package, (version, _) in base.items()
        if package in other and other[package][0] != version
    }
    assert not differ
    assert set(base) <= set(other)
