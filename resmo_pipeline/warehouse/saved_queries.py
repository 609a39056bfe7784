"""Saved questions: curated SQL files for the questions security engineers ask every week.

A saved question is one ``.sql`` file in ``warehouse/questions/`` (built in) or in ``RESMO_QUERIES_DIR`` (your
own; a file there with a built-in's name replaces it). Its name is the file name; it starts with a header of
``--`` comment lines:

    -- Service connections every pipeline may use (no per-pipeline authorization).
    -- A pipeline that can use a connection can deploy with its identity; ...
    -- param project = : only this project (empty: every project)
    SELECT ...  WHERE ($project = '' OR project_name = $project)

The first line is the one-line title, ``-- param NAME = DEFAULT: meaning`` lines declare the ``$NAME`` parameters
(``--param NAME=VALUE`` on the command line; the default's type, whole number or text, is the value's type), and
the other header lines describe the question. Run them with ``resmo-pipeline queries run NAME``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
QUERIES_DIR_ENV = "RESMO_QUERIES_DIR"
_PARAM_LINE = re.compile(r"param\s+(?P<name>[a-z_][a-z0-9_]*)\s*=\s*(?P<default>[^:]*?)\s*(?::\s*(?P<meaning>.*))?$")


class SavedQueryError(ValueError):
    """A saved question that cannot be loaded or run as asked, with what to do."""


@dataclass(frozen=True)
class Param:
    """One ``$name`` a saved question takes, with its default and what it means."""

    name: str
    default: int | str
    meaning: str = ""

    def parse(self, text: str) -> int | str:
        """A value given on the command line, as the type of the default."""
        if isinstance(self.default, int):
            try:
                return int(text)
            except ValueError:
                raise SavedQueryError(f"--param {self.name} takes a whole number, not {text!r}") from None
        return text


@dataclass(frozen=True)
class SavedQuery:
    """A saved question: its name, title, description, parameters and SQL."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    sql: str
    path: Path

    def values(self, given: Mapping[str, str] | None = None) -> dict[str, int | str]:
        """The parameter values to run with: the defaults, with ``given`` (text from the command line) applied."""
        given = dict(given or {})
        known = {param.name: param for param in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            takes = ", ".join(known) or "no parameters"
            raise SavedQueryError(f"{self.name} has no parameter {', '.join(unknown)} (it takes {takes})")
        return {name: param.parse(given[name]) if name in given else param.default for name, param in known.items()}


def _default(text: str) -> int | str:
    return int(text) if re.fullmatch(r"-?\d+", text) else text.strip("'\"")


def parse_saved_query(text: str, path: Path) -> SavedQuery:
    """A saved question from its file's text (see the module's docstring for the format)."""
    header: list[str] = []
    lines = text.splitlines()
    while lines and lines[0].startswith("--"):
        header.append(lines.pop(0)[2:].strip())
    sql = "\n".join(lines).strip().rstrip(";").strip()
    if not header or not header[0]:
        raise SavedQueryError(f"{path}: the first line must be `-- <what the question answers>`")
    if not sql:
        raise SavedQueryError(f"{path}: no SQL after the header")
    params, description = [], []
    for line in header[1:]:
        match = _PARAM_LINE.match(line)
        if match:
            params.append(Param(match["name"], _default(match["default"]), (match["meaning"] or "").strip()))
        else:
            description.append(line)
    return SavedQuery(
        name=path.stem, title=header[0], description="\n".join(description).strip(), params=tuple(params), sql=sql,
        path=path,
    )


def _directories() -> list[Path]:
    own = os.environ.get(QUERIES_DIR_ENV)
    return [QUESTIONS_DIR, *([Path(own).expanduser()] if own else [])]


def saved_queries() -> dict[str, SavedQuery]:
    """Every saved question by name, built-in first, then ``RESMO_QUERIES_DIR`` (which may replace one)."""
    found: dict[str, SavedQuery] = {}
    for directory in _directories():
        for path in sorted(directory.glob("*.sql")):
            found[path.stem] = parse_saved_query(path.read_text(encoding="utf-8"), path)
    return dict(sorted(found.items()))


def saved_query(name: str) -> SavedQuery:
    """One saved question by name; the error lists the names there are."""
    queries = saved_queries()
    if name not in queries:
        raise SavedQueryError(
            f"no saved question named {name!r}; `resmo-pipeline queries list` shows the {len(queries)} there are"
        )
    return queries[name]


def parse_assignments(pairs: list[str] | None) -> dict[str, str]:
    """``["days=30", "project=Payments"]`` as a dict (the ``--param k=v`` options)."""
    values = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SavedQueryError(f"--param takes NAME=VALUE, not {pair!r}")
        values[name.strip()] = value
    return values
