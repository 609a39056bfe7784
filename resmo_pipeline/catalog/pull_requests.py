"""Code review: pull requests (how changes got merged) and GitHub Advanced Security per repository."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from resmo_pipeline.azure_devops import Endpoint, Paging
from resmo_pipeline.catalog.common import LIVE_PROJECT_STATES, PER_PROJECT, dig, identity_name
from resmo_pipeline.catalog.model import FanOut, FetchContext, Record, ResourceType, col, ctx

AREA = "code"
#: How many days back completed and abandoned pull requests are read on the first sync.
PULL_REQUESTS_DAYS_ENV = "RESMO_PULL_REQUESTS_DAYS"
DEFAULT_PULL_REQUESTS_DAYS = 30
#: Votes that count as an approval (10 approved, 5 approved with suggestions).
APPROVING_VOTES = frozenset({5, 10})

PULL_REQUESTS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/git/pullrequests", api_version="7.1",
    paging=Paging.TOP_SKIP, page_size=100, scope="vso.code",
)
REPO_ENABLEMENT = Endpoint(
    # Only documented at 7.2-preview (advancedSecurity/7.2/management.json); there is no 7.1 version.
    host="advsec.dev.azure.com", path="{project}/_apis/management/repositories/{repository}/enablement",
    api_version="7.2-preview.3", items_key=None, params={"includeAllProperties": "true"}, scope="vso.advsec",
)


def pull_request_days() -> int:
    """The first sync's window for closed pull requests (`RESMO_PULL_REQUESTS_DAYS`, default 30)."""
    try:
        return max(1, int(os.environ.get(PULL_REQUESTS_DAYS_ENV, DEFAULT_PULL_REQUESTS_DAYS)))
    except ValueError:
        return DEFAULT_PULL_REQUESTS_DAYS


def _utc(moment: datetime | str) -> datetime:
    from resmo_pipeline.inventory.rows import parse_timestamp  # inventory imports the catalog

    parsed = parse_timestamp(moment)
    if parsed is None:
        raise ValueError(f"not a timestamp: {moment!r}")
    return parsed.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _last_changed(item: Mapping[str, Any], _context: Mapping[str, Any] | None = None) -> str | None:
    """When the pull request last changed state: closed, else created (ISO; same format, so max works)."""
    stamps = [s for s in (item.get("closedDate"), item.get("creationDate")) if isinstance(s, str) and s]
    return max(stamps) if stamps else None


def _fetch_pull_requests(fc: FetchContext) -> list[Record]:
    """Two listings per live project: active ones and those closed in the window.

    First sync: every active pull request, plus those completed or abandoned in the last N days. Later syncs
    (`since` = the newest `last_changed` stored): only pull requests created since then (still active) and
    those closed since then (status all, time range on closedDate). A pull request that was active and got
    completed comes back in the second listing with the same key, and append mode replaces its row.
    """
    since = _utc(fc.since) if fc.since is not None else None
    closed_from = since or datetime.now(UTC) - timedelta(days=pull_request_days())
    active = {"searchCriteria.status": "active"}
    if since is not None:
        active |= {"searchCriteria.queryTimeRangeType": "created", "searchCriteria.minTime": _iso(since)}
    closed = {"searchCriteria.status": "all", "searchCriteria.queryTimeRangeType": "closed",
              "searchCriteria.minTime": _iso(closed_from)}
    planned: list[tuple[dict[str, Any], dict[str, str]]] = []
    for project in fc.parent_rows.get("projects", []):
        if project.get("state") not in LIVE_PROJECT_STATES:
            continue
        context = {"project_id": project.get("id"), "project_name": project.get("name")}
        if fc.only is not None and not fc.only(context):
            continue
        planned += [(context, active), (context, closed)]

    def read(plan: tuple[dict[str, Any], dict[str, str]]) -> list[Record]:
        context, params = plan
        items = fc.client.list(PULL_REQUESTS, path_params={"project": context["project_id"]}, params=params)
        return [(item, dict(context)) for item in items if isinstance(item, dict)]

    found: dict[Any, Record] = {}
    for item, context in (record for records in fc.client.map(read, planned) for record in records):
        key = (dig(item, "repository.id"), item.get("pullRequestId"))
        # Completed between the two listings: keep the closed version.
        if key not in found or item.get("closedDate"):
            found[key] = (item, context)
    records = list(found.values())
    if since is not None:
        records = [r for r in records if (stamp := _last_changed(r[0])) is None or _utc(stamp) > since]
    return records


