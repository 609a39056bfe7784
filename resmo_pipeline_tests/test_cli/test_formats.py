"""Every listing command takes --format table|csv|json|markdown, and the formats mean the same everywhere."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from resmo_pipeline.warehouse.formats import Table, render

from .conftest import run_cli


def test_listing_commands_in_every_format(demo_home: Path) -> None:
    for args in (["findings"], ["rules", "list"], ["integrations", "list"], ["queries", "list"],
                 ["queries", "run", "guests"], ["sql", "select name from azure_devops.projects"]):
        as_json = run_cli(demo_home, *args, "--format", "json")
        records = json.loads(as_json.stdout)
        assert as_json.returncode == 0 and records, args
        as_csv = list(csv.DictReader(io.StringIO(run_cli(demo_home, *args, "--format", "csv").stdout)))
        assert len(as_csv) == len(records) and list(as_csv[0]) == list(records[0]), args
        markdown = run_cli(demo_home, *args, "--format", "markdown").stdout.splitlines()
        assert markdown[0].startswith("|") and set(markdown[1]) <= set("|-: "), args


def test_text_that_looks_like_a_number_is_shown_as_it_is() -> None:
    table = Table.of(["build", "n", "when"], [("20261204.25", 3, None), ("0042", 12, None)])
    lines = render(table, "table").splitlines()
    assert lines[2].split() == ["20261204.25", "3", "NULL"] and lines[3].split() == ["0042", "12", "NULL"]
    assert json.loads(render(table, "json"))[1] == {"build": "0042", "n": 12, "when": None}


def test_findings_offer_the_common_formats_and_the_ci_exports() -> None:
    from resmo_pipeline.compliance.commands import FINDINGS_FORMATS
    from resmo_pipeline.compliance.exports import EXPORTERS
    from resmo_pipeline.warehouse.formats import FORMATS

    assert (*FORMATS, *EXPORTERS) == FINDINGS_FORMATS
