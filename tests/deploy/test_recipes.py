"""The deployment recipes name only what exists: CLI commands, settings, metrics, routes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
from prometheus_client import REGISTRY

from bot.app import create_app
from bot.cli import _parser
from bot.worker_health import create_worker_health_app
from livecode.poster import FONT_CANDIDATES
from scrm.infra import metrics  # noqa: F401 - registers every metric
from scrm.infra.settings import Settings
from tests.conftest import make_settings
from tests.deploy import recipes
from tests.deploy.recipes import DEPLOY, ROOT


def test_every_command_the_recipes_run_parses_as_scrm_bot() -> None:
    found = recipes.scrm_commands()
    assert {argv[0] for _, argv in found} >= {"serve", "worker", "migrate", "up"}
    for where, argv in found:
        try:
            _parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"{where}: scrm-bot {' '.join(argv)} is not a valid command")


def test_scrm_bot_help_lists_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("migrate", "serve", "worker", "up"):
        assert re.search(rf"\b{command}\b", out), command


def test_every_env_var_named_is_a_setting() -> None:
    known = {f"SCRM_{name.upper()}" for name in Settings.model_fields}
    known |= recipes.settings_from_environ()  # e.g. SCRM_POSTER_FONT
    unknown = {f: names - known for f, names in recipes.env_names().items() if names - known}
    assert unknown == {}
    # and the cluster knobs are really used
    used = set().union(*recipes.env_names().values())
    assert {"SCRM_WORKER_METRICS_PORT", "SCRM_WEB_DRAIN_SECONDS", "SCRM_DATABASE_URL"} <= used


def _series_names() -> set[str]:
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names |= {family.name + s for s in ("_bucket", "_sum", "_count")}
    return names


def test_dashboard_queries_use_metrics_that_exist() -> None:
    sys.path.insert(0, str(DEPLOY / "grafana"))
    try:
        import make_dashboard
    finally:
        sys.path.pop(0)
    board = recipes.dashboard()
    assert board == make_dashboard.dashboard()  # the JSON was regenerated after an edit
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    used = set().union(*(recipes.metric_names_in(e) for e in exprs))
    assert used - _series_names() == set()
    titles = " ".join(p["title"] for p in board["panels"])
    for figure in ("Callback rate", "refusals", "Welcome latency", "backlog", "SOP", "Alert"):
        assert figure in titles


def test_kubernetes_manifests_validate_and_probe_real_routes() -> None:
    docs = recipes.k8s_docs()
    assert {d["kind"] for d in docs} >= {"Deployment", "Service", "Job"}
    for doc in docs:
        kubernetes_validate.validate(doc, "1.30.0", strict=True)
    web_routes = _routes(create_app(make_settings("sqlite://:memory:")))
    worker_routes = _routes(create_worker_health_app(make_settings("sqlite://:memory:")))
    probed = 0
    for doc in docs:
        for c in recipes.containers(doc):
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            env = {e["name"]: e.get("value") for e in c.get("env", [])}
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                if kind not in c:
                    continue
                probe = c[kind]["httpGet"]
                port = ports[probe["port"]]
                if c["args"][0] == "worker":
                    assert str(port) == env["SCRM_WORKER_METRICS_PORT"]
                    assert probe["path"] in worker_routes
                else:
                    assert str(port) == c["args"][c["args"].index("--port") + 1]
                    assert probe["path"] in web_routes
                probed += 1
    assert probed >= 5


def _routes(app: object) -> set[str]:
    return {r.resource.canonical for r in app.router.routes() if r.resource}  # type: ignore[attr-defined]


def test_compose_and_caddy_point_at_real_ports_and_routes() -> None:
    services = recipes.compose()["services"]
    assert {"postgres", "redis", "migrate", "caddy"} <= set(services)
    webs = [n for n, s in services.items() if s.get("command", [None])[0] == "serve"]
    workers = [n for n, s in services.items() if s.get("command", [None])[0] == "worker"]
    assert len(webs) == 2 and len(workers) == 2
    for name in webs:
        assert "127.0.0.1:8080/healthz" in " ".join(services[name]["healthcheck"]["test"])
        assert services[name]["command"][-1] == "8080"
    for name in workers:
        port = services[name]["environment"]["SCRM_WORKER_METRICS_PORT"]
        assert f"127.0.0.1:{port}/healthz" in " ".join(services[name]["healthcheck"]["test"])
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    for name in webs:
        assert f"{name}:8080" in caddy
    assert "health_uri /healthz" in caddy


def test_dockerfile_is_slim_non_root_with_the_cjk_font() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "-slim" in text
    user = re.findall(r"^USER (\S+)$", text, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "fonts-wqy-microhei" in text
    assert "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc" in FONT_CANDIDATES
    for src in re.findall(r"^COPY (?!--from)(\S+) ", text, re.M):
        assert (ROOT / src).exists(), src
    assert re.search(r'^ENTRYPOINT \["scrm-bot"\]$', text, re.M)


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed")
def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    """Compose's own schema and interpolation (Debian's docker-compose 1.29; no engine needed)."""
    work = tmp_path / "deploy"
    shutil.copytree(DEPLOY, work)
    (work / "scrm.env").write_text((work / "scrm.env.example").read_text())
    (work / "secrets").mkdir()
    (work / "secrets" / "scrm_secret_key").write_text("k")
    env = {**os.environ, "DOMAIN": "scrm.example.com", "POSTGRES_PASSWORD": "pw"}
    run = subprocess.run(
        ["docker-compose", "-f", "compose.yaml", "config", "--quiet"],
        cwd=work, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_units_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the units, pointed at this checkout's scrm-bot."""
    scrm_bot = shutil.which("scrm-bot", path=str(Path(sys.executable).parent))
    assert scrm_bot
    names = []
    for unit in recipes.unit_files():
        text = unit.read_text(encoding="utf-8").replace("/opt/scrm/venv/bin/scrm-bot", scrm_bot)
        text = re.sub(r"^(User|Group)=scrm$", r"\1=root", text, flags=re.M)
        text = text.replace("EnvironmentFile=/", "EnvironmentFile=-/")
        name = unit.name.replace("@.", "@9101.")
        (tmp_path / name).write_text(text)
        (tmp_path / unit.name).write_text(text)
        names.append(f"./{name}")
    run = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
