"""Post a fixed list of distinct, pre-signed requests through wrk (C, from Debian's packages).

The benchmarks' own aiohttp client spends about a third of a core on the load it makes, on
the same two cores as the service it measures; wrk spends a tenth of that. Each wrk thread
takes every n-th request of the list, sends each once, stops when its share is answered and
leaves a marker file; the caller stops wrk when every marker is there (wrk otherwise runs for
its whole `-d`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

LUA = r"""
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  local path, n, marks = args[1], tonumber(args[2]), args[3]
  reqs, sent, got, bad, mark = {}, 0, 0, 0, marks .. "/" .. tid
  local i = 0
  for line in io.lines(path) do
    if i % n == tid then
      local path_, headers, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local h = {["Content-Type"] = "application/json"}
      for k, v in headers:gmatch("([^=;]+)=([^;]*)") do h[k] = v end
      reqs[#reqs + 1] = wrk.format("POST", path_, h, body)
    end
    i = i + 1
  end
end
function request()
  -- wrk 4.1 asks thread 0's script for one request before it connects, only to check its
  -- shape: that one is never sent.
  if tid == 0 and not checked then checked = true; return wrk.format("GET", "/healthz") end
  sent = sent + 1
  if sent > #reqs then return wrk.format("GET", "/healthz") end
  return reqs[sent]
end
function response(status, headers, body)
  got = got + 1
  if got <= #reqs and status ~= 200 then bad = bad + 1 end
  if got == #reqs then
    local f = io.open(mark, "w"); f:write(tostring(bad)); f:close()
  end
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _line(path: str, headers: dict[str, str], body: bytes) -> str:
    for text in (path, body.decode()):
        if "\t" in text or "\n" in text:
            raise ValueError("a request for wrk must not hold a tab or a newline")
    return f"{path}\t{';'.join(f'{k}={v}' for k, v in headers.items())}\t{body.decode()}"


async def post_all(
    base_url: str, requests: list[tuple[str, dict[str, str], bytes]], connections: int = 64
) -> tuple[float, int, float]:
    """Send every (path, headers, body) once; return the seconds until the last answer, the
    answers other than 200 and wrk's CPU seconds."""
    threads = 2
    work = Path(tempfile.mkdtemp(prefix="wrk-"))
    (work / "reqs.tsv").write_text("\n".join(_line(*r) for r in requests) + "\n")
    (work / "post.lua").write_text(LUA)
    marks = work / "marks"
    marks.mkdir()
    args = ["wrk", f"-t{threads}", f"-c{connections}", "-d3600s", "--timeout", "30s"]
    args += ["-s", str(work / "post.lua"), base_url, "--"]
    args += [str(work / "reqs.tsv"), str(threads), str(marks)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    started = time.perf_counter()
    try:
        while len(list(marks.iterdir())) < threads:
            if proc.poll() is not None:
                raise RuntimeError(f"wrk ended early: {proc.stdout.read().decode()[-2000:]}")  # type: ignore[union-attr]
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
        cpu = _ticks(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    summary = proc.stdout.read().decode()  # type: ignore[union-attr]
    if "Socket errors" in summary:  # a request lost to a socket error was never answered
        raise RuntimeError(f"wrk saw socket errors:\n{summary}")
    bad = sum(int(m.read_text() or 0) for m in marks.iterdir())
    shutil.rmtree(work, ignore_errors=True)
    return elapsed, bad, cpu


def _ticks(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
