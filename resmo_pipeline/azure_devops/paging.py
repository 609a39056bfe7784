"""Reading every page of a listing, in whichever of the five ways the endpoint pages (reference §5).

Azure DevOps pages differently per endpoint, and the official SDKs lose continuation tokens, so the client
reads paging itself. A listing ends on an empty token or a short page; a token seen twice, a page that
repeats the previous one or a cursor that does not advance raises `PagingError` rather than looping. An
expired continuation token restarts the listing from the first page (what the service's message asks for).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from resmo_pipeline.azure_devops.errors import BadRequestError, PagingError
from resmo_pipeline.azure_devops.hosts import Endpoint, Paging

logger = logging.getLogger("resmo_pipeline.azure_devops")

CONTINUATION_HEADER = "x-ms-continuationtoken"
CONTINUATION_PARAM = "continuationToken"
DEFAULT_PAGE_SIZE = 100
MAX_PAGES = 100_000
MAX_RESTARTS = 3
EXPIRED_TOKEN_TYPE_KEYS = frozenset({"InvalidContinuationTokenException"})


@dataclass(frozen=True)
class Page:
    """One response as paging sees it: the parsed body, the values of a (repeatable) header, and the URL."""

    body: Any
    header_values: Callable[[str], list[str]]
    url: str


Fetch = Callable[[dict[str, str]], Page]
MismatchReporter = Callable[[int, int, str], None]


def extract_items(endpoint: Endpoint, body: Any, url: str) -> list[Any]:
    """The items of one response: the envelope's `items_key` list, a dict-valued envelope's values, or the body."""
    if endpoint.items_key is None:
        return [body]
    if isinstance(body, list):
        return body
    if not isinstance(body, dict) or endpoint.items_key not in body:
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise PagingError(f"response has no {endpoint.items_key!r} (found {keys})", url=url)
    value = body[endpoint.items_key]
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return value
    raise PagingError(f"{endpoint.items_key!r} is a {type(value).__name__}, not a list", url=url)


def read_all(endpoint: Endpoint, fetch: Fetch, params: Mapping[str, str], report: MismatchReporter) -> list[Any]:
    """Every item of a listing; restarts from the first page when the service says a token expired."""
    for restart in range(MAX_RESTARTS + 1):
        try:
            return _READERS[endpoint.paging](endpoint, fetch, dict(params), report)
        except BadRequestError as exc:
            if exc.type_key not in EXPIRED_TOKEN_TYPE_KEYS:
                raise
            if restart == MAX_RESTARTS:
                raise PagingError(f"continuation tokens expired {restart + 1} times; gave up restarting",
                                  status=exc.status, type_key=exc.type_key, url=exc.url) from None
            logger.warning("continuation token expired on %s; restarting the listing", exc.url)
    raise AssertionError("unreachable")


def _check_page_count(body: Any, items: list[Any], url: str, report: MismatchReporter) -> None:
    count = body.get("count") if isinstance(body, dict) else None
    if isinstance(count, int) and count != len(items):
        report(count, len(items), url)


def _check_total(first: Page, total: int, report: MismatchReporter) -> None:
    reported = first.body.get("totalCount") if isinstance(first.body, dict) else None
    if isinstance(reported, int) and reported != total:
        report(reported, total, first.url)


def _with_page_size(endpoint: Endpoint, params: dict[str, str], default: int | None) -> int | None:
    size = endpoint.page_size or default
    if size is not None:
        params.setdefault(endpoint.page_size_param, str(size))
        return int(params[endpoint.page_size_param])
    return None


def _read_single(endpoint: Endpoint, fetch: Fetch, params: dict[str, str], report: MismatchReporter) -> list:
    page = fetch(params)
    items = extract_items(endpoint, page.body, page.url)
    _check_page_count(page.body, items, page.url, report)
    return items


def _read_token(
    endpoint: Endpoint, fetch: Fetch, params: dict[str, str], report: MismatchReporter, *, in_body: bool
) -> list:
    _with_page_size(endpoint, params, None)
    items: list[Any] = []
    seen: set[str] = set()
    first: Page | None = None
    for _ in range(MAX_PAGES):
        page = fetch(params)
        first = first or page
        page_items = extract_items(endpoint, page.body, page.url)
        _check_page_count(page.body, page_items, page.url, report)
        items.extend(page_items)
        if in_body:
            token, more = _body_token(page)
        else:
            values = page.header_values(CONTINUATION_HEADER)
            token, more = (values[0].strip() if values else ""), None
        if more is False or (more is None and not token):
            _check_total(first, len(items), report)
            return items
        if not token:
            raise PagingError("the service reports more pages (hasMore) but sent no continuation token",
                              url=page.url)
        if token in seen:
            raise PagingError(f"continuation token {token!r} was returned twice; stopping instead of looping",
                              url=page.url)
        seen.add(token)
        params[CONTINUATION_PARAM] = token
    raise PagingError(f"more than {MAX_PAGES} pages", url=first.url if first else None)


def _body_token(page: Page) -> tuple[str, bool | None]:
    body = page.body if isinstance(page.body, dict) else {}
    token = body.get(CONTINUATION_PARAM)
    more = body.get("hasMore")
    return ("" if token is None else str(token).strip()), (bool(more) if more is not None else None)


def _read_top_skip(endpoint: Endpoint, fetch: Fetch, params: dict[str, str], report: MismatchReporter) -> list:
    size = _with_page_size(endpoint, params, DEFAULT_PAGE_SIZE)
    assert size is not None
    skip_param = "$skip" if endpoint.page_size_param.startswith("$") else "skip"
    skip = int(params.get(skip_param, 0))
    items: list[Any] = []
    previous: list[Any] | None = None
    for _ in range(MAX_PAGES):
        params[skip_param] = str(skip)
        page = fetch(params)
        page_items = extract_items(endpoint, page.body, page.url)
        _check_page_count(page.body, page_items, page.url, report)
        if page_items and page_items == previous:
            raise PagingError(f"{skip_param} is ignored: the same page came back twice", url=page.url)
        items.extend(page_items)
        if len(page_items) < size:
            return items
        skip += len(page_items)
        previous = page_items
    raise PagingError(f"more than {MAX_PAGES} pages", url=None)


def _read_id_cursor(endpoint: Endpoint, fetch: Fetch, params: dict[str, str], report: MismatchReporter) -> list:
    size = _with_page_size(endpoint, params, DEFAULT_PAGE_SIZE)
    assert size is not None
    params.setdefault("queryOrder", "IdAscending")
    items: list[Any] = []
    cursor: int | None = None
    for _ in range(MAX_PAGES):
        page = fetch(params)
        page_items = extract_items(endpoint, page.body, page.url)
        _check_page_count(page.body, page_items, page.url, report)
        items.extend(page_items)
        if len(page_items) < size:
            return items
        try:
            next_cursor = int(page_items[-1]["id"]) + 1
        except (KeyError, TypeError, ValueError) as exc:
            raise PagingError(f"cannot derive the next id cursor from the last item ({exc})", url=page.url) from None
        if cursor is not None and next_cursor <= cursor:
            raise PagingError(f"id cursor did not advance ({cursor} -> {next_cursor}); ids are not ascending",
                              url=page.url)
        cursor = next_cursor
        params[CONTINUATION_PARAM] = str(cursor)
    raise PagingError(f"more than {MAX_PAGES} pages", url=None)


def _read_header(endpoint: Endpoint, fetch: Fetch, params: dict[str, str], report: MismatchReporter) -> list:
    return _read_token(endpoint, fetch, params, report, in_body=False)


def _read_body(endpoint: Endpoint, fetch: Fetch, params: dict[str, str], report: MismatchReporter) -> list:
    return _read_token(endpoint, fetch, params, report, in_body=True)


_READERS: dict[Paging, Callable[[Endpoint, Fetch, dict[str, str], MismatchReporter], list[Any]]] = {
    Paging.NONE: _read_single,
    Paging.HEADER_TOKEN: _read_header,
    Paging.BODY_TOKEN: _read_body,
    Paging.TOP_SKIP: _read_top_skip,
    Paging.ID_CURSOR: _read_id_cursor,
}
