"""A local Microsoft Entra ID stand-in: the token endpoints MSAL talks to, over HTTPS.

It serves OpenID discovery, the client-credentials grant (client secret, or a client assertion JWT signed
with the registered certificate), the device-code flow and an App-Service-style managed identity endpoint.
The TLS certificate comes from a throw-away CA made at start (trustme); the CA file and the service
principal's certificate (PEM, private key + certificate) are written to a private temporary folder.
Issued access tokens are accepted by the simulated Azure DevOps as Bearer tokens.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import secrets
import shutil
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes

#: Azure DevOps' application id; tokens are issued for it (scope "<id>/.default").
AZURE_DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

#: Who a token stands for: the service principal (secret, certificate, managed identity) or the org's user.
SERVICE_PRINCIPAL = "servicePrincipal"
USER = "user"


@dataclass(frozen=True)
class EntraInfo:
    """How to reach and authenticate to the simulator's Entra ID (never printed with its secrets)."""

    authority: str  # "https://127.0.0.1:PORT/<tenant>"
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    certificate_path: str  # PEM: private key + certificate of the service principal
    certificate_thumbprint: str  # SHA-1, hex upper-case (what MSAL's client_credential "thumbprint" wants)
    ca_file: str  # PEM of the CA that signed the HTTPS certificate
    identity_endpoint: str  # IDENTITY_ENDPOINT for msal.ManagedIdentityClient (App Service style)
    identity_header: str = field(repr=False)  # IDENTITY_HEADER
    scope: str = f"{AZURE_DEVOPS_RESOURCE}/.default"


@dataclass
class _Issued:
    kind: str
    expires_at: float


class TokenStore:
    """Access tokens issued so far and whom they stand for. Thread-safe."""

    def __init__(self, lifetime_s: int = 3600) -> None:
        self.lifetime_s = lifetime_s
        self._tokens: dict[str, _Issued] = {}
        self._lock = threading.Lock()

    def issue(self, kind: str, tenant_id: str, subject: str, audience: str = AZURE_DEVOPS_RESOURCE) -> str:
        """A new JWT-shaped access token for `kind` (SERVICE_PRINCIPAL or USER)."""
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": "resmo-simulator"}
        claims = {
            "aud": audience, "iss": f"https://sts.windows.net/{tenant_id}/", "iat": now, "nbf": now,
            "exp": now + self.lifetime_s, "oid": subject, "sub": subject, "tid": tenant_id,
            "uti": secrets.token_urlsafe(16), "ver": "1.0",
        }
        token = ".".join(
            (_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()),
             _b64(secrets.token_bytes(64)))
        )
        with self._lock:
            self._tokens[token] = _Issued(kind, now + self.lifetime_s)
        return token

    def kind_of(self, token: str) -> str | None:
        """Whom a valid token stands for; None when unknown or expired."""
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or issued.expires_at <= time.time():
            return None
        return issued.kind

    def expire_all(self) -> None:
        """Make every token issued so far expired (tests of the expired-token behaviour)."""
        with self._lock:
            for issued in self._tokens.values():
                issued.expires_at = 0.0

    def __repr__(self) -> str:
        return f"TokenStore({len(self._tokens)} tokens)"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class _DeviceCode:
    user_code: str
    expires_at: float
    approved: bool


