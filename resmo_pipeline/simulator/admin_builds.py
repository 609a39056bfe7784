"""Admin changes for pipeline runs: queue a run, finish a running one (see `admin.ACTIONS`).

- queue_pipeline_run (project, definition: name or id, reason: default manual, status: completed (default) or
  inProgress) → a new run, finished now unless inProgress
- finish_pipeline_run (project, run: id, result: default succeeded) → the running run completes now

The real service writes no audit entry for a run; the simulator's change log still records one
(`Pipelines.RunQueued` / `Pipelines.RunCompleted`, simulator-only action ids).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.builds import add_run, finish_run

if TYPE_CHECKING:
    from resmo_pipeline.simulator.admin import Audit
    from resmo_pipeline.simulator.data.state import OrgState


def _project_and(state: OrgState, body: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
    from resmo_pipeline.simulator.admin import ChangeError

    for needed in ("project", name):
        if body.get(needed) in (None, ""):
            raise ChangeError(f"missing parameter(s): {needed}")
    project = state.project(str(body["project"]))
    if project is None:
        raise ChangeError(f"project {body['project']!r} not found", status=404)
    return project, str(body[name])


def queue_pipeline_run(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    """A new run of a definition, finished now (or still running with status inProgress)."""
    from resmo_pipeline.simulator.admin import Audit, ChangeError

    project, key = _project_and(state, body, "definition")
    definition = next((d for d in state.build_definitions.get(project["id"], [])
                       if key in (str(d["id"]), d["name"])), None)
    if definition is None:
        raise ChangeError(f"definition {key!r} not found in {project['name']}", status=404)
    status = str(body.get("status") or "completed")
    if status not in ("completed", "inProgress"):
        raise ChangeError("status must be completed or inProgress")
    rng = random.Random(f"run:{state.revision}:{definition['id']}")
    people = [state.owner["descriptor"]]
    run = add_run(state, rng, definition, str(body.get("reason") or "manual"), people,
                  finished=datetime.now(UTC) if status == "completed" else None)
    return ({"id": run["id"], "status": run["status"]},
            Audit("Pipelines.RunQueued", "Pipelines", "execute",
                  f"Run {run['buildNumber']} of {definition['name']} queued.", project,
                  {"PipelineId": definition["id"], "RunId": run["id"]}))


def finish_pipeline_run(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    """A running run completes now with `result`."""
    from resmo_pipeline.simulator.admin import Audit, ChangeError

    project, key = _project_and(state, body, "run")
    run = next((r for r in state.build_runs.get(project["id"], []) if str(r["id"]) == key), None)
    if run is None:
        raise ChangeError(f"run {key!r} not found in {project['name']}", status=404)
    if run["status"] == "completed":
        raise ChangeError(f"run {key} already completed")
    finish_run(state, run, datetime.now(UTC), str(body.get("result") or "succeeded"))
    return ({"id": run["id"], "status": run["status"], "finishTime": run["finishTime"]},
            Audit("Pipelines.RunCompleted", "Pipelines", "execute",
                  f"Run {run['buildNumber']} of {run['definition']['name']} completed.", project,
                  {"PipelineId": run["definition"]["id"], "RunId": run["id"]}))


ACTIONS = {"queue_pipeline_run": queue_pipeline_run, "finish_pipeline_run": finish_pipeline_run}
