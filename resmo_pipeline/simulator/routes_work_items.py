"""Azure Boards work-item endpoints: create, read and update work items, their comments, WIQL and type states.

What the Azure Boards ticket channel (notify/tickets/azure_boards.py) calls, in the service's shapes: JSON Patch
bodies (`application/json-patch+json`) for create and update, the `7.1-preview.4` comments resource, flat WIQL
queries answering `{"workItems": [{"id", "url"}]}`. Reads need `vso.work`, writes `vso.work_write`. The data
lives in simulator/data/work_items.py.

`ADMIN_ROUTES` adds `GET /_simulator/workitems`: every work item with its comments, for tests to inspect.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from resmo_pipeline.simulator.data import work_items
from resmo_pipeline.simulator.routes_common import DEV, route, state_of, with_project
from resmo_pipeline.simulator.routing import (
    Handler,
    Route,
    SimRequest,
    SimResponse,
    error_response,
    json_response,
)

PATCH_MEDIA_TYPE = "application/json-patch+json"
_WIT = "Microsoft.TeamFoundation.WorkItemTracking"


def _error(exc: work_items.WorkItemError) -> SimResponse:
    return error_response(exc.status, str(exc), f"{_WIT}.Server.{exc.type_key}, {_WIT}.Server", exc.type_key)


def _identity_ref(request: SimRequest) -> dict[str, Any]:
    """The caller as the IdentityRef that System.CreatedBy, System.ChangedBy and comments carry."""
    identity = request.identity
    descriptor = identity.get("descriptor")
    subjects = getattr(request.state, "subjects", {})
    if descriptor in subjects:
        return state_of(request).identity_ref(descriptor)
    return {"displayName": identity.get("displayName"), "id": identity.get("id"),
            "uniqueName": identity.get("uniqueName"), "descriptor": descriptor}


def _item_url(request: SimRequest, item: dict[str, Any]) -> str:
    return f"{state_of(request).base}/{item['_project']}/_apis/wit/workItems/{item['id']}"


def render(request: SimRequest, item: dict[str, Any]) -> dict[str, Any]:
    """A WorkItem as the service answers it: id, rev, fields, _links, url."""
    state = state_of(request)
    url = _item_url(request, item)
    return {
        "id": item["id"], "rev": item["rev"], "fields": dict(item["fields"]),
        "_links": {
            "self": {"href": url}, "workItemUpdates": {"href": f"{url}/updates"},
            "workItemRevisions": {"href": f"{url}/revisions"}, "workItemComments": {"href": f"{url}/comments"},
            "html": {"href": f"{state.base}/web/wi.aspx?pcguid={state.org_id}&id={item['id']}"},
            "workItemType": {"href": f"{state.base}/{item['_project']}/_apis/wit/workItemTypes/"
                                     f"{item['fields']['System.WorkItemType']}"},
            "fields": {"href": f"{state.base}/_apis/wit/fields"},
        },
        "url": url,
    }


def _render_comment(request: SimRequest, project: dict[str, Any], comment: dict[str, Any]) -> dict[str, Any]:
    url = f"{state_of(request).base}/{project['id']}/_apis/wit/workItems/{comment['workItemId']}/comments/" \
          f"{comment['id']}"
    return {**comment, "url": url}


def _patch_media_type_refused(request: SimRequest) -> SimResponse | None:
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type == PATCH_MEDIA_TYPE:
        return None
    return error_response(
        415, f'The request indicated a Content-Type of "{content_type or "none"}" for method type '
             f'"{request.method}" which is not supported. Valid content types for this method are: '
             f"{PATCH_MEDIA_TYPE}.",
        "Microsoft.VisualStudio.Services.WebApi.VssRequestContentTypeNotSupportedException, "
        "Microsoft.VisualStudio.Services.WebApi", "VssRequestContentTypeNotSupportedException")


def create_work_item(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`POST {project}/_apis/wit/workitems/${type}` with a JSON Patch document."""
    refused = _patch_media_type_refused(request)
    if refused is not None:
        return refused
    try:
        item = work_items.create(request.state, project, unquote(request.path_params["type"]), request.body,
                                 _identity_ref(request))
    except work_items.WorkItemError as exc:
        return _error(exc)
    return json_response(render(request, item))


