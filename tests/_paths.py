"""The repository's root, for tests at any depth under tests/ (``from tests._paths import REPO``)."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
