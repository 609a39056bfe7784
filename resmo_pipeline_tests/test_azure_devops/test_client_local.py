"""The client against a scripted local HTTP server: headers, envelopes, paging edge cases, errors, retries."""

from __future__ import annotations

import base64
import codecs
import json
import logging
import stat
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from resmo_pipeline.azure_devops import (
    AuthenticationError,
    AzureDevOpsClient,
    AzureDevOpsError,
    BadRequestError,
    DeviceCodeCredential,
    Endpoint,
    NotFoundError,
    Paging,
    PagingError,
    PatCredential,
    PermissionDeniedError,
    RetryBudgetExceededError,
    ServerError,
    ThrottledError,
)
from resmo_pipeline.azure_devops.errors import redact_url
from resmo_pipeline.azure_devops.hosts import build_url
from resmo_pipeline_tests.test_azure_devops.conftest import Reply, ScriptedServer, Seen

PAT = "pat-local-7f3c9a1e5d2b4c68a0e1f2d3c4b5a697"
ORG = "contoso"
PREFIX = f"/dev.azure.com/{ORG}/"
SIGN_IN_PAGE = b"<html><head><title>Azure DevOps Services | Sign In</title></head><body>sign in</body></html>"


def error_body(message: str, type_key: str) -> dict:
    return {"$id": "1", "innerException": None, "message": message,
            "typeName": f"Microsoft.VisualStudio.Services.WebApi.{type_key}, Microsoft.VisualStudio.Services.WebApi",
            "typeKey": type_key, "errorCode": 0, "eventId": 3000}


def make_client(server: ScriptedServer, **kwargs: object) -> AzureDevOpsClient:
    options = {"concurrency": 4, "timeout_s": 5, "max_retry_time_s": 5, "backoff_base_s": 0.01,
               "backoff_max_s": 0.05, **kwargs}
    return AzureDevOpsClient(ORG, PatCredential(PAT), base_url=server.base_url, **options)  # type: ignore[arg-type]


def endpoint(path: str, paging: Paging = Paging.NONE, **kwargs: object) -> Endpoint:
    return Endpoint(host="dev.azure.com", path=path, api_version="7.1", paging=paging, **kwargs)  # type: ignore[arg-type]


# --- hosts -----------------------------------------------------------------------------------------------------


def test_urls_for_every_host_shape() -> None:
    assert build_url("dev.azure.com", "contoso", "_apis/projects") == "https://dev.azure.com/contoso/_apis/projects"
    assert build_url("vssps.dev.azure.com", "my org", "_apis/graph/users", base_url="http://127.0.0.1:9/") == \
        "http://127.0.0.1:9/vssps.dev.azure.com/my%20org/_apis/graph/users"
    assert build_url("app.vssps.visualstudio.com", "contoso", "_apis/profile/profiles/me") == \
        "https://app.vssps.visualstudio.com/_apis/profile/profiles/me"
    assert build_url("dev.azure.com", "contoso", "{project}/_apis/git/repositories/{repositoryId}/refs",
                     {"project": "Fabrikam Fiber/ä", "repositoryId": "r1"}) == \
        "https://dev.azure.com/contoso/Fabrikam%20Fiber%2F%C3%A4/_apis/git/repositories/r1/refs"
    with pytest.raises(ValueError, match="project"):
        build_url("dev.azure.com", "contoso", "{project}/_apis/git/repositories")


def test_endpoints_are_hashable_values() -> None:
    a = endpoint("_apis/projects", params={"stateFilter": "all"})
    b = endpoint("_apis/projects", params={"stateFilter": "all"})
    assert a == b and len({a, b}) == 1


# --- request shape and envelopes ---------------------------------------------------------------------------------


def test_every_request_carries_auth_and_protocol_headers(server: ScriptedServer) -> None:
    server.on(PREFIX + "_apis/projects", Reply({"count": 0, "value": []}))
    with make_client(server) as client:
        client.list(endpoint("_apis/projects"), params={"stateFilter": "all"})
    with make_client(server, force_msa_pass_through=True) as client:
        client.get(endpoint("_apis/projects"))
    plain, forced = server.seen
    assert plain.headers["Authorization"] == "Basic " + base64.b64encode(f":{PAT}".encode()).decode()
    assert plain.headers["X-TFS-FedAuthRedirect"] == "Suppress"
    assert plain.headers["Accept"] == "application/json"
    assert plain.headers["User-Agent"].startswith("resmo-pipeline/")
    assert "X-VSS-ForceMsaPassThrough" not in plain.headers
    assert forced.headers["X-VSS-ForceMsaPassThrough"] == "true"
    assert plain.query == {"api-version": "7.1", "stateFilter": "all"}


