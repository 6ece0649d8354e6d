"""A stored search run again on other data is refused, naming the data then and now: it continued the
study, trained no trial (a finished one) or a few more, and chose the model fitted on the earlier data
(the CLI then wrote it over ``export/`` and its forecasts, on the wrong scale, over ``forecast.csv``:
tests/cli/test_forecast_tune_other_data.py). The study keeps its data's content fingerprint (sha256,
as a resumed fit's checkpoint does): the same data, a copy or the same CSV moved, continues it."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.errors import ConfigError

SMALL = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=1,
             trainer_options={"limit_train_batches": 5}, log_to_mlflow=False)  # fmt: skip
SPACE = {"lr": [1e-3, 3e-3]}
REFUSED = "searched other data: "


def rescaled(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table on another scale (the reviewer's b.csv: OT * 100 + 5000)."""
    return frame.assign(OT=frame["OT"] * 100 + 5000)


def test_the_same_dataframe_continues_and_another_is_refused(ett, single_thread, fits, tmp_path):
    kwargs = dict(storage=str(tmp_path / "optuna.db"), out_dir=str(tmp_path / "out"), **SMALL)
    tune_forecaster(ett, SPACE, n_trials=1, **kwargs)
    again = tune_forecaster(ett.copy(), SPACE, n_trials=2, **kwargs)  # a copy: the same content
    assert again.earlier_trials == 1 and len(fits) == 2

    for other, reason in [
        (rescaled(ett), "the same shape, other values"),
        (ett.iloc[:1000], "another shape"),
    ]:
        with pytest.raises(ConfigError, match=REFUSED) as err:
            tune_forecaster(other, SPACE, n_trials=3, **kwargs)
        message = str(err.value)
        assert f"a DataFrame of 1200 rows x 8 columns then, a DataFrame of {len(other)} rows" in message
        assert f"({reason})" in message and "study_name=" in message, message
    assert len(fits) == 2  # nothing trained on the other data
    # under another name, the other data is searched from scratch
    other = tune_forecaster(rescaled(ett), SPACE, n_trials=1, **{**kwargs, "study_name": "rescaled",
                                                                  "out_dir": str(tmp_path / "rescaled")})  # fmt: skip
    assert other.earlier_trials == 0 and len(fits) == 3


def test_a_csv_moved_continues_and_another_csv_is_refused(ett, single_thread, fits, tmp_path):
    a, moved, b = tmp_path / "a.csv", tmp_path / "moved" / "a.csv", tmp_path / "b.csv"
    ett.to_csv(a, index=False)
    moved.parent.mkdir()
    moved.write_bytes(a.read_bytes())
    rescaled(ett).to_csv(b, index=False)
    kwargs = dict(storage=str(tmp_path / "optuna.db"), **SMALL)
    tune_forecaster(a, SPACE, n_trials=1, **kwargs)
    assert tune_forecaster(moved, SPACE, n_trials=1, **kwargs).earlier_trials == 1  # finished: no trial
    assert len(fits) == 1

    with pytest.raises(ConfigError, match=rf"{REFUSED}{a} then, {b} now \(other content\)"):
        tune_forecaster(b, SPACE, n_trials=2, **kwargs)
    b.write_bytes(a.read_bytes())  # a file changed in place is refused too: a then, b now
    a.write_text(rescaled(ett).to_csv(index=False))
    with pytest.raises(ConfigError, match=rf"{REFUSED}{a} then, {a} now \(the file changed since\)"):
        tune_forecaster(a, SPACE, n_trials=2, **kwargs)
    assert len(fits) == 1


def test_a_study_from_before_the_fingerprint_continues_and_keeps_this_datas(
    ett, single_thread, fits, tmp_path, monkeypatch
):
    from ssm_ts.api import tune_study, tuning

    kwargs = dict(storage=str(tmp_path / "optuna.db"), **SMALL)
    with monkeypatch.context() as patched:  # as the previous version stored a study: no data fingerprint
        patched.setattr(tuning, "data_fingerprint", lambda module: {})
        first = tune_forecaster(ett, SPACE, n_trials=1, **kwargs)
    assert tune_study.DATA_KEY not in first.study.user_attrs
    # nothing to compare it with: continued, and from now on this data's fingerprint is the study's
    again = tune_forecaster(ett, SPACE, n_trials=1, **kwargs)
    assert again.earlier_trials == 1 and tune_study.DATA_KEY in again.study.user_attrs
    with pytest.raises(ConfigError, match=REFUSED):
        tune_forecaster(rescaled(ett), SPACE, n_trials=2, **kwargs)
    assert len(fits) == 1
