"""Where archived chat comes from: WeCom's finance SDK (ctypes) or the sandbox, and the keys."""

from __future__ import annotations

import asyncio
import base64
import ctypes
import json
import os
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from wecom.archive_seal import open_sealed


class ArchiveError(Exception):
    """The source refused or answered nonsense; the cursor stays where it is."""


@dataclass(frozen=True)
class ChatData:
    """One item of GetChatData's `chatdata` list, still encrypted."""

    seq: int
    msgid: str
    publickey_ver: int
    encrypt_random_key: str
    encrypt_chat_msg: str


class ArchiveSource(Protocol):
    name: str

    async def fetch(self, after_seq: int, limit: int) -> list[ChatData]: ...

    async def decrypt(self, random_key: bytes, encrypt_chat_msg: str) -> dict[str, Any]: ...


class ArchiveKeys:
    """The corp's RSA private keys by `publickey_ver`. Old versions are kept after a rotation:
    messages sealed before it still name them."""

    def __init__(self, keys: dict[int, rsa.RSAPrivateKey]) -> None:
        self.keys = keys

    @classmethod
    def from_dir(cls, path: str) -> ArchiveKeys:
        """`<path>/<publickey_ver>.pem`, PKCS#1 or PKCS#8, unencrypted."""
        keys: dict[int, rsa.RSAPrivateKey] = {}
        if path and os.path.isdir(path):
            for name in os.listdir(path):
                stem, ext = os.path.splitext(name)
                if ext == ".pem" and stem.isdigit():
                    with open(os.path.join(path, name), "rb") as fh:
                        key = serialization.load_pem_private_key(fh.read(), password=None)
                    if isinstance(key, rsa.RSAPrivateKey):
                        keys[int(stem)] = key
        return cls(keys)

    def random_key(self, item: ChatData) -> bytes:
        key = self.keys.get(item.publickey_ver)
        if key is None:
            raise ArchiveError(f"no private key for publickey_ver {item.publickey_ver}")
        try:
            return key.decrypt(base64.b64decode(item.encrypt_random_key), padding.PKCS1v15())
        except ValueError as exc:
            raise ArchiveError(f"encrypt_random_key of seq {item.seq} does not decrypt") from exc


def parse_chatdata(raw: Any) -> list[ChatData]:
    if not isinstance(raw, dict) or raw.get("errcode", 0) != 0:
        raise ArchiveError(f"GetChatData refused: {raw!r:.200}")
    try:
        return [
            ChatData(
                int(i["seq"]),
                str(i["msgid"]),
                int(i["publickey_ver"]),
                str(i["encrypt_random_key"]),
                str(i["encrypt_chat_msg"]),
            )
            for i in raw.get("chatdata") or []
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ArchiveError(f"malformed chatdata: {exc}") from exc


class SandboxSource:
    """The sandbox's `/sandbox/finance/chatdata`: messages injected through the control API."""

    name = "sandbox"

    def __init__(self, http: aiohttp.ClientSession, api_base: str, corp_id: str, secret: str):
        self._http, self._url = http, api_base.rstrip("/") + "/sandbox/finance/chatdata"
        self._corp_id, self._secret = corp_id, secret

    async def fetch(self, after_seq: int, limit: int) -> list[ChatData]:
        body = {"corp_id": self._corp_id, "secret": self._secret, "seq": after_seq, "limit": limit}
        try:
            async with self._http.post(self._url, json=body) as resp:
                raw = await resp.json()
        except (aiohttp.ClientError, ValueError) as exc:
            raise ArchiveError(f"sandbox archive unreachable: {exc}") from exc
        return parse_chatdata(raw)

    async def decrypt(self, random_key: bytes, encrypt_chat_msg: str) -> dict[str, Any]:
        try:
            return dict(json.loads(open_sealed(random_key, encrypt_chat_msg)))
        except Exception as exc:  # InvalidTag, bad base64 or JSON: all mean "cannot read"
            raise ArchiveError(f"message does not decrypt: {exc!r}") from exc


class FinanceSdkSource:
    """WeCom's native `libWeWorkFinanceSdk_C.so` through ctypes, calls run in a thread.

    Loaded only when the configured path exists; it needs the 会话内容存档 secret and a
    server on the corp's trusted IP list, so it is not exercised by the test suite."""

    name = "finance_sdk"

    def __init__(self, lib_path: str, corp_id: str, secret: str, timeout: int = 10) -> None:
        lib = ctypes.CDLL(lib_path)
        lib.NewSdk.restype = ctypes.c_void_p
        lib.NewSlice.restype = ctypes.c_void_p
        lib.GetContentFromSlice.restype = ctypes.c_void_p
        lib.GetContentFromSlice.argtypes = [ctypes.c_void_p]
        lib.GetSliceLen.argtypes = [ctypes.c_void_p]
        lib.FreeSlice.argtypes = [ctypes.c_void_p]
        lib.Init.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.GetChatData.argtypes = [
            ctypes.c_void_p, ctypes.c_ulonglong, ctypes.c_uint, ctypes.c_char_p,
            ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
        ]  # fmt: skip
        lib.DecryptData.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
        self._lib, self._timeout = lib, timeout
        self._sdk = lib.NewSdk()
        code = lib.Init(ctypes.c_void_p(self._sdk), corp_id.encode(), secret.encode())
        if code != 0:
            raise ArchiveError(f"finance SDK Init failed: {code}")

    def _call(self, fn: Any, *args: Any) -> bytes:
        out = ctypes.c_void_p(self._lib.NewSlice())
        try:
            code = fn(*args, out)
            if code != 0:
                raise ArchiveError(f"finance SDK error {code}")
            ptr = self._lib.GetContentFromSlice(out)
            return ctypes.string_at(ptr, self._lib.GetSliceLen(out))
        finally:
            self._lib.FreeSlice(out)

    async def fetch(self, after_seq: int, limit: int) -> list[ChatData]:
        sdk = ctypes.c_void_p(self._sdk)
        raw = await asyncio.to_thread(
            self._call, self._lib.GetChatData, sdk, after_seq, limit, b"", b"", self._timeout
        )
        return parse_chatdata(json.loads(raw))

    async def decrypt(self, random_key: bytes, encrypt_chat_msg: str) -> dict[str, Any]:
        raw = await asyncio.to_thread(
            self._call, self._lib.DecryptData, random_key, encrypt_chat_msg.encode()
        )
        return dict(json.loads(raw))
