"""Reproducible installs: every dependency in pyproject.toml has an upper bound, and the lock files pin
each direct dependency to a version within its bounds (so `make lock` and `make upgrade-deps` stay inside
them)."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
UPPER = {"<", "<=", "==", "~=", "==="}


def _requirements() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"runtime": project["dependencies"], **project.get("optional-dependencies", {})}
    return {group: [Requirement(line) for line in lines] for group, lines in groups.items()}


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)}


def unbounded(requirements: list[Requirement]) -> list[str]:
    return [str(r) for r in requirements if not {s.operator for s in r.specifier} & UPPER]


def test_the_check_finds_a_dependency_without_an_upper_bound():
    found = unbounded([Requirement("Flask>=3.1,<4"), Requirement("matplotlib>=3.8"), Requirement("x~=1.2")])
    assert found == ["matplotlib>=3.8"]


@pytest.mark.parametrize("group", ["runtime", "dev"])
def test_every_dependency_has_an_upper_bound(group):
    requirements = _requirements()[group]
    assert len(requirements) > 5
    assert unbounded(requirements) == []


@pytest.mark.parametrize(
    ("group", "lock"), [("runtime", "prod.txt"), ("runtime", "dev.txt"), ("dev", "dev.txt")]
)
def test_the_lock_files_pin_every_dependency_within_its_bounds(group, lock):
    pins = _pins(lock)
    outside = {
        str(r): pins.get(canonicalize_name(r.name))
        for r in _requirements()[group]
        if canonicalize_name(r.name) not in pins or pins[canonicalize_name(r.name)] not in r.specifier
    }
    assert outside == {}, "run `make lock` after changing pyproject.toml"


def test_the_lock_files_carry_hashes():
    for lock in ("prod.txt", "dev.txt"):
        text = (ROOT / "requirements" / lock).read_text()
        assert text.count("==") == len(_pins(lock)) > 20
        assert text.count("--hash=sha256:") >= len(_pins(lock))
