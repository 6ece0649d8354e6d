"""A validation split that scored samples, one of whose files was found damaged as it was decoded
(``on_bad_file="skip"``), and whose model gave a NaN loss for one batch: its ``val_nll_bits`` is NaN, the
model's, not the data module's "no readable audio left in the val split" error, which only a split of
no scored sample gets (its NLL mean's total weight 0, tests/test_aud35_unscored_split.py). Telling the
two apart by a NaN mean would blame the damaged file for the model's NaN.

Noise files and a FLAC cut short (tests/test_aud36_damaged_validation_file.py), an untrained tiny SaShiMi."""

from __future__ import annotations

import math
import warnings

import lightning.pytorch as pl
import numpy as np
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.tasks.waveform import WaveformTask
from tests.test_aud36_damaged_validation_file import RATE, _damaged_flac
from tests.test_ddp39_scores_start_each_epoch import _trainer


def test_a_nan_loss_beside_a_damaged_file_is_a_nan_score_not_an_empty_split(tmp_path, single_thread):
    folder = tmp_path / "audio"
    folder.mkdir()
    for seed, name in enumerate(("a_train.wav", "v_good.wav", "t_one.wav")):
        sf.write(folder / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE), RATE)
    _damaged_flac(folder / "v_cut.flac", "cut")  # its clips from about 1.5 s fail as decoded
    pl.seed_everything(3, verbose=False)
    task = WaveformTask(preset="tiny", sample_rate=RATE)
    data = AudioDataModule(str(folder), RATE, clip_seconds=0.25, split="rule", val_pattern="^v_",
                           test_pattern="^t_", batch_size=4, on_bad_file="skip")  # fmt: skip
    calls = []

    def nan_in_the_first_batch(net, inputs, logits):
        calls.append(1)
        if len(calls) == 1:  # one sample: as a model that overflows gives
            logits = logits.clone()
            logits[0, 5] = float("nan")
        return logits

    task.net.register_forward_hook(nan_in_the_first_batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the skipped file's warning
        (scores,) = _trainer(tmp_path).validate(task, data, verbose=False)
    assert len(calls) > 1 and list(data.datasets["val"].found_bad.nonzero()[0])  # some of v_cut.flac left out
    assert math.isnan(scores["val_nll_bits"]) and math.isnan(scores["val_loss"])
