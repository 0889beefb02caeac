"""The WeCom sandbox: WeCom's server API and callbacks with WeCom's rules, in memory."""

from wecom.sandbox.app import SANDBOX_STATE, create_sandbox_app, run_sandbox
from wecom.sandbox.config import SandboxConfig, SandboxCorp, SandboxStaff

__all__ = [
    "SANDBOX_STATE",
    "SandboxConfig",
    "SandboxCorp",
    "SandboxStaff",
    "create_sandbox_app",
    "run_sandbox",
]
