"""The audio model logged by a fit (``ssm-ts audio fit`` and ``WaveformGenerator.fit``) declares its
output in a signature and carries an input example (a full request row), as the forecast model does;
served, a request may leave out every optional column, and a misspelt column is an error, not dropped.
Before, it had neither: MLflow warned at every logged model, and the model page showed no schema."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc import scoring_server

from ssm_ts import WaveformGenerator
from ssm_ts.tracking.pyfunc_audio import EXAMPLE_SECONDS, REQUEST_COLUMNS
from tests.cli_runs import load_logged_model, only_run_id, run_cli_in

# a tiny SaShiMi on 8 FSDD digits (8 kHz), one epoch: about 10 s on one CPU thread
CLI_FIT = [
    "audio", "fit", "--data.root", "fsdd", "--data.sample_rate", "8000", "--data.clip_seconds", "0.125",
    "--data.max_files_per_split", "8", "--data.batch_size", "8", "--model.preset", "tiny",
    "--model.sample_every_n_epochs", "0", "--trainer.max_epochs", "1", "--out", "fit",
]  # fmt: skip


@pytest.fixture(scope="module")
def served(shared_data, tmp_path_factory) -> mlflow.pyfunc.PyFuncModel:
    """The pyfunc model ``ssm-ts audio fit`` logged, loaded back from its run as a user would."""
    folder = tmp_path_factory.mktemp("audio_fit")
    run_cli_in(folder, CLI_FIT, shared_data)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    return load_logged_model(uri, only_run_id(uri, "ssm-ts-audio"))


def serve(model: mlflow.pyfunc.PyFuncModel, records: list[dict]):
    """``model``'s answer to a JSON request, as ``mlflow models serve`` gives it (its scoring server)."""
    data = json.dumps({"dataframe_records": records})
    return scoring_server.invocations(data, "application/json", model, None)


def test_the_logged_model_declares_its_output_and_leaves_request_columns_to_predict(served):
    signature = served.metadata.signature
    # undeclared inputs: MLflow would drop an unknown (misspelt) column with only a server-log warning
    assert signature is not None and signature.inputs is None
    assert [spec.name for spec in signature.outputs.inputs] == ["audio", "sample_rate"]


def test_the_logged_input_example_is_a_full_request_and_serves(served):
    example = served.input_example
    assert list(example.columns) == list(REQUEST_COLUMNS) and example["seconds"].tolist() == [EXAMPLE_SECONDS]
    answer = served.predict(example)
    assert list(answer.columns) == ["audio", "sample_rate"] and answer["sample_rate"].tolist() == [8000]
    assert len(answer["audio"][0]) == round(EXAMPLE_SECONDS * 8000)


def test_requests_without_the_optional_columns_are_served(served):
    for records, lengths in [
        ([{"seconds": 0.01}], [80]),
        ([{"seconds": 0.01, "temperature": 0.9}], [80]),
        ([{"seconds": 0.01, "top_p": 0.9, "seed": 4}], [80]),
        # JSON integers (int64): MLflow's own double/long enforcement refused these (int64 -> double)
        ([{"seconds": 1, "temperature": 2, "seed": 7, "clip": 3}], [8000]),
        # a seed column with a gap (float NaN): refused by a 'long' column
        ([{"seconds": 0.01, "seed": 2}, {"seconds": 0.02}], [80, 160]),
    ]:
        answer = serve(served, records)
        assert answer.status == 200, (records, answer.response)
        predictions = json.loads(answer.response)["predictions"]
        assert [len(p["audio"]) for p in predictions] == lengths
        assert all(p["sample_rate"] == 8000 and np.isfinite(p["audio"]).all() for p in predictions)


def test_the_served_clip_of_a_seed_is_the_generators(served, tmp_path):
    answer = serve(served, [{"seconds": 0.01, "seed": 5, "clip": 1}])
    served_clip = np.array(json.loads(answer.response)["predictions"][0]["audio"])
    generator = served.unwrap_python_model().generator
    assert np.allclose(served_clip, generator.generate(2, 0.01, seed=5)[1].numpy(), atol=1e-6)


def test_bad_requests_still_get_a_400_with_the_reason(served):
    for records, reason in [
        ([{"temperature": 1.0}], r"seconds"),
        ([{"seconds": 0.01, "temprature": 0.5}], r"temprature"),
        ([{"seconds": "long"}], r"request row 0, column 'seconds': 'long' is not a number"),
        ([{"seconds": 0.01, "top_p": 1.5}], r"request row 0: .*top_p"),
        ([{"seconds": 0.01, "clip": 2}], r"request row 0: 'clip' picks a clip of a seed"),
    ]:
        with pytest.raises(mlflow.exceptions.MlflowException, match=reason) as caught:
            serve(served, records)
        assert caught.value.get_http_status_code() == 400


def test_a_waveform_generator_fit_logs_the_same_signature_and_example(shared_data, tmp_path, single_thread):
    tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    gen = WaveformGenerator(
        preset="tiny", max_epochs=1, batch_size=8, out_dir=str(tmp_path / "run"), tracking_uri=tracking
    )
    gen.fit(str(shared_data / "audio" / "fsdd"), sample_rate=8000, clip_seconds=0.125, max_files_per_split=8)
    model = load_logged_model(tracking, gen.run_id_)
    assert model.metadata.signature.inputs is None
    assert [spec.name for spec in model.metadata.signature.outputs.inputs] == ["audio", "sample_rate"]
    assert list(model.input_example.columns) == list(REQUEST_COLUMNS)
    assert len(model.predict(pd.DataFrame({"seconds": [0.01]}))["audio"][0]) == 80
