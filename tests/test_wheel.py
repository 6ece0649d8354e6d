"""The wheel users install: every module (kernels/triton, all pipelines), the configs and py.typed,
nothing else; and, unpacked outside the repository, it finds its own configs by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ssm_ts

REPO = Path(__file__).resolve().parents[1]
# what the wheel is built from (pyproject's package-dir maps kernels/, pipelines/ and configs/ into ssm_ts/)
SOURCES = ["pyproject.toml", "README.md", "MANIFEST.in", "ssm_ts", "kernels", "pipelines", "configs"]
INSTALLED_AS = {"ssm_ts": "ssm_ts", "kernels": "ssm_ts/kernels", "pipelines": "ssm_ts/pipelines"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the sources (a build in the checkout would leave build/ there)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}\n{done.stderr}"
    (built,) = (root / "dist").glob("ssm_ts-*.whl")
    return built


def expected_modules() -> set[str]:
    return {
        f"{INSTALLED_AS[top]}/{path.relative_to(REPO / top).as_posix()}"
        for top in INSTALLED_AS
        for path in (REPO / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }


def test_wheel_holds_every_module_the_configs_and_nothing_else(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = expected_modules() - names
    assert not missing, (
        f"not in the wheel (add their package to pyproject's packages list): {sorted(missing)}"
    )
    assert {"ssm_ts/kernels/triton/cauchy.py", "ssm_ts/pipelines/sensor/readers.py"} <= names
    configs = {f"ssm_ts/configs/{path.name}" for path in (REPO / "configs").glob("*.yaml")}
    assert configs and configs <= names
    assert "ssm_ts/py.typed" in names
    dist_info = f"ssm_ts-{ssm_ts.__version__}.dist-info/"
    stray = [n for n in names if not n.startswith(dist_info) and n not in expected_modules() | configs]
    assert stray == ["ssm_ts/py.typed"]  # no tests, notebooks, results, mlflow.db
    archive = zipfile.ZipFile(wheel)
    assert "ssm-ts = ssm_ts.cli:main" in archive.read(f"{dist_info}entry_points.txt").decode()
    assert f"Version: {ssm_ts.__version__}\n" in archive.read(f"{dist_info}METADATA").decode()


def test_unpacked_wheel_finds_its_own_configs_outside_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"  # a user's folder: no configs/
    work.mkdir()
    probe = (
        "import ssm_ts, ssm_ts.kernels, ssm_ts.pipelines.forecasting\n"
        "from ssm_ts.packaged_configs import configs_dir, resolve_config_args\n"
        "print(ssm_ts.__file__); print(ssm_ts.kernels.__file__); print(ssm_ts.pipelines.forecasting.__file__)\n"
        "print(configs_dir())\n"
        "print(resolve_config_args(['fit', '--config', 'configs/forecast_co2_quick.yaml'], 'forecast')[0][-1])\n"
    )
    # the unpacked wheel comes first on the path, before the checkout's editable install
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    package, kernels, pipelines, folder, resolved = done.stdout.split()
    assert all(Path(p).is_relative_to(site / "ssm_ts") for p in (package, kernels, pipelines))
    assert Path(folder) == site / "ssm_ts" / "configs"
    assert Path(resolved) == site / "ssm_ts" / "configs" / "forecast_co2_quick.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "ssm_ts", "--version"], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and str(site / "ssm_ts") in done.stdout
