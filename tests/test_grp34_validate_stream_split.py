"""``classify validate`` of a stream cut otherwise than the fit cut it (``--data.group_col``, ``--data.window``,
``--data.step``, ``--data.label_col``, ``--data.label_rule`` given again with other values, or a
``SensorDataModule`` built without them in Python) warns, naming the fit's values to pass: its split
holds other windows, windows of the subjects the model trained on among them. It was silent: the
checkpoint's ``fit_split`` kept ``val_fraction`` and ``seed`` alone. ``ssm-ts classify validate
--ckpt_path best`` without them takes the fit's from the checkpoint, and validates on its windows."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.pipelines.sensor import SensorDataModule
from tests.test_segfit33_stream_cli import FIT, _stream

FITTED = dict(window=16, step=8, label_col="activity", group_col="subject", val_fraction=0.3, seed=1)


def _write(path) -> str:
    """A stream of 6 subjects whose ids are numbers (read as a channel when group_col is left out)."""
    rng = np.random.default_rng(0)
    pd.concat(
        pd.DataFrame({"subject": s, "acc": rng.normal(size=64), "activity": np.repeat(["walk", "sit"], 32)})
        for s in range(6)
    ).to_csv(path, index=False)
    return str(path)


def _validate_warnings(path: str, state: dict, **settings) -> list[str]:
    """The warnings of a validate-stage data module built with ``settings`` and given ``state`` (a fit's
    ``state_dict``, as Lightning restores it from the checkpoint)."""
    module = SensorDataModule(path=path, **settings)
    module.set_classes(["sit", "walk"])  # the model's, as the task gives them
    module.setup("validate")
    module.load_state_dict(state)
    module.trainer = SimpleNamespace(state=SimpleNamespace(fn="validate"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.val_dataloader()
    return [str(w.message) for w in caught if "the fit cut its stream" in str(w.message)]


@pytest.fixture
def fitted(tmp_path) -> tuple[str, dict]:
    path = _write(tmp_path / "log.csv")
    module = SensorDataModule(path=path, **FITTED)
    module.setup("fit")
    return path, module.state_dict()


def test_validate_without_the_fits_group_col_names_it(fitted):
    path, state = fitted
    (message,) = _validate_warnings(path, state, **{**FITTED, "group_col": None})
    assert (
        "validating on data.group_col null, but the fit cut its stream with data.group_col subject" in message
    )
    assert "held out whole 'subject' groups" in message
    assert "pass --data.group_col subject (SensorDataModule(group_col='subject') in Python)" in message


def test_validate_on_other_windows_names_the_fits(fitted):
    path, state = fitted
    (message,) = _validate_warnings(path, state, **{**FITTED, "window": 32, "step": 16})
    assert (
        "data.window 32, data.step 16, but the fit cut its stream with data.window 16, data.step 8" in message
    )
    assert "Leave --data.window and --data.step out" in message
    assert "pass --data.window 16 --data.step 8 (SensorDataModule(window=16, step=8) in Python)" in message
    (message,) = _validate_warnings(path, state, **{**FITTED, "label_rule": "last", "seed": 2})
    assert "data.seed 2, but the fit held out val_fraction 0.3 with seed 1" in message  # both named
    assert "Also validating on data.label_rule last" in message and "--data.label_rule majority" in message


def test_validate_as_the_fit_and_older_checkpoints_stay_quiet(fitted):
    path, state = fitted
    assert _validate_warnings(path, state, **FITTED) == []
    older = {**state, "fit_split": {k: state["fit_split"][k] for k in ("path", "val_fraction", "seed")}}
    assert _validate_warnings(path, older, **{**FITTED, "window": 32}) == []  # kept no stream settings


def test_cli_validate_takes_the_fits_groups_and_warns_on_other_windows(in_tmp):
    _stream().to_csv("log.csv", index=False)
    assert cli.main([*FIT, "--data.path", "log.csv"]) == 0
    validated = []
    setup = SensorDataModule.setup

    def recording(self, stage):
        setup(self, stage)
        validated.append(dict(self.stream))

    run = [
        "classify", "validate", "--ckpt_path", "best", "--out", "out",
        "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        patch.setattr(SensorDataModule, "setup", recording)
        assert cli.main([*run, "--data.path", "log.csv", "--data.window", "24"]) == 0
    # the options left out are the fit's, restored from the checkpoint: its groups among them
    assert validated == [
        {**validated[0], "window": 24, "step": 8, "label_col": "activity", "group_col": "subject"}
    ]
    (message,) = [str(w.message) for w in caught if "the fit cut its stream" in str(w.message)]
    assert "validating on data.window 24, but the fit cut its stream with data.window 16:" in message
