"""The Colab stand-in, made (or reused) once per test session; see colab_env.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import colab_env
import pytest


@dataclass
class Colab:
    venv: Path
    wheel: Path
    reused: bool
    seconds: float


@pytest.fixture(scope="session")
def colab(tmp_path_factory):
    """The venv with Colab's packages and the freshly built wheel of crossent installed."""
    with colab_env.venv_lock():
        start = time.perf_counter()
        venv, reused = colab_env.ensure_venv()
        wheel = colab_env.build_wheel(tmp_path_factory.mktemp("crossent-wheel"))
        colab_env.install_wheel(wheel)
        seconds = time.perf_counter() - start
        print(f"\nColab stand-in {'reused' if reused else 'made'}: {venv} ({seconds:.0f} s)")
        yield Colab(venv, wheel, reused, seconds)
