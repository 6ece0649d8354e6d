"""``plot(data)`` of a long table holding some of the fitted series draws those, as ``predict(data)``
forecasts them (neuralforecast's ``predict(df)`` of some ids); a series asked for that the table lacks
is refused naming it. Before, ``plot`` refused the table ("series ['c'] not found ... give rows of
each") that ``predict`` had just forecast."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ssm_ts import Forecaster  # noqa: E402
from ssm_ts.errors import ConfigError  # noqa: E402

FRAME = pd.DataFrame({
    "unique_id": np.repeat(["a", "b", "c"], 60),
    "ds": np.tile(pd.date_range("2021-01-01", periods=60, freq="D").to_numpy(), 3),
    "y": np.sin(np.arange(180) / 6.0),
})  # fmt: skip


@pytest.fixture(scope="module")
def fitted() -> Forecaster:
    fc = Forecaster(model="nlinear", lookback=8, horizon=4, max_epochs=1, log_to_mlflow=False,
                    trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    return fc.fit(FRAME)


def _panels(figure) -> list[str]:
    """The series drawn, one panel each (its legend's first line)."""
    try:
        return [axis.get_legend_handles_labels()[1][0] for axis in figure.axes]
    finally:
        plt.close(figure)


@pytest.mark.parametrize("as_csv", [False, True])
def test_plot_draws_the_series_a_long_table_holds(fitted, tmp_path, as_csv):
    some = FRAME[FRAME["unique_id"] != "c"].reset_index(drop=True)
    data = some
    if as_csv:
        some.to_csv(tmp_path / "some.csv", index=False)
        data = tmp_path / "some.csv"
    assert len(_panels(fitted.plot(data=data))) == 2  # was a DataError: series ['c'] not found
    assert len(_panels(fitted.plot(fitted.predict(data), data=data))) == 2
    assert len(_panels(fitted.plot())) == 3  # the fitted history: every series
    with pytest.raises(
        ConfigError, match=r"series=\['c'\]: .* has no rows of it, so there is nothing to forecast"
    ):
        fitted.plot(data=data, series="c")
