"""A forecast short of known-future rows names a model's per-series features as the user gave them:
the column ``promo`` of series ``store_0``, ``store_1`` and a ``futr_df`` that holds it (the message
named the internal covariate series ``promo[store_1]`` and asked for rows of them); a statics-only model
asked for more steps than its horizon adds the statics itself, as a ``futr_df`` of the times would."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from tests.series_features_data import tiny_forecaster

STATIC = pd.DataFrame({"unique_id": ["store_0", "store_1"], "size": [1.0, 2.0]})


@pytest.fixture(scope="module")
def stores(ett) -> pd.DataFrame:
    """Two stores of 300 hourly ETTh1 rows, each with its own promo column."""
    rows = ett.iloc[:300]
    return pd.concat(
        [pd.DataFrame({"unique_id": f"store_{i}", "ds": rows["date"], "y": rows[c], "promo": rows["LULL"] * (i + 1)})
         for i, c in enumerate(["OT", "HUFL"])],
        ignore_index=True,
    )  # fmt: skip


def fitted(tmp, df: pd.DataFrame, **fit) -> Forecaster:
    torch.set_num_threads(1)
    return tiny_forecaster(tmp).fit(df, static_df=STATIC, **fit)


def pasted_futr(error: pytest.ExceptionInfo) -> pd.DataFrame:
    """The error's ``futr = ...`` line, run as pasted."""
    scope = {"pd": pd}
    exec("futr = " + str(error.value).split("futr = ")[1].split(", then ")[0], scope)  # noqa: S102
    return scope["futr"]


def test_a_per_series_known_future_column_is_named_with_the_futr_df_that_gives_it(stores, tmp_path):
    fc = fitted(tmp_path, stores, future_covariates=["promo"])
    with pytest.raises(DataError) as error:
        fc.predict()
    message = str(error.value)
    assert (
        "the column ['promo'] of series ['store_0', 'store_1'] (static_df's ['size'] the model keeps)"
        in message
    )
    assert "(ds 2016-07-13 12:00:00 to 2016-07-13 17:00:00; 0 given)" in message
    assert "[store_" not in message and "then predict(futr_df=futr)." in message
    futr = pasted_futr(error).assign(promo=1.0)  # <its values, in futr's row order>
    assert len(futr) == 12 and fc.predict(futr_df=futr)["ds"].max() == pd.Timestamp("2016-07-13 17:00")


def test_a_statics_only_rollout_needs_no_futr_df(stores, tmp_path):
    # statics are known at every time: predict(n > horizon) adds them for each pass of the rollout
    # (it asked for a futr_df of the times, as a model of per-series columns needs one)
    fc = fitted(tmp_path, stores[["unique_id", "ds", "y"]])
    forecast = fc.predict(n=10)
    assert forecast.groupby("unique_id").size().tolist() == [10, 10]
    times = pd.date_range("2016-07-13 12:00", periods=12, freq="h")
    futr = pd.MultiIndex.from_product([["store_0", "store_1"], times], names=["unique_id", "ds"]).to_frame(
        index=False
    )
    pd.testing.assert_frame_equal(forecast, fc.predict(n=10, futr_df=futr))
    assert fc.predict(n=4).equals(forecast.groupby("unique_id").head(4).reset_index(drop=True))
