"""Every fit config in configs/ instantiates: its model, data module and trainer (callbacks included) are
built as ``ssm-ts USE fit --config NAME`` builds them, without training. test_configs.py parses every
config (``--print_config``) and trains the quick ones a few steps; the full ones (forecast_etth1,
audio_digits, classify_basicmotions, classify_fsdd_spectrogram) were only parsed, which calls no
``__init__``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from lightning.pytorch.cli import LightningCLI

from ssm_ts import cli
from ssm_ts.cli.uses import load_target
from tests.cli.test_configs import CONFIGS, use_of, use_real_data

FIT_CONFIGS = [path for path in CONFIGS if not path.stem.endswith("_tune")]


@pytest.mark.parametrize("config", FIT_CONFIGS, ids=lambda path: path.stem)
def test_config_instantiates_its_model_data_and_trainer(config, shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    use = use_of(config)
    use_real_data(use, shared_data, tmp_path, monkeypatch)
    built: list[LightningCLI] = []
    # everything the command builds before it runs fit: the classes of the config, instantiated
    monkeypatch.setattr(LightningCLI, "_run_subcommand", lambda self, subcommand: built.append(self))
    assert cli.main([use, "fit", "--config", str(config), "--out", str(tmp_path / "out")]) == 0

    (command,) = built
    spec = cli.USES[use]
    assert isinstance(command.model, load_target(spec.task))
    assert isinstance(command.datamodule, load_target(spec.datamodule))
    written = yaml.safe_load(Path(config).read_text())
    for key, value in (written.get("trainer") or {}).items():
        if key != "callbacks":
            assert getattr(command.trainer, key, value) == value, key
    for entry in (written.get("trainer") or {}).get("callbacks") or []:
        name = entry["class_path"].rsplit(".", 1)[-1]
        assert any(type(callback).__name__ == name for callback in command.trainer.callbacks), name
