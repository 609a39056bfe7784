"""`resmo-pipeline report` on the demo's warehouse: what the page holds, that it needs nothing from the network,
that names are escaped, and the errors for a missing warehouse, an unknown organization and a bad date."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import escape

from resmo_pipeline_tests.test_cli.test_startup import loaded_by

from .conftest import (
    AUDIT_ACTOR,
    HOSTILE_NAME,
    HOSTILE_URL,
    OLD_CHANGE,
    SECOND_ORG,
    SECOND_ORG_RESOURCE,
    run_cli,
    warehouse_rows,
    write_report,
)

SEVERITIES = ("critical", "high", "medium", "low")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    return parser


def section(page: str, name: str) -> str:
    start = page.index(f'<section id="{name}">')
    return page[start:page.index("</section>", start)]


def test_the_report_is_one_file_that_needs_no_network(demo_report: tuple[Path, str, str]) -> None:
    path, stdout, page = demo_report
    tags = parse(page)
    assert str(path.resolve()) == stdout.splitlines()[0]
    assert re.match(r"all organizations: \d+ open findings \(critical \d+, high \d+", stdout.splitlines()[1])
    assert not [t for t, _a in tags.tags if t in ("link", "img", "iframe", "object", "embed", "image", "use")]
    assert all("src" not in attrs for _t, attrs in tags.tags)  # the one <script> is inline
    links = [attrs["href"] or "" for tag, attrs in tags.tags if "href" in attrs]
    outside = [link for link in links if not link.startswith("#")]
    assert outside and all(link.startswith("https://dev.azure.com/") for link in outside), outside[:5]
    assert not any(tag != "a" for tag, attrs in tags.tags if "href" in attrs)
    style = "".join(tags.styles)
    assert style and "url(" not in style and "@import" not in style
    policy = next(attrs["content"] for tag, attrs in tags.tags if attrs.get("http-equiv") == "Content-Security-Policy")
    assert policy.startswith("default-src 'none'") and "script-src 'sha256-" in policy


def test_the_report_holds_scores_severity_counts_and_remediation(
    demo_home: Path, demo_report: tuple[Path, str, str]
) -> None:
    _path, _stdout, page = demo_report
    counts = dict(warehouse_rows(demo_home, "SELECT severity, count(*) FROM compliance.findings"
                                            " WHERE status = 'open' GROUP BY severity"))
    for severity in SEVERITIES:
        assert f'id="open-{severity}">{counts.get(severity, 0)}<' in page
        assert re.search(rf'data-severity="{severity}">.*?<td class="num">{counts.get(severity, 0)}</td>', page, re.S)
    assert f'id="open-total">{sum(counts.values())}<' in page

    scores = section(page, "scores")
    rows = warehouse_rows(demo_home, "SELECT framework, passed, failed FROM compliance.scores")
    assert rows
    for framework, passed, failed in rows:
        assert re.search(rf"<td>{framework}</td>\s*<td class=\"num\">{passed}</td><td class=\"num\">{failed}</td>",
                         scores), framework

    rule_id, url, name = warehouse_rows(
        demo_home, "SELECT rule_id, url, resource_name FROM compliance.findings WHERE status = 'open'"
                   " AND rule_id = 'sc.all_pipelines_access' ORDER BY resource_name LIMIT 1")[0]
    article = page[page.index(f'id="rule-contoso-{rule_id}"'):]
    article = article[:article.index("</article>")]
    assert f'<a href="{escape(url)}">{escape(name)}</a>' in article
    remediation = re.search(r'<div class="remediation"><strong>Fix:</strong> (.+?)</div>', article, re.S).group(1)
    assert len(remediation) > 30 and "$" not in remediation
    # every remediation has its parameters filled in, as `rules show` prints them
    assert not re.search(r'class="remediation">[^<]*<strong>Fix:</strong>[^<]*\$[a-z_]+', page)


def test_the_change_list_names_who_made_each_change(demo_report: tuple[Path, str, str]) -> None:
    _path, _stdout, page = demo_report
    changes = section(page, "changes")
    row = next(r for r in re.findall(r'<tr class="change">.*?</tr>', changes, re.S) if "prod-azure-wif" in r)
    # the demo's audit entry is not in the warehouse (its targeted sync skips audit_log): the resource says who
    assert "alice@contoso.com" in row and "authorizedBy" in row and "modified" in row
    assert "1 of 1 with a known author" in changes


def test_the_author_comes_from_the_audit_log_when_it_names_the_change(report_home: Path, tmp_path: Path) -> None:
    _stdout, page = write_report(report_home, tmp_path / "r.html")
    row = next(r for r in re.findall(r'<tr class="change">.*?</tr>', page, re.S) if "prod-azure-wif" in r)
    who = row.split('class="who">')[1].split("</td>")[0]
    assert AUDIT_ACTOR in who and "audit log: Library.ServiceConnectionModified" in who


def test_since_limits_the_changes_and_events_to_the_period(report_home: Path, tmp_path: Path) -> None:
    _stdout, default = write_report(report_home, tmp_path / "default.html")
    since = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=45)).isoformat()
    stdout, longer = write_report(report_home, tmp_path / "longer.html", "--since", since)
    assert OLD_CHANGE not in default and OLD_CHANGE in longer
    assert f"since {since}" in stdout and f"Period {since}" in longer
    assert len(re.findall(r'<circle class="mark point"', longer)) == 46  # a point per day, today included
    today = dt.datetime.now(dt.UTC).date().isoformat()
    stdout, today_only = write_report(report_home, tmp_path / "today.html", "--since", today)
    assert len(re.findall(r'<circle class="mark point"', today_only)) == 1 and OLD_CHANGE not in today_only
    for bad, said in (("2026-13-01", "is not a date"), ("01.11.2026", "is not a date"), ("2999-01-01", "future")):
        completed = run_cli(report_home, "report", "--output", str(tmp_path / "bad.html"), "--since", bad)
        assert completed.returncode == 2 and said in completed.stderr, completed.stderr
    assert not (tmp_path / "bad.html").exists()


def test_names_from_azure_devops_are_escaped(report_home: Path, tmp_path: Path) -> None:
    _stdout, page = write_report(report_home, tmp_path / "r.html")
    assert HOSTILE_NAME not in page and "<img" not in page
    assert str(escape(HOSTILE_NAME)) in page  # the finding's resource, its project and its message, by Jinja2
    assert html.escape(HOSTILE_NAME[:27]) in section(page, "findings-summary")  # the project chart's label
    assert page.count("<script>") == 1  # the page's own self-check
    assert f'href="{HOSTILE_URL}"' not in page and "javascript:" not in page


def test_one_organization_and_an_unknown_one(demo_home: Path, tmp_path: Path) -> None:
    stdout, page = write_report(demo_home, tmp_path / "contoso.html", "--org", "CONTOSO")
    assert stdout.splitlines()[1].startswith("contoso: ") and "security report: contoso" in page
    completed = run_cli(demo_home, "report", "--org", "fabrikam", "--output", str(tmp_path / "f.html"))
    assert completed.returncode == 2
    assert "'fabrikam'" in completed.stderr and "Known organizations: contoso" in completed.stderr
    assert not (tmp_path / "f.html").exists()


def test_without_a_warehouse_it_says_to_run_the_demo_or_a_sync(tmp_path: Path) -> None:
    completed = run_cli(tmp_path / "empty-home", "report", "--output", str(tmp_path / "r.html"))
    assert completed.returncode == 2
    assert "no warehouse" in completed.stderr and "resmo-pipeline demo" in completed.stderr
    assert "resmo-pipeline sync" in completed.stderr and "Traceback" not in completed.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_missing_output_folder_is_refused(demo_home: Path, tmp_path: Path) -> None:
    completed = run_cli(demo_home, "report", "--output", str(tmp_path / "nowhere" / "r.html"))
    assert completed.returncode == 1 and "does not exist" in completed.stderr


def test_the_report_loads_neither_dagster_nor_pandas(demo_home: Path, tmp_path: Path) -> None:
    output = str(tmp_path / "r.html")
    loaded_by(demo_home, "report", "--output", output)  # the first run after an install caches the audit actions
    found = loaded_by(demo_home, "report", "--output", output)
    assert found["code"] == 0 and found["heavy"] == []


def test_every_organization_or_one_of_them(report_home: Path, tmp_path: Path) -> None:
    stdout, both = write_report(report_home, tmp_path / "all.html")
    assert stdout.splitlines()[1].startswith("all organizations: ")
    assert "organizations: contoso, fabrikam" in both and SECOND_ORG_RESOURCE in both
    assert 'id="rule-fabrikam-sc.all_pipelines_access"' in both and "<th>Organization</th>" in both
    stdout, one = write_report(report_home, tmp_path / "fabrikam.html", "--org", SECOND_ORG)
    assert stdout.splitlines()[1].startswith("fabrikam: 1 open findings") and 'id="open-total">1<' in one
    assert SECOND_ORG_RESOURCE in one and "prod-azure-wif" not in one and "rule-contoso-" not in one
