"""A long CSV's series ids that pandas would read as lossy numbers (store codes ``007``, or ``01``
beside ``1``) are kept as the file writes them, by fit's reader and by ``evaluate``'s."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts import evaluate
from ssm_ts.pipelines.forecasting import load_series


def _long_csv(path, ids: list[str], n: int = 12) -> None:
    """A long CSV of ``ids`` (written exactly as given), ``n`` daily rows each."""
    lines = ["unique_id,ds,y"]
    for k, sid in enumerate(ids):
        lines += [f"{sid},2020-01-{day + 1:02d},{k + 0.1 * day:.1f}" for day in range(n)]
    path.write_text("\n".join(lines) + "\n")


def test_codes_with_leading_zeros_stay_text(tmp_path):
    path = tmp_path / "stores.csv"
    _long_csv(path, ["001", "002", "010"])
    frame, spec = load_series(path)
    assert spec.targets == ["001", "002", "010"]
    assert spec.id_dtype is None  # given back as text, "001", not the number 1
    np.testing.assert_allclose(frame["010"].to_numpy()[:2], [2.0, 2.1])


def test_ids_one_number_apart_stay_two_series(tmp_path):
    path = tmp_path / "codes.csv"
    _long_csv(path, ["01", "1"])  # two series, not one with every time twice
    frame, spec = load_series(path)
    assert spec.targets == ["01", "1"]
    np.testing.assert_allclose(frame["1"].to_numpy()[:2], [1.0, 1.1])


def test_plain_integer_ids_stay_numbers(tmp_path):
    path = tmp_path / "ids.csv"
    _long_csv(path, ["1", "2", "10"])
    _, spec = load_series(path)
    assert spec.id_dtype == "int64"


def test_evaluate_reads_train_codes_as_the_forecasts_hold_them(tmp_path):
    path = tmp_path / "stores.csv"
    _long_csv(path, ["001", "002"])
    forecast = pd.DataFrame(
        {
            "cutoff": pd.Timestamp("2020-01-10"),
            "unique_id": ["001", "001", "002", "002"],
            "ds": pd.to_datetime(["2020-01-11", "2020-01-12"] * 2),
            "y": [1.0, 1.0, 2.0, 2.0],
            "y_actual": [0.9, 1.1, 1.9, 2.3],
        }
    )
    scores = evaluate(forecast, ["mae", "mase"], train=path).set_index("series")
    np.testing.assert_allclose(scores.loc["001", "mae"], 0.1)
    np.testing.assert_allclose(scores.loc["002", "mase"], 0.2 / 0.1)  # naive error of the train rows: 0.1
