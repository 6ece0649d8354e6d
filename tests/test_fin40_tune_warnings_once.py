"""A search reads its data again for each trial's fit (and once before the trials, and for the test split
after them): a warning about the data was printed each time, 5 times for a 3-trial search. It is printed
once per search now (:func:`ssm_ts.rank_zero_warnings.each_text_once`); warnings of the user's own code
(here a callback's, in every trial) are shown as before, and another search warns again."""

from __future__ import annotations

import warnings

import lightning.pytorch as pl
import pandas as pd
import pytest

from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.rank_zero_warnings import each_text_once, warn_on_rank_zero

ROW_NUMBERS = "hold the row numbers 0..299 (the index pandas writes with df.to_csv(path))"
OWN = "the user's own warning, each trial"


class WarnEachFit(pl.Callback):
    """A user's callback warning at the start of each fit."""

    def on_fit_start(self, trainer, pl_module):
        warnings.warn(OWN, UserWarning, stacklevel=1)


def _messages(caught: list[warnings.WarningMessage], text: str) -> int:
    return sum(text in str(w.message) for w in caught)


def test_a_three_trial_search_warns_about_its_data_once(shared_data, tmp_path, single_thread):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:300]
    path = tmp_path / "indexed.csv"
    frame.to_csv(path)  # with its index: a column of row numbers, left out of the targets with a warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = tune_forecaster(
            path, {"lr": [1e-3, 2e-3, 3e-3]}, n_trials=3, sampler="grid", model="nlinear", lookback=24,
            horizon=6, max_epochs=1, log_to_mlflow=False,
            trainer_options={"limit_train_batches": 2, "limit_val_batches": 2, "callbacks": [WarnEachFit()]},
        )  # fmt: skip
    assert len(result.trials) == 3
    assert _messages(caught, ROW_NUMBERS) == 1, [str(w.message)[:80] for w in caught]
    assert _messages(caught, OWN) == 3  # the user's warnings are not ssm-ts's to drop

    with warnings.catch_warnings(record=True) as caught:  # another search: its own first warning
        warnings.simplefilter("always")
        tune_forecaster(path, {"lr": [1e-3]}, n_trials=1, model="nlinear", lookback=24, horizon=6, max_epochs=1,
                        log_to_mlflow=False, trainer_options={"limit_train_batches": 2, "limit_val_batches": 2})  # fmt: skip
    assert _messages(caught, ROW_NUMBERS) == 1


def test_each_text_once_drops_repeats_of_a_text_only_within_it():
    with pytest.warns(UserWarning) as caught:
        with each_text_once():
            for text in ("a gap", "a gap", "another", "a gap"):
                warn_on_rank_zero(text)
            with each_text_once():  # nested: the outer record holds
                warn_on_rank_zero("another")
        warn_on_rank_zero("a gap")  # after it: shown as before
    assert [str(w.message) for w in caught] == ["a gap", "another", "a gap"]
