"""Reading the deployment recipes: every command, env var, metric and probe they name."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SOURCES = ("bot", "handlers", "wecom", "scrm", "livecode", "admin")


def yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def compose() -> dict[str, Any]:
    return yaml_docs(DEPLOY / "compose.yaml")[0]


def k8s_docs() -> list[dict[str, Any]]:
    return [d for p in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in yaml_docs(p)]


def dashboard() -> dict[str, Any]:
    return json.loads((DEPLOY / "grafana" / "scrm-dashboard.json").read_text(encoding="utf-8"))


def unit_files() -> list[Path]:
    return sorted((DEPLOY / "systemd").glob("*.service"))


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if "template" in spec else {}
    return list(pod.get("containers", []))


def scrm_commands() -> list[tuple[str, list[str]]]:
    """(where, argv after `scrm-bot`) for every invocation the recipes make."""
    found: list[tuple[str, list[str]]] = []
    for name, svc in compose()["services"].items():
        if svc.get("image", "").startswith("scrm-bot"):
            found.append((f"compose {name}", list(svc["command"])))
    for doc in k8s_docs():
        for c in containers(doc):
            if "scrm-bot" in c["image"]:
                found.append((f"k8s {doc['metadata']['name']}", list(c["args"])))
    for unit in unit_files():
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart="):
                argv = shlex.split(line.removeprefix("ExecStart=").replace("%i", "8081"))
                assert argv[0].endswith("/scrm-bot"), unit.name
                found.append((unit.name, argv[1:]))
    docker = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = re.search(r"^CMD (\[.*\])$", docker, re.M)
    assert cmd
    found.append(("Dockerfile CMD", json.loads(cmd.group(1))))
    return found


def env_names() -> dict[str, set[str]]:
    """SCRM_* names each recipe sets or reads, by file."""
    names: dict[str, set[str]] = {}
    files = [ROOT / "Dockerfile", *DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.example")]
    for path in [*files, *unit_files()]:
        names[str(path.relative_to(ROOT))] = set(
            re.findall(r"\bSCRM_[A-Z0-9_]+", path.read_text(encoding="utf-8"))
        )
    return names


def settings_from_environ() -> set[str]:
    """SCRM_* names code reads from os.environ itself, outside the Settings class."""
    found: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found |= set(re.findall(r"environ(?:\.get)?[\[(]\s*\"(SCRM_[A-Z0-9_]+)\"", text))
    return found


def metric_names_in(expr: str) -> set[str]:
    return set(re.findall(r"\bscrm_[a-z0-9_]+", expr))
