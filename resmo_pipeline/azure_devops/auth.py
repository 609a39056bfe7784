"""Credentials for Azure DevOps: PAT, Entra ID service principal, managed identity and device code.

A credential produces the `Authorization` header value for each request. Entra ID tokens come from MSAL,
which caches them; each credential also keeps the current token and fetches a new one well before it
expires, so long syncs never send an expired token. Secrets stay inside the credential: `repr`/`str` show only
non-secret settings, and MSAL failures become `AuthenticationError` with MSAL's error code and description.
"""

from __future__ import annotations

import base64
import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from resmo_pipeline.azure_devops.errors import AuthenticationError

AZURE_DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"
AZURE_DEVOPS_SCOPE = f"{AZURE_DEVOPS_RESOURCE}/.default"
PUBLIC_AUTHORITY_HOST = "https://login.microsoftonline.com"
# Fetch a new token when this much of its lifetime is left (or half of it, for short-lived tokens).
REFRESH_MARGIN_S = 300.0


class Credential(Protocol):
    """Anything that yields an `Authorization` header value; called from many threads at once.

    Token credentials also have `invalidate()`: the client calls it once when the service answers 401, so a
    revoked or early-expired token is replaced instead of failing the sync.
    """

    def authorization(self) -> str:
        """The header value for the next request, e.g. `Basic ...` or `Bearer ...`."""
        ...


class PatCredential:
    """A personal access token, sent as HTTP Basic with an empty user name."""

    def __init__(self, pat: str) -> None:
        if not pat:
            raise ValueError("the personal access token is empty")
        self._header = "Basic " + base64.b64encode(f":{pat}".encode()).decode("ascii")

    def authorization(self) -> str:
        """`Basic base64(":" + PAT)`."""
        return self._header

    def __repr__(self) -> str:
        return "PatCredential(pat=<hidden>)"

    __str__ = __repr__


class _TimeoutSession(requests.Session):
    """A requests session that applies a default timeout, so MSAL's calls cannot hang forever."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self._timeout_s = timeout_s

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout_s)
        return super().request(method, url, *args, **kwargs)


def _is_public_cloud(authority_host: str) -> bool:
    return urlsplit(authority_host).hostname == urlsplit(PUBLIC_AUTHORITY_HOST).hostname


def _msal_http_options(authority_host: str, ca_file: str | os.PathLike[str] | None, timeout_s: float) -> dict:
    """MSAL keyword arguments for this authority.

    A private authority (a local Entra stand-in) is not in Microsoft's instance list, and its CA must be trusted
    through our own session with `trust_env=False`: otherwise REQUESTS_CA_BUNDLE silently overrides `verify`.
    """
    session = _TimeoutSession(timeout_s)
    if ca_file:
        session.verify = str(ca_file)
        session.trust_env = False
    if _is_public_cloud(authority_host):
        return {"http_client": session}
    return {"http_client": session, "instance_discovery": False, "validate_authority": False}


def _check_result(result: dict | None, what: str) -> dict:
    """MSAL's answer if it holds a token; otherwise its error code and the first line of its description."""
    if result and "access_token" in result:
        return result
    result = result or {}
    error = str(result.get("error", "no_token"))
    description = (result.get("error_description") or "").strip().splitlines()
    detail = f": {description[0]}" if description else ""
    raise AuthenticationError(f"{what}: {error}{detail}", type_key=error)