class EntraServer:
    """The HTTPS Entra ID stand-in. Start with `start()`, stop with `close()`."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        host: str = "127.0.0.1",
        token_lifetime_s: int = 3600,
        auto_approve_device_codes: bool = True,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = secrets.token_urlsafe(30)
        self.identity_header = secrets.token_hex(16)
        self.auto_approve_device_codes = auto_approve_device_codes
        self.tokens = TokenStore(token_lifetime_s)
        self._device_codes: dict[str, _DeviceCode] = {}
        self._refresh_tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self._folder = tempfile.mkdtemp(prefix="resmo-sim-entra-")
        ca, server_cert, client_cert = _certificates(host)
        self.ca_file = os.path.join(self._folder, "ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        self.certificate_path = os.path.join(self._folder, "service-principal.pem")
        fd = os.open(self.certificate_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(client_cert.private_key_and_cert_chain_pem.bytes())
        certificate = x509.load_pem_x509_certificate(client_cert.cert_chain_pems[0].bytes())
        self._public_key = certificate.public_key()
        self.certificate_thumbprint = certificate.fingerprint(hashes.SHA1()).hex().upper()
        self._thumbprint_sha256 = certificate.fingerprint(hashes.SHA256())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_cert.configure_cert(context)
        self._httpd = _EntraHTTPServer((host, 0), _EntraHandler, self)
        # Handshake in the connection's own thread (on first read), not in the accepting one.
        self._httpd.socket = context.wrap_socket(
            self._httpd.socket, server_side=True, do_handshake_on_connect=False,
        )
        self.port = self._httpd.server_address[1]
        self.base_url = f"https://{host}:{self.port}"
        self.authority = f"{self.base_url}/{tenant_id}"
        self._thread: threading.Thread | None = None

    def info(self, identity_endpoint: str) -> EntraInfo:
        """What a client needs to authenticate here."""
        return EntraInfo(
            authority=self.authority,
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            client_secret=self.client_secret,
            certificate_path=self.certificate_path,
            certificate_thumbprint=self.certificate_thumbprint,
            ca_file=self.ca_file,
            identity_endpoint=identity_endpoint,
            identity_header=self.identity_header,
        )

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="entra-sim", daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving and delete the certificate folder."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        shutil.rmtree(self._folder, ignore_errors=True)

    # --- device codes ----------------------------------------------------------------------------------

    def approve_device_code(self, user_code: str) -> bool:
        """Approve a pending device code as the organization's user; False when no such code is pending."""
        with self._lock:
            for pending in self._device_codes.values():
                if pending.user_code == user_code.upper():
                    pending.approved = True
                    return True
        return False

    # --- endpoints -------------------------------------------------------------------------------------

    def openid_configuration(self) -> dict[str, Any]:
        """The OpenID discovery document MSAL reads first."""
        base = self.authority
        return {
            "issuer": f"{base}/v2.0",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
        }

    def token(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST /{tenant}/oauth2/v2.0/token for the client-credentials, device-code and refresh grants."""
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            failure = self._authenticate_client(form)
            if failure is not None:
                return 401, failure
            return 200, self._token_body(SERVICE_PRINCIPAL, self.client_id, form.get("scope"))
        if grant == DEVICE_CODE_GRANT:
            return self._device_code_token(form)
        if grant == "refresh_token":
            with self._lock:
                known = form.get("refresh_token", "") in self._refresh_tokens
            if not known:
                return 400, _oauth_error("invalid_grant", 9002313, "Invalid request. Request is malformed.")
            return 200, self._token_body(USER, form.get("client_id", ""), form.get("scope"), user=True)
        return 400, _oauth_error(
            "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'.",
        )

    def device_code(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST /{tenant}/oauth2/v2.0/devicecode: start a device-code sign-in."""
        device_code = secrets.token_urlsafe(32)
        user_code = secrets.token_hex(4).upper()
        with self._lock:
            self._device_codes[device_code] = _DeviceCode(
                user_code, time.time() + 900, self.auto_approve_device_codes,
            )
        verification_uri = f"{self.base_url}/devicelogin"
        return 200, {
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, use a web browser to open the page {verification_uri} and enter the code "
            f"{user_code} to authenticate.",
        }

    def managed_identity_token(
        self, query: Mapping[str, str], headers: Mapping[str, str],
    ) -> tuple[int, dict[str, Any]]:
        """GET /msi/token (App Service managed identity protocol, api-version 2019-08-01)."""
        if headers.get("X-IDENTITY-HEADER") != self.identity_header:
            return 401, {"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER is missing or wrong."}
        if query.get("api-version") != "2019-08-01":
            return 400, {"statusCode": 400, "message": "Unsupported api-version; use 2019-08-01."}
        resource = query.get("resource", "")
        if resource.rstrip("/") not in (AZURE_DEVOPS_RESOURCE, "https://app.vssps.visualstudio.com"):
            return 500, {"statusCode": 500, "message": f"Unknown resource '{resource}'."}
        token = self.tokens.issue(SERVICE_PRINCIPAL, self.tenant_id, self.client_id)
        return 200, {
            "access_token": token,
            "expires_on": str(int(time.time()) + self.tokens.lifetime_s),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": self.client_id,
        }

    # --- helpers ---------------------------------------------------------------------------------------

    def _authenticate_client(self, form: Mapping[str, str]) -> dict[str, Any] | None:
        if form.get("client_id") != self.client_id:
            return _oauth_error(
                "unauthorized_client", 700016,
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found in the "
                f"directory '{self.tenant_id}'.",
            )
        if "client_secret" in form:
            if secrets.compare_digest(form["client_secret"], self.client_secret):
                return None
            return _oauth_error("invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided.")
        if form.get("client_assertion_type") == ASSERTION_TYPE and form.get("client_assertion"):
            return self._verify_assertion(form["client_assertion"])
        return _oauth_error(
            "invalid_client", 7000218,
            "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )

    def _verify_assertion(self, assertion: str) -> dict[str, Any] | None:
        failure = _oauth_error(
            "invalid_client", 700027, "AADSTS700027: Client assertion contains an invalid signature.",
        )
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            return failure
        sha1 = _b64(bytes.fromhex(self.certificate_thumbprint))
        sha256 = _b64(self._thumbprint_sha256)
        # Thumbprints are base64url; clients differ on padding.
        if str(header.get("x5t", "")).rstrip("=") != sha1 and str(header.get("x5t#S256", "")).rstrip("=") != sha256:
            return _oauth_error(
                "invalid_client", 700027,
                "AADSTS700027: The certificate with identifier used to sign the client assertion is not "
                "registered on application.",
            )
        try:
            claims = jwt.decode(
                assertion, key=self._public_key, algorithms=["RS256", "PS256"],  # type: ignore[arg-type]
                audience=f"{self.authority}/oauth2/v2.0/token",
            )
        except jwt.PyJWTError:
            return failure
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return failure
        return None

    def _device_code_token(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            pending = self._device_codes.get(form.get("device_code", ""))
            if pending is not None and pending.approved:
                del self._device_codes[form["device_code"]]
        if pending is None or pending.expires_at < time.time():
            return 400, _oauth_error("expired_token", 70020, "AADSTS70020: The provided value for the input "
                                     "parameter 'device_code' is not valid. This device code has expired.")
        if not pending.approved:
            return 400, _oauth_error("authorization_pending", 70016,
                                     "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.")
        return 200, self._token_body(USER, form.get("client_id", ""), form.get("scope"), user=True)

    def _token_body(self, kind: str, client_id: str, scope: str | None, user: bool = False) -> dict[str, Any]:
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.tenant_id}/{kind}"))
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": self.tokens.lifetime_s,
            "ext_expires_in": self.tokens.lifetime_s,
            "access_token": self.tokens.issue(kind, self.tenant_id, subject),
        }
        if user:
            now = int(time.time())
            refresh = secrets.token_urlsafe(48)
            with self._lock:
                self._refresh_tokens[refresh] = kind
            id_claims = {
                "aud": client_id, "iss": f"{self.authority}/v2.0", "iat": now, "nbf": now,
                "exp": now + self.tokens.lifetime_s, "oid": subject, "sub": subject, "tid": self.tenant_id,
                "preferred_username": "owner@resmo-simulator.invalid", "name": "Organization owner", "ver": "2.0",
            }
            body.update(
                {
                    "scope": scope or f"{AZURE_DEVOPS_RESOURCE}/.default",
                    "refresh_token": refresh,
                    "id_token": ".".join(
                        (_b64(b'{"typ":"JWT","alg":"none"}'), _b64(json.dumps(id_claims).encode()), "")
                    ),
                    "client_info": _b64(json.dumps({"uid": subject, "utid": self.tenant_id}).encode()),
                }
            )
        return body

    def __repr__(self) -> str:
        return f"EntraServer(authority={self.authority!r})"


@functools.cache
def _certificates(host: str) -> tuple[trustme.CA, trustme.LeafCert, trustme.LeafCert]:
    """The throw-away CA, the HTTPS certificate and the service principal's certificate.

    Made once per process: RSA key generation is the slowest part of starting a simulator, and tests start
    many. Secrets (client secret, identity header) stay per simulator.
    """
    ca = trustme.CA(key_type=trustme.KeyType.RSA, organization_name="resmo simulator")
    server_cert = ca.issue_cert(host, "localhost", key_type=trustme.KeyType.RSA)
    client_cert = ca.issue_cert(
        "resmo-simulator-sp.invalid", common_name="resmo-simulator-sp", key_type=trustme.KeyType.RSA,
    )
    return ca, server_cert, client_cert


def _oauth_error(error: str, code: int, description: str) -> dict[str, Any]:
    return {
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }


class _EntraHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type, entra: EntraServer) -> None:
        super().__init__(address, handler)
        self.entra = entra


