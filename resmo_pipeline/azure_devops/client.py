"""The Azure DevOps REST client: reads an organization completely and politely.

Connection pools sized to `concurrency` (transport.py), a timeout on every request, retries with exponential backoff
and full jitter for connection errors, 5xx and 429 (honouring `Retry-After`), a shared pacer that slows every
thread down when the service reports low `X-RateLimit-Remaining` or a `X-RateLimit-Delay`, and a bounded
total retry time after which a typed error says what failed and for how long. Paging is per endpoint
(paging.py); errors are typed (errors.py); cost is counted (accounting.py).
"""

from __future__ import annotations

import codecs
import json
import logging
import platform
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson

from resmo_pipeline import __version__
from resmo_pipeline.azure_devops.accounting import ClientStats, TotalsMismatch
from resmo_pipeline.azure_devops.auth import Credential
from resmo_pipeline.azure_devops.errors import (
    AuthenticationError,
    AzureDevOpsError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RetryBudgetExceededError,
    ServerError,
    ThrottledError,
    UnavailableError,
    is_disabled_answer,
    redact_url,
)
from resmo_pipeline.azure_devops.hosts import Endpoint, build_url
from resmo_pipeline.azure_devops.paging import Page, read_all
from resmo_pipeline.azure_devops.transport import Answer, NoAnswerError, TlsVerificationError, Transport

logger = logging.getLogger("resmo_pipeline.azure_devops")

T = TypeVar("T")
R = TypeVar("R")

