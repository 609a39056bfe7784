"""The SQL shell: completion of schema, table and column names, multi-line statements, the scripted mode, and an
interactive session typed through prompt_toolkit (its real key bindings, Tab included)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from resmo_pipeline.warehouse.access import read_connection
from resmo_pipeline.warehouse.shell import (
    SchemaCatalog,
    SqlShell,
    completions,
    is_complete,
    prompt_session,
    run_script,
    split_statements,
)

from .conftest import run_cli

CATALOG = SchemaCatalog({
    "azure_devops": {"repositories": ["organization", "name", "project_name", "default_branch"],
                     "projects": ["organization", "name", "visibility"]},
    "history": {"changes": ["resource_type", "change_type", "detected_at"]},
})


@pytest.fixture
def demo_conn(demo_home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_connection(demo_home / "warehouse.duckdb") as conn:
        yield conn


def test_completion_knows_schemas_tables_columns_and_aliases() -> None:
    assert completions(CATALOG, "select * from azure_devops.re")[1] == ["azure_devops.repositories"]
    assert completions(CATALOG, "select * from hist")[1] == ["history.changes", "history."]
    assert completions(CATALOG, "select * from history.")[1] == ["history.changes"]
    assert completions(CATALOG, "select r.def from azure_devops.repositories r", 12)[1] == ["r.default_branch"]
    word, found = completions(CATALOG, "select vis from azure_devops.projects", 10)
    assert word == "vis" and found[0] == "visibility"
    assert "SELECT" in completions(CATALOG, "sel")[1]


def test_statements_end_at_a_semicolon_outside_strings_and_comments() -> None:
    assert split_statements("select ';' as a; -- x;\nselect 2;\nselect") == (["select ';' as a", "-- x;\nselect 2"],
                                                                              "\nselect")
    assert not is_complete("select name\nfrom azure_devops.projects")
    assert is_complete("select name\nfrom azure_devops.projects;") and is_complete(".tables")


def test_scripted_session_on_the_demo(demo_home: Path) -> None:
    script = (".format csv\n"
              "select name, visibility\n  from azure_devops.projects\n where visibility = 'public';\n"
              ".ask broad_pats\n"
              "select * from azure_devops.no_such_table;\n")
    completed = run_cli(demo_home, "sql", stdin=script)
    lines = completed.stdout.splitlines()
    assert lines[:2] == ["name,visibility", "Open Source Tools,public"]
    assert "-- Personal access tokens with full scope or valid in all organizations." in lines
    assert any(line.startswith("contoso,full-access-legacy,") for line in lines)
    assert "no_such_table" in completed.stdout and completed.returncode == 1


def test_interactive_session_completes_with_tab_and_runs_multi_line_statements(
    demo_conn: duckdb.DuckDBPyConnection,
) -> None:
    out = io.StringIO()
    shell = SqlShell(demo_conn, "csv", out=out)
    # Tab completes the table, then (on the second line) a column through the table's alias. Completion runs as
    # a task of the prompt's event loop, so the keys come from another thread, with a pause after each Tab.
    chunks = ["select count(*) as n from azure_devops.repo\t", " r\rwhere r.is_disa\t", " = false;\r"]
    with create_pipe_input() as keys:
        session = prompt_session(shell, input=keys, output=DummyOutput())

        def type_keys() -> None:
            for chunk in chunks:
                keys.send_text(chunk)
                time.sleep(0.5)

        typist = threading.Thread(target=type_keys)
        typist.start()
        statement = session.prompt()
        typist.join()
    shell.run(statement)
    assert statement == "select count(*) as n from azure_devops.repositories r\nwhere r.is_disabled = false;"
    expected = demo_conn.execute("select count(*) from azure_devops.repositories where not is_disabled").fetchone()
    assert out.getvalue().splitlines() == ["n", str(expected[0])]


def test_dot_commands(demo_conn: duckdb.DuckDBPyConnection) -> None:
    out = io.StringIO()
    shell = SqlShell(demo_conn, "csv", out=out)
    code = run_script(shell, [".tables compliance\n", ".columns azure_devops.projects\n", ".format yaml\n",
                              ".quit\n", "select 1;\n"])
    text = out.getvalue()
    assert "compliance,findings," in text and "visibility,VARCHAR" in text
    assert "usage: .format" in text and code == 1
    assert "\n1\n" not in text  # nothing runs after .quit