def get_work_item(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`GET {project}/_apis/wit/workitems/{id}`."""
    try:
        return json_response(render(request, work_items.get(request.state, project, request.path_params["id"])))
    except work_items.WorkItemError as exc:
        return _error(exc)


def update_work_item(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`PATCH {project}/_apis/wit/workitems/{id}` with a JSON Patch document."""
    refused = _patch_media_type_refused(request)
    if refused is not None:
        return refused
    try:
        item = work_items.update(request.state, project, request.path_params["id"], request.body,
                                 _identity_ref(request))
    except work_items.WorkItemError as exc:
        return _error(exc)
    return json_response(render(request, item))


def add_comment(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`POST {project}/_apis/wit/workItems/{workItemId}/comments` with `{"text": ...}`."""
    body = request.body if isinstance(request.body, dict) else {}
    try:
        comment = work_items.add_comment(request.state, project, request.path_params["workItemId"],
                                         body.get("text"), _identity_ref(request))
    except work_items.WorkItemError as exc:
        return _error(exc)
    return json_response(_render_comment(request, project, comment))


def list_comments(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`GET {project}/_apis/wit/workItems/{workItemId}/comments`: newest first, `$top` of them (default 200)."""
    try:
        found = work_items.comments(request.state, project, request.path_params["workItemId"])
    except work_items.WorkItemError as exc:
        return _error(exc)
    top = request.param("$top")
    page = found[: int(top)] if top and top.isdigit() else found[:200]
    return json_response({"totalCount": len(found), "count": len(page),
                          "comments": [_render_comment(request, project, c) for c in page]})


def wiql(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`POST {project}/_apis/wit/wiql` with `{"query": ...}`: a flat query's work item references."""
    body = request.body if isinstance(request.body, dict) else {}
    text = body.get("query")
    try:
        found = work_items.query(request.state, project, text)
    except work_items.WorkItemError as exc:
        return _error(exc)
    top = request.param("$top")
    if top and top.isdigit():
        found = found[: int(top)]
    base = state_of(request).base
    columns = [{"referenceName": name, "name": name.split(".")[-1], "url": f"{base}/_apis/wit/fields/{name}"}
               for name in work_items.selected_columns(text)]
    return json_response({
        "queryType": "flat", "queryResultType": "workItem", "asOf": work_items.now_iso(), "columns": columns,
        "sortColumns": [], "workItems": [{"id": i["id"], "url": _item_url(request, i)} for i in found],
    })


def type_states(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`GET {project}/_apis/wit/workitemtypes/{type}/states`: the type's states in the project's process."""
    name = unquote(request.path_params["type"])
    states = work_items.type_states(project, name)
    if states is None:
        return _error(work_items.WorkItemError(
            404, f"VS402323: Work item type {name} does not exist in project {project['name']}.",
            "WorkItemTypeNotFoundException"))
    return json_response({"count": len(states), "value": [{"name": n, "color": c, "category": cat}
                                                          for n, c, cat in states]})


def inspect_work_items(request: SimRequest) -> SimResponse:
    """`GET /_simulator/workitems`: every work item (rendered) with its comments, oldest first."""
    store = work_items.work_items_of(request.state)
    with request.state.lock:
        items = sorted(store.items.values(), key=lambda i: i["id"])
        return json_response({"workItems": [{**render(request, i), "comments": list(store.comments[i["id"]])}
                                            for i in items]})


ROUTES: list[Route] = [
    route("POST", DEV, "{project}/_apis/wit/workitems/${type}", with_project(create_work_item), "vso.work_write"),
    route("GET", DEV, "{project}/_apis/wit/workitems/{id}", with_project(get_work_item), "vso.work"),
    route("PATCH", DEV, "{project}/_apis/wit/workitems/{id}", with_project(update_work_item), "vso.work_write"),
    route("POST", DEV, "{project}/_apis/wit/workItems/{workItemId}/comments", with_project(add_comment),
          "vso.work_write", preview=True),
    route("GET", DEV, "{project}/_apis/wit/workItems/{workItemId}/comments", with_project(list_comments),
          "vso.work", preview=True),
    route("POST", DEV, "{project}/_apis/wit/wiql", with_project(wiql), "vso.work"),
    route("GET", DEV, "{project}/_apis/wit/workitemtypes/{type}/states", with_project(type_states), "vso.work"),
]

ADMIN_ROUTES: dict[tuple[str, str], Handler] = {("GET", "workitems"): inspect_work_items}
