"""Shipped configs by name (``--config forecast_co2_quick``, ``ssm-ts configs``), ``--version`` and
``python -m ssm_ts``: what a user who installed ssm-ts, and has no ``configs/`` folder, relies on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ssm_ts
from ssm_ts import cli, packaged_configs
from ssm_ts.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
REPO_CONFIGS = sorted(path.stem for path in (REPO / "configs").glob("*.yaml"))


def test_every_repository_config_is_available_by_name():
    assert list(packaged_configs.available()) == REPO_CONFIGS
    assert (
        packaged_configs.find("forecast_co2_quick.yaml", use="forecast").read_text()
        == (REPO / "configs" / "forecast_co2_quick.yaml").read_text()
    )


@pytest.mark.parametrize("name", REPO_CONFIGS)
def test_each_config_summary_that_configs_list_shows_is_a_whole_sentence(name):
    """``ssm-ts configs list`` shows a config's first comment line: two were cut mid-sentence."""
    assert packaged_configs.summary(REPO / "configs" / f"{name}.yaml").endswith(".")


@pytest.mark.parametrize(
    "value", ["forecast_co2_quick", "forecast_co2_quick.yaml", "configs/forecast_co2_quick.yaml"]
)
def test_a_missing_config_file_that_names_a_shipped_config_reads_the_shipped_one(
    value, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a user's folder: no configs/ here
    shipped = str(packaged_configs.find("forecast_co2_quick"))
    args, used = packaged_configs.resolve_config_args(
        ["fit", "--config", value, "--trainer.max_epochs", "1"], "forecast"
    )
    assert args == ["fit", "--config", shipped, "--trainer.max_epochs", "1"]
    assert used == [Path(shipped)]
    args, _ = packaged_configs.resolve_config_args([f"--config={value}", "fit"], "forecast")
    assert args == [f"--config={shipped}", "fit"]


def test_an_existing_file_or_yaml_text_is_passed_on_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    own = tmp_path / "forecast_co2_quick.yaml"  # the user's own copy wins over the shipped one
    own.write_text("trainer:\n  max_epochs: 1\n")
    for value in [
        "forecast_co2_quick.yaml",
        str(own),
        "{trainer: {max_epochs: 1}}",
        "trainer:\n  max_epochs: 1",
    ]:
        assert packaged_configs.resolve_config_args(["--config", value], "forecast") == (
            ["--config", value],
            [],
        )


def test_unknown_config_names_the_value_and_lists_the_shipped_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ConfigError, match=r"--config forecast_co2_quik: no such file, and not the name"
    ) as err:
        packaged_configs.resolve_config_args(["--config", "forecast_co2_quik"], "forecast")
    assert "forecast_co2_quick, forecast_co2_tune, forecast_etth1" in str(err.value)
    assert "ssm-ts configs copy" in str(err.value)
    with pytest.raises(ConfigError, match=r"--config my/own.yaml: no such file \(paths are relative to"):
        packaged_configs.resolve_config_args(["--config", "my/own.yaml"], "forecast")
    with pytest.raises(ConfigError, match="classify_basicmotions_quick is a config for 'ssm-ts classify'"):
        packaged_configs.resolve_config_args(["--config", "classify_basicmotions_quick"], "forecast")


def test_readme_command_works_from_a_folder_without_configs(tmp_path, monkeypatch, capsys):
    """``ssm-ts forecast fit --config configs/forecast_co2_quick.yaml``, run where there is no configs/
    (a wheel install), reads the shipped config and says so, instead of jsonargparse's 'File does not exist'."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["forecast", "fit", "--config", "configs/forecast_co2_quick.yaml", "--print_config"])
    assert exit_info.value.code == 0
    captured = capsys.readouterr()
    assert "lookback: 104" in captured.out and "path: co2.csv" in captured.out
    assert "shipped with ssm-ts" in captured.err.replace("\n", "")


def test_cli_reports_an_unknown_config_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["audio", "fit", "--config", "audio_digits_qiuck"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ssm-ts audio fit: error: --config audio_digits_qiuck")
    assert "audio_digits, audio_digits_quick" in err and "Traceback" not in err


def test_configs_list_show_and_copy(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["configs"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in REPO_CONFIGS) and "Quick real forecast" in listed

    assert cli.main(["configs", "show", "forecast_etth1"]) == 0
    assert capsys.readouterr().out == (REPO / "configs" / "forecast_etth1.yaml").read_text()

    assert cli.main(["configs", "copy", "forecast_co2_quick"]) == 0
    assert (tmp_path / "forecast_co2_quick.yaml").read_text() == (
        REPO / "configs" / "forecast_co2_quick.yaml"
    ).read_text()
    assert cli.main(["configs", "copy", "forecast_etth1", "new/folder/"]) == 0  # a folder, created
    assert (tmp_path / "new" / "folder" / "forecast_etth1.yaml").is_file()
    assert cli.main(["configs", "copy", "forecast_etth1", "mine.yaml"]) == 0
    capsys.readouterr()

    (tmp_path / "forecast_co2_quick.yaml").write_text("# edited\n")
    assert cli.main(["configs", "copy", "forecast_co2_quick"]) == 1  # never overwrites an edited copy
    assert "forecast_co2_quick.yaml already exists; pass another destination" in capsys.readouterr().err
    assert (tmp_path / "forecast_co2_quick.yaml").read_text() == "# edited\n"
    assert cli.main(["configs", "copy", "forecast_etth1", "mine.yaml/x.yaml"]) == 1  # a file in the way
    assert "cannot write mine.yaml/x.yaml" in capsys.readouterr().err
    assert cli.main(["configs", "show", "nope"]) == 1
    assert "no shipped config named 'nope'; shipped configs: audio_digits" in capsys.readouterr().err


def test_version_from_the_installed_metadata(capsys):
    assert cli.main(["--version"]) == 0
    out = capsys.readouterr().out
    assert (
        out.startswith(f"ssm-ts {ssm_ts.__version__} (Python ") and str(Path(ssm_ts.__file__).parent) in out
    )


def test_python_dash_m_ssm_ts_is_the_command_and_help_does_not_load_lightning(tmp_path):
    """`python -m ssm_ts` behaves as `ssm-ts`; `--help`, `--version` and `configs` answer without
    importing Lightning (several seconds)."""
    probe = (
        "import sys; from ssm_ts import cli\n"
        "for argv in (['--help'], ['--version'], ['configs', 'list']): assert cli.main(argv) == 0\n"
        "loaded = sorted(m for m in ('lightning', 'torch', 'mlflow') if m in sys.modules)\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=tmp_path, capture_output=True)
    done = subprocess.run(
        [sys.executable, "-m", "ssm_ts", "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("ssm-ts ")
    done = subprocess.run(
        [sys.executable, "-m", "ssm_ts", "nonsense"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2 and "unknown use 'nonsense'" in done.stderr
