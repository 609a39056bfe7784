"""The compliance tables in the warehouse and how an evaluation updates them.

- ``compliance.findings``: one row per (rule, organization, resource type, resource) ever found violating
  (``file_path`` and ``line`` point into the repository file for findings in pipeline YAML), with its
  life-cycle: ``open`` → ``resolved`` when the resource is fixed (``resolved_at``) → ``open`` again on a
  regression (``reopened_count`` + 1). ``first_seen`` never changes. A finding covered by an active suppression is
  ``suppressed`` with the suppression's reason, owner and expiry; when it expires the finding reopens.
- ``compliance.rule_results``: per run, rule and organization: passed / failed / not_evaluable / error.
- ``compliance.rules``: the loaded rules' metadata (severity, anchors as JSON, ...), to join on in SQL.
- ``compliance.finding_events``: each transition an evaluation caused (new_finding, regression, resolved,
  suppression_expired), for notifications.
- ``compliance.scores`` (view): per organization and anchor framework, passed / (passed + failed) over the
  latest result of each rule; ``framework = 'all'`` covers every rule.

All updates are set-based DuckDB SQL (one MERGE per evaluation), inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

import duckdb
import pandas as pd

from resmo_pipeline.compliance.model import Rule, RuleResult
from resmo_pipeline.compliance.suppressions import Suppression
from resmo_pipeline.warehouse.schema import ensure_table

FINDINGS_COLUMNS: dict[str, str] = {
    "rule_id": "VARCHAR",
    "organization": "VARCHAR",
    "resource_id": "VARCHAR",
    "resource_name": "VARCHAR",
    "resource_type": "VARCHAR",
    "project_name": "VARCHAR",
    "url": "VARCHAR",
    "severity": "VARCHAR",
    "message": "VARCHAR",
    "file_path": "VARCHAR",
    "line": "INTEGER",
    "status": "VARCHAR",
    "suppression_reason": "VARCHAR",
    "suppression_owner": "VARCHAR",
    "suppression_expires": "DATE",
    "first_seen": "TIMESTAMP",
    "last_seen": "TIMESTAMP",
    "resolved_at": "TIMESTAMP",
    "reopened_count": "INTEGER",
    "last_run_id": "VARCHAR",
}
RULE_RESULTS_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "evaluated_at": "TIMESTAMP",
    "rule_id": "VARCHAR",
    "organization": "VARCHAR",
    "status": "VARCHAR",
    "violations": "INTEGER",
    "suppressed": "INTEGER",
    "reason": "VARCHAR",
    "duration_ms": "DOUBLE",
}
RULES_COLUMNS: dict[str, str] = {
    "rule_id": "VARCHAR",
    "check_name": "VARCHAR",
    "title": "VARCHAR",
    "severity": "VARCHAR",
    "resource_type": "VARCHAR",
    "description": "VARCHAR",
    "rationale": "VARCHAR",
    "remediation": "VARCHAR",
    "anchors": "JSON",
    "params": "JSON",
    "requires": "JSON",
    "source": "VARCHAR",
    "path": "VARCHAR",
    "updated_at": "TIMESTAMP",
}
VIOLATION_COLUMNS: tuple[str, ...] = (
    "rule_id",
    "organization",
    "resource_id",
    "resource_name",
    "resource_type",
    "project_name",
    "url",
    "severity",
    "message",
    "file_path",
    "line",
)
FINDING_EVENTS_COLUMNS: dict[str, str] = {
    "event_id": "VARCHAR",
    "kind": "VARCHAR",  # new_finding | regression | resolved | suppression_expired
    "organization": "VARCHAR",
    "rule_id": "VARCHAR",
    "resource_type": "VARCHAR",
    "resource_id": "VARCHAR",
    "resource_name": "VARCHAR",
    "severity": "VARCHAR",
    "message": "VARCHAR",
    "occurred_at": "TIMESTAMP",
    "run_id": "VARCHAR",
}
_TABLES = {
    "findings": FINDINGS_COLUMNS,
    "rule_results": RULE_RESULTS_COLUMNS,
    "rules": RULES_COLUMNS,
    "finding_events": FINDING_EVENTS_COLUMNS,
}

SCORES_VIEW = """
CREATE OR REPLACE VIEW compliance.scores AS
WITH latest AS (
    SELECT organization, rule_id, status
    FROM compliance.rule_results
    QUALIFY row_number() OVER (PARTITION BY organization, rule_id ORDER BY evaluated_at DESC, run_id DESC) = 1
), framed AS (
    SELECT organization, rule_id, status, 'all' AS framework FROM latest
    UNION ALL
    SELECT latest.organization, latest.rule_id, latest.status, unnest(json_keys(rules.anchors)) AS framework
    FROM latest JOIN compliance.rules AS rules USING (rule_id)
)
SELECT
    organization,
    framework,
    count(*) FILTER (WHERE status = 'passed') AS passed,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    count(*) FILTER (WHERE status = 'not_evaluable') AS not_evaluable,
    count(*) FILTER (WHERE status = 'error') AS errors,
    round(passed / nullif(passed + failed, 0), 4) AS score
