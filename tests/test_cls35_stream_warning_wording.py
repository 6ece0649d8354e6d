"""``ssm-ts classify fit --model.model random_features`` of a stream without ``--data.group_col`` and
with ``--data.val_fraction`` > 0: the ``LeakyValidationWarning`` speaks of what the split does to
random features (optimistic validation scores, windows left out of the ridge's fit). It spoke of the
validation loss that picks the best epoch, which random features do not have."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ssm_ts import cli
from ssm_ts.leaky_validation import LeakyValidationWarning

FIT = [
    "classify", "fit", "--model.model_options", "{n_kernels: 20, seed: 0}",
    "--trainer.max_epochs", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
    "--data.window", "16", "--data.step", "8", "--data.label_col", "activity", "--data.val_fraction", "0.25",
    "--out", "out", "--data.path", "log.csv",
]  # fmt: skip


def _leaky_messages(args: list[str]) -> list[str]:
    rng = np.random.default_rng(0)
    stream = pd.DataFrame({"acc": rng.normal(size=160), "activity": np.repeat(["walk", "sit"], 80)})
    stream.to_csv("log.csv", index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli.main(args) == 0
    return [str(w.message) for w in caught if issubclass(w.category, LeakyValidationWarning)]


def test_random_features_are_told_of_their_scores_not_of_epochs(in_tmp):
    (message,) = _leaky_messages([*FIT, "--model.model", "random_features"])
    assert "epoch" in message and "best epoch" not in message  # "pick no epoch"
    assert "val_acc" in message and "ridge" in message and "--data.group_col subject" in message


def test_the_encoder_is_told_of_its_best_epoch(in_tmp):
    args = [*FIT, "--model.model_options", "{d_model: 4, n_layers: 1, d_state: 4}"]
    (message,) = _leaky_messages(args)
    assert "validation loss that picks the best epoch" in message and "ridge" not in message
