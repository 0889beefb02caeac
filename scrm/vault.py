"""Secrets at rest: Fernet encryption and a keyed blind index, from one master key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class VaultError(RuntimeError):
    """The vault has no key, or a value cannot be decrypted with it."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    # Separate subkeys so the blind index can never be used to decrypt, and vice versa.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"scrm-bot", info=purpose).derive(
        master
    )


class Vault:
    """Encrypts values for storage and computes blind indexes for equality lookups."""

    def __init__(self, master_key: str) -> None:
        if len(master_key) < 16:
            raise VaultError("SCRM_SECRET_KEY must be at least 16 characters")
        master = master_key.encode()
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(master, b"encrypt")))
        self._index_key = _derive(master, b"blind-index")

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise VaultError("stored secret cannot be decrypted: wrong SCRM_SECRET_KEY?") from exc

    def blind_index(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()


def load_master_key(secret_key: str, key_file: str) -> str:
    """The configured key, else the one in `key_file`, else a new random one written there."""
    if secret_key:
        return secret_key
    path = Path(key_file)
    if path.exists():
        return path.read_text().strip()
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


class _Current:
    vault: Vault | None = None


def configure(vault: Vault) -> None:
    _Current.vault = vault


def current() -> Vault:
    if _Current.vault is None:
        raise VaultError("vault not configured: call scrm.vault.configure() at start-up")
    return _Current.vault
