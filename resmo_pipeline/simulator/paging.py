"""Paging exactly as the real service pages, one helper per style (reference §5).

- header token (`x-ms-continuationtoken`): an opaque keyset token (graph, refs, policies, build definitions,
  pipelines, release definitions, environments) or, for projects, the integer count already returned;
- body token: the token travels in the JSON body (user entitlements, token admin, audit log);
- `$top`/`$skip` (teams, team members);
- id cursor (variable groups: `$top` + `continuationToken=<id>` + `queryOrder`).

Opaque tokens name the last key returned, never a position, so a token stays valid while the data changes and
paging over a changed dataset neither loops nor repeats an item. A request whose token the fault injector
expires (`request.faults.should_expire_token()`) gets the service's 400 instead of a page.

A page costs O(page size) plus a binary search for its start: endpoints hand the helpers a `Cache` (the
state's `PageCache` and a key naming the view and the state's revision), so the filtered and sorted list
behind a listing is built once per revision, not once per page.
"""

from __future__ import annotations

import base64
import bisect
import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from resmo_pipeline.simulator.routing import SimRequest, SimResponse, error_response, expired_token, json_response

CONTINUATION_HEADER = "x-ms-continuationtoken"

Item = dict[str, Any]
KeyFn = Callable[[Item], Any]
Render = Callable[[Item], Item]


class BadToken(Exception):
    """A continuation token that does not decode (or was expired by the fault injector)."""

    def __init__(self, response: SimResponse) -> None:
        super().__init__(response.body.get("message") if isinstance(response.body, dict) else "bad token")
        self.response = response


def descending(text: str) -> tuple[int, ...]:
    """A sort key that orders strings descending (keys stay JSON-encodable for tokens)."""
    return (*(-ord(c) for c in text), 1)


def encode_token(key: Any) -> str:
    """An opaque, stable token naming the last key a page returned."""
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str) -> Any:
    """The key inside an opaque token; BadToken when it is not one of ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        return _hashable(json.loads(base64.urlsafe_b64decode(padded.encode())))
    except (ValueError, TypeError) as exc:
        raise BadToken(invalid_token(token)) from exc


def invalid_token(token: str) -> SimResponse:
    """The 400 for a continuation token the service cannot parse."""
    return error_response(
        400,
        f"The continuation token '{token[:40]}' is not valid.",
        "Microsoft.VisualStudio.Services.WebApi.InvalidContinuationTokenException, "
        "Microsoft.VisualStudio.Services.WebApi",
        "InvalidContinuationTokenException",
    )


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list | tuple) else value


def int_param(request: SimRequest, name: str, default: int | None = None) -> int | None:
    """An integer query parameter (`$top`, `$skip`, ...); ValueError when it is not a number."""
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    return int(raw)


def bad_parameter(name: str, value: str | None) -> SimResponse:
    """The 400 for a query parameter of the wrong type."""
    return error_response(
        400, f"The value '{value}' is not valid for parameter '{name}'.",
        "System.ArgumentException, mscorlib", "ArgumentException",
    )


def _token(request: SimRequest) -> str | None:
    token = request.param("continuationToken")
    if token and request.faults.should_expire_token():
        raise BadToken(expired_token())
    return token or None


Items = Sequence[Item] | Callable[[], Sequence[Item]]
CACHE_LIMIT = 2048
T = TypeVar("T")


class PageCache:
    """Views derived from the data (filtered and sorted lists, lookup tables), the least recently used dropped.

    Keys name a view and carry the state's revision, so a change to the data makes new views. `builds`
    counts the views built per kind (a key's first element): tests use it to prove pages reuse their view.
    """

    def __init__(self, limit: int = CACHE_LIMIT) -> None:
        self.limit = limit
        self.builds: Counter[Hashable] = Counter()
        self._views: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The view under `key`, built by `build()` when it is not kept (built outside the lock)."""
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        value = build()
        with self._lock:
            self.builds[key[0] if isinstance(key, tuple) and key else key] += 1
            self._views[key] = value
            while len(self._views) > self.limit:
                self._views.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._views)


Cache = tuple[PageCache, Hashable]


def cache_for(state: Any, *view: Hashable) -> Cache:
    """The cache entry for `view` (a kind plus everything the list depends on) at the state's revision."""
    return state.page_cache, (*view, state.revision)


def view(state: Any, build: Callable[[], T], *key: Hashable) -> T:
    """A list or table derived from the state, built once per revision of the data."""
    cache, full_key = cache_for(state, *key)
    return cache.get(full_key, build)


def ordered(items: Items, key: KeyFn, cache: Cache | None) -> tuple[list[Item], list[Any]]:
    """The items sorted by key, and their keys; built once per `cache` key when a cache is given."""

    def build() -> tuple[list[Item], list[Any]]:
        values = items() if callable(items) else items
        unsorted_keys = [key(item) for item in values]
        order = sorted(range(len(values)), key=unsorted_keys.__getitem__)
        return [values[index] for index in order], [unsorted_keys[index] for index in order]

    return cache[0].get(cache[1], build) if cache is not None else build()


Window = Callable[[list[Any]], tuple[int, int]]


