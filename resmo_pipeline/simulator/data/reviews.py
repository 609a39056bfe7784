"""Simulated pull requests and GitHub Advanced Security repository enablement.

The demo preset gets a hand-made set of pull requests showing every review risk the catalog derives (a
policy bypass with a reason, an author approving their own pull request, auto-complete, a draft, an
abandoned one and one closed outside the default 30-day window); the bulk presets get a few per repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.constants import iso

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

#: Git votes: 10 approved, 5 approved with suggestions, 0 none, -5 waiting for author, -10 rejected.
APPROVED, SUGGESTIONS, NO_VOTE, WAITING, REJECTED = 10, 5, 0, -5, -10


def _reviewer(b: Builder, descriptor: str, vote: int, required: bool = False) -> dict[str, Any]:
    ref = b.s.identity_ref(descriptor)
    return {**ref, "reviewerUrl": ref["url"], "vote": vote, "hasDeclined": False, "isFlagged": False,
            "isRequired": required}


def pull_request(b: Builder, repo: dict[str, Any], author: str, *, status: str = "active", created_days: float = 2,
                 closed_days: float | None = None, closed_by: str | None = None,
                 reviewers: Sequence[tuple[str, int, bool]] = (), auto_complete_by: str | None = None,
                 bypass_reason: str | None = None, merge_strategy: str = "squash", draft: bool = False,
                 title: str = "Update", source: str | None = None) -> dict[str, Any]:
    """One GitPullRequest as `git/pullrequests` lists it, stored under its project."""
    s = b.s
    pr_id = s.next_id("pull_request")
    project = repo["project"]
    url = f"{s.base}/{project['id']}/_apis/git/repositories/{repo['id']}/pullRequests/{pr_id}"
    item: dict[str, Any] = {
        "repository": {"id": repo["id"], "name": repo["name"], "url": repo["url"], "project": project},
        "pullRequestId": pr_id,
        "codeReviewId": pr_id,
        "status": status,
        "createdBy": s.identity_ref(author),
        "creationDate": b.ago(created_days),
        "title": title,
        "description": f"{title} ({repo['name']})",
        "sourceRefName": source or f"refs/heads/feature/pr-{pr_id}",
        "targetRefName": repo.get("defaultBranch") or "refs/heads/main",
        "mergeStatus": "succeeded" if status == "completed" else ("notSet" if status == "abandoned" else "queued"),
        "isDraft": draft,
        "mergeId": b.guid(),
        "lastMergeSourceCommit": {"commitId": b.sha(), "url": f"{repo['url']}/commits"},
        "lastMergeTargetCommit": {"commitId": b.sha(), "url": f"{repo['url']}/commits"},
        "reviewers": [_reviewer(b, d, vote, required) for d, vote, required in reviewers],
        "url": url,
        "supportsIterations": True,
        "artifactId": f"vstfs:///Git/PullRequestId/{project['id']}%2F{repo['id']}%2F{pr_id}",
    }
    if status != "active":
        when = closed_days if closed_days is not None else max(0.0, created_days - 1)
        item["closedDate"] = iso(s.now - timedelta(days=when))
        item["closedBy"] = s.identity_ref(closed_by or author)
    if auto_complete_by or bypass_reason or status == "completed":
        item["completionOptions"] = {
            "mergeStrategy": merge_strategy, "deleteSourceBranch": True, "transitionWorkItems": True,
            "squashMerge": merge_strategy == "squash", "bypassPolicy": bypass_reason is not None,
            **({"bypassReason": bypass_reason} if bypass_reason else {}),
        }
    if auto_complete_by:
        item["autoCompleteSetBy"] = s.identity_ref(auto_complete_by)
    s.pull_requests.setdefault(project["id"], []).append(item)
    return item


def complete_pull_request(state: Any, item: dict[str, Any], closed_by: str, when: datetime) -> None:
    """Complete an active pull request now (what a merge does to it); callers hold `state.lock`."""
    item.update(status="completed", mergeStatus="succeeded", closedDate=iso(when),
                closedBy=state.identity_ref(closed_by))
    item.setdefault("completionOptions", {"mergeStrategy": "squash", "deleteSourceBranch": True,
                                          "bypassPolicy": False})
    state.revision += 1


def enablement(b: Builder, repo: dict[str, Any], *, enabled: bool, block_pushes: bool = False,
               code_security: bool = False, dependency_scanning: bool = False, code_ql: bool = False) -> None:
    """Advanced Security (Secret Protection + Code Security) settings of one repository."""
    changed_by = b.people[0] if b.people else None
    by = b.s.subjects[changed_by]["_id"] if changed_by else None
    b.s.advsec_enablement[repo["id"]] = {
        "projectId": repo["project"]["id"],
        "repositoryId": repo["id"],
        "secretProtectionFeatures": {
            "secretProtectionEnabled": enabled, "blockPushes": enabled and block_pushes,
            "secretProtectionChangedBy": by if enabled else None,
            "secretProtectionEnablementLastChangedDate": b.ago(40) if enabled else None,
        },
        "codeSecurityFeatures": {
            "codeSecurityEnabled": code_security, "dependencyScanningInjectionEnabled": dependency_scanning,
            "codeQLEnabled": code_ql, "autofixEnabled": False,
            "codeSecurityChangedBy": by if code_security else None,
            "codeSecurityEnablementLastChangedDate": b.ago(30) if code_security else None,
        },
    }


def _live_repos(b: Builder) -> list[dict[str, Any]]:
    return [r for r in b.s.repositories if not r.get("isDisabled")]


def populate_reviews(b: Builder, sizes: dict[str, int] | None) -> None:
    """Pull requests and Advanced Security enablement for the demo (sizes None) or a bulk preset."""
    repos = _live_repos(b)
    people = b.people
    if not repos or len(people) < 3:
        return
    if sizes is None:
        _demo(b, repos, people)
        return
    rng = b.rng
    # About two pull requests per live repository, a third of them active: cheap even for the large preset.
    for index, repo in enumerate(repos):
        for _ in range(2):
            author, other = rng.sample(people[: min(len(people), 400)], 2)
            status = rng.choices(["active", "completed", "abandoned"], weights=[3, 6, 1])[0]
            created = rng.uniform(0.5, 60)
            pull_request(b, repo, author, status=status, created_days=created,
                         closed_days=created * rng.uniform(0, 0.9) if status != "active" else None,
                         reviewers=[(other, rng.choice([APPROVED, NO_VOTE, WAITING]), False)],
                         bypass_reason="Release blocker" if rng.random() < 0.03 and status == "completed"
                         else None)
        if index % 4 == 0:
            # Index-based, not drawn: the random draws (and so every object generated after) stay as they were.
            enablement(b, repo, enabled=True, block_pushes=rng.random() < 0.5, code_security=index % 8 == 0,
                       dependency_scanning=index % 8 == 0, code_ql=index % 16 == 0)


def _demo(b: Builder, repos: list[dict[str, Any]], people: list[str]) -> None:
    first = repos[0]
    second = next((r for r in repos if r["project"]["id"] != first["project"]["id"]), repos[1 % len(repos)])
    alice, bob, carol = people[0], people[1], people[2]
    pull_request(b, first, bob, status="completed", created_days=3, closed_days=1, closed_by=alice,
                 reviewers=[(carol, WAITING, True)], bypass_reason="Hotfix for the production outage",
                 title="Hotfix: payment timeout", merge_strategy="noFastForward")
    pull_request(b, first, carol, status="completed", created_days=5, closed_days=4,
                 reviewers=[(carol, APPROVED, False), (bob, NO_VOTE, False)], title="Approve my own change")
    pull_request(b, first, alice, status="active", created_days=2, auto_complete_by=alice,
                 reviewers=[(bob, APPROVED, True), (carol, SUGGESTIONS, False)], title="Add retry policy")
    pull_request(b, second, bob, status="active", created_days=1, draft=True,
                 reviewers=[(alice, NO_VOTE, False)], title="WIP: new pipeline")
    pull_request(b, second, carol, status="abandoned", created_days=9, closed_days=8,
                 reviewers=[(alice, REJECTED, False)], title="Risky refactor")
    pull_request(b, second, alice, status="completed", created_days=70, closed_days=60,
                 reviewers=[(bob, APPROVED, True)], title="Old change outside the window")
    for index, repo in enumerate(repos):
        enablement(b, repo, enabled=index % 2 == 0, block_pushes=index == 0, code_security=index == 0,
                   dependency_scanning=index == 0, code_ql=index == 0)
