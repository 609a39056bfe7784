"""Package attributes imported on first use (PEP 562), so that importing a package stays cheap.

The CLI imports every package's ``commands`` module to build its parser; a package whose ``__init__`` pulled in
DuckDB, Dagster or an HTTP server would make ``--help`` pay for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_attributes(package: str, exports: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a module path) when ``name`` is first read."""

    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return __getattr__
