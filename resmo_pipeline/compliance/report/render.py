"""Turning the report's data into one self-contained HTML page (Jinja2, autoescaped).

Resource, project and rule names come from Azure DevOps and custom rules, so they are untrusted: the template
environment escapes every value unless it is markup built here (the charts, which escape their own labels). The
page carries its stylesheet and its one script inline and a Content-Security-Policy that allows nothing else:
no request leaves the page when it is opened, and an injected script would not run (the script is allowed by
its hash). Links go only to http(s) addresses (findings' links into Azure DevOps).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from resmo_pipeline.compliance.report.charts import Bar, bar_chart, trend_chart
from resmo_pipeline.compliance.report.data import SEVERITIES, ReportData

TEMPLATES = Path(__file__).parent / "templates"
SEVERITY_COLORS = {"critical": "#8e1b1b", "high": "#c4411c", "medium": "#b7791f", "low": "#3b6ea5"}
TOP_RULES = 15
TOP_PROJECTS = 12


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates under RESMO_HOME/cache/templates: compiling the page's template costs ~30 ms a call."""
    from resmo_pipeline import settings

    folder = settings.resmo_home() / "cache" / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _environment() -> jinja2.Environment:
    # autoescape=True for every template, whatever its file name: nothing reaches the page unescaped by accident.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["link"] = safe_link
    env.filters["percent"] = percent
    return env


def safe_link(url: Any) -> str | None:
    """The address if it is an http(s) link, else None (a ``javascript:`` link in a rule's output is dropped)."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


def percent(score: Any) -> str:
    """A 0..1 score as ``42.5 %``; no score (no rule passed or failed) as ``n/a``."""
    return "n/a" if score is None else f"{float(score) * 100:.1f} %"


def _score_label(row: dict[str, Any], organizations: int) -> str:
    return f"{row['organization']} · {row['framework']}" if organizations > 1 else row["framework"]


def charts(data: ReportData) -> dict[str, Markup]:
    """The page's charts as SVG markup, by name."""
    many = len(data.organizations)
    scored = [row for row in data.scores if row["score"] is not None]
    rules = data.rule_counts[:TOP_RULES]
    projects = data.project_counts[:TOP_PROJECTS]
    return {
        name: Markup(svg)
        for name, svg in {
            "scores": bar_chart(
                "Compliance score per framework (rules passed of rules evaluated)",
                [Bar(_score_label(r, many), float(r["score"]) * 100, percent(r["score"]), "#2e7d4f") for r in scored],
                maximum=100, empty="No rule was evaluated yet"),
            "severity": bar_chart(
                "Open findings by severity",
                [Bar(s, n, str(n), SEVERITY_COLORS[s]) for s, n in data.severity_counts.items()],
                empty="No open findings"),
            "rules": bar_chart(
                f"Open findings by rule (top {len(rules)})",
                [Bar(rule_id, n, str(n), SEVERITY_COLORS.get(sev, "#3b6ea5")) for rule_id, sev, n in rules],
                empty="No open findings"),
            "projects": bar_chart(
                f"Open findings by project (top {len(projects)})",
                [Bar(project, n, str(n)) for project, n in projects], empty="No open findings"),
            "trend": trend_chart("Open findings at the end of each day", data.trend),
        }.items()
    }


def _inline_script() -> tuple[Markup, str]:
    script = (TEMPLATES / "check.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return Markup(script), f"'sha256-{digest}'"


def render(data: ReportData, *, scope: str) -> str:
    """The whole page; ``scope`` names what it covers ("contoso", or "all organizations")."""
    script, script_hash = _inline_script()
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data,
        scope=scope,
        severities=SEVERITIES,
        charts=charts(data),
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        script=script,
        csp=f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_hash}; img-src data:",
    )