FROM framed
GROUP BY organization, framework
"""


def run_on_frame(conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame, sql: str) -> None:
    """Run ``sql`` with the DataFrame readable as the table ``frame``, inside the connection's transaction.

    (Unlike ``register``, this works while an earlier result on the connection is not fully fetched.)
    """
    result = conn.from_df(frame).query("frame", sql)
    if result is not None:
        result.fetchall()


def ensure_compliance_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the compliance tables and the scores view, adding columns newer versions introduced."""
    for table, columns in _TABLES.items():
        ensure_table(conn, "compliance", table, columns)
    conn.execute(SCORES_VIEW)


def record_rules(conn: duckdb.DuckDBPyConnection, rules: Iterable[Rule], now: dt.datetime) -> None:
    """Upsert the rules' metadata into ``compliance.rules`` (anchors, params and requires as JSON)."""
    frame = pd.DataFrame(
        [
            {
                "rule_id": rule.id,
                "check_name": rule.check_name,
                "title": rule.title,
                "severity": rule.severity.value,
                "resource_type": rule.resource_type,
                "description": rule.description,
                "rationale": rule.rationale,
                "remediation": rule.remediation,
                "anchors": json.dumps({key: list(value) for key, value in rule.anchors.items()}),
                "params": json.dumps(dict(rule.params), default=str),
                "requires": json.dumps(list(rule.requires)),
                "source": rule.source,
                "path": str(rule.path) if rule.path else None,
                "updated_at": now,
            }
            for rule in rules
        ],
        columns=list(RULES_COLUMNS),
    )
    run_on_frame(conn, frame, "CREATE OR REPLACE TEMP TABLE _compliance_rules AS SELECT * FROM frame")
    conn.execute("DELETE FROM compliance.rules WHERE rule_id IN (SELECT rule_id FROM _compliance_rules)")
    conn.execute(
        "INSERT INTO compliance.rules BY NAME SELECT * REPLACE (anchors::JSON AS anchors,"
        " params::JSON AS params, requires::JSON AS requires) FROM _compliance_rules"
    )
    conn.execute("DROP TABLE _compliance_rules")


def _suppressions_frame(suppressions: Sequence[Suppression], today: dt.date) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "position": position,
                "rule_pattern": item.rule,
                "organization_pattern": item.organization,
                "resource_pattern": item.resource.lower(),
                "reason": item.reason,
                "owner": item.owner,
                "expires": item.expires,
            }
            for position, item in enumerate(suppressions)
            if item.active_on(today)
        ],
        columns=["position", "rule_pattern", "organization_pattern", "resource_pattern", "reason", "owner", "expires"],
    ).astype({"position": "int64", "expires": "datetime64[s]"})


