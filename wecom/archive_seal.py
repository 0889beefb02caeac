"""The sandbox's stand-in for the Finance SDK's private symmetric step (会话内容存档): AES-256-GCM
under SHA-256 of the message's random key. Shared by the sandbox, which seals, and the
archive source that reads the sandbox, which opens."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def seal(random_key: bytes, plaintext: bytes) -> str:
    """The sandbox's stand-in for the SDK's symmetric encryption of a message."""
    nonce = os.urandom(12)
    sealed = AESGCM(hashlib.sha256(random_key).digest()).encrypt(nonce, plaintext, None)
    return base64.b64encode(nonce + sealed).decode()


def open_sealed(random_key: bytes, encrypt_chat_msg: str) -> bytes:
    """The sandbox's `DecryptData`: raises on a wrong key or a tampered message."""
    raw = base64.b64decode(encrypt_chat_msg)
    return AESGCM(hashlib.sha256(random_key).digest()).decrypt(raw[:12], raw[12:], None)
