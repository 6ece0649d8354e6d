"""A fit's MLflow ``data.csv_keywords.*`` params repeated its ``data.read_options.*`` (a ``skiprows`` list
twice, each cut at 250 characters). They now hold only what the read found itself (the detected ``;``
separator and ``,`` decimal mark); the saved model's spec keeps every keyword, and a resume compares and
logs the same params."""

from __future__ import annotations

import mlflow
import pytest

from ssm_ts import Forecaster
from ssm_ts.api.forecast_saved_read_options import fitted_csv_keywords


@pytest.fixture
def semicolon_csv(in_tmp, ett):
    """ETTh1's first 200 rows written as a European export (``;`` and ``,``) under 3 lines of preamble."""
    rows = ett.iloc[:200][["date", "OT"]].to_csv(sep=";", decimal=",", index=False)
    (in_tmp / "etth1.csv").write_text("exported\nby\nhand\n" + rows)
    return in_tmp / "etth1.csv"


def test_only_the_detected_keywords_are_logged_and_a_resume_agrees(semicolon_csv, in_tmp):
    uri = f"sqlite:///{in_tmp / 'mlflow.db'}"

    def forecaster(epochs: int) -> Forecaster:
        options = {"limit_train_batches": 2, "enable_progress_bar": False}
        return Forecaster(model="nlinear", lookback=12, horizon=4, max_epochs=epochs, out_dir="out",
                          tracking_uri=uri, trainer_options=options)  # fmt: skip

    fc = forecaster(1)
    skip = {"skiprows": [0, 1, 2]}
    fc.fit(semicolon_csv, time_col="date", target="OT", read_options=skip)
    params = mlflow.MlflowClient(uri).get_run(fc.run_id_).data.params
    assert params["data.read_options.skiprows"] == "[0, 1, 2]"
    keywords = {k: v for k, v in params.items() if k.startswith("data.csv_keywords.")}
    assert keywords == {"data.csv_keywords.sep": ";", "data.csv_keywords.decimal": ","}
    assert fitted_csv_keywords(fc.spec_)["skiprows"] == [0, 1, 2]  # the saved spec keeps them

    resumed = forecaster(2).fit(semicolon_csv, time_col="date", target="OT", read_options=skip, resume=True)
    assert resumed.run_id_ == fc.run_id_
    assert mlflow.MlflowClient(uri).get_run(fc.run_id_).data.params == params  # compared and logged alike
