"""Bot Framework channel tokens signed with a local key, and the OpenID metadata and key set that
make botframework-connector accept them, served on a MockConnector instead of
login.botframework.com. The keys look like the real ones: RS256, a self-signed X.509
certificate (x5c), kid = x5t = its SHA-1 thumbprint, and the channels that endorse the key."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

import jwt
from botframework.connector.auth import AuthenticationConstants, JwtTokenExtractor
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.platforms.teams.mock_connector import MockConnector

ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER  # https://api.botframework.com
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_int(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    """An RSA key with the certificate that publishes it."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    endorsements: tuple[str, ...] = ("msteams",)

    @classmethod
    def generate(cls, *, endorsements: tuple[str, ...] = ("msteams",)) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.botframework.com")])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate, endorsements)

    @property
    def x5t(self) -> str:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return _b64url(hashlib.sha1(der).digest())

    @property
    def kid(self) -> str:
        return self.x5t

    def jwk(self) -> dict[str, Any]:
        """The key as https://login.botframework.com/v1/.well-known/keys lists it."""
        numbers = self.private_key.public_key().public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.x5t,
            "n": _b64url_int(numbers.n),
            "e": _b64url_int(numbers.e),
            "x5c": [base64.b64encode(der).decode()],
            "endorsements": list(self.endorsements),
        }


@cache
def default_key() -> SigningKey:
    """One key for the whole test run: generating RSA keys is slow."""
    return SigningKey.generate()


def publish_keys(connector: MockConnector, *keys: SigningKey) -> str:
    """Serves the OpenID metadata and key set (default_key() unless keys are given) on the
    connector and returns the metadata URL, for TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL."""
    keys_url = connector.serve_json(
        KEYS_PATH, {"keys": [k.jwk() for k in keys or (default_key(),)]}
    )
    metadata_url = connector.serve_json(
        METADATA_PATH,
        {
            "issuer": ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": keys_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        },
    )
    # botframework-connector caches keys per metadata URL for a day, process-wide.
    JwtTokenExtractor.metadataCache.pop(metadata_url, None)
    return metadata_url


def make_token(
    app_id: str,
    *,
    service_url: str,
    key: SigningKey | None = None,
    expired: bool = False,
    issuer: str = ISSUER,
    audience: str | None = None,
) -> str:
    """A token as the Bot Framework channel sends it in "Authorization: Bearer <token>"."""
    key = key or default_key()
    now = int(time.time())
    # Expired beyond the 5 minutes of clock skew botframework-connector tolerates.
    issued = now - 7200 if expired else now - 60
    claims = {
        "serviceurl": service_url,
        "nbf": issued,
        "exp": issued + 3600,
        "iss": issuer,
        "aud": audience if audience is not None else app_id,
        "jti": str(uuid.uuid4()),
    }
    private_pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return jwt.encode(
        claims, private_pem, algorithm="RS256", headers={"kid": key.kid, "x5t": key.x5t}
    )


def channel_auth_configuration(
    metadata_url: str, *, app_id: str, app_password: str = "secret"
) -> SimpleNamespace:
    """A configuration for ConfigurationBotFrameworkAuthentication that trusts the local keys.

    Naming any TO_* endpoint switches botframework-connector to its "parameterized" mode, in
    which every other endpoint must be named too: the token issuer above all (left unset, no
    token passes), and the emulator's metadata (pointed here too, so nothing reaches the
    internet). Outbound calls still log in at login.microsoftonline.com when app_id is set."""
    return SimpleNamespace(
        APP_ID=app_id,
        APP_PASSWORD=app_password,
        APP_TYPE="MultiTenant",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=metadata_url,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=ISSUER,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=metadata_url,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        VALIDATE_AUTHORITY=True,
    )
