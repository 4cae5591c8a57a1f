"""Shared fixtures. The guests must be installed (scripts/test does it before pytest)."""

from pathlib import Path

import pytest

import airlock

ROOT = Path(__file__).resolve().parents[2]
GUESTS = ROOT / "tests" / "guests"
CORPUS = ROOT / "tests" / "corpus" / "js" / "samples"


@pytest.fixture
def sandbox() -> airlock.Sandbox:
    return airlock.Sandbox(timeout=10)


@pytest.fixture
def guests_dir() -> Path:
    return GUESTS


@pytest.fixture
def corpus_dir() -> Path:
    return CORPUS