def test_bom_bodies_and_dict_valued_envelopes_parse(server: ScriptedServer) -> None:
    lookup = {"count": 2, "value": {"aad.A": {"descriptor": "aad.A"}, "vssgp.B": {"descriptor": "vssgp.B"}}}
    server.on(PREFIX + "_apis/graph/subjectlookup", Reply(raw=codecs.BOM_UTF8 + json.dumps(lookup).encode()))
    server.on(PREFIX + "_apis/one", Reply(raw=codecs.BOM_UTF8 + b'{"id": 7}'))
    with make_client(server) as client:
        items = client.list(endpoint("_apis/graph/subjectlookup"), body={"lookupKeys": [{"descriptor": "aad.A"}]})
        single = client.get(endpoint("_apis/one", items_key=None))
        as_list = client.list(endpoint("_apis/one", items_key=None))
    assert [i["descriptor"] for i in items] == ["aad.A", "vssgp.B"]
    assert server.seen[0].method == "POST" and server.seen[0].body == {"lookupKeys": [{"descriptor": "aad.A"}]}
    assert single == {"id": 7} and as_list == [{"id": 7}]


def test_missing_envelope_key_is_an_error_not_an_empty_list(server: ScriptedServer) -> None:
    server.on(PREFIX + "_apis/odd", Reply({"members": []}))
    with make_client(server) as client, pytest.raises(PagingError, match="'value'"):
        client.list(endpoint("_apis/odd"))


# --- errors -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "error_type", "type_key", "message"),
    [
        (Reply(raw=SIGN_IN_PAGE, status=203, content_type="text/html"), AuthenticationError, None, "sign-in page"),
        (Reply(raw=SIGN_IN_PAGE, status=200, content_type="text/html; charset=utf-8"), AuthenticationError, None,
         "sign-in page"),
        (Reply(error_body("TF400813: The user '' is not authorized to access this resource.",
                          "UnauthorizedRequestException"), status=401), AuthenticationError,
         "UnauthorizedRequestException", "TF400813"),
        (Reply(error_body("TF200016: The following project does not exist: Foo.",
                          "ProjectDoesNotExistWithNameException"), status=404), NotFoundError,
         "ProjectDoesNotExistWithNameException", "TF200016"),
        (Reply(raw=codecs.BOM_UTF8 + json.dumps(error_body("The requested version \"7.1\" is under preview.",
                                                           "VssInvalidPreviewVersionException")).encode(),
               status=400), BadRequestError, "VssInvalidPreviewVersionException", "is under preview"),
        (Reply(error_body("conflict", "SomeConflictException"), status=409), AzureDevOpsError,
         "SomeConflictException", "conflict"),
        (Reply(status=302, headers=[("Location", "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=x")]),
         AuthenticationError, None, "redirect"),
    ],
)
def test_status_codes_become_typed_errors(server: ScriptedServer, reply: Reply, error_type: type,
                                          type_key: str | None, message: str) -> None:
    server.on(PREFIX + "_apis/projects", reply)
    with make_client(server) as client, pytest.raises(error_type) as caught:
        client.list(endpoint("_apis/projects"))
    assert type(caught.value) is error_type
    assert caught.value.status == reply.status and caught.value.type_key == type_key
    assert message in str(caught.value) and str(type_key or "") in str(caught.value)
    assert f"/dev.azure.com/{ORG}/_apis/projects" in str(caught.value)


def test_forbidden_names_the_required_scope_and_the_service_message(server: ScriptedServer) -> None:
    message = "Access Denied: Bob needs the following permission(s) on the resource: View audit log"
    server.on(PREFIX + "_apis/audit/auditlog", Reply(error_body(message, "AccessCheckException"), status=403))
    audit = endpoint("_apis/audit/auditlog", Paging.BODY_TOKEN, items_key="decoratedAuditLogEntries",
                     scope="vso.auditlog")
    with make_client(server) as client, pytest.raises(PermissionDeniedError) as caught:
        client.list(audit)
    assert caught.value.required_scope == "vso.auditlog"
    assert caught.value.type_key == "AccessCheckException"
    assert "vso.auditlog" in str(caught.value) and message in str(caught.value)


