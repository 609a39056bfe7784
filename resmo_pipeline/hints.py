"""Commands the CLI suggests, written so that the user can paste them as they are.

A hint says ``resmo-pipeline ...`` only when that name runs this installation from the user's shell; otherwise it
names the console script by its path (``.venv/bin/resmo-pipeline`` after ``make demo``) or ``python -m``. A
non-default ``RESMO_HOME`` is part of the hint, since the command would otherwise look at another installation.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from resmo_pipeline import settings

PROGRAM = "resmo-pipeline"


def _same_file(first: str | Path, second: str | Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def program() -> str:
    """How the user's shell runs this installation's ``resmo-pipeline``."""
    script = Path(sys.executable).parent / PROGRAM
    on_path = shutil.which(PROGRAM)
    if on_path and (not script.exists() or _same_file(on_path, script)):
        return PROGRAM
    if script.exists():
        try:
            return shlex.quote(str(script.relative_to(Path.cwd())))
        except ValueError:
            return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m resmo_pipeline"


def command(*args: str) -> str:
    """``resmo-pipeline ARGS`` as a line to paste: the program as :func:`program` says, arguments quoted."""
    prefix = ""
    home = os.environ.get(settings.RESMO_HOME_ENV)
    if home and Path(home).expanduser().resolve() != (Path.cwd() / settings.DEFAULT_HOME).resolve():
        prefix = f"{settings.RESMO_HOME_ENV}={shlex.quote(str(settings.resmo_home()))} "
    return prefix + " ".join([program(), *(shlex.quote(arg) for arg in args)])
