"""Audit 26 of the MLflow side: a tracking URI or experiment name MLflow cannot take is one ConfigError
naming it and the fix, from the CLI and the Python API alike (both make their logger here)."""

from __future__ import annotations

import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import make_mlflow_logger


@pytest.mark.parametrize("uri", ["foo://x", "s3://bucket/runs"])
def test_a_tracking_uri_of_a_scheme_no_store_takes_is_a_config_error(uri):
    """Was MLflow's UnsupportedModelRegistryStoreURIException traceback, about the model registry."""
    with pytest.raises(ConfigError, match="tracking URI") as raised:
        make_mlflow_logger("unit-test", tracking_uri=uri)
    message = str(raised.value)
    assert repr(uri) in message and "sqlite:///mlflow.db" in message and "--tracking_uri" in message


@pytest.mark.parametrize("name", ["", "x" * 501])
def test_an_experiment_name_mlflow_refuses_is_a_config_error_before_any_run(tmp_path, monkeypatch, name):
    """``--experiment ''`` was MLflow's "Invalid experiment name: ''" traceback once the fit had set up."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="experiment name") as raised:
        make_mlflow_logger(name)
    assert "--experiment" in str(raised.value)
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.parametrize(
    ("uri", "meant"),
    [("runs.db", "sqlite:///runs.db"), ("/data/tracking/runs.db", "sqlite:////data/tracking/runs.db")],
)
def test_a_database_file_path_without_its_scheme_names_the_sqlite_uri_meant(monkeypatch, uri, meant):
    """``--tracking_uri runs.db`` (a database file, its ``sqlite:///`` left out) is MLflow's file store to
    MLflow; the error suggested ``sqlite:///mlflow.db``, another file than the one given."""
    from ssm_ts.tracking.preflight import check_tracking_uri

    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    with pytest.raises(ConfigError, match="file store") as raised:
        check_tracking_uri(uri)
    assert f"did you mean {meant}?" in str(raised.value)


def test_served_row_records_are_read_as_their_values():
    """MLflow's scoring server parses ``{"inputs": [{"date": "1998-03-07", "co2": 367.0}, ...]}`` into row
    dicts of 0-d arrays; ``pd.DataFrame`` kept those arrays as cells, and the forecast pyfunc failed
    deep in pandas ("len() of unsized object": HTTP 500, "unexpected error")."""
    import numpy as np

    from ssm_ts.tracking.request_frames import request_frame

    rows = [
        {"date": np.array("1998-03-07"), "co2": np.array(367.0)},
        {"date": np.array("1998-03-14"), "co2": 366.6},
    ]
    frame = request_frame(rows, "a table")
    assert frame.to_dict("records") == [
        {"date": "1998-03-07", "co2": 367.0},
        {"date": "1998-03-14", "co2": 366.6},
    ]
    assert frame["co2"].dtype == np.float64


def test_the_audio_model_takes_served_row_records(audio):
    import numpy as np

    clips = audio.predict(
        None, [{"seconds": np.array(0.01), "seed": np.array(1)}, {"seconds": np.array(0.02)}]
    )
    assert [len(clip) for clip in clips["audio"]] == [80, 160]
