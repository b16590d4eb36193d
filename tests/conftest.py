"""Shared fixtures. Area-specific fixtures live beside their tests."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return REPO_ROOT / "seeds"
