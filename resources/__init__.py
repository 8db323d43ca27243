"""Files the application ships: sample data, icons and, later, fonts.

A package rather than a loose folder so ``pip install .`` carries it; ``path`` finds a file
whether casereview runs from a checkout, an installed wheel or a frozen build.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def path(*parts: str) -> Path:
    """The filesystem path of a shipped resource, for example ``path("icons", "app.svg")``."""
    resource = files(__name__).joinpath(*parts)
    with as_file(resource) as concrete:
        # Wheels and frozen builds install resources as real files, so the path stays valid.
        return Path(concrete)


def read_bytes(*parts: str) -> bytes:
    return files(__name__).joinpath(*parts).read_bytes()
