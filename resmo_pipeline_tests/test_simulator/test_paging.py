"""Paging helpers on their own: every style, token stability while data changes, expired and invalid tokens."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.routing import SimRequest, SimResponse


class ExpireAll:
    """Fault hooks that expire every continuation token."""

    def should_expire_token(self) -> bool:
        return True


def request(query: dict[str, str] | None = None, faults: Any = None) -> SimRequest:
    kwargs: dict[str, Any] = {"faults": faults} if faults is not None else {}
    return SimRequest(method="GET", host="dev.azure.com", organization="contoso", path="x", path_params={},
                      query=dict(query or {}), headers={}, body=None, identity={}, state=None, **kwargs)


def items(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"item-{i:04d}"} for i in range(1, n + 1)]


def follow_header(data: list[dict[str, Any]], query: dict[str, str], **kwargs: Any) -> tuple[list[int], int]:
    """Every id over all pages, and how many pages it took."""
    seen: list[int] = []
    token = None
    pages = 0
    while True:
        sent = dict(query, **({"continuationToken": token} if token else {}))
        response = paging.header_token(request(sent), data, key=lambda i: i["name"], **kwargs)
        assert response.status == 200
        pages += 1
        seen += [i["id"] for i in response.body["value"]]
        assert response.body["count"] == len(response.body["value"])
        token = response.headers.get(paging.CONTINUATION_HEADER)
        if not token:
            return seen, pages


def test_header_token_pages_through_everything_once() -> None:
    data = items(23)
    seen, pages = follow_header(data, {"$top": "5"}, default_top=None)
    assert seen == list(range(1, 24)) and pages == 5


def test_header_token_default_max_and_token_only_sizes() -> None:
    data = items(250)
    first = paging.header_token(request(), data, key=lambda i: i["name"], default_top=None, max_top=1000,
                                token_only_top=100)
    assert first.body["count"] == 250 and paging.CONTINUATION_HEADER not in first.headers
    capped = paging.header_token(request({"$top": "5000"}), data, key=lambda i: i["name"], default_top=None,
                                 max_top=40)
    assert capped.body["count"] == 40
    token = capped.headers[paging.CONTINUATION_HEADER]
    token_only = paging.header_token(request({"continuationToken": token}), data, key=lambda i: i["name"],
                                     default_top=None, max_top=1000, token_only_top=100)
    assert [i["id"] for i in token_only.body["value"]] == list(range(41, 141))


def test_token_survives_inserts_and_deletes_without_loops_or_repeats() -> None:
    data = items(10)
    first = paging.header_token(request({"$top": "4"}), data, key=lambda i: i["name"], default_top=None)
    token = first.headers[paging.CONTINUATION_HEADER]
    del data[0:6]  # the page boundary item and more vanish
    data.append({"id": 99, "name": "item-0000"})  # sorts before the boundary: must not be returned again
    data.append({"id": 100, "name": "item-9999"})
    rest = paging.header_token(request({"$top": "4", "continuationToken": token}), data, key=lambda i: i["name"],
                               default_top=None)
    assert [i["id"] for i in rest.body["value"]] == [7, 8, 9, 10]
    last = paging.header_token(request({"$top": "4", "continuationToken": rest.headers[paging.CONTINUATION_HEADER]}),
                               data, key=lambda i: i["name"], default_top=None)
    assert [i["id"] for i in last.body["value"]] == [100]
    assert paging.CONTINUATION_HEADER not in last.headers


def test_tokens_are_stable() -> None:
    data = items(10)
    one = paging.header_token(request({"$top": "3"}), data, key=lambda i: i["name"], default_top=None)
    two = paging.header_token(request({"$top": "3"}), list(reversed(data)), key=lambda i: i["name"], default_top=None)
    assert one.headers == two.headers and one.body == two.body


def _is_error(response: SimResponse, type_key: str) -> bool:
    return response.status == 400 and response.body["typeKey"] == type_key


def test_expired_and_invalid_tokens_answer_400() -> None:
    data = items(10)
    token = paging.header_token(request({"$top": "3"}), data, key=lambda i: i["name"],
                                default_top=None).headers[paging.CONTINUATION_HEADER]
    expired = paging.header_token(request({"continuationToken": token}, ExpireAll()), data, key=lambda i: i["name"],
                                  default_top=None)
    assert _is_error(expired, "InvalidContinuationTokenException")
    assert "expired" in expired.body["message"]
    garbage = paging.header_token(request({"continuationToken": "%%%not-ours"}), data, key=lambda i: i["name"],
                                  default_top=None)
    assert _is_error(garbage, "InvalidContinuationTokenException")
    bad_count = paging.count_token(request({"continuationToken": "abc"}), data)
    assert _is_error(bad_count, "InvalidContinuationTokenException")
    assert _is_error(paging.id_cursor(request({"continuationToken": "3"}, ExpireAll()), data),
                     "InvalidContinuationTokenException")
    assert paging.header_token(request({"$top": "x"}), data, key=lambda i: i["name"], default_top=None).status == 400


def test_count_token_is_the_number_already_returned() -> None:
    data = items(12)
    first = paging.count_token(request({"$top": "5"}), data)
    assert first.headers[paging.CONTINUATION_HEADER] == "5"
    second = paging.count_token(request({"$top": "5", "continuationToken": "5"}), data)
    third = paging.count_token(request({"$top": "5", "continuationToken": "10"}), data)
    assert [i["id"] for i in second.body["value"]] == [6, 7, 8, 9, 10]
    assert [i["id"] for i in third.body["value"]] == [11, 12] and not third.headers
    assert paging.count_token(request(), items(150)).body["count"] == 100
    assert [i["id"] for i in paging.count_token(request({"$skip": "10", "$top": "1"}), data).body["value"]] == [11]


def test_body_token_pages() -> None:
    data = items(7)
    seen: list[int] = []
    token = None
    while True:
        page, token = paging.body_token(request({"continuationToken": token} if token else {}), data,
                                        key=lambda i: i["id"], size=3)
        seen += [i["id"] for i in page]
        if token is None:
            break
    assert seen == list(range(1, 8))


def test_top_skip_until_a_short_page() -> None:
    data = items(7)
    pages = [paging.top_skip(request({"$top": "3", "$skip": str(skip)}), data).body["value"] for skip in (0, 3, 6)]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert paging.top_skip(request(), items(130)).body["count"] == 100


def test_id_cursor_both_orders() -> None:
    data = items(9)
    descending = paging.id_cursor(request({"$top": "4"}), data)
    assert [i["id"] for i in descending.body["value"]] == [9, 8, 7, 6] and not descending.headers
    after = paging.id_cursor(request({"$top": "4", "continuationToken": "5"}), data)
    assert [i["id"] for i in after.body["value"]] == [5, 4, 3, 2]
    ascending = paging.id_cursor(request({"$top": "4", "continuationToken": "5", "queryOrder": "IdAscending"}), data)
    assert [i["id"] for i in ascending.body["value"]] == [5, 6, 7, 8]
    assert paging.id_cursor(request(), data).body["count"] == 9


def test_sorted_view_is_cached_per_key_and_rebuilt_for_a_new_one() -> None:
    data = items(5)
    store = paging.PageCache()
    calls: list[int] = []

    def produce() -> list[dict[str, Any]]:
        calls.append(1)
        return list(data)

    first, _ = paging.keyset_page(produce, lambda i: i["id"], None, 2, (store, ("x", 1)))
    data.append({"id": 6, "name": "item-0006"})
    again, last = paging.keyset_page(produce, lambda i: i["id"], 2, 10, (store, ("x", 1)))
    assert [i["id"] for i in first] == [1, 2] and [i["id"] for i in again] == [3, 4, 5] and last is None
    assert len(calls) == 1  # the same revision reuses the sorted view
    fresh, _ = paging.keyset_page(produce, lambda i: i["id"], 2, 10, (store, ("x", 2)))
    assert [i["id"] for i in fresh] == [3, 4, 5, 6] and len(calls) == 2
    assert store.builds["x"] == 2


def test_page_cache_drops_the_least_recently_used_view() -> None:
    store = paging.PageCache(limit=2)
    store.get(("a", 1), lambda: "A")
    store.get(("b", 1), lambda: "B")
    store.get(("a", 1), lambda: "rebuilt")  # touches "a": "b" is now the oldest
    store.get(("c", 1), lambda: "C")
    assert len(store) == 2
    assert store.get(("a", 1), lambda: "rebuilt") == "A"
    assert store.get(("b", 1), lambda: "B again") == "B again"
    assert store.builds == {"a": 1, "b": 2, "c": 1}


def test_window_limits_keyset_pages_to_an_index_range() -> None:
    data = items(10)
    pages = []
    after = None
    while True:
        page, after = paging.keyset_page(data, lambda i: i["id"], after, 3, window=lambda keys: (2, 8))
        pages.append([i["id"] for i in page])
        if after is None:
            break
    assert pages == [[3, 4, 5], [6, 7, 8]]