# --- paging ---------------------------------------------------------------------------------------------------------


def test_header_token_pages_take_the_first_of_repeated_headers(server: ScriptedServer) -> None:
    pages = {None: (["a", "b"], [("x-ms-continuationtoken", "t1"), ("X-MS-ContinuationToken", "ignored")]),
             "t1": (["c", "d"], [("X-Ms-Continuationtoken", "t2")]),
             "t2": (["e"], [("x-ms-continuationtoken", "")])}

    def script(seen: Seen) -> Reply:
        names, headers = pages[seen.query.get("continuationToken")]
        return Reply({"count": len(names), "value": [{"name": n} for n in names]}, headers=headers)

    server.on(PREFIX + "_apis/graph/users", script)
    with make_client(server) as client:
        users = client.list(endpoint("_apis/graph/users", Paging.HEADER_TOKEN, page_size=2))
    assert [u["name"] for u in users] == ["a", "b", "c", "d", "e"]
    assert [s.query.get("continuationToken") for s in server.seen] == [None, "t1", "t2"]
    assert all(s.query["$top"] == "2" for s in server.seen)


def test_a_repeated_token_stops_with_paging_error(server: ScriptedServer) -> None:
    same_token = [("x-ms-continuationtoken", "same")]
    server.on(PREFIX + "_apis/graph/groups",
              lambda seen: Reply({"count": 1, "value": [{"n": seen.call}]}, headers=same_token))
    with make_client(server) as client, pytest.raises(PagingError, match="returned twice"):
        client.list(endpoint("_apis/graph/groups", Paging.HEADER_TOKEN))
    assert len(server.seen) == 2


