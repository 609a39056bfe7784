"""The report's SVG charts, its trend reconstruction and its link filter, without a warehouse."""

from __future__ import annotations

import datetime as dt
import re

from resmo_pipeline.compliance.report.charts import Bar, bar_chart, trend_chart
from resmo_pipeline.compliance.report.data import open_trend
from resmo_pipeline.compliance.report.render import percent, safe_link


def test_bars_are_sized_by_value_and_labels_are_escaped() -> None:
    svg = bar_chart("Findings <by> project", [Bar("<b>big</b>", 10, "10"), Bar("small & odd", 5, "5"),
                                               Bar("none", 0, "0")])
    assert svg.startswith('<svg class="chart chart-bars"') and 'role="img"' in svg
    assert "<title id=" in svg and "Findings &lt;by&gt; project" in svg
    assert "<b>" not in svg and "&lt;b&gt;big&lt;/b&gt;" in svg and "small &amp; odd" in svg
    widths = [float(w) for w in re.findall(r'class="mark value" x="\d+" y="\d+" width="([\d.]+)"', svg)]
    assert len(widths) == 2 and abs(widths[0] - 2 * widths[1]) < 0.2  # a zero value draws no bar
    assert svg.count('class="mark track"') == 3


def test_an_empty_bar_chart_says_so() -> None:
    svg = bar_chart("Open findings", [], empty="No open findings")
    assert "No open findings" in svg and 'class="mark"' in svg


def test_long_labels_are_shortened_with_the_full_label_in_the_tooltip() -> None:
    label = "path.branch_queue_ungated_secrets_and_more"
    svg = bar_chart("rules", [Bar(label, 1, "1")])
    assert f"<title>{label}: 1</title>" in svg and "path.branch_queue_ungated_s…</text>" in svg


def test_the_trend_has_a_point_per_day_and_an_area_when_anything_was_open() -> None:
    days = [(dt.date(2026, 11, 1) + dt.timedelta(days=n), n) for n in range(5)]
    svg = trend_chart("trend", days)
    assert svg.count('class="mark point"') == 5 and 'class="mark area"' in svg
    assert "2026-11-01" in svg and "2026-11-05" in svg
    flat = trend_chart("trend", [(d, 0) for d, _n in days])
    assert 'class="mark area"' not in flat and flat.count('class="mark point"') == 5


def test_the_open_count_is_walked_back_from_today() -> None:
    since, now = dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 4, 12)
    events = [("new_finding", dt.datetime(2026, 11, 1, 9)), ("new_finding", dt.datetime(2026, 11, 2, 9)),
              ("resolved", dt.datetime(2026, 11, 3, 9)), ("regression", dt.datetime(2026, 11, 4, 9))]
    # 5 open now; before the last day's regression 4, before the resolution 5, before the second finding 4
    assert open_trend(5, events, since, now) == [
        (dt.date(2026, 11, 1), 4), (dt.date(2026, 11, 2), 5), (dt.date(2026, 11, 3), 4), (dt.date(2026, 11, 4), 5)]
    assert open_trend(0, events, since, now)[0][1] == 0  # never below zero (a suppression leaves no event)


def test_only_http_links_are_kept_and_scores_read_as_percent() -> None:
    assert safe_link("https://dev.azure.com/contoso/_settings/users") == "https://dev.azure.com/contoso/_settings/users"
    assert safe_link("javascript:alert(1)") is None and safe_link(" JavaScript:x") is None and safe_link(None) is None
    assert percent(0.4567) == "45.7 %" and percent(None) == "n/a"
