"""Typed errors of the Azure DevOps client.

Every error says what the service answered (`status`, its `message` and `typeKey`) and which URL was asked,
so a person can act on it, and never carries a credential: no headers, no request or response objects, and
query parameters that could hold a secret are removed from the URL.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that may carry a secret in some Azure/OAuth URL; they are dropped from URLs we report.
_SECRET_QUERY_PARAMS = frozenset(
    {"access_token", "client_secret", "client_assertion", "code", "password", "secret", "sig", "signature",
     "api_key", "apikey", "key", "token"}
)


def redact_url(url: str) -> str:
    """The URL without user information and without query parameters that could hold a secret."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if k.lower() not in _SECRET_QUERY_PARAMS],
        safe="$,:/",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class AzureDevOpsError(Exception):
    """The service refused or failed a request.

    `status` is the HTTP status (None when no answer arrived), `message` and `type_key` come from the service's
    error body (`message`, `typeKey`), `url` is the redacted request URL.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type_key: str | None = None,
        url: str | None = None,
        method: str = "GET",
    ) -> None:
        self.status = status
        self.message = message
        self.type_key = type_key
        self.url = redact_url(url) if url else None
        self.method = method
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = " ".join(str(part) for part in (self.status, self.type_key) if part)
        where = f" ({self.method} {self.url})" if self.url else ""
        return f"{head + ': ' if head else ''}{self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, type_key={self.type_key!r}, " \
               f"message={self.message!r}, url={self.url!r})"


class AuthenticationError(AzureDevOpsError):
    """The credential was not accepted (401, or a 203 sign-in page), or no token could be obtained."""


class PermissionDeniedError(AzureDevOpsError):
    """The identity is known but lacks permission (403). `required_scope` names the PAT scope the call needs."""

    def __init__(self, message: str, *, required_scope: str = "", **kwargs: object) -> None:
        self.required_scope = required_scope
        super().__init__(message, **kwargs)  # type: ignore[arg-type]

    def _describe(self) -> str:
        text = super()._describe()
        return f"{text} [needs PAT scope {self.required_scope}]" if self.required_scope else text


class NotFoundError(AzureDevOpsError):
    """The resource does not exist or is hidden from this identity (404)."""


class BadRequestError(AzureDevOpsError):
    """The service rejected the request's parameters or api-version (400)."""


class PagingError(AzureDevOpsError):
    """A listing could not be read completely: a repeated continuation token or inconsistent pages."""


class RetryBudgetExceededError(AzureDevOpsError):
    """Transient failures went on for longer than the retry budget; `attempts` and `elapsed_s` say how long."""

    def __init__(self, message: str, *, attempts: int = 0, elapsed_s: float = 0.0, **kwargs: object) -> None:
        self.attempts = attempts
        self.elapsed_s = elapsed_s
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class ThrottledError(RetryBudgetExceededError):
    """The service kept answering 429 (rate limit) until the retry budget ran out."""


class ServerError(RetryBudgetExceededError):
    """The service kept failing with 5xx until the retry budget ran out."""


class UnavailableError(AzureDevOpsError):
    """What was asked is not offered here: the endpoint is missing (404 on a listing), the answer is not JSON
    (an HTML page), the service reports the feature or service as disabled, or an internal endpoint's answer
    lost the shape it is read by. Trying again will not help; the type is recorded `unavailable`.

    `reason` says why in a few words (e.g. "404 at <url>").
    """

    def __init__(self, message: str, *, reason: str = "", **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.reason = reason or self._describe()


#: typeKeys with which the service says a feature or service is switched off (for the organization or a
#: project), or not offered to this organization (audit log without Entra ID backing).
DISABLED_TYPE_KEYS = frozenset({
    "FeatureDisabledException",
    "FeatureNotEnabledException",
    "ServiceDisabledException",
    "ProjectServiceDisabledException",
    "AuditLogNotSupportedException",
    "OrganizationNotBackedByAadException",
})
#: Message fragments meaning the same, for services that answer with a generic typeKey.
DISABLED_MESSAGE_MARKERS = (
    "feature is disabled",
    "is disabled for this project",
    "is turned off for this project",
    "only available for organizations backed by",
)


def is_disabled_answer(type_key: str | None, message: str) -> bool:
    """Whether an error answer says the feature or service is switched off / not offered."""
    if type_key and type_key in DISABLED_TYPE_KEYS:
        return True
    lowered = message.lower()
    return any(marker in lowered for marker in DISABLED_MESSAGE_MARKERS)