# Violations joined with the first active suppression matching them (rule, organization and resource globs).
_MATCHED = """
CREATE OR REPLACE TEMP TABLE _compliance_matched AS
SELECT v.*, s.reason AS suppression_reason, s.owner AS suppression_owner,
       CAST(s.expires AS DATE) AS suppression_expires, s.position IS NOT NULL AS is_suppressed
FROM _compliance_violations AS v
LEFT JOIN _compliance_suppressions AS s
  ON v.rule_id GLOB s.rule_pattern
 AND v.organization GLOB s.organization_pattern
 AND (lower(v.resource_name) GLOB s.resource_pattern OR lower(v.resource_id) GLOB s.resource_pattern)
QUALIFY row_number() OVER (
    PARTITION BY v.rule_id, v.organization, v.resource_type, v.resource_id ORDER BY s.position NULLS LAST
) = 1
"""

# Open/suppressed findings of evaluated rules that were not found again are resolved; found ones are refreshed
# (a resolved one, or a suppressed one whose suppression lapsed, counts as reopened); new ones are inserted.
# The transitions this evaluation causes, computed from the findings before the merge: a new open finding, a
# resolved one found again (regression), a suppressed one whose suppression lapsed, an open/suppressed one fixed.
_EVENTS = """
INSERT INTO compliance.finding_events BY NAME
SELECT md5(concat_ws('|', rule_id, organization, resource_type, resource_id, kind, $run_id, $now)) AS event_id,
       kind, organization, rule_id, resource_type, resource_id, resource_name, severity, message,
       $now AS occurred_at, $run_id AS run_id
FROM (
    SELECT CASE
               WHEN m.is_suppressed THEN NULL
               WHEN f.status IS NULL THEN 'new_finding'
               WHEN f.status = 'resolved' THEN 'regression'
               WHEN f.status = 'suppressed' THEN 'suppression_expired'
           END AS kind,
           m.rule_id, m.organization, m.resource_type, m.resource_id, m.resource_name, m.severity, m.message
    FROM _compliance_matched AS m
    LEFT JOIN compliance.findings AS f
      ON f.rule_id = m.rule_id AND f.organization = m.organization AND f.resource_type = m.resource_type
     AND f.resource_id = m.resource_id
    UNION ALL
    SELECT 'resolved', f.rule_id, f.organization, f.resource_type, f.resource_id, f.resource_name, f.severity,
           f.message
    FROM compliance.findings AS f
    WHERE f.organization = $organization
      AND f.status <> 'resolved'
      AND f.rule_id IN (SELECT rule_id FROM _compliance_evaluated)
      AND NOT EXISTS (
          SELECT 1 FROM _compliance_matched AS m
          WHERE m.rule_id = f.rule_id AND m.organization = f.organization AND m.resource_type = f.resource_type
            AND m.resource_id = f.resource_id)
)
WHERE kind IS NOT NULL
"""

_MERGE = """
MERGE INTO compliance.findings AS f
USING _compliance_matched AS m
ON f.rule_id = m.rule_id AND f.organization = m.organization AND f.resource_type = m.resource_type
    AND f.resource_id = m.resource_id
WHEN MATCHED THEN UPDATE SET
    resource_name = m.resource_name, resource_type = m.resource_type, project_name = m.project_name,
    url = m.url, severity = m.severity, message = m.message,
    file_path = m.file_path, line = TRY_CAST(TRY_CAST(m.line AS DOUBLE) AS INTEGER),
    status = CASE WHEN m.is_suppressed THEN 'suppressed' ELSE 'open' END,
    suppression_reason = m.suppression_reason, suppression_owner = m.suppression_owner,
    suppression_expires = m.suppression_expires,
    last_seen = $now, resolved_at = NULL, last_run_id = $run_id,
    reopened_count = f.reopened_count + CASE
        WHEN f.status = 'resolved' THEN 1
        WHEN f.status = 'suppressed' AND NOT m.is_suppressed THEN 1
        ELSE 0 END
WHEN NOT MATCHED THEN INSERT (
    rule_id, organization, resource_id, resource_name, resource_type, project_name, url, severity, message,
    file_path, line, status, suppression_reason, suppression_owner, suppression_expires, first_seen, last_seen,
    resolved_at, reopened_count, last_run_id
) VALUES (
    m.rule_id, m.organization, m.resource_id, m.resource_name, m.resource_type, m.project_name, m.url,
    m.severity, m.message, m.file_path, TRY_CAST(TRY_CAST(m.line AS DOUBLE) AS INTEGER),
    CASE WHEN m.is_suppressed THEN 'suppressed' ELSE 'open' END,
    m.suppression_reason, m.suppression_owner, m.suppression_expires, $now, $now, NULL, 0, $run_id
)
WHEN NOT MATCHED BY SOURCE
    AND f.organization = $organization
    AND f.status <> 'resolved'
    AND f.rule_id IN (SELECT rule_id FROM _compliance_evaluated)
THEN UPDATE SET status = 'resolved', resolved_at = $now, last_run_id = $run_id,
    suppression_reason = NULL, suppression_owner = NULL, suppression_expires = NULL
"""


