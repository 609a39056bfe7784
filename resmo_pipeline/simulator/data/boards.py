"""Simulated team boards, delivery plans and the services (features) switched on per project."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

#: Feature Management ids of the project services (Boards, Repos, Pipelines, Test Plans, Artifacts).
PROJECT_FEATURES: dict[str, str] = {
    "ms.vss-work.agile": "Boards",
    "ms.vss-code.version-control": "Repos",
    "ms.vss-build.pipelines": "Pipelines",
    "ms.vss-test-web.test": "Test Plans",
    "ms.azure-artifacts.feature": "Artifacts",
}

_BACKLOGS = (("Epics", "Microsoft.EpicCategory"), ("Features", "Microsoft.FeatureCategory"),
             ("Stories", "Microsoft.RequirementCategory"))
_COLUMNS = (("New", "incoming", None), ("Active", "inProgress", 5), ("Resolved", "inProgress", 10),
            ("Closed", "outgoing", None))


def board(b: Builder, project: dict[str, Any], team: dict[str, Any], name: str) -> dict[str, Any]:
    """One team board with its columns (what `work/boards/{id}` answers; the listing shows id/name/url)."""
    board_id = b.guid()
    url = f"{b.s.base}/{project['id']}/{team['id']}/_apis/work/boards/{board_id}"
    item = {
        "id": board_id, "name": name, "url": url, "revision": 1, "isValid": True, "canEdit": True,
        "columns": [
            {"id": b.guid(), "name": column, "itemLimit": limit or 0, "stateMappings": {"User Story": column},
             "isSplit": column == "Active", "description": "", "columnType": kind}
            for column, kind, limit in _COLUMNS
        ],
        "rows": [{"id": "00000000-0000-0000-0000-000000000000", "name": None}],
        "allowedMappings": {},
        "fields": {"columnField": {"referenceName": f"WEF_{board_id[:8]}_Kanban.Column"},
                   "rowField": {"referenceName": f"WEF_{board_id[:8]}_Kanban.Lane"},
                   "doneField": {"referenceName": f"WEF_{board_id[:8]}_Kanban.Column.Done"}},
        "_links": {"self": {"href": url}},
    }
    b.s.boards.setdefault(team["id"], []).append(item)
    return item


def plan(b: Builder, project: dict[str, Any], name: str, teams: list[dict[str, Any]], owner: str) -> dict[str, Any]:
    """A delivery plan (timeline over several teams' backlogs) owned by `owner`."""
    plan_id = b.guid()
    ref = b.s.identity_ref(owner)
    item = {
        "id": plan_id, "name": name, "type": "deliveryTimelineView", "revision": 2,
        "url": f"{b.s.base}/{project['id']}/_apis/work/plans/{plan_id}",
        "description": f"{name} across {len(teams)} teams",
        "createdByIdentity": ref, "createdDate": b.ago(120), "modifiedByIdentity": ref, "modifiedDate": b.ago(10),
        "lastAccessed": b.ago(2), "userPermissions": "allPermissions",
        "properties": {
            "teamBacklogMappings": [{"teamId": t["id"], "categoryReferenceName": "Microsoft.FeatureCategory"}
                                    for t in teams],
            "criteria": [], "markers": [{"date": b.ago(-14), "label": "Release", "color": "#007acc"}],
        },
    }
    b.s.delivery_plans.setdefault(project["id"], []).append(item)
    return item


def populate_boards(b: Builder, sizes: dict[str, int] | None) -> None:
    """Boards for every team (three backlog levels), delivery plans and all services on in every project."""
    s = b.s
    for project in s.projects:
        s.project_features.setdefault(project["id"], dict.fromkeys(PROJECT_FEATURES, "enabled"))
        teams = s.teams.get(project["id"], [])
        # Bulk presets: only the default team gets boards, so large startup stays cheap.
        for team in teams if sizes is None else teams[:1]:
            for name, _category in _BACKLOGS:
                board(b, project, team, name)
        if teams and b.people and (sizes is None or len(s.delivery_plans) < sizes["projects"] // 3):
            plan(b, project, f"{project['name']} roadmap", teams[:3], b.people[len(s.delivery_plans) % len(b.people)])
