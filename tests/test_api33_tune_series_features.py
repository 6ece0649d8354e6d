"""``tune_forecaster`` / ``ssm-ts forecast tune`` with a long table's per-series inputs: its data check,
trials and test scoring read them as ``Forecaster.fit`` does. Before, ``static_df`` was an unknown
setting, and a per-series covariate column was refused when the data was read before the search."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts import tune_forecaster
from ssm_ts.api.tune_cli import build_parser, search_arguments
from tests.series_features_data import STATIC, TINY, long_table


@pytest.fixture(scope="module")
def long_df(ett) -> pd.DataFrame:
    return long_table(ett)


def test_a_search_reads_per_series_columns_and_a_static_csv(long_df, tmp_path):
    torch.set_num_threads(1)
    static = tmp_path / "static.csv"
    STATIC.to_csv(static, index=False)
    result = tune_forecaster(
        long_df, {"lr": [1e-3]}, n_trials=1, past_covariates=["load"], static_df=static,
        out_dir=str(tmp_path / "out"), **TINY,
    )  # fmt: skip
    best = result.best
    assert best.spec_.past_covariates == ["load[OT]", "load[HUFL]"]
    assert best.spec_.future_covariates == ["size[OT]", "size[HUFL]"]
    assert best.series_features_.statics == {"size": {"OT": 10.0, "HUFL": 50.0}}
    assert "test_loss" in best.metrics_  # scored on the test rows with the statics' series
    assert len(best.predict()) == 12


def test_the_command_passes_static_path_as_static_df():
    config = build_parser().parse_args(
        [
            "--data.path",
            "long.csv",
            "--data.past_covariates",
            "[load]",
            "--data.static_path",
            "stores.csv",
            "--space",
            "{lr: [0.001]}",
        ]  # fmt: skip
    )
    _, _, kwargs = search_arguments(config)
    assert kwargs["static_df"] == "stores.csv" and kwargs["past_covariates"] == ["load"]
