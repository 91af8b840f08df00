"""site_builder: a static website generator for Pathway Figure OCR figure pages."""
from __future__ import annotations

from importlib import metadata
from pathlib import Path


def _version() -> str:
    """The installed distribution's version; from a checkout that was never installed, the
    version in its pyproject.toml."""
    try:
        return metadata.version("site-builder")
    except metadata.PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _version()
