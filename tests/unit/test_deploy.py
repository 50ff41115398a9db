"""deploy/: what can be checked without building a container or booting systemd.

The unit files parse and ask for what docs/DEPLOYMENT.md promises (restart on failure, a
non-root user, hardening); the compose file parses and puts two bots behind one proxy; the
Dockerfile installs with the README's command and checks /readyz.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.RawConfigParser:
    # systemd allows repeated keys; strict=False keeps the last, which is enough here.
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_the_service_unit_restarts_on_failure_as_a_hardened_non_root_user() -> None:
    service = unit("storybot.service")["Service"]
    assert service["Type"] == "exec"
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/storybot/")
    assert service["User"] not in ("", "root", "0")
    program, *arguments = shlex.split(service["ExecStart"])
    assert Path(program).name == "storybot" and arguments == ["run"]
    # The stop deadline covers the bot's own 10 s shutdown.
    assert int(service["TimeoutStopSec"]) > 10
    for option, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[option] == value, option
    # With ProtectSystem=strict the only writable place is the state folder.
    assert service["StateDirectory"] == "storybot"
    assert unit("storybot.service")["Install"]["WantedBy"] == "multi-user.target"


def test_the_backup_timer_starts_a_one_shot_storybot_db_backup() -> None:
    service = unit("storybot-backup.service")["Service"]
    assert service["Type"] == "oneshot"
    assert "storybot db backup" in service["ExecStart"]
    assert service["User"] == unit("storybot.service")["Service"]["User"]
    assert "OnCalendar" in unit("storybot-backup.timer")["Timer"]


def test_compose_runs_two_bots_on_postgresql_behind_one_proxy() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    bots = [s for name, s in services.items() if name.startswith("bot")]
    assert len(bots) == 2
    for bot in bots:
        assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert bot["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Each bot serves its own Discord shards of the same total.
    assert {b["environment"]["SHARD_COUNT"] for b in bots} == {"2"}
    assert sorted(b["environment"]["SHARD_IDS"] for b in bots) == ["[0]", "[1]"]
    assert services["postgres"]["image"].startswith("postgres:")
    proxy = services["proxy"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]


def test_the_proxy_balances_over_ready_bots_and_bounds_slow_requests() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(r"reverse_proxy\s+bot1:3000\s+bot2:3000", caddyfile)
    assert re.search(r"health_uri\s+/readyz", caddyfile)
    assert re.search(r"read_header\s+10s", caddyfile)
    assert re.search(r"read_body\s+10s", caddyfile)
    assert re.search(r"max_size\s+1MB", caddyfile)


def dockerfile() -> str:
    # Join continuation lines so each instruction is one line.
    return re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))


def test_the_dockerfile_runs_as_non_root_on_python_311_slim_with_a_readiness_check() -> None:
    text = dockerfile()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    [health] = re.findall(r"^HEALTHCHECK .*$", text, re.M)
    assert "/readyz" in health
    assert re.search(r"^CMD \[\"storybot\", \"run\"\]$", text, re.M)


def test_the_dockerfile_installs_with_the_readmes_command() -> None:
    [install] = re.findall(r"^RUN (pip install .*)$", dockerfile(), re.M)
    # --no-cache-dir only keeps pip's download cache out of the image.
    command = " ".join(w for w in shlex.split(install) if w != "--no-cache-dir")
    quick_start = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = {
        " ".join(shlex.split(part.strip()))
        for line in re.findall(r"^python3 -m venv .*$", quick_start, re.M)
        for part in line.split("&&")
        if part.strip().startswith("pip install")
    }
    assert command in commands, f"{command!r} is not among the README's {sorted(commands)}"


async def test_the_dockerfile_health_check_passes_on_ready_and_fails_on_not_ready() -> None:
    """Run the image's HEALTHCHECK command itself against the bot's HTTP server."""
    import asyncio
    import os
    import sys

    from adapters.http_server import HttpServer, Limits

    [health] = re.findall(r"^HEALTHCHECK .*$", dockerfile(), re.M)
    argv = json.loads(health[health.index("CMD") + 3 :])
    assert argv[0] == "python"
    ready = {"now": True}
    server = HttpServer("127.0.0.1", 0, Limits(readiness_reuse_seconds=0))
    server.add_readiness_check("platform", lambda: ready["now"])
    await server.start()
    try:
        codes = []
        for now in (True, False):
            ready["now"] = now
            check = await asyncio.create_subprocess_exec(
                sys.executable,
                *argv[1:],
                env={**os.environ, "HTTP_PORT": str(server.port)},
                stderr=asyncio.subprocess.DEVNULL,
            )
            codes.append(await asyncio.wait_for(check.wait(), 30))
    finally:
        await server.stop()
    assert codes[0] == 0 and codes[1] != 0
