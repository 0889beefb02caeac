"""WXBizMsgCrypt: WeCom's callback signature and AES-256-CBC envelope, on `cryptography`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# WeCom pads to 32-byte blocks, not AES's 16 (wecom-reference.md §1.4).
_BLOCK = 32


class CryptoError(Exception):
    """Base for every callback-crypto failure; the edge maps each subclass to a 4xx."""


class SignatureError(CryptoError):
    """msg_signature does not match sha1(sorted(token, timestamp, nonce, encrypt))."""


class DecryptError(CryptoError):
    """The ciphertext is not valid base64, not block aligned, or badly padded."""


class ReceiveIdError(CryptoError):
    """The decrypted receiveid is not the corp (or suite) this endpoint serves."""


def sign(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """Return WeCom's lowercase-hex SHA1 signature over the four sorted strings."""
    parts = sorted([token, str(timestamp), str(nonce), encrypt])
    return hashlib.sha1("".join(parts).encode()).hexdigest()


def aes_key_from_encoding_key(encoding_aes_key: str) -> bytes:
    """Decode the 43-character EncodingAESKey into the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("EncodingAESKey is not valid base64") from exc
    if len(key) != 32:  # pragma: no cover - 43 base64 chars always decode to 32 bytes
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


class WeComCrypto:
    """Sign, verify, encrypt and decrypt WeCom callback payloads for one receiveid."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.key = aes_key_from_encoding_key(encoding_aes_key)
        self.receive_id = receive_id
        # Key and IV never change (WeCom's IV is the key's first 16 bytes): one Cipher makes a
        # fresh context per message, half the cost of building it each time on the ack path.
        self._cipher = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return sign(self.token, timestamp, nonce, encrypt)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Raise SignatureError unless the signature matches; constant-time comparison."""
        expected = self.signature(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode(), msg_signature.lower().encode()):
            raise SignatureError("msg_signature mismatch")

    def decrypt(self, encrypt: str) -> bytes:
        """Decrypt `encrypt` and return the message bytes; checks padding and receiveid."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError("Encrypt is not valid base64") from exc
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad PKCS#7 padding")
        body = plain[16:-pad]
        if len(body) < 4:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", body[:4])
        if length > len(body) - 4:
            raise DecryptError("declared message length exceeds plaintext")
        msg, receive_id = body[4 : 4 + length], body[4 + length :]
        if not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise ReceiveIdError("receiveid does not match this corp")
        return msg

    def encrypt(self, msg: bytes, random16: bytes | None = None) -> str:
        """Encrypt `msg` for this receiveid and return the base64 ciphertext."""
        prefix = random16 if random16 is not None else os.urandom(16)
        if len(prefix) != 16:
            raise ValueError("random prefix must be 16 bytes")
        body = prefix + struct.pack(">I", len(msg)) + msg + self.receive_id.encode()
        pad = _BLOCK - len(body) % _BLOCK
        body += bytes([pad]) * pad
        encryptor = self._cipher.encryptor()
        return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()

    def verify_and_decrypt(
        self, msg_signature: str, timestamp: str, nonce: str, encrypt: str
    ) -> bytes:
        """Signature first, then decryption: the order the edge rules demand."""
        self.verify(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def envelope(
        self, msg: bytes, timestamp: str, nonce: str, random16: bytes | None = None
    ) -> tuple[str, bytes]:
        """Build a POST callback as WeCom sends it: (msg_signature, outer XML body)."""
        encrypt = self.encrypt(msg, random16)
        body = (
            f"<xml><ToUserName><![CDATA[{self.receive_id}]]></ToUserName>"
            f"<AgentID><![CDATA[]]></AgentID><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ).encode()
        return self.signature(timestamp, nonce, encrypt), body