class _BearerCredential:
    """Keeps the current Entra ID token and asks MSAL for a new one before it expires."""

    _what = "Entra ID token"

    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # (header value, refresh at monotonic time)

    def _acquire(self) -> dict:
        raise NotImplementedError

    def _msal_cache(self) -> msal.TokenCache | None:
        return None

    def invalidate(self) -> None:
        """Forget the current access token (the service refused it); the next request fetches a new one."""
        with self._lock:
            self._token = None
            cache = self._msal_cache()
            if cache is not None:
                for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                    cache.remove_at(entry)

    def authorization(self) -> str:
        """`Bearer <token>`, fetching a new token when the current one is close to expiry."""
        token = self._token
        if token and time.monotonic() < token[1]:
            return token[0]
        with self._lock:
            token = self._token
            if token and time.monotonic() < token[1]:
                return token[0]
            try:
                result = _check_result(self._acquire(), f"could not obtain an {self._what}")
            except (requests.RequestException, ValueError, OSError) as exc:
                raise AuthenticationError(
                    f"could not obtain an {self._what}: {type(exc).__name__}: {exc}"
                ) from None
            lifetime = float(result.get("expires_in") or 3600)
            refresh_after = max(lifetime - REFRESH_MARGIN_S, lifetime / 2)
            self._token = (f"Bearer {result['access_token']}", time.monotonic() + refresh_after)
            return self._token[0]


class ServicePrincipalCredential(_BearerCredential):
    """An Entra ID application (service principal) signing in with a client secret or a certificate.

    `certificate_path` is a PEM file holding the private key and the certificate. `authority_host` defaults to
    the public cloud; `ca_file` trusts a private CA (the simulator's Entra stand-in).
    """

    _what = "Entra ID token for the service principal"

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str | None = None,
        certificate_path: str | os.PathLike[str] | None = None,
        authority_host: str = PUBLIC_AUTHORITY_HOST,
        ca_file: str | os.PathLike[str] | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        if bool(client_secret) == bool(certificate_path):
            raise ValueError("give exactly one of client_secret and certificate_path")
        super().__init__(timeout_s)
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self.authority_host = authority_host
        self.ca_file = ca_file
        self.certificate_path = Path(certificate_path) if certificate_path else None
        self._client_secret = client_secret
        self._app: msal.ConfidentialClientApplication | None = None

    def _client_credential(self) -> str | dict[str, str]:
        if self._client_secret:
            return self._client_secret
        assert self.certificate_path is not None
        return load_certificate_credential(self.certificate_path)

    def _acquire(self) -> dict:
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=self._client_credential(),
                authority=self.authority,
                timeout=self._timeout_s,
                **_msal_http_options(self.authority_host, self.ca_file, self._timeout_s),
            )
        return self._app.acquire_token_for_client(scopes=[AZURE_DEVOPS_SCOPE])

    def _msal_cache(self) -> msal.TokenCache | None:
        return self._app.token_cache if self._app is not None else None

    def __repr__(self) -> str:
        method = "certificate" if self.certificate_path else "client_secret"
        return (f"ServicePrincipalCredential(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
                f"method={method!r}, authority={self.authority!r})")

    __str__ = __repr__


