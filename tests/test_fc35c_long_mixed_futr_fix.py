"""A long-table model with both kinds of known-future inputs, a per-series column (``promo`` of each
store) and a covariate series of its own (``dow``), short of their rows at predict: the ``futr`` the
error's code builds holds the rows of both (the stores' and ``dow``'s), ``promo`` filled in the stores'
rows and ``y`` in ``dow``'s, so the code pasted forecasts. Before, it built the stores' rows alone and
added in words that ``futr_df``'s rows of ``['dow']`` hold their values in ``'y'``: pasted, it was
refused for lack of them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError

HORIZON, DAYS = 6, 60
TIMES = pd.date_range("2020-01-01", periods=DAYS + 6, freq="D")
PROMO = (np.arange(len(TIMES)) % 7 == 0).astype(float)
FRAME = pd.concat(
    [*(pd.DataFrame({"unique_id": store, "ds": TIMES, "y": np.sin(np.arange(len(TIMES)) / 4) + PROMO,
                     "promo": PROMO}) for store in ("a", "b")),
     pd.DataFrame({"unique_id": "dow", "ds": TIMES, "y": TIMES.day_of_week.astype(float), "promo": np.nan})],
    ignore_index=True,
)  # fmt: skip
FULL = FRAME.set_index(["unique_id", "ds"])


@pytest.fixture(scope="module")
def model() -> Forecaster:
    fc = Forecaster(model="nlinear", lookback=8, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
                    trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    fc.fit(FRAME[FRAME["ds"] < TIMES[DAYS]], target=["a", "b"], future_covariates=["promo", "dow"])
    return fc


def _futr(said: str) -> pd.DataFrame:
    """The ``futr`` the error ``said`` builds, each column filled in the rows of the series it names."""
    (grid,) = re.findall(r"futr = (pd\.MultiIndex.*?\.to_frame\(index=False\))", said)
    futr = eval(grid, {"pd": pd})  # noqa: S307  (the message's own code)
    keys = list(zip(futr["unique_id"], futr["ds"], strict=True))
    for column, series in re.findall(
        r"futr\['(\w+)'\] = <the values of the series (\[.*?\]), in futr's row", said
    ):
        held = eval(series)  # noqa: S307
        futr[column] = [FULL[column][key] if key[0] in held else np.nan for key in keys]
    return futr


def test_the_mixed_fix_builds_the_covariate_series_rows_too(model):
    with pytest.raises(DataError) as raised:
        model.predict(n=3)
    said = str(raised.value)
    assert (
        "pd.MultiIndex.from_product([['a', 'b', 'dow'], pd.date_range('2020-03-01 00:00:00', periods=6"
        in said
    )
    assert said.endswith(
        "then futr['promo'] = <the values of the series ['a', 'b'], in futr's row order, empty in the others>, "
        "then futr['y'] = <the values of the series ['dow'], in futr's row order, empty in the others>, "
        "then predict(n=3, futr_df=futr)."
    ), said
    futr = _futr(said)
    assert futr.groupby("unique_id", sort=False).size().to_dict() == {"a": 6, "b": 6, "dow": 6}
    forecast = model.predict(n=3, futr_df=futr)
    assert forecast.groupby("unique_id").size().tolist() == [3, 3] and forecast["y"].notna().all()


def test_a_futr_df_without_the_covariate_series_names_it_not_the_stores_inputs(model):
    """The stores' promo given, dow's rows left out: the error names dow as the covariate series and
    the stores' rows as holding their own columns (it listed ['dow', 'promo[a]', 'promo[b]'], internal
    names, as series whose values are in 'y')."""
    stores = FRAME[(FRAME["unique_id"] != "dow") & (FRAME["ds"] >= TIMES[DAYS])][["unique_id", "ds", "promo"]]
    with pytest.raises(DataError) as raised:
        model.predict(futr_df=stores)
    said = str(raised.value)
    assert "has no rows of the series ['dow']; the model was fitted on a long table, so futr_df holds the rows of its " \
        "known-future covariate series ['dow'] (unique_id, the time column, their values in 'y') beside the rows of " \
        "the series ['a', 'b'] with their per-series columns for the forecast steps." in said, said  # fmt: skip
    assert "promo[" not in said
