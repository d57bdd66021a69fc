"""Signed JWT access tokens (RS256), as the SaaS token service (Auth0) and Keycloak issue them (camunda-api.md 2.2,
3.2, 4.1: the Console API's security scheme is "bearer JWT"; third-party clients such as @camunda8/sdk decode the
token to read its expiry, so an opaque token breaks them).

One RSA key per token service, generated on the first start and kept in the state dir (``jwt-<name>.pem``, mode
0600), so tokens stay valid across a restart until they expire. The services that accept a token verify it the way
a resource server does: signature (the ``kid`` must be the issuer's current key), ``exp``, ``iss`` and ``aud``;
nothing is looked up in a token table.

Revoking every token (the control plane's ``expire-tokens``, ``reset``) bumps the key *generation*: the ``kid``
changes, as after a key rotation, and tokens signed under an older ``kid`` no longer verify.
"""

import base64
import hashlib
import json
import os
import secrets
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class InvalidToken(ValueError):
    """``str(err)`` says why the token was refused (the resource servers put it in their 401 body)."""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    text = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text.encode("ascii"))


def _uint(number):
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def decode_unverified(token):
    """(header, claims) of a compact JWS without checking anything (tests and diagnostics)."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        raise InvalidToken("the token is not a JWT (three dot-separated parts)")
    try:
        return json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidToken("the token is not a JWT (%s)" % err)


class Signer:
    """RS256 signing and verification with one persisted key; ``generation`` is part of the ``kid``."""

    def __init__(self, state_dir, name):
        self.path = os.path.join(str(state_dir), "jwt-%s.pem" % name)
        self._key = None
        self._key_id = None
        # An RSA key takes a few hundred milliseconds to generate on a busy machine: it is loaded or made on first
        # use (the first token), so starting the sandbox costs nothing.
        self._lock = threading.Lock()

    def _load_or_create(self):
        if os.path.exists(self.path):
            with open(self.path, "rb") as handle:
                key = serialization.load_pem_private_key(handle.read(), None)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self._key_id = hashlib.sha256(public).hexdigest()[:16]
        self._key = key

    def _ready(self):
        with self._lock:
            if self._key is None:
                self._load_or_create()

    @property
    def key(self):
        self._ready()
        return self._key

    @property
    def key_id(self):
        self._ready()
        return self._key_id

    def kid(self, generation):
        return "%s-%d" % (self.key_id, int(generation))

    def sign(self, claims, generation):
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid(generation)}
        claims = dict(claims)
        claims.setdefault("jti", secrets.token_hex(16))
        signing_input = "%s.%s" % (b64url(json.dumps(header, separators=(",", ":")).encode("utf-8")),
                                   b64url(json.dumps(claims, separators=(",", ":")).encode("utf-8")))
        signature = self.key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)

    def verify(self, token, generation, now, issuer=None):
        """The claims of ``token`` when its signature, ``kid``, ``exp`` and (when given) ``iss`` are right, else
        InvalidToken. The audience is checked by the caller (each resource server accepts its own)."""
        header, claims = decode_unverified(token)
        if header.get("alg") != "RS256":
            raise InvalidToken("the token is not signed with RS256")
        if header.get("kid") != self.kid(generation):
            raise InvalidToken("the token was signed with an unknown or retired key")
        signing_input, dummy, signature = token.rpartition(".")
        try:
            self.key.public_key().verify(b64url_decode(signature), signing_input.encode("ascii"), padding.PKCS1v15(),
                                         hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise InvalidToken("the token's signature is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= now:
            raise InvalidToken("the token has expired")
        if issuer is not None and claims.get("iss") != issuer:
            raise InvalidToken("the token was issued by %s, not %s" % (claims.get("iss"), issuer))
        return claims

    def jwks(self, generation):
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid(generation),
                          "n": _uint(numbers.n), "e": _uint(numbers.e)}]}


def audiences(claims):
    """The ``aud`` claim as a list (a string or a list in a JWT)."""
    aud = claims.get("aud")
    if aud is None:
        return []
    return [aud] if isinstance(aud, str) else list(aud)
