"""Checkpoints and exports never unpickle arbitrary objects: a crafted pickle is refused, not run."""

from __future__ import annotations

import pickle

import pytest
import torch

from ssm_ts.errors import CheckpointError
from ssm_ts.export import load_checkpoint


class Exploit:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_crafted_pickle_checkpoint_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    ckpt = tmp_path / "evil.ckpt"
    with open(ckpt, "wb") as f:
        pickle.dump({"state_dict": {}, "payload": Exploit(marker)}, f)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(ckpt)
    assert not marker.exists()


def test_real_checkpoint_loads_and_bad_paths_are_clear(tmp_path):
    good = tmp_path / "good.ckpt"
    torch.save({"state_dict": {"w": torch.ones(2)}, "epoch": 3}, good)
    assert load_checkpoint(good)["epoch"] == 3
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.ckpt")
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(good.read_bytes()[:20])
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint(truncated)


def crafted_last_checkpoint(out_dir, marker):
    ckpt = out_dir / "run" / "checkpoints" / "last.ckpt"
    ckpt.parent.mkdir(parents=True)
    with open(ckpt, "wb") as f:
        pickle.dump({"state_dict": {}, "payload": Exploit(marker)}, f)
    return ckpt


def test_resume_from_a_crafted_checkpoint_is_refused_and_not_executed(tmp_path, shared_data, capsys):
    """Both resume paths (the API's ``fit(resume=True)``, the CLI's ``--ckpt_path``) read the
    checkpoint safely before Lightning touches it."""
    import pandas as pd

    from ssm_ts import cli
    from ssm_ts.api.forecaster import Forecaster

    marker = tmp_path / "pwned"
    ckpt = crafted_last_checkpoint(tmp_path / "out", marker)
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=400)
    forecaster = Forecaster(
        "nlinear", lookback=24, horizon=6, log_to_mlflow=False, out_dir=str(tmp_path / "out")
    )
    with pytest.raises(CheckpointError, match="refused to load"):
        forecaster.fit(frame, target="OT", resume=True)
    args = ["forecast", "fit", "--data.path", str(shared_data / "forecasting" / "ETTh1.csv")]
    code = cli.main(
        [*args, "--model.model", "nlinear", "--ckpt_path", str(ckpt), "--out", str(tmp_path / "cli")]
    )
    assert code != 0 and "refused to load" in capsys.readouterr().err
    assert not marker.exists()


def test_loading_a_crafted_audio_checkpoint_is_refused_and_not_executed(tmp_path, capsys):
    """``WaveformGenerator.load`` and ``ssm-ts audio generate --ckpt_path`` take a .ckpt too."""
    from ssm_ts import cli
    from ssm_ts.api.waveform import WaveformGenerator

    marker = tmp_path / "pwned"
    ckpt = crafted_last_checkpoint(tmp_path / "out", marker)
    with pytest.raises(CheckpointError, match="refused to load"):
        WaveformGenerator.load(str(ckpt))
    code = cli.main(
        ["audio", "generate", "--ckpt_path", str(ckpt), "--num", "1", "--out", str(tmp_path / "s")]
    )
    assert code != 0 and "refused to load" in capsys.readouterr().err
    assert not marker.exists() and not (tmp_path / "s").exists()