def test_body_token_with_has_more_and_total_mismatch_is_recorded(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    pages = {None: {"decoratedAuditLogEntries": [{"id": 1}, {"id": 2}], "continuationToken": "c1", "hasMore": True},
             "c1": {"decoratedAuditLogEntries": [{"id": 3}], "continuationToken": "c2", "hasMore": False}}
    server.on(PREFIX + "_apis/audit/auditlog", lambda seen: Reply(pages[seen.query.get("continuationToken")]))
    entitlement_pages = {None: {"members": [{"id": "u1"}], "totalCount": 3, "continuationToken": "e1"},
                         "e1": {"members": [{"id": "u2"}], "totalCount": 3, "continuationToken": None}}
    server.on(PREFIX + "_apis/userentitlements",
              lambda seen: Reply(entitlement_pages[seen.query.get("continuationToken")]))
    with make_client(server) as client, caplog.at_level(logging.WARNING, "resmo_pipeline.azure_devops"):
        audit = client.list(endpoint("_apis/audit/auditlog", Paging.BODY_TOKEN, items_key="decoratedAuditLogEntries",
                                     page_size=2, page_size_param="batchSize"))
        members = client.list(endpoint("_apis/userentitlements", Paging.BODY_TOKEN, items_key="members"))
        stats = client.stats.as_dict()
    assert [e["id"] for e in audit] == [1, 2, 3]
    assert [m["id"] for m in members] == ["u1", "u2"]
    assert server.seen[0].query["batchSize"] == "2"
    assert [(m["endpoint"], m["reported"], m["read"]) for m in stats["totals_mismatches"]] == \
        [("_apis/userentitlements", 3, 2)]
    assert stats["per_endpoint"]["_apis/userentitlements"]["totals_mismatches"] == 1
    assert "reported a total of 3 but 2 rows were read" in caplog.text


def test_has_more_without_a_token_is_an_error(server: ScriptedServer) -> None:
    server.on(PREFIX + "_apis/audit/auditlog",
              Reply({"decoratedAuditLogEntries": [{"id": 1}], "continuationToken": None, "hasMore": True}))
    with make_client(server) as client, pytest.raises(PagingError, match="hasMore"):
        client.list(endpoint("_apis/audit/auditlog", Paging.BODY_TOKEN, items_key="decoratedAuditLogEntries"))


def test_top_skip_reads_until_a_short_page_and_detects_ignored_skip(server: ScriptedServer) -> None:
    teams = [{"id": i} for i in range(7)]

    def script(seen: Seen) -> Reply:
        top, skip = int(seen.query["$top"]), int(seen.query["$skip"])
        return Reply({"count": len(teams[skip:skip + top]), "value": teams[skip:skip + top]})

    server.on(PREFIX + "_apis/projects/p1/teams", script)
    server.on(PREFIX + "_apis/projects/p2/teams", Reply({"count": 3, "value": teams[:3]}))
    teams_endpoint = endpoint("_apis/projects/{projectId}/teams", Paging.TOP_SKIP, page_size=3)
    with make_client(server) as client:
        assert client.list(teams_endpoint, {"projectId": "p1"}) == teams
        assert [s.query["$skip"] for s in server.seen] == ["0", "3", "6"]
        with pytest.raises(PagingError, match="ignored"):
            client.list(teams_endpoint, {"projectId": "p2"})


def test_id_cursor_continues_from_the_last_id_plus_one(server: ScriptedServer) -> None:
    groups = [{"id": i} for i in (3, 5, 8, 9, 12)]

    def script(seen: Seen) -> Reply:
        start = int(seen.query.get("continuationToken", 0))
        page = [g for g in groups if g["id"] >= start][: int(seen.query["$top"])]
        return Reply({"count": len(page), "value": page})

    server.on(PREFIX + "p/_apis/distributedtask/variablegroups", script)
    with make_client(server) as client:
        items = client.list(endpoint("p/_apis/distributedtask/variablegroups", Paging.ID_CURSOR, page_size=2))
    assert items == groups
    assert [s.query.get("continuationToken") for s in server.seen] == [None, "6", "10"]
    assert all(s.query["queryOrder"] == "IdAscending" for s in server.seen)


def test_expired_continuation_token_restarts_the_listing(server: ScriptedServer) -> None:
    expired = error_body("The continuation token is expired or invalid.", "InvalidContinuationTokenException")

    def script(seen: Seen) -> Reply:
        token = seen.query.get("continuationToken")
        if token is None:
            return Reply({"count": 1, "value": [{"id": 1}]}, headers=[("x-ms-continuationtoken", "1")])
        if seen.call == 2:
            return Reply(expired, status=400)
        return Reply({"count": 1, "value": [{"id": 2}]})

    server.on(PREFIX + "_apis/projects", script)
    with make_client(server) as client:
        assert client.list(endpoint("_apis/projects", Paging.HEADER_TOKEN)) == [{"id": 1}, {"id": 2}]
    assert len(server.seen) == 4


# --- retries and rate limits ------------------------------------------------------------------------------------


def test_transient_failures_are_retried_until_the_data_arrives(server: ScriptedServer) -> None:
    failures = {1: Reply(error_body("busy", "ServiceUnavailableException"), status=503),
                2: Reply(drop=True),
                3: Reply(error_body("TF400733: The request has been canceled", "RequestBlockedException"),
                         status=429, headers=[("Retry-After", "0.2")])}
    server.on(PREFIX + "_apis/projects",
              lambda seen: failures.get(seen.call, Reply({"count": 1, "value": [{"id": "p"}]})))
    with make_client(server) as client:
        assert client.list(endpoint("_apis/projects")) == [{"id": "p"}]
        stats = client.stats.as_dict()
    assert stats["requests"] == 4 and stats["retries"] == 3 and stats["errors"] == 3
    assert stats["throttled_s"] >= 0.2
    assert stats["per_endpoint"]["_apis/projects"]["retries"] == 3


@pytest.mark.parametrize(
    ("reply", "error_type"),
    [
        (Reply(error_body("TF400733: The request has been canceled: Request was blocked", "RequestBlockedException"),
               status=429, headers=[("Retry-After", "0.1")]), ThrottledError),
        (Reply(error_body("boom", "InternalServerErrorException"), status=500), ServerError),
        (Reply(drop=True), RetryBudgetExceededError),
    ],
)
def test_the_retry_budget_ends_with_a_typed_error_saying_how_long(
    server: ScriptedServer, reply: Reply, error_type: type
) -> None:
    server.on(PREFIX + "_apis/projects", reply)
    with make_client(server, max_retry_time_s=0.5) as client, pytest.raises(RetryBudgetExceededError) as caught:
        client.get(endpoint("_apis/projects"))
    error = caught.value
    assert type(error) is error_type
    assert error.attempts == len(server.seen) >= 2
    # The budget bounds when the last attempt may start; that attempt may take up to the request timeout.
    assert 0 < error.elapsed_s < 0.5 + 5
    assert f"gave up after {error.attempts} attempts" in str(error)
    assert "/_apis/projects" in str(error)
    if reply.body:
        assert reply.body["message"] in str(error) and error.status == reply.status


def test_a_retry_after_longer_than_the_budget_gives_up_at_once(server: ScriptedServer) -> None:
    server.on(PREFIX + "_apis/projects", Reply(error_body("blocked", "RequestBlockedException"), status=429,
                                               headers=[("Retry-After", "60")]))
    with make_client(server, max_retry_time_s=5) as client, pytest.raises(ThrottledError, match="wait 60s"):
        client.get(endpoint("_apis/projects"))
    assert len(server.seen) == 1


def test_unreachable_service_gives_up_with_retry_budget_error() -> None:
    client = AzureDevOpsClient(ORG, PatCredential(PAT), base_url="http://127.0.0.1:9", timeout_s=1,
                               max_retry_time_s=0.3, backoff_base_s=0.01)
    with client, pytest.raises(RetryBudgetExceededError, match="ConnectionRefusedError"):
        client.get(endpoint("_apis/projects"))


def test_rate_limit_headers_slow_the_client_down(server: ScriptedServer) -> None:
    def script(seen: Seen) -> Reply:
        headers = [("X-RateLimit-Limit", "200"), ("X-RateLimit-Remaining", "2")]
        if seen.call == 1:
            headers.append(("X-RateLimit-Delay", "0.25"))
        return Reply({"count": 0, "value": []}, headers=headers)

    server.on(PREFIX + "_apis/projects", script)
    with make_client(server, max_slowdown_s=0.2) as client:
        client.list(endpoint("_apis/projects"))
        after_first = client.stats.throttled_s
        client.list(endpoint("_apis/projects"))
        stats = client.stats.as_dict()
    # First answer: 0.25 s delayed by the service plus a 0.25 s pause of our own (the low-budget slow-down of
    # 0.2 * (1 - 0.01 / 0.1) = 0.18 s falls inside that pause). Second answer: the 0.18 s slow-down alone.
    assert after_first == pytest.approx(0.5, abs=0.01)
    assert stats["throttled_s"] == pytest.approx(0.5 + 0.18, abs=0.03)
    assert stats["errors"] == 0 and stats["retries"] == 0


# --- concurrency ------------------------------------------------------------------------------------------------


def test_a_listing_under_way_goes_before_requests_waiting_for_a_slot(server: ScriptedServer) -> None:
    pages = {None: ("t1", 0.3), "t1": ("t2", 0.05), "t2": ("", 0.05)}

    def listing(seen: Seen) -> Reply:
        token, pause = pages[seen.query.get("continuationToken")]
        return Reply({"count": 1, "value": [{"page": token}]}, headers=[("x-ms-continuationtoken", token)],
                      sleep_s=pause)

    server.on(PREFIX + "_apis/graph/users", listing)
    server.on(PREFIX + "_apis/single", Reply({"id": 1}))
    single = endpoint("_apis/single", items_key=None)
    with make_client(server, concurrency=1) as client:
        reader = threading.Thread(target=client.list, args=(endpoint("_apis/graph/users", Paging.HEADER_TOKEN),))
        reader.start()
        while not server.seen:  # the first page holds the only slot for 0.3 s
            time.sleep(0.005)
        others = [threading.Thread(target=client.get, args=(single,)) for _ in range(4)]
        for thread in others:
            thread.start()
        reader.join()
        for thread in others:
            thread.join()
    order = [(s.path.rsplit("/", 1)[-1], s.query.get("continuationToken")) for s in server.seen]
    assert sorted(order, key=str) == sorted([("users", None), ("users", "t1"), ("users", "t2")]
                                            + [("single", None)] * 4, key=str)
    # The four single requests queued while the first page was out. First come, first served would send them
    # all before page 2 (at index 5); the listing's next page waits for one slot at most (the slot freed by
    # page 1 goes to a single request before the listing asks again).
    assert order.index(("users", "t1")) <= 2 and order.index(("users", "t2")) <= 4
    assert server.max_in_flight == 1


def test_map_keeps_order_and_bounds_requests_in_flight(server: ScriptedServer) -> None:
    server.on(PREFIX + "_apis/slow", lambda seen: Reply({"id": 1}, sleep_s=0.03))
    ep = endpoint("_apis/slow", items_key=None)
    with make_client(server, concurrency=3) as client:
        results = client.map(lambda i: (i, client.get(ep)["id"]), range(12))
        # Nested fan-out still respects the bound: in-flight requests are limited, not just threads.
        nested = client.map(lambda i: client.map(lambda j: client.get(ep), range(3)), range(3))
    assert results == [(i, 1) for i in range(12)]
    assert len(nested) == 3 and all(len(n) == 3 for n in nested)
    assert 2 <= server.max_in_flight <= 3


def test_map_reraises_the_first_error_and_cancels_the_rest() -> None:
    started: list[int] = []
    lock = threading.Lock()
    client = AzureDevOpsClient(ORG, PatCredential(PAT), concurrency=2)

    def work(i: int) -> int:
        with lock:
            started.append(i)
        if i == 1:
            raise NotFoundError("gone", status=404)
        threading.Event().wait(0.01)
        return i

    with client, pytest.raises(NotFoundError, match="gone"):
        client.map(work, range(200))
    assert len(started) < 200
    assert client.map(lambda i: i * 2, [3, 1, 2]) == [6, 2, 4]
    assert client.map(lambda i: i, []) == []


def test_tokens_that_keep_expiring_end_in_paging_error(server: ScriptedServer) -> None:
    expired = error_body("The continuation token is expired or invalid.", "InvalidContinuationTokenException")
    server.on(PREFIX + "_apis/projects", lambda seen: Reply(expired, status=400) if "continuationToken" in seen.query
              else Reply({"count": 1, "value": [{"id": 1}]}, headers=[("x-ms-continuationtoken", "1")]))
    with make_client(server) as client, pytest.raises(PagingError, match="expired 4 times"):
        client.list(endpoint("_apis/projects", Paging.HEADER_TOKEN))
    assert len(server.seen) == 8


def test_reported_urls_drop_user_info_and_secret_parameters() -> None:
    url = "https://user:pw@dev.azure.com/contoso/_apis/x?api-version=7.1&continuationToken=abc&sig=S3CR3T&code=C0DE"
    assert redact_url(url) == "https://dev.azure.com/contoso/_apis/x?api-version=7.1&continuationToken=abc"


def test_retry_after_as_an_http_date_is_honoured(server: ScriptedServer) -> None:
    soon = formatdate(time.time() + 1.5, usegmt=True)
    server.on(PREFIX + "_apis/projects", lambda seen: Reply({"count": 0, "value": []}) if seen.call > 1 else
              Reply(error_body("blocked", "RequestBlockedException"), status=429, headers=[("Retry-After", soon)]))
    with make_client(server) as client:
        assert client.list(endpoint("_apis/projects")) == []
        # HTTP dates have whole seconds: the wait is between 0.5 and 1.5 s, and it is counted as throttling.
        assert 0.4 < client.stats.throttled_s <= 1.5


def test_device_code_cache_lives_under_resmo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path))
    credential = DeviceCodeCredential("tenant", "client")
    assert credential.cache_path.parent == tmp_path / "tokens"
    assert stat.S_IMODE(credential.cache_path.parent.stat().st_mode) == 0o700


def test_proxy_settings_come_from_the_environment(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.on(PREFIX + "_apis/projects", Reply({"count": 0, "value": []}))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with make_client(server) as client:
        assert client.list(endpoint("_apis/projects")) == []
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("no_proxy", raising=False)
    with make_client(server, max_retry_time_s=0.2) as client, pytest.raises(RetryBudgetExceededError, match="Proxy"):
        client.list(endpoint("_apis/projects"))
