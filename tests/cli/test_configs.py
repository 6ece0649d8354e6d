"""Every YAML in configs/ parses through its use's CLI, and every quick config trains a few steps.

The use of a config is its file-name prefix (``forecast_``, ``audio_``, ``classify_``); quick configs
end in ``_quick.yaml``; closed-form configs (fitted in seconds) run in full with them. Runs are
in-process, in a temporary working directory, on the real data: the standard data sets the configs name,
read from the data home.
"""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
import yaml

from ssm_ts import cli
from ssm_ts.data_fetch import ENV_DATA_HOME
from ssm_ts.datasets import write_co2_csv
from ssm_ts.tracking.logger import default_tracking_uri

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
# Configs fitted in closed form take seconds in full, so they run end to end with the quick ones.
CLOSED_FORM_CONFIGS = {"classify_basicmotions_random_features"}
QUICK_CONFIGS = [path for path in CONFIGS if path.stem.endswith("_quick") or path.stem in CLOSED_FORM_CONFIGS]
FEW_STEPS = [
    "--trainer.max_epochs",
    "1",
    "--trainer.limit_train_batches",
    "2",
    "--trainer.limit_val_batches",
    "1",
]


# The figure each use logs during a fit, which the CLI also copies into --out (the quick audio run is one
# epoch, so it is asked for short samples after that epoch).
FIT_FIGURE = {
    "forecast": ("plots/forecast.png", []),
    "classify": ("plots/confusion_matrix_val.png", []),
    "audio": (
        "samples/epoch_001/spectrograms.png",
        ["--model.sample_every_n_epochs", "1", "--model.sample_seconds", "0.01"],
    ),
}


def use_of(config: Path) -> str:
    use = config.stem.split("_", 1)[0]
    assert use in cli.USES, f"{config.name}: name it <use>_<job>.yaml with a use in {sorted(cli.USES)}"
    return use


def use_real_data(use: str, shared_data: Path, workdir: Path, monkeypatch) -> None:
    """Give a config its real data as a user would: the configs name standard data sets, read from the
    data home ($SSM_TS_DATA_HOME, here the shared data; nothing is downloaded)."""
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    monkeypatch.setattr("ssm_ts.data_fetch._download", _no_download)
    if use == "forecast":
        write_co2_csv(workdir / "co2.csv")  # the quick config reads co2.csv from the working directory


def _no_download(url):
    raise AssertionError(f"the test tried to download {url}")


def flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value and key != "model_options":
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_every_use_has_a_quick_and_a_full_config():
    uses = {use_of(path) for path in CONFIGS}
    assert uses == set(cli.USES)
    assert {use_of(path) for path in QUICK_CONFIGS} == set(cli.USES)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: path.stem)
def test_config_parses_and_print_config_shows_its_values(config, capsys):
    with pytest.raises(SystemExit) as exit_info:
        # a search config (<use>_<job>_tune.yaml) is for 'ssm-ts forecast tune', not fit
        command = "tune" if config.stem.endswith("_tune") else "fit"
        cli.main([use_of(config), command, "--config", str(config), "--print_config"])
    assert exit_info.value.code in (0, None)
    resolved = flatten(yaml.safe_load(capsys.readouterr().out))
    written = flatten(yaml.safe_load(config.read_text()))
    assert {key: resolved.get(key, "<missing>") for key in written} == written


@pytest.mark.parametrize("config", QUICK_CONFIGS, ids=lambda path: path.stem)
def test_quick_config_trains_a_few_steps_and_logs_the_run(
    config, shared_data, tmp_path, monkeypatch, single_thread
):
    monkeypatch.chdir(tmp_path)
    use, out = use_of(config), tmp_path / "out"
    figure, figure_args = FIT_FIGURE[use]
    use_real_data(use, shared_data, tmp_path, monkeypatch)
    args = [use, "fit", "--config", str(config)]
    assert cli.main([*args, *FEW_STEPS, *figure_args, "--out", str(out)]) == 0

    assert (out / "config.yaml").is_file() and next(out.rglob("last.ckpt"), None) is not None
    assert not (tmp_path / "lightning_logs").exists()
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name(f"ssm-ts-{use}").experiment_id])
    assert run.info.status == "FINISHED"
    assert any(key.startswith("val_") for key in run.data.metrics)
    assert {"config.yaml", "checkpoints"} <= {a.path for a in client.list_artifacts(run.info.run_id)}
    logged = Path(client.download_artifacts(run.info.run_id, figure, str(tmp_path / "logged")))
    assert (out / figure).read_bytes() == logged.read_bytes()  # the logged figure, also beside the outputs