USER_AGENT = f"resmo-pipeline/{__version__} python/{platform.python_version()}"
SIGN_IN_MARKERS = ("Azure DevOps Services | Sign In", "_signin", "login.microsoftonline.com")
_STATUS_ERRORS: dict[int, type[AzureDevOpsError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
}


class _Slots:
    """At most `size` requests in flight; a freed slot goes to the next page of a listing under way first.

    A listing's pages can only be read one after another, so in a plain first-come queue a long listing (users,
    entitlements: hundreds of pages) waited behind every fan-out request queued before each of its pages and
    became the end of the whole read. Urgent waiters (continuation pages) are served before the others, each
    kind in arrival order; a slot is handed straight to the waiter it wakes.
    """

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._waiting: tuple[deque[threading.Lock], deque[threading.Lock]] = (deque(), deque())  # urgent, normal

    @contextmanager
    def held(self, urgent: bool) -> Iterator[None]:
        """Hold one slot for the duration of the block."""
        self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    def _acquire(self, urgent: bool) -> None:
        with self._lock:
            if self._free:
                self._free -= 1
                return
            waiter = threading.Lock()
            waiter.acquire()
            queue = self._waiting[0 if urgent else 1]
            queue.append(waiter)
        try:
            waiter.acquire()  # until _release hands this waiter a slot
        except BaseException:
            with self._lock:
                if waiter in queue:
                    queue.remove(waiter)
                    raise
            self._release()  # interrupted just after being handed a slot: pass it on
            raise

    def _release(self) -> None:
        with self._lock:
            for queue in self._waiting:
                if queue:
                    queue.popleft().release()
                    return
            self._free += 1


class _Pacer:
    """A gate every request passes: rate-limit signals close it for a while for all threads at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resume_at = 0.0

    def hold(self, seconds: float) -> float:
        """Keep requests back for `seconds` from now; returns how much this extended the hold."""
        with self._lock:
            now = time.monotonic()
            new = now + seconds
            extended = new - max(self._resume_at, now)
            if extended <= 0:
                return 0.0
            self._resume_at = new
            return extended

    def wait(self) -> None:
        """Block until the gate is open."""
        while (delay := self._resume_at - time.monotonic()) > 0:
            time.sleep(delay)


def _retry_after_s(response: Answer) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _float_header(response: Answer, name: str) -> float | None:
    try:
        return float(response.headers[name])
    except (KeyError, ValueError):
        return None


def _parse_json(content: bytes) -> Any:
    """JSON from a body that may start with a UTF-8 BOM (some Azure DevOps services send one).

    Parsed by orjson, which reads integers beyond 64 bits as floats (the service sends none: ids are 32-bit
    numbers or GUIDs).
    """
    if not content or content.isspace():
        return None
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8):]
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        # What orjson refuses but the standard parser takes (NaN, Infinity); else the standard error.
        return json.loads(content.decode("utf-8"))


def _service_error(content: bytes, response: Answer) -> tuple[str, str | None]:
    """The service's `message` and `typeKey` from an error body, or the HTTP reason when there is none."""
    try:
        body = _parse_json(content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        message = body.get("message") or body.get("Message") or body.get("error_description")
        type_key = body.get("typeKey") or body.get("TypeKey")
        if message:
            return str(message), str(type_key) if type_key else None
    return (response.reason or f"HTTP {response.status}"), None


def _is_sign_in_page(response: Answer, content: bytes) -> bool:
    if response.status == 203:
        return True
    if "html" not in response.headers.get("Content-Type", "").lower():
        return False
    head = content[:4096].decode("utf-8", "replace")
    return any(marker in head for marker in SIGN_IN_MARKERS)


class AzureDevOpsClient:
    """A client for one Azure DevOps organization.

    `base_url` sends `https://{host}/{path}` to `{base_url}/{host}/{path}` (the simulator). At most
    `concurrency` requests are in flight at once, across `map` and any threads of the caller. Every request
    times out after `timeout_s`; transient failures are retried for at most `max_retry_time_s` in total.
    `force_msa_pass_through` sends `X-VSS-ForceMsaPassThrough: true` like the official SDK (off by default:
    it breaks some work/school accounts).
    """

    def __init__(
        self,
        organization: str,
        credential: Credential,
        base_url: str | None = None,
        concurrency: int = 8,
        timeout_s: float = 30,
        max_retry_time_s: float = 120,
        *,
        force_msa_pass_through: bool = False,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        low_remaining_fraction: float = 0.1,
        max_slowdown_s: float = 2.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.organization = organization
        self.credential = credential
        self.base_url = base_url.rstrip("/") if base_url else None
        self.concurrency = concurrency
        self.timeout_s = timeout_s
        self.max_retry_time_s = max_retry_time_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.low_remaining_fraction = low_remaining_fraction
        self.max_slowdown_s = max_slowdown_s
        self.stats = ClientStats()
        self._slots = _Slots(concurrency)
        self._pacer = _Pacer()
        self._transport = Transport(maxsize=concurrency, timeout_s=timeout_s)
        self._headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": USER_AGENT,
            "X-TFS-FedAuthRedirect": "Suppress",
        }
        if force_msa_pass_through:
            self._headers["X-VSS-ForceMsaPassThrough"] = "true"

    def __repr__(self) -> str:
        return (f"AzureDevOpsClient(organization={self.organization!r}, credential={self.credential!r}, "
                f"base_url={self.base_url!r}, concurrency={self.concurrency})")

    def __enter__(self) -> AzureDevOpsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._transport.close()

    def url(self, endpoint: Endpoint, path_params: Mapping[str, object] | None = None) -> str:
        """The URL of an endpoint for this organization (without query string)."""
        return build_url(endpoint.host, self.organization, endpoint.path, path_params, self.base_url)

    def _query(self, endpoint: Endpoint, params: Mapping[str, object] | None) -> dict[str, str]:
        query = {"api-version": endpoint.api_version, **endpoint.params}
        query.update({k: str(v) for k, v in (params or {}).items()})
        return query

    def get(
        self, endpoint: Endpoint, path_params: Mapping[str, object] | None = None,
        params: Mapping[str, object] | None = None,
    ) -> Any:
        """One response body as parsed JSON (no paging, no unwrapping)."""
        return self._send("GET", endpoint, self.url(endpoint, path_params), self._query(endpoint, params)).body

    def post(
        self, endpoint: Endpoint, body: Any, path_params: Mapping[str, object] | None = None,
        params: Mapping[str, object] | None = None,
    ) -> Any:
        """POST a JSON body and return the parsed response body (e.g. graph subject lookup)."""
        url = self.url(endpoint, path_params)
        return self._send("POST", endpoint, url, self._query(endpoint, params), body).body

    def list(
        self, endpoint: Endpoint, path_params: Mapping[str, object] | None = None,
        params: Mapping[str, object] | None = None, *, body: Any = None,
    ) -> list[Any]:
        """Every item of a listing, reading all pages the endpoint's way.

        A dict-valued envelope (subject lookup) yields its values; `items_key=None` yields the body as the
        only item. With `body`, the listing is a POST of that JSON body.
        """
        url = self.url(endpoint, path_params)
        method = "GET" if body is None else "POST"

        pages = 0

        def fetch(query: dict[str, str]) -> Page:
            nonlocal pages
            pages += 1
            return self._send(method, endpoint, url, query, body, urgent=pages > 1)

        def report(reported: int, read: int, page_url: str) -> None:
            mismatch = TotalsMismatch(endpoint.path, reported, read, redact_url(page_url))
            self.stats.record_totals_mismatch(mismatch)
            logger.warning("%s reported a total of %d but %d rows were read", mismatch.url, reported, read)

        return read_all(endpoint, fetch, self._query(endpoint, params), report)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`[fn(item) for item in items]` on a pool of `concurrency` threads, in order.

        The first failure cancels the calls not yet started, waits for the running ones and is re-raised.
        """
        items = list(items)
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items)),
                                thread_name_prefix="azure-devops") as pool:
            futures = [pool.submit(fn, item) for item in items]
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in futures if f in done and f.exception() is not None]
            if failed:
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=True, cancel_futures=True)
                raise failed[0].exception()  # type: ignore[misc]
            return [future.result() for future in futures]

    def _send(
        self, method: str, endpoint: Endpoint, url: str, query: dict[str, str], body: Any = None,
        urgent: bool = False,
    ) -> Page:
        """One logical request: retried until it succeeds, fails for good, or the retry budget is spent.

        `urgent` (a listing's next page) goes before other waiting requests when all slots are busy.
        """
        name = endpoint.path
        started = time.monotonic()
        attempts = 0
        token_renewed = False
        while True:
            self._pacer.wait()
            attempts += 1
            response, content, failure = self._exchange(method, name, url, query, body, urgent)
            retry_after: float | None = None
            if response is not None:
                status = response.status
                if status == 401 and hasattr(self.credential, "invalidate") and not token_renewed:
                    # A bearer token can be revoked or expire early: fetch a new one once, then believe the 401.
                    token_renewed = True
                    self.credential.invalidate()
                    self.stats.record_retry(name)
                    continue
                if status != 429 and status < 500:
                    return self._page(endpoint, method, response, content)
                message, type_key = _service_error(content, response)
                error_type = ThrottledError if status == 429 else ServerError
                failure = error_type(message, status=status, type_key=type_key, url=response.url, method=method)
                retry_after = _retry_after_s(response)
            assert failure is not None
            pause = retry_after if retry_after is not None else self._backoff(attempts)
            spent = time.monotonic() - started
            if spent + pause > self.max_retry_time_s:
                raise self._give_up(failure, attempts, spent, retry_after)
            self.stats.record_retry(name)
            if isinstance(failure, ThrottledError):
                # Blocked for this identity: hold every thread, not just this one.
                self.stats.record_throttled(name, self._pacer.hold(pause))
            else:
                time.sleep(pause)

    def _exchange(
        self, method: str, name: str, url: str, query: dict[str, str], body: Any, urgent: bool
    ) -> tuple[Answer | None, bytes, AzureDevOpsError | None]:
        """One HTTP exchange within the concurrency bound, counted and logged; no answer = a failure."""
        headers = {**self._headers, "Authorization": self.credential.authorization()}
        payload = None
        if body is not None:
            payload = json.dumps(body, allow_nan=False).encode()
            headers["Content-Type"] = "application/json"
        # `$top`, `$skip` as the service documents them (a proxy's urllib3 re-encodes a query holding '%' byte by byte).
        query_string = urlencode(query, safe="$")
        with self._slots.held(urgent):
            sent = time.monotonic()
            try:
                response = self._transport.send(method, url, query_string, headers, payload)
            except NoAnswerError as exc:
                elapsed = time.monotonic() - sent
                failure = RetryBudgetExceededError(str(exc), url=url, method=method)
                self.stats.record_request(name, 0, elapsed, failed=True)
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("%s %s -> %s in %.0f ms", method, redact_url(url), failure, elapsed * 1000)
                return None, b"", failure
            except TlsVerificationError as exc:
                self.stats.record_request(name, 0, time.monotonic() - sent, failed=True)
                raise AzureDevOpsError(f"the server's certificate is not trusted: {exc}", url=url,
                                       method=method) from None
        elapsed = time.monotonic() - sent
        if response.resent:
            # The service may have seen the first try: count it, as a failed request and a retry, so costs add up.
            self.stats.record_request(name, 0, 0.0, failed=True)
            self.stats.record_retry(name)
        status = response.status
        content = response.content
        self.stats.record_request(name, len(content), elapsed, failed=status == 429 or status >= 500)
        # Redacting the URL costs more than the rest of the bookkeeping: only when someone reads debug logs.
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %d in %.0f ms", method, redact_url(response.url), status, elapsed * 1000)
        self._observe_rate_limits(name, response)
        return response, content, None

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1)))

    def _give_up(
        self, failure: AzureDevOpsError, attempts: int, spent: float, retry_after: float | None
    ) -> RetryBudgetExceededError:
        what = f"gave up after {attempts} attempts over {spent:.1f}s (retry budget {self.max_retry_time_s:g}s"
        what += f"; the service asked to wait {retry_after:g}s more)" if retry_after else ")"
        return type(failure)(  # type: ignore[call-arg]
            f"{failure.message}; {what}", status=failure.status, type_key=failure.type_key, url=failure.url,
            method=failure.method, attempts=attempts, elapsed_s=spent,
        )

    def _observe_rate_limits(self, name: str, response: Answer) -> None:
        """Slow down before being blocked: after a server-side delay, and when little budget remains."""
        delay = _float_header(response, "X-RateLimit-Delay")
        if delay and delay > 0:
            # The service already held this request back; pause as long again before the next one.
            self.stats.record_throttled(name, delay + self._pacer.hold(delay))
        limit = _float_header(response, "X-RateLimit-Limit")
        remaining = _float_header(response, "X-RateLimit-Remaining")
        if limit and remaining is not None and limit > 0:
            fraction = max(0.0, remaining) / limit
            if fraction < self.low_remaining_fraction:
                slowdown = self.max_slowdown_s * (1 - fraction / self.low_remaining_fraction)
                self.stats.record_throttled(name, self._pacer.hold(slowdown))

    def _page(self, endpoint: Endpoint, method: str, response: Answer, content: bytes) -> Page:
        """A successful response as a Page, or the typed error a non-success status means."""
        url, status = response.url, response.status
        if _is_sign_in_page(response, content):
            raise AuthenticationError(
                "the service answered with a sign-in page: the credential was not accepted",
                status=status, url=url, method=method,
            )
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            error = AuthenticationError if any(m in location for m in SIGN_IN_MARKERS) else AzureDevOpsError
            raise error(f"unexpected redirect to {redact_url(location)}", status=status, url=url, method=method)
        if status >= 400:
            message, type_key = _service_error(content, response)
            if is_disabled_answer(type_key, message):
                raise UnavailableError(message, reason=f"{message} ({status} at {redact_url(url)})", status=status,
                                       type_key=type_key, url=url, method=method)
            if status == 403:
                raise PermissionDeniedError(message, required_scope=endpoint.scope, status=status,
                                            type_key=type_key, url=url, method=method)
            error_type = _STATUS_ERRORS.get(status, AzureDevOpsError)
            raise error_type(message, status=status, type_key=type_key, url=url, method=method)
        content_type = response.headers.get("Content-Type", "").lower()
        if "html" in content_type:
            # Not the sign-in page (handled above): an error or placeholder page where JSON was expected.
            raise UnavailableError(
                f"the service answered with an HTML page ({content_type.split(';')[0]}), not JSON",
                reason=f"the answer is an HTML page, not JSON ({status} at {redact_url(url)})",
                status=status, url=url, method=method,
            )
        try:
            body = _parse_json(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UnavailableError(
                f"response is not JSON ({exc})", reason=f"the answer is not JSON ({status} at {redact_url(url)})",
                status=status, url=url, method=method,
            ) from None
        # getlist keeps repeated headers apart (get would join them with ", ").
        return Page(body=body, header_values=response.headers.getlist, url=url)