def merge_findings(
    conn: duckdb.DuckDBPyConnection,
    *,
    organization: str,
    evaluated_rule_ids: Sequence[str],
    violations: pd.DataFrame,
    suppressions: Sequence[Suppression],
    now: dt.datetime,
    run_id: str,
) -> pd.DataFrame:
    """Bring ``compliance.findings`` up to date for rules evaluated on one organization.

    ``violations`` has VIOLATION_COLUMNS, one row per violating resource of ``evaluated_rule_ids`` (rules
    that could not be evaluated must not be listed: their findings stay as they were). Returns the current
    violations with their suppression state (``is_suppressed``, reason, owner, expires).
    """
    evaluated = pd.DataFrame({"rule_id": list(evaluated_rule_ids)}, dtype="string")
    current = violations.reindex(columns=list(VIOLATION_COLUMNS)).astype("string")
    active = _suppressions_frame(suppressions, now.date())
    run_on_frame(
        conn,
        evaluated,
        "CREATE OR REPLACE TEMP TABLE _compliance_evaluated AS SELECT rule_id::VARCHAR AS rule_id FROM frame",
    )
    run_on_frame(
        conn,
        current,
        "CREATE OR REPLACE TEMP TABLE _compliance_violations AS SELECT "
        + ", ".join(f"{column}::VARCHAR AS {column}" for column in VIOLATION_COLUMNS)
        + " FROM frame",
    )
    run_on_frame(conn, active, "CREATE OR REPLACE TEMP TABLE _compliance_suppressions AS SELECT * FROM frame")
    conn.execute(_MATCHED)
    values = {"organization": organization, "now": now, "run_id": run_id}
    conn.execute(_EVENTS, values)
    conn.execute(_MERGE, values)
    matched = conn.execute(
        "SELECT * FROM _compliance_matched ORDER BY rule_id, is_suppressed, resource_name, resource_id"
    ).df()
    for table in ("_compliance_evaluated", "_compliance_violations", "_compliance_suppressions", "_compliance_matched"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    return matched


def record_rule_results(
    conn: duckdb.DuckDBPyConnection,
    results: Iterable[RuleResult],
    *,
    run_id: str,
    now: dt.datetime,
    durations_ms: dict[str, float] | None = None,
) -> None:
    """Append one ``compliance.rule_results`` row per result."""
    durations_ms = durations_ms or {}
    frame = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "evaluated_at": now,
                "rule_id": result.rule_id,
                "organization": result.organization,
                "status": result.status.value,
                "violations": result.violations,
                "suppressed": result.suppressed,
                "reason": result.reason,
                "duration_ms": durations_ms.get(result.rule_id),
            }
            for result in results
        ],
        columns=list(RULE_RESULTS_COLUMNS),
    )
    run_on_frame(conn, frame, "INSERT INTO compliance.rule_results BY NAME SELECT * FROM frame")
