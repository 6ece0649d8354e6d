"""A split whose files are all found bad only as they are decoded (damaged frames past the start that the
folder's setup reads, with ``on_bad_file="skip"``) scores no sample: its score was NaN
(``val_nll_bits`` NaN, the best checkpoint chosen on NaN) with nothing but the skip warning. It is now
the error a split left empty at setup gives, naming the files."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts import WaveformGenerator
from ssm_ts.errors import DataError

pytestmark = pytest.mark.usefixtures("single_thread")

RATE = 8000


def _damaged_flac(path: Path) -> None:
    """A FLAC cut in half: its header and first frames read, its later frames fail ("lost sync")."""
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, RATE)
    sf.write(path.with_suffix(".tmp.flac"), noise, RATE)
    data = path.with_suffix(".tmp.flac").read_bytes()
    path.with_suffix(".tmp.flac").unlink()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture
def folder(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    for name in ("a_train.wav", "b_train.wav", "t_one.wav", "v_good.wav"):
        sf.write(tmp_path / name, rng.uniform(-0.5, 0.5, 400), RATE)
    _damaged_flac(tmp_path / "v_cut.flac")
    return tmp_path


def _fit(folder: Path, val_pattern: str = "^v_cut", **trainer_options) -> WaveformGenerator:
    gen = WaveformGenerator("tiny", model_options={"d_model": 8, "n_layers": 1, "pool": [2]}, max_epochs=1,
                            log_to_mlflow=False, out_dir=str(folder.parent / "out"),
                            trainer_options={"enable_progress_bar": False, **trainer_options})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gen.fit(folder, sample_rate=RATE, clip_seconds=0.05, split="rule", test_pattern="^t_",
                       val_pattern=val_pattern, on_bad_file="skip")  # fmt: skip


@pytest.mark.parametrize("sanity_steps", [2, 0])
def test_a_split_of_damaged_files_alone_is_an_error_not_a_nan_score(folder, sanity_steps):
    (folder / "v_good.wav").rename(folder / "a_also_train.wav")  # the damaged file is all validation has
    # 2: Lightning's sanity check finds it before training; 0: the first validation epoch
    with pytest.raises(DataError) as caught:
        _fit(folder, num_sanity_val_steps=sanity_steps)
    message = str(caught.value)
    assert "no readable audio left in the val split" in message and "v_cut.flac" in message
    assert "remove or repair them" in message


def test_a_split_with_readable_files_besides_keeps_its_score(folder):
    metrics = _fit(folder, val_pattern="^v_").metrics_  # v_good.wav is scored, v_cut.flac skipped
    assert math.isfinite(metrics["val_nll_bits"]) and math.isfinite(metrics["test_nll_bits"])
