"""Where tests find the repo, their data and the shared seeds (relative to the repo, never absolute)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
DATA = TESTS / "data"
OUTPUT = TESTS / "output"
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