def _reviewers(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [r for r in item.get("reviewers") or [] if isinstance(r, Mapping)]


def _reviewer_summary(item: Mapping[str, Any], _context: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"id": r.get("id"), "name": r.get("uniqueName") or r.get("displayName"), "vote": r.get("vote"),
             "isRequired": bool(r.get("isRequired")), "hasDeclined": bool(r.get("hasDeclined")),
             "isContainer": bool(r.get("isContainer"))} for r in _reviewers(item)]


def _author_id(item: Mapping[str, Any]) -> Any:
    return dig(item, "createdBy.id")


def _approvals(item: Mapping[str, Any], _context: Mapping[str, Any]) -> int:
    author = _author_id(item)
    return sum(1 for r in _reviewers(item) if r.get("vote") in APPROVING_VOTES and r.get("id") != author)


def _author_approved(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool:
    author = _author_id(item)
    return any(r.get("id") == author and r.get("vote") in APPROVING_VOTES for r in _reviewers(item))


def _rejections(item: Mapping[str, Any], _context: Mapping[str, Any]) -> int:
    return sum(1 for r in _reviewers(item) if r.get("vote") == -10)


def _required_pending(item: Mapping[str, Any], _context: Mapping[str, Any]) -> int:
    return sum(1 for r in _reviewers(item) if r.get("isRequired") and r.get("vote") not in APPROVING_VOTES)


def _enabled(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool:
    return bool(dig(item, "secretProtectionFeatures.secretProtectionEnabled")
                or dig(item, "codeSecurityFeatures.codeSecurityEnabled"))


TYPES = (
    ResourceType(
        name="pull_requests",
        area=AREA,
        description="Pull requests of every project: active ones, plus those completed or abandoned in the last "
        f"{DEFAULT_PULL_REQUESTS_DAYS} days ({PULL_REQUESTS_DAYS_ENV}), with reviewers and votes, self-approval, "
        "policy bypasses (and their reason), auto-complete and merge options. Incremental: later syncs read only "
        "pull requests created or closed since the newest last_changed stored (two requests per project when "
        "nothing changed); a pull request that completes later replaces its row. Votes on a still-active pull "
        "request are refreshed when it closes.",
        endpoint=PULL_REQUESTS,
        scope="project",
        fan_out=(PER_PROJECT,),
        fetch=_fetch_pull_requests,
        key=("repository_id", "pull_request_id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("repository_id", "VARCHAR", "repository.id", "Repository id (join to repositories.id)."),
            col("repository_name", "VARCHAR", "repository.name", "Repository name."),
            col("pull_request_id", "BIGINT", "pullRequestId", "Pull request number, unique within the organization."),
            col("title", "VARCHAR", description="Pull request title."),
            col("status", "VARCHAR", description="active, completed or abandoned."),
            col("is_draft", "BOOLEAN", description="True while the pull request is a draft."),
            col("source_branch", "VARCHAR", "sourceRefName",
                "Branch the changes come from, e.g. refs/heads/feature/x."),
            col("target_branch", "VARCHAR", "targetRefName", "Branch they merge into, e.g. refs/heads/main."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "The pull request's author (unique name, else display name)."),
            col("created_by_id", "VARCHAR", "createdBy.id", "Identity id of the author."),
            col("creation_date", "TIMESTAMP", description="When the pull request was opened (UTC)."),
            col("closed_date", "TIMESTAMP", description="When it was completed or abandoned (UTC); NULL while active."),
            col("closed_by", "VARCHAR", identity_name("closedBy"),
                "Who completed or abandoned it (unique name, else display name)."),
            col("last_changed", "TIMESTAMP", _last_changed,
                "closed_date, else creation_date (UTC): incremental syncs resume after the newest stored."),
            col("reviewers", "JSON", _reviewer_summary,
                "List of {id, name, vote (10 approved, 5 with suggestions, 0 none, -5 waiting, -10 rejected), "
                "isRequired, hasDeclined, isContainer (a group)}."),
            col("reviewer_count", "BIGINT", lambda item, _c: len(_reviewers(item)),
                "Number of reviewers (people and groups)."),
            col("approval_count", "BIGINT", _approvals, "Approving votes (10 or 5) by reviewers other than the "
                "author."),
            col("author_approved", "BOOLEAN", _author_approved,
                "True when the author voted to approve their own pull request."),
            col("rejection_count", "BIGINT", _rejections, "Reviewers who voted reject (-10)."),
            col("required_reviewers_pending", "BIGINT", _required_pending,
                "Required reviewers who have not approved."),
            col("auto_complete_set_by", "VARCHAR", identity_name("autoCompleteSetBy"),
                "Who set auto-complete (completes as soon as policies pass)."),
            col("bypass_policy", "BOOLEAN", "completionOptions.bypassPolicy",
                "True when completed (or set to complete) overriding branch policies."),
            col("bypass_reason", "VARCHAR", "completionOptions.bypassReason",
                "The reason given when branch policies were bypassed."),
            col("merge_strategy", "VARCHAR", "completionOptions.mergeStrategy",
                "How it merges: noFastForward, squash, rebase or rebaseMerge."),
            col("delete_source_branch", "BOOLEAN", "completionOptions.deleteSourceBranch",
                "True when the source branch is deleted after completion."),
            col("completion_options", "JSON", "completionOptions",
                "All completion options (merge strategy, bypass, auto-complete settings)."),
            col("merge_status", "VARCHAR",
                description="Last merge attempt: notSet, queued, conflicts, succeeded, rejectedByPolicy, failure."),
            col("url", "VARCHAR", description="REST API URL of the pull request."),
        ),
        required_scope="vso.code",
        track_history=False,
        write_mode="append",
        since_field="last_changed",
    ),
    ResourceType(
        name="advanced_security",
        area=AREA,
        description="GitHub Advanced Security for Azure DevOps per enabled repository: Secret Protection (and "
        "whether pushes holding secrets are blocked) and Code Security (dependency scanning, CodeQL, autofix). "
        "Read from advsec.dev.azure.com (api-version 7.2-preview.3, the only documented one); needs vso.advsec.",
        endpoint=REPO_ENABLEMENT,
        scope="parent",
        fan_out=(
            FanOut(
                parent="repositories",
                path_params={"project": "project_id", "repository": "id"},
                context={"repository_id": "id", "repository_name": "name", "project_id": "project_id",
                         "project_name": "project_name"},
                where=lambda repo: not repo.get("is_disabled"),
            ),
        ),
        key=("repository_id",),
        columns=(
            ctx("repository_id", description="Repository id (join to repositories.id)."),
            ctx("repository_name", description="Repository name."),
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("enabled", "BOOLEAN", _enabled, "True when Secret Protection or Code Security is on."),
            col("secret_protection_enabled", "BOOLEAN", "secretProtectionFeatures.secretProtectionEnabled",
                "True when Secret Protection (secret scanning) is on for the repository."),
            col("block_pushes", "BOOLEAN", "secretProtectionFeatures.blockPushes",
                "True when pushes containing secrets are rejected."),
            col("secret_protection_changed_date", "TIMESTAMP",
                "secretProtectionFeatures.secretProtectionEnablementLastChangedDate",
                "When Secret Protection was last switched on or off (UTC)."),
            col("secret_protection_changed_by", "VARCHAR", "secretProtectionFeatures.secretProtectionChangedBy",
                "Identity id (VSID) of who last changed it."),
            col("code_security_enabled", "BOOLEAN", "codeSecurityFeatures.codeSecurityEnabled",
                "True when Code Security (dependency and code scanning) is on."),
            col("dependency_scanning_enabled", "BOOLEAN", "codeSecurityFeatures.dependencyScanningInjectionEnabled",
                "True when dependency scanning is injected into pipelines."),
            col("code_ql_enabled", "BOOLEAN", "codeSecurityFeatures.codeQLEnabled",
                "True when CodeQL default setup is on."),
            col("autofix_enabled", "BOOLEAN", "codeSecurityFeatures.autofixEnabled",
                "True when autofix suggestions for code scanning alerts are on."),
            col("code_security_changed_date", "TIMESTAMP",
                "codeSecurityFeatures.codeSecurityEnablementLastChangedDate",
                "When Code Security was last switched on or off (UTC)."),
        ),
        required_scope="vso.advsec",
    ),
)
