"""Servers that ssm-ts starts or its docs tell users to start bind to 127.0.0.1 unless the user says otherwise.

ssm-ts itself starts no server; its README and notebooks show ``mlflow ui`` / ``mlflow server`` /
``mlflow models serve``. Each such command must pass ``--host 127.0.0.1`` (or localhost) or no
``--host`` at all, which is safe only because MLflow's own default is 127.0.0.1; that default is
checked against the installed MLflow, so an upgrade that changes it fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC_AND_SOURCE_SUFFIXES = {".md", ".ipynb", ".py", ".yaml", ".yml", ".toml", ".sh", ".cfg"}
SEARCHED = ("README.md", "docs", "notebooks", "configs", "ssm_ts", "pipelines", "kernels", "benchmarks")
SERVER_COMMAND = re.compile(r"mlflow\s+(?:ui|server|models\s+serve)\b[^\n\"`]*")
HOST_OPTION = re.compile(r"(?:--host|-h)[ =](\S+)")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
WILDCARD_BIND = re.compile(r"(?:host\s*=\s*|--host[ =]|bind\(\(?)[\"']?(0\.0\.0\.0|::)[\"'\s,)]")


def searched_files() -> list[Path]:
    files = []
    for name in SEARCHED:
        path = REPO / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.suffix in DOC_AND_SOURCE_SUFFIXES)
    return files


def server_commands() -> list[tuple[str, str]]:
    found = []
    for path in searched_files():
        for match in SERVER_COMMAND.finditer(path.read_text(encoding="utf-8", errors="replace")):
            found.append((str(path.relative_to(REPO)), match.group(0)))
    return found


def test_the_docs_show_server_commands():
    """The scan below finds what it is meant to check (else it would pass vacuously)."""
    assert any("README.md" in where for where, _ in server_commands())


@pytest.mark.parametrize(("where", "command"), server_commands())
def test_documented_servers_bind_to_localhost(where, command):
    hosts = HOST_OPTION.findall(command)
    assert all(host.strip("'\"") in LOCAL_HOSTS for host in hosts), (
        f"{where}: `{command}` binds beyond localhost"
    )


def test_no_code_or_doc_binds_to_every_interface():
    offenders = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in searched_files()
        for match in WILDCARD_BIND.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, offenders


def test_mlflow_servers_default_to_localhost(monkeypatch):
    """Commands without ``--host`` rely on this default (MLFLOW_HOST is the user's explicit choice)."""
    from mlflow.cli import cli

    monkeypatch.delenv("MLFLOW_HOST", raising=False)
    commands = {
        "mlflow server": cli.get_command(None, "server"),
        "mlflow ui": cli.get_command(None, "ui"),
        "mlflow models serve": cli.get_command(None, "models").get_command(None, "serve"),
    }
    for name, command in commands.items():
        (host,) = [option.default for option in command.params if option.name == "host"]
        assert host in LOCAL_HOSTS, f"{name} binds to {host} by default"
