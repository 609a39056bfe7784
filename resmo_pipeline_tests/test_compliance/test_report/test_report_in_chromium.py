"""The demo's report drawn by headless Chromium (Debian's `chromium`, installed by scripts/ensure-chromium.sh):
every chart's shapes have a size on screen, as the page's own self-check (templates/check.js) measures them."""

from __future__ import annotations

import re
from pathlib import Path

from resmo_pipeline.compliance.report.charts import Bar, bar_chart
from resmo_pipeline.compliance.report.render import TEMPLATES

from .conftest import headless


def charts_in(dom: str) -> list[dict[str, str]]:
    """The attributes of each chart's <svg> in a dumped DOM."""
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r"<svg [^>]*>", dom)
            if 'class="chart' in tag]


def body_attributes(dom: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', re.search(r"<body[^>]*>", dom).group(0)))


def test_every_chart_of_the_demo_report_is_drawn(
    chromium: str, demo_report: tuple[Path, str, str], tmp_path: Path
) -> None:
    path, _stdout, _page = demo_report
    completed = headless(chromium, tmp_path / "profile", "--dump-dom", path.resolve().as_uri())
    dom = completed.stdout
    assert completed.returncode == 0 and "</html>" in dom, completed.stderr[-2000:]
    charts = charts_in(dom)
    assert {c["class"] for c in charts} == {"chart chart-bars", "chart chart-trend"}
    assert len(charts) == 5  # scores, severity, rules, projects, trend
    for chart in charts:
        assert chart["role"] == "img"
        assert int(chart["data-marks"]) > 0 and chart["data-drawn"] == chart["data-marks"], chart
    body = body_attributes(dom)
    assert body["data-charts"] == body["data-charts-drawn"] == "5"
    # each chart is named for screen readers
    assert len(re.findall(r'<svg [^>]*role="img"[^>]*>\s*<title id="[^"]+">[^<]+</title><desc', dom)) == 5


def test_the_self_check_reports_a_chart_that_was_not_drawn(chromium: str, tmp_path: Path) -> None:
    shown = bar_chart("shown", [Bar("a", 3, "3"), Bar("b", 1, "1")])
    hidden = bar_chart("hidden", [Bar("a", 3, "3")])
    flat = ('<svg class="chart" role="img" width="100" height="20"><title>flat</title>'
            '<rect class="mark" x="0" y="0" width="0" height="10"/></svg>')
    page = tmp_path / "page.html"
    page.write_text(f'<!DOCTYPE html><html><body>{shown}<div style="display:none">{hidden}</div>{flat}'
                    f'<script>{(TEMPLATES / "check.js").read_text()}</script></body></html>')
    completed = headless(chromium, tmp_path / "profile", "--dump-dom", page.as_uri())
    charts = charts_in(completed.stdout)
    assert [(c["data-marks"], c["data-drawn"]) for c in charts] == [("4", "4"), ("2", "0"), ("1", "0")]
    assert body_attributes(completed.stdout)["data-charts-drawn"] == "1"


def test_a_screenshot_of_the_report(chromium: str, demo_report: tuple[Path, str, str], tmp_path: Path) -> None:
    path, _stdout, _page = demo_report
    shot = tmp_path / "report.png"
    completed = headless(chromium, tmp_path / "profile", "--hide-scrollbars", f"--screenshot={shot}",
                         "--window-size=1280,2000", path.resolve().as_uri())
    assert completed.returncode == 0, completed.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20]) == 1280 and int.from_bytes(png[20:24]) == 2000
    assert len(png) > 50_000  # a page of text and charts, not a blank one (a blank page compresses to ~10 KB)
