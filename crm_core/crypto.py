"""PII at rest: AES-256-GCM field encryption with key ids, and keyed blind indexes.

A stored value is ``"v1:" + key_id + ":" + base64(nonce || ciphertext+tag)``; the key id
says which key decrypts it, so a new key can become active while old rows still read
(``kefu db rotate-key`` re-encrypts them). Encryption is randomised (a fresh 96-bit nonce
each time), so the database cannot compare ciphertexts: exact lookups by email or phone
go through a *blind index*, HMAC-SHA256 of the normalised value under a separate key.

Keys come from the process (``configure()``, called by the composition root from
settings) or, when nothing is configured, from ``KEFU_PII_KEYS`` / ``KEFU_PII_INDEX_KEY``
in the environment, and finally from a development key file (``var/pii.key``, created
mode 0600). crm_core never imports bot; bot.settings passes the values in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"
_NONCE = 12


class PiiKeyError(ValueError):
    """A PII key setting is malformed, or a value names a key we do not hold."""


def _b64decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise PiiKeyError("a PII key must be 32 bytes in url-safe base64") from exc
    if len(raw) != 32:
        raise PiiKeyError(f"a PII key must be 32 bytes in url-safe base64, got {len(raw)} bytes")
    return raw


def new_key() -> str:
    """A fresh 256-bit key in url-safe base64 (what KEFU_PII_KEYS holds after ``id:``)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def parse_keys(text: str) -> dict[str, bytes]:
    """``"k2:BASE64,k1:BASE64"`` -> ordered {key id: key}; the first is the active key."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        kid, sep, b64 = part.partition(":")
        if not sep or not kid or not kid.isalnum():
            raise PiiKeyError("KEFU_PII_KEYS is 'id:base64key[,id:base64key...]' "
                              "(ids alphanumeric, the first one encrypts)")
        keys[kid] = _b64decode_key(b64)
    if not keys:
        raise PiiKeyError("KEFU_PII_KEYS holds no key")
    return keys


@dataclass(frozen=True)
class Keyring:
    """The keys PII is encrypted with (first = active) and the blind-index key."""

    keys: dict[str, bytes]
    index_key: bytes

    @property
    def active_id(self) -> str:
        return next(iter(self.keys))

    def encrypt(self, plaintext: str) -> str:
        kid = self.active_id
        nonce = secrets.token_bytes(_NONCE)
        # The key id is authenticated data: a value cannot be relabelled to another key.
        ct = AESGCM(self.keys[kid]).encrypt(nonce, plaintext.encode("utf-8"), kid.encode())
        return f"{PREFIX}{kid}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # a value written before encryption (migration 0008 encrypts them)
        kid, _, body = stored[len(PREFIX):].partition(":")
        key = self.keys.get(kid)
        if key is None:
            raise PiiKeyError(f"PII encrypted with key {kid!r}, which is not configured")
        raw = base64.b64decode(body)
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], kid.encode()).decode("utf-8")

    def key_id_of(self, stored: str) -> str | None:
        """The key id a stored value was encrypted with (None: not encrypted)."""
        if not stored.startswith(PREFIX):
            return None
        return stored[len(PREFIX):].partition(":")[0]

    def blind_index(self, normalised: str) -> str:
        """HMAC-SHA256 (hex) of an already-normalised value: equal inputs, equal outputs."""
        return hmac.new(self.index_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


_lock = threading.Lock()
_keyring: Keyring | None = None


def _derive_index_key(key: bytes) -> bytes:
    return hmac.new(key, b"kefu blind index v1", hashlib.sha256).digest()


def keyring_from(keys: str | None, index_key: str | None, data_dir: Path | str) -> Keyring:
    """The keyring for these settings: configured keys, else the dev key file."""
    if keys:
        parsed = parse_keys(keys)
        # Without an explicit index key it derives from the *last* listed (oldest) key,
        # which stays listed while any row is encrypted with it: adding a key never
        # changes the blind indexes.
        last = list(parsed.values())[-1]
        idx = _b64decode_key(index_key) if index_key else _derive_index_key(last)
        return Keyring(parsed, idx)
    return _dev_keyring(Path(data_dir) / "pii.key", index_key)


def _dev_keyring(path: Path, index_key: str | None) -> Keyring:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"keys": f"dev1:{new_key()}", "index_key": new_key()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
    data = json.loads(path.read_text())
    return Keyring(parse_keys(data["keys"]), _b64decode_key(index_key or data["index_key"]))


def configure(keyring: Keyring | None) -> None:
    """Install the process's keyring (None: rebuild lazily from the environment)."""
    global _keyring
    with _lock:
        _keyring = keyring


def get_keyring() -> Keyring:
    """The configured keyring, or one from KEFU_PII_KEYS / KEFU_DATA_DIR / var/pii.key."""
    global _keyring
    if _keyring is None:
        with _lock:
            if _keyring is None:
                _keyring = keyring_from(os.environ.get("KEFU_PII_KEYS"),
                                        os.environ.get("KEFU_PII_INDEX_KEY"),
                                        os.environ.get("KEFU_DATA_DIR", "var"))
    return _keyring
