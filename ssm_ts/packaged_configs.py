"""The YAML configs shipped with ssm-ts, reachable by name wherever the package is installed.

The repository keeps them in ``configs/``; the wheel installs that folder as ``ssm_ts/configs/`` (a
package-dir mapping in pyproject.toml, as for ``kernels/`` and ``pipelines/``). So
``ssm-ts forecast fit --config forecast_co2_quick`` works from any folder, and the README's
``--config configs/forecast_co2_quick.yaml`` still works after a wheel install in a folder without
``configs/``: a ``--config`` that is not an existing file, but is a shipped config's name (bare, with
``.yaml``, or as ``configs/NAME.yaml``), is read from the shipped copy. Anything else that is missing
is an error listing the shipped names.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ssm_ts.errors import ConfigError

CONFIG_SUFFIXES = (".yaml", ".yml")
# A --config value may also be YAML text (jsonargparse reads either); such values are left alone.
_LOOKS_LIKE_YAML = re.compile(r"[\n{}:\[\]]")


def configs_dir() -> Path | None:
    """The folder of shipped configs: ``ssm_ts/configs`` when installed from a wheel, else the source
    checkout's ``configs/`` (editable install, or a checkout used without an install); None if neither."""
    package = Path(__file__).resolve().parent
    installed = package / "configs"
    if any(installed.glob("*.yaml")):
        return installed
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and any((checkout / "configs").glob("*.yaml")):
        return checkout / "configs"
    return None


def available() -> dict[str, Path]:
    """Shipped configs by name (the file stem, e.g. ``forecast_co2_quick``), sorted."""
    folder = configs_dir()
    if folder is None:
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def use_of(name: str) -> str:
    """The use a shipped config is for: its name's prefix (``forecast_co2_quick`` -> ``forecast``)."""
    return name.split("_", 1)[0]


def summary(path: Path) -> str:
    """A config's first comment line (what the job is), without the ``#``."""
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
        if line.strip():
            break
    return ""


def _shipped_name(value: str) -> str | None:
    """The shipped-config name ``value`` may mean: ``NAME``, ``NAME.yaml`` or ``configs/NAME.yaml``."""
    path = Path(value)
    if path.parent not in (Path("."), Path("configs")):
        return None
    if path.suffix in CONFIG_SUFFIXES:
        return path.stem
    return path.name if path.parent == Path(".") else None


def _names_line(use: str | None) -> str:
    shipped = available()
    if not shipped:
        return "none (this ssm-ts install has no configs folder: reinstall ssm-ts)"
    names = [name for name in shipped if use is None or use_of(name) == use]
    return ", ".join(names) if names else "none"


def find(name: str, use: str | None = None) -> Path:
    """Path of the shipped config ``name`` (``forecast_co2_quick``, optionally with ``.yaml``).

    Raises:
        ConfigError: unknown name (the error lists the shipped ones), or a config of another use.
    """
    stem = _shipped_name(name) or name
    shipped = available()
    if stem not in shipped:
        raise ConfigError(
            f"no shipped config named {name!r}; shipped configs: {_names_line(use)} (ssm-ts configs list)"
        )
    if use is not None and use_of(stem) != use:
        raise ConfigError(
            f"{stem} is a config for 'ssm-ts {use_of(stem)}', not 'ssm-ts {use}'; "
            f"configs for {use}: {_names_line(use)}"
        )
    return shipped[stem]


def resolve_config_value(value: str, use: str) -> tuple[str, bool]:
    """What ``--config value`` should read for ``ssm-ts use``: an existing file (or YAML text) as
    given; else the shipped config it names. Returns ``(value to pass on, whether it was shipped)``.

    Raises:
        ConfigError: not a file and not a shipped config; the message lists the shipped ones.
    """
    if _LOOKS_LIKE_YAML.search(value) or Path(value).expanduser().exists():
        return value, False
    name = _shipped_name(value)
    if name is not None and name in available():
        return str(find(name, use)), True
    what = (
        "no such file" if name is None else "no such file, and not the name of a config shipped with ssm-ts"
    )
    example = next((n for n in available() if use_of(n) == use), "NAME")
    raise ConfigError(
        f"--config {value}: {what} (paths are relative to {Path.cwd()}). Shipped configs for {use}: "
        f"{_names_line(use)}; pass one by name (--config {example}) or copy one to edit: "
        f"ssm-ts configs copy {example}"
    )


def resolve_config_args(args: list[str], use: str) -> tuple[list[str], list[Path]]:
    """``args`` with every ``--config X`` / ``--config=X`` resolved by :func:`resolve_config_value`;
    also returns the shipped configs used (so the caller can say which file was read)."""
    resolved: list[str] = []
    shipped: list[Path] = []
    expect_value = False
    for arg in args:
        if expect_value:
            arg, from_package = resolve_config_value(arg, use)
            shipped += [Path(arg)] if from_package else []
            expect_value = False
        elif arg == "--config":
            expect_value = True
        elif arg.startswith("--config="):
            value, from_package = resolve_config_value(arg.split("=", 1)[1], use)
            shipped += [Path(value)] if from_package else []
            arg = f"--config={value}"
        resolved.append(arg)
    return resolved, shipped


def copy_config(name: str, destination: str | None = None) -> Path:
    """Copy the shipped config ``name`` to ``destination`` (a file, or a folder; default ``./NAME.yaml``).

    Raises:
        ConfigError: unknown name, or the target file exists (it is never overwritten).
    """
    source = find(name)
    target = Path(destination or ".").expanduser()
    # a folder: an existing one, or a new one written as "dir/" or without a file suffix
    if target.is_dir() or str(destination).endswith(("/", os.sep)) or not target.suffix:
        target = target / source.name
    if target.exists():
        raise ConfigError(
            f"{target} already exists; pass another destination: ssm-ts configs copy {name} DEST"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    except OSError as err:  # e.g. a file where a folder of the destination should be, or no permission
        raise ConfigError(f"cannot write {target}: {err.strerror}; pass another destination") from err
    return target


def configs_command(argv: list[str]) -> int:
    """``ssm-ts configs [list | show NAME | copy NAME [DEST]]``: the shipped configs."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="ssm-ts configs",
        description="The YAML configs shipped with ssm-ts. Any command takes one by name: "
        "ssm-ts forecast fit --config forecast_co2_quick",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("list", help="list the shipped configs (the default)")
    show = commands.add_parser("show", help="print a config")
    show.add_argument("name")
    copy = commands.add_parser("copy", help="copy a config to edit it (never overwrites)")
    copy.add_argument("name")
    copy.add_argument("dest", nargs="?", help="file or folder (default: ./NAME.yaml)")
    args = parser.parse_args(argv)
    if args.command == "show":
        print(find(args.name).read_text(), end="")
    elif args.command == "copy":
        print(f"wrote {copy_config(args.name, args.dest)}")
    else:
        shipped = available()
        if not shipped:
            raise ConfigError("this ssm-ts install has no configs folder; reinstall ssm-ts")
        width = max(map(len, shipped))
        for name, path in shipped.items():
            print(f"{name:<{width}}  {summary(path)}")
        print(f"\nin {configs_dir()}")
        print("use one by name: ssm-ts USE fit --config NAME (USE is the name's prefix);")
        print("ssm-ts configs copy NAME writes a copy to edit")
    return 0
