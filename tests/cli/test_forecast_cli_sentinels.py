"""``ssm-ts forecast fit`` and ``forecast predict`` warn about a ``-9999`` code for a missing reading
in the CSV they read, naming the ``--data.read_options`` that reads it as missing."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import cli


def test_forecast_cli_fit_and_predict_name_a_missing_value_code(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=150)[["date", "HUFL", "OT"]]
    frame.loc[[40, 41], "OT"] = -9999
    frame.to_csv(tmp_path / "station.csv", index=False)
    out = tmp_path / "out"
    fit = ["forecast", "fit", "--data.path", "station.csv", "--data.target", "OT", "--data.fill", "interpolate",
           "--model.model", "nlinear", "--model.lookback", "16", "--model.horizon", "4", "--data.batch_size", "16",
           "--trainer.max_epochs", "1", "--out", str(out)]  # fmt: skip
    code = r"station\.csv: column 'OT' holds -9999 at 2 rows: rows 40, 41 \(CSV lines 42, 43\)"
    cli_fix = r"""--data\.read_options '\{"na_values": \["-9999"\]\}'"""
    with pytest.warns(UserWarning, match=rf"{code}.*{cli_fix}"):
        assert cli.main(fit) == 0
    predict = ["forecast", "predict", "--ckpt_path", "best", "--data.path", "station.csv", "--out", str(out)]
    with pytest.warns(UserWarning, match=rf"{code}.*{cli_fix}"):
        assert cli.main(predict) == 0