def keyset_page(items: Items, key: KeyFn, after: Any, size: int, cache: Cache | None = None,
                window: Window | None = None) -> tuple[list[Item], Any]:
    """The `size` items whose key follows `after` (None = from the start), and the last key if more remain.

    Keys are strings, numbers or tuples of them (tokens decode JSON lists back to tuples), unique per item.
    `window` narrows the sorted keys to an index range [lo, hi) (e.g. a time range found by binary search).
    """
    values, keys = ordered(items, key, cache)
    lo, hi = window(keys) if window else (0, len(values))
    start = lo if after is None else max(lo, bisect.bisect_right(keys, after, lo, max(lo, hi)))
    stop = min(start + size, hi)
    page = values[start:stop]
    return page, (keys[stop - 1] if stop < hi and page else None)


def collection(items: Sequence[Item], render: Render | None = None, headers: dict[str, str] | None = None
               ) -> SimResponse:
    """The usual `{count, value}` envelope."""
    values = [render(item) for item in items] if render else list(items)
    return json_response({"count": len(values), "value": values}, headers=headers)


def header_token(request: SimRequest, items: Items, key: KeyFn, *, render: Render | None = None,
                 default_top: int | None, max_top: int | None = None, token_only_top: int | None = None,
                 top_param: str | None = "$top", cache: Cache | None = None) -> SimResponse:
    """`{count, value}` with `x-ms-continuationtoken` when more remain (opaque keyset token).

    `default_top` None = everything when the caller sends no `$top`; `token_only_top` is the page size used
    when only a continuation token is sent (refs: 100); `top_param` None = the endpoint takes no page size.
    """
    try:
        token = _token(request)
        after = decode_token(token) if token else None
        top = int_param(request, top_param) if top_param else None
    except BadToken as exc:
        return exc.response
    except ValueError:
        return bad_parameter(str(top_param), request.param(str(top_param)))
    if top is None or top <= 0:
        top = token_only_top if token and token_only_top else default_top
    if top is None:
        top = max(len(ordered(items, key, cache)[0]), 1)
    if max_top is not None:
        top = min(top, max_top)
    page, last = keyset_page(items, key, after, top, cache)
    headers = {CONTINUATION_HEADER: encode_token(last)} if last is not None else {}
    return collection(page, render, headers)


def count_token(request: SimRequest, items: Sequence[Item], *, render: Render | None = None,
                default_top: int = 100, max_top: int | None = None) -> SimResponse:
    """Projects: `$top` (+ `$skip`) with an integer header token = how many items were already returned."""
    token = request.param("continuationToken")
    try:
        if token and request.faults.should_expire_token():
            return expired_token()
        start = int(token) if token else (int_param(request, "$skip") or 0)
    except ValueError:
        return invalid_token(token or "")
    try:
        top = int_param(request, "$top") or default_top
    except ValueError:
        return bad_parameter("$top", request.param("$top"))
    if max_top is not None:
        top = min(top, max_top)
    page = list(items[start:start + top])
    end = start + len(page)
    headers = {CONTINUATION_HEADER: str(end)} if end < len(items) and page else {}
    return collection(page, render, headers)


def body_token(request: SimRequest, items: Items, key: KeyFn, size: int, cache: Cache | None = None,
               window: Window | None = None) -> tuple[list[Item], str | None]:
    """One page of a body-token endpoint and the next token (None on the last page); raises BadToken."""
    token = _token(request)
    after = decode_token(token) if token else None
    page, last = keyset_page(items, key, after, size, cache, window)
    return page, (encode_token(last) if last is not None else None)


def top_skip(request: SimRequest, items: Sequence[Item], *, render: Render | None = None,
             default_top: int = 100, max_top: int | None = None) -> SimResponse:
    """`$top`/`$skip` paging: the client stops at a short page; no token anywhere."""
    try:
        top = int_param(request, "$top", default_top) or default_top
        skip = int_param(request, "$skip", 0) or 0
    except ValueError:
        return bad_parameter("$top", request.param("$top"))
    if max_top is not None:
        top = min(top, max_top)
    return collection(list(items[skip:skip + top]), render)


def id_cursor(request: SimRequest, items: Items, *, render: Render | None = None,
              cache: Cache | None = None) -> SimResponse:
    """Variable groups: `$top` + `continuationToken=<id>` + `queryOrder` (IdDescending by default); no header.

    The token is an id the next page starts at (inclusive), so a client passes last id + 1 (ascending) or
    last id - 1 (descending).
    """
    descending = (request.param("queryOrder") or "IdDescending").lower() != "idascending"
    try:
        raw_token = request.param("continuationToken")
        if raw_token and request.faults.should_expire_token():
            return expired_token()
        cursor = int(raw_token) if raw_token else None
    except ValueError:
        return invalid_token(request.param("continuationToken") or "")
    try:
        top = int_param(request, "$top")
    except ValueError:
        return bad_parameter("$top", request.param("$top"))
    values, ids = ordered(items, lambda item: item["id"], cache)
    if descending:
        stop = len(ids) if cursor is None else bisect.bisect_right(ids, cursor)
        page = values[max(0, stop - top) if top else 0:stop][::-1]
    else:
        start = 0 if cursor is None else bisect.bisect_left(ids, cursor)
        page = values[start:start + top] if top else values[start:]
    return collection(page, render)