class _EntraHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm the body would wait for the
    # client's delayed ACK (~40 ms per request on keep-alive connections).
    disable_nagle_algorithm = True
    server: _EntraHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines would carry nothing useful and tests run many."""

    def do_GET(self) -> None:
        """Discovery documents and the managed identity endpoint."""
        entra = self.server.entra
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if [s.lower() for s in segments[-2:]] == ["msi", "token"]:
            self._reply(*entra.managed_identity_token(query, self.headers))
        elif segments and segments[0] == entra.tenant_id and parts.path.endswith(
            ".well-known/openid-configuration"
        ):
            self._reply(200, entra.openid_configuration())
        else:
            self._reply(404, _oauth_error("invalid_request", 90002, "AADSTS90002: Tenant or path not found."))

    def do_POST(self) -> None:
        """Token and device-code endpoints (form-encoded)."""
        entra = self.server.entra
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
        segments = [s for s in urlsplit(self.path).path.split("/") if s]
        handlers: dict[str, Callable[[Mapping[str, str]], tuple[int, dict[str, Any]]]] = {
            "token": entra.token, "devicecode": entra.device_code,
        }
        if len(segments) == 4 and segments[0] == entra.tenant_id and segments[1:3] == ["oauth2", "v2.0"] and (
            segments[3] in handlers
        ):
            self._reply(*handlers[segments[3]](form))
        else:
            self._reply(404, _oauth_error("invalid_request", 90002, "AADSTS90002: Tenant or path not found."))

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store, no-cache")
        self.end_headers()
        self.wfile.write(data)

