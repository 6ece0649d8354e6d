"""``write_forecast_files``: the one writer of ``forecast.csv``/``forecast.png`` for ``ssm-ts forecast
predict`` (with and without ``--level``) and ``ssm-ts forecast tune`` (each wrote its own copy)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ssm_ts.api.tune_cli import write_outputs  # noqa: E402
from ssm_ts.tasks.forecast_outputs import write_forecast_files  # noqa: E402

FORECAST = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=3, freq="h"), "OT": [1.0, 2.0, 3.0]})


def test_the_plot_is_drawn_after_the_table_and_closed_when_its_write_fails(tmp_path):
    drawn = []

    def figure():
        drawn.append(plt.figure())
        drawn[-1].savefig = lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))
        return drawn[-1]

    with pytest.raises(OSError, match="disk full"):
        write_forecast_files(FORECAST, figure, tmp_path)
    assert pd.read_csv(tmp_path / "forecast.csv")["OT"].tolist() == [1.0, 2.0, 3.0]
    assert not (tmp_path / "forecast.png").exists()
    assert len(drawn) == 1 and not plt.fignum_exists(drawn[0].number)  # closed, not left open

    class Unwritable(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise OSError("read-only")

    with pytest.raises(OSError, match="read-only"):  # the table fails first: no plot is drawn
        write_forecast_files(Unwritable(FORECAST), figure, tmp_path / "other")
    assert len(drawn) == 1


def test_tune_writes_the_forecast_files_through_it(tmp_path):
    class Best:
        def save(self, folder):
            return folder

        def predict(self):
            return FORECAST

        def plot(self):
            return plt.figure()

    class Result:
        trials, best = pd.DataFrame({"number": [0]}), Best()

    before = plt.get_fignums()
    paths = write_outputs(Result(), tmp_path)
    assert [p.name for p in paths] == ["trials.csv", "export", "forecast.csv", "forecast.png"]
    assert (tmp_path / "forecast.png").stat().st_size > 0 and plt.get_fignums() == before
