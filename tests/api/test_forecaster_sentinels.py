"""``Forecaster.fit`` and ``predict`` warn about a ``-9999`` code for a missing reading in a CSV, and
after the read option the warning names, the fill policy fills those rows and the model fits."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from ssm_ts import Forecaster


def _station(shared_data, path, rows: slice, codes: list[int]):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=200)[["date", "HUFL", "OT"]].iloc[
        rows
    ]
    frame = frame.reset_index(drop=True)
    frame.loc[codes, "OT"] = -9999
    frame.to_csv(path, index=False)
    return path


def test_fit_and_predict_name_a_missing_value_code_and_its_read_option(shared_data, tmp_path):
    path = _station(shared_data, tmp_path / "station.csv", slice(0, 150), [30, 31, 90])
    model = Forecaster(model="nlinear", lookback=16, horizon=4, max_epochs=1, log_to_mlflow=False,
                       out_dir=str(tmp_path / "run"))  # fmt: skip
    with pytest.warns(UserWarning, match=r"station\.csv: column 'OT' holds -9999 at 3 rows: rows 30, 31, 90 "
                      r"\(CSV lines 32, 33, 92\).*read_options=\{'na_values': \['-9999'\]\}"):  # fmt: skip
        model.fit(path, target="OT")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(path, target="OT", fill="interpolate", read_options={"na_values": ["-9999"]})
    assert not [w for w in record if "missing reading" in str(w.message)]
    assert model.history_["OT"].min() > 0  # filled, not -9999
    later = _station(shared_data, tmp_path / "later.csv", slice(50, 200), [])
    later_frame = pd.read_csv(later)
    later_frame.loc[[10, 11], "OT"] = 99999
    later_frame.to_csv(later, index=False)
    with pytest.warns(UserWarning, match=r"later\.csv: column 'OT' holds 99999 at 2 rows: rows 10, 11 \(CSV lines "
                      r"12, 13\).*'na_values': \['-9999', '99999'\].*the fill policy 'interpolate' fills"):  # fmt: skip
        model.predict(later)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        forecast = model.predict(later, read_options={"na_values": ["-9999", "99999"]})
    assert not [w for w in record if "missing reading" in str(w.message)]
    assert forecast["OT"].notna().all()