def load_certificate_credential(path: Path) -> dict[str, str]:
    """MSAL's certificate credential from a PEM file with key and certificate (SHA-1 thumbprint for `x5t`)."""
    try:
        data = path.read_bytes()
        certificate = x509.load_pem_x509_certificate(data)
        key = serialization.load_pem_private_key(data, password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise AuthenticationError(f"cannot read the certificate file {path}: {type(exc).__name__}") from None
    return {
        "private_key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
        "thumbprint": certificate.fingerprint(hashes.SHA1()).hex().upper(),
        "public_certificate": certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }


class ManagedIdentityCredential(_BearerCredential):
    """The Azure managed identity of the machine running the pipeline (system- or user-assigned).

    MSAL finds the identity endpoint itself (IDENTITY_ENDPOINT/IDENTITY_HEADER on App Service and the
    simulator, IMDS on a VM). Give `client_id` (or `object_id` / `resource_id`) for a user-assigned identity.
    """

    _what = "Entra ID token for the managed identity"

    def __init__(
        self,
        client_id: str | None = None,
        object_id: str | None = None,
        resource_id: str | None = None,
        ca_file: str | os.PathLike[str] | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        if sum(bool(v) for v in (client_id, object_id, resource_id)) > 1:
            raise ValueError("give at most one of client_id, object_id and resource_id")
        super().__init__(timeout_s)
        self.client_id, self.object_id, self.resource_id = client_id, object_id, resource_id
        self.ca_file = ca_file
        self._client: msal.ManagedIdentityClient | None = None

    def _identity(self) -> msal.ManagedIdentity:
        if self.client_id:
            return msal.UserAssignedManagedIdentity(client_id=self.client_id)
        if self.object_id:
            return msal.UserAssignedManagedIdentity(object_id=self.object_id)
        if self.resource_id:
            return msal.UserAssignedManagedIdentity(resource_id=self.resource_id)
        return msal.SystemAssignedManagedIdentity()

    def _acquire(self) -> dict:
        if self._client is None:
            session = _TimeoutSession(self._timeout_s)
            if self.ca_file:
                session.verify = str(self.ca_file)
                session.trust_env = False
            self._client = msal.ManagedIdentityClient(self._identity(), http_client=session)
        return self._client.acquire_token_for_client(resource=AZURE_DEVOPS_RESOURCE)

    def _msal_cache(self) -> msal.TokenCache | None:
        # ManagedIdentityClient keeps its cache private; it is the one handed to it (or its own default).
        return getattr(self._client, "_token_cache", None)

    def __repr__(self) -> str:
        kind = "user-assigned" if (self.client_id or self.object_id or self.resource_id) else "system-assigned"
        return f"ManagedIdentityCredential({kind}, client_id={self.client_id!r})"

    __str__ = __repr__


def _print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class DeviceCodeCredential(_BearerCredential):
    """A person signing in once with a device code; the refresh token is kept in a 0600 MSAL cache file.

    `prompt` receives MSAL's instruction ("To sign in, use a web browser to open ... and enter the code ...").
    Later runs use the cached account silently and prompt again only when the refresh token stops working.
    `cache_path` defaults to a file under `settings.token_cache_dir()`.
    """

    _what = "Entra ID token by device code"

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        authority_host: str = PUBLIC_AUTHORITY_HOST,
        ca_file: str | os.PathLike[str] | None = None,
        cache_path: str | os.PathLike[str] | None = None,
        prompt: Callable[[str], None] = _print_to_stderr,
        timeout_s: float = 30.0,
    ) -> None:
        super().__init__(timeout_s)
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.authority_host = authority_host
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self.ca_file = ca_file
        self._cache_path = Path(cache_path) if cache_path else None
        self._prompt = prompt
        self._cache = msal.SerializableTokenCache()
        self._app: msal.PublicClientApplication | None = None

    @property
    def cache_path(self) -> Path:
        """The MSAL token cache file (created with mode 0600 on first sign-in)."""
        if self._cache_path is None:
            from resmo_pipeline.settings import token_cache_dir

            self._cache_path = token_cache_dir() / f"device-code-{self.tenant_id}-{self.client_id}.json"
        return self._cache_path

    def _acquire(self) -> dict:
        if self._app is None:
            if self.cache_path.exists():
                self._cache.deserialize(self.cache_path.read_text())
            self._app = msal.PublicClientApplication(
                self.client_id,
                authority=self.authority,
                token_cache=self._cache,
                timeout=self._timeout_s,
                **_msal_http_options(self.authority_host, self.ca_file, self._timeout_s),
            )
        scopes = [AZURE_DEVOPS_SCOPE]
        result = None
        accounts = self._app.get_accounts()
        if accounts:
            result = self._app.acquire_token_silent(scopes, account=accounts[0])
        if not result:
            flow = self._app.initiate_device_flow(scopes=scopes)
            if "user_code" not in flow:
                return flow
            self._prompt(flow["message"])
            result = self._app.acquire_token_by_device_flow(flow)
        self._save_cache()
        return result

    def _msal_cache(self) -> msal.TokenCache | None:
        return self._cache

    def _save_cache(self) -> None:
        if not self._cache.has_state_changed:
            return
        path = self.cache_path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(self._cache.serialize())
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        self._cache.has_state_changed = False

    def __repr__(self) -> str:
        return (f"DeviceCodeCredential(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
                f"authority={self.authority!r}, cache_path={str(self._cache_path) if self._cache_path else None!r})")

    __str__ = __repr__
