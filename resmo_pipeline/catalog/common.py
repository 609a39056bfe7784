"""Pieces shared by the catalog modules: the per-project fan-out, value helpers and well-known names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resmo_pipeline.catalog.model import FanOut

#: Projects that answer project-scoped calls (a project being created or deleted answers 404).
LIVE_PROJECT_STATES = frozenset({"wellFormed", None})


def _project_is_live(row: Mapping[str, Any]) -> bool:
    return row.get("state") in LIVE_PROJECT_STATES


#: The standard fan-out of a project-scoped type: one listing per live project, rows get project_id/name.
PER_PROJECT = FanOut(
    parent="projects",
    path_params={"project": "id"},
    context={"project_id": "id", "project_name": "name"},
    where=_project_is_live,
)


def dig(item: Any, path: str) -> Any:
    """The value at a dotted path (`a.b.0.c`), or None when any step is missing."""
    current = item
    for step in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(step)
        elif isinstance(current, list) and step.lstrip("-").isdigit():
            index = int(step)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            return None
        if current is None:
            return None
    return current


def count_of(path: str):
    """Extractor: the number of entries of the list or dict at `path` (0 when absent)."""

    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> int:
        value = dig(item, path)
        return len(value) if isinstance(value, list | dict) else 0

    return extract


def identity_name(path: str):
    """Extractor: the most readable name of an IdentityRef at `path` (uniqueName, else displayName)."""

    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> str | None:
        ref = dig(item, path)
        if isinstance(ref, str):
            return ref
        if not isinstance(ref, Mapping):
            return None
        return ref.get("uniqueName") or ref.get("displayName") or ref.get("id")

    return extract


def descriptor_kind(descriptor: str | None) -> str | None:
    """The subject kind encoded in a graph descriptor's prefix: aad, msa, svc, aadsp, vssgp, aadgp, ..."""
    if not descriptor or "." not in descriptor:
        return None
    return descriptor.split(".", 1)[0]


def project_id_from_domain(domain: str | None) -> str | None:
    """The project id of a project-scoped group (`vstfs:///Classification/TeamProject/<id>`), else None."""
    prefix = "vstfs:///Classification/TeamProject/"
    if domain and domain.startswith(prefix):
        return domain[len(prefix):]
    return None


def secret_variable_count(variables: Any) -> int:
    """How many variables of a `{name: {value, isSecret}}` map are secrets."""
    if not isinstance(variables, Mapping):
        return 0
    return sum(1 for v in variables.values() if isinstance(v, Mapping) and v.get("isSecret"))


#: Which protected resource an audit action is about (pipelinePermissions / checks resource types).
_AUDIT_RESOURCE_KINDS = (
    ("Library.ServiceConnection", "endpoint"),
    ("Library.VariableGroup", "variablegroup"),
    ("Library.SecureFile", "securefile"),
    ("Pipelines.Environment", "environment"),
    ("Pipelines.AgentQueue", "queue"),
    ("Git.Repository", "repository"),
)
#: Where audit entries put the id of the resource they are about, in the order they are tried.
_AUDIT_RESOURCE_ID_FIELDS = ("ResourceId", "ConnectionId", "EndpointId", "VariableGroupId", "SecureFileId",
                             "EnvironmentId", "QueueId", "RepoId", "RepositoryId", "Id")


def audited_resource(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    """(protected resource kind, id) an audit entry is about, e.g. ("endpoint", "<guid>"), else None.

    The kind is the entry's ``data.ResourceType`` or follows from its actionId; repository ids written as
    ``{projectId}.{repositoryId}`` (how the pipelines APIs address them) come back as the repository id.
    """
    data = entry.get("data") if isinstance(entry.get("data"), Mapping) else {}
    action = str(entry.get("actionId") or "")
    kind = str(data.get("ResourceType") or "").lower() or next(
        (name for prefix, name in _AUDIT_RESOURCE_KINDS if action.startswith(prefix)), None
    )
    resource_id = next((data[name] for name in _AUDIT_RESOURCE_ID_FIELDS if data.get(name) not in (None, "")), None)
    if not kind or resource_id is None or isinstance(resource_id, list | Mapping):
        return None
    return kind, str(resource_id).rsplit(".", 1)[-1]


def audited_id(kind: str):
    """Entry value: the id of the audited resource when it is of this kind (see `audited_resource`)."""

    def extract(entry: Mapping[str, Any]) -> str | None:
        found = audited_resource(entry)
        return found[1] if found and found[0] == kind else None

    return extract


def audited_kind(entry: Mapping[str, Any]) -> str | None:
    """Entry value: the kind of the audited protected resource (see `audited_resource`)."""
    found = audited_resource(entry)
    return found[0] if found else None


def audited_resource_id(entry: Mapping[str, Any]) -> str | None:
    """Entry value: the id of the audited protected resource, whatever its kind (see `audited_resource`)."""
    found = audited_resource(entry)
    return found[1] if found else None
