"""``ssm-ts classify fit`` on the quick BasicMotions config, then ``ssm-ts classify predict`` on the
official TEST file: the predictions CSV has one row per test recording, an id, the predicted class,
one probability column per class (summing to one) and the true label.

``model: random_features`` (closed-form random S4D features + ridge) goes the same way and is exact on
TEST; its checkpoint, export and MLflow pyfunc predict alike, and it matches
``SSMClassifier(method="random_features")`` for the same seed and data."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import SSMClassifier, cli
from ssm_ts.export import load_checkpoint
from ssm_ts.pipelines.sensor import read_ts
from ssm_ts.tasks.classification import ClassificationTask, load_classifier_export, predict_series
from tests.cli_runs import classify_predict, load_logged_model, only_run_id

REPO = Path(__file__).resolve().parents[2]
CLASSES = ["Badminton", "Running", "Standing", "Walking"]


def test_classify_fit_then_predict_writes_predictions_csv(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow's default sqlite store and any stray output land here
    folder = shared_data / "classification" / "BasicMotions"
    out = tmp_path / "out"
    fit = ["classify", "fit", "--config", str(REPO / "configs" / "classify_basicmotions_quick.yaml")]
    fit += [
        "--data.path",
        str(folder),
        "--trainer.max_epochs",
        "6",
        "--seed_everything",
        "0",
        "--out",
        str(out),
    ]
    assert cli.main(fit) == 0
    ckpt = next(out.rglob("last.ckpt"))

    frame = classify_predict(ckpt, folder / "BasicMotions_TEST.ts", tmp_path / "predicted")
    assert list(frame.columns) == ["id", "predicted", *(f"p_{c}" for c in CLASSES), "label"]
    assert len(frame) == 40 and frame["id"].is_unique
    probabilities = frame[[f"p_{c}" for c in CLASSES]].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)  # renormalised in float64
    assert (frame["predicted"] == np.array(CLASSES)[probabilities.argmax(axis=1)]).all()
    assert sorted(frame["label"].unique()) == CLASSES  # the TEST file's own labels, 10 of each
    assert (frame["predicted"] == frame["label"]).mean() >= 0.5  # chance is 0.25


# ------------------------------------------------------------------ model: random_features (closed form)

RANDOM_FEATURES_CONFIG = REPO / "configs" / "classify_basicmotions_random_features.yaml"


def fit_random_features(folder: Path, workdir: Path, *extra: str) -> tuple[Path, str, str]:
    """``classify fit`` with the random-features config in ``workdir``: ``(last.ckpt, tracking URI, run id)``."""
    workdir.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{workdir / 'mlflow.db'}"  # explicit: module fixtures run outside the per-test store
    args = ["classify", "fit", "--config", str(RANDOM_FEATURES_CONFIG), "--data.path", str(folder)]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small ops on a busy shared CPU: much faster with one thread (conftest)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(workdir)
            assert cli.main([*args, *extra, "--out", str(workdir / "out"), "--tracking_uri", uri]) == 0
    finally:
        torch.set_num_threads(threads)
    return next((workdir / "out").rglob("last.ckpt")), uri, only_run_id(uri, "ssm-ts-classify")


def task_from_checkpoint(path: Path) -> ClassificationTask:
    checkpoint = load_checkpoint(path)  # weights_only: no pickled scikit-learn object in there
    settings = {k: v for k, v in checkpoint["hyper_parameters"].items() if not k.startswith("_")}
    task = ClassificationTask(**settings)
    task.load_state_dict(checkpoint["state_dict"])
    return task.eval()


@pytest.fixture(scope="module")
def basicmotions_test(shared_data):
    return read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts")


@pytest.fixture(scope="module")
def random_features_fit(shared_data, tmp_path_factory):
    folder = shared_data / "classification" / "BasicMotions"
    # 1000 of the config's 4000 kernels: still exact on TEST, a quarter of the predict time
    options = ["--model.model_options", "{n_kernels: 1000, seed: 0, shift_fraction: 0.0}"]
    return fit_random_features(folder, tmp_path_factory.mktemp("random_features"), *options)


def test_random_features_fit_then_predict_is_exact_on_basicmotions(
    random_features_fit, shared_data, basicmotions_test, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    ckpt, uri, run_id = random_features_fit
    test_file = shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts"
    frame = classify_predict(ckpt, test_file, tmp_path / "predicted")
    assert list(frame.columns) == ["id", "predicted", *(f"p_{c}" for c in CLASSES), "label"]
    assert len(frame) == 40 and (frame["predicted"] == frame["label"]).all()  # random features: 1.000

    # a closed-form fit takes no optimizer step and still keeps a best checkpoint: --ckpt_path best works
    fit_out = ckpt.parents[3]
    assert cli.main(["classify", "predict", "--ckpt_path", "best", "--out", str(fit_out), "--data.path",
                     str(test_file)]) == 0  # fmt: skip
    assert next(fit_out.rglob("best-epoch=0.ckpt")).is_file()
    assert pd.read_csv(fit_out / "predictions.csv").equals(frame)

    # the checkpoint alone rebuilds the fitted model, equal to the one the fit exported
    task = task_from_checkpoint(ckpt)
    assert not any(p.requires_grad for p in task.parameters())
    exported, _ = load_classifier_export(ckpt.parents[3] / "export")
    from_checkpoint = predict_series(task, basicmotions_test.values)
    assert np.array_equal(from_checkpoint, predict_series(exported, basicmotions_test.values))
    probabilities = frame[[f"p_{c}" for c in CLASSES]].to_numpy()
    np.testing.assert_allclose(probabilities, from_checkpoint, atol=1e-6)

    # the MLflow run: validation metrics of the one epoch, no gradient steps taken
    run = mlflow.MlflowClient(uri).get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics["val_acc"] == 1.0 and run.data.metrics["val_loss"] > 0
    assert run.data.params["model.model"] == "random_features"


def test_random_features_pyfunc_round_trip(random_features_fit, basicmotions_test):
    ckpt, uri, run_id = random_features_fit
    loaded = load_logged_model(uri, run_id)
    X = np.stack(basicmotions_test.values)
    out = loaded.predict(X)
    assert list(out.columns) == ["id", "predicted", *(f"p_{c}" for c in CLASSES)]
    assert (out["predicted"].to_numpy() == basicmotions_test.labels).all()
    expected = predict_series(task_from_checkpoint(ckpt), basicmotions_test.values)
    np.testing.assert_allclose(out[[f"p_{c}" for c in CLASSES]].to_numpy(), expected, atol=1e-6)
    channels = [f"c{j}" for j in range(X.shape[1])]
    long = pd.DataFrame(
        {"id": np.repeat(["a", "b"], X.shape[2]), "time": np.tile(np.arange(X.shape[2]), 2)}
        | {name: X[:2, j].ravel() for j, name in enumerate(channels)}
    )
    by_frame = loaded.predict(long)
    assert by_frame["id"].tolist() == ["a", "b"]
    np.testing.assert_allclose(by_frame[[f"p_{c}" for c in CLASSES]].to_numpy(), expected[:2], atol=1e-6)


@pytest.mark.filterwarnings("ignore:Total length of `list` across ranks is zero")  # val_fraction 0: no val
def test_random_features_cli_matches_ssm_classifier(shared_data, basicmotions_test, tmp_path):
    folder = shared_data / "classification" / "BasicMotions"
    options = ["--model.model_options", "{n_kernels: 300, seed: 3}", "--data.val_fraction", "0"]
    ckpt, _, _ = fit_random_features(folder, tmp_path / "cli", *options, "--trainer.max_epochs", "5")
    checkpoint = load_checkpoint(ckpt)
    # one epoch of max_epochs 5 (last.ckpt is written at its end), no gradient steps
    assert checkpoint["epoch"] == 0 and checkpoint["global_step"] == 0
    task = task_from_checkpoint(ckpt)

    train = read_ts(folder / "BasicMotions_TRAIN.ts")
    api = SSMClassifier(method="random_features", n_kernels=300, random_state=3)
    api.fit(np.stack(train.values), train.labels)
    # the same kernels and thresholds, drawn and fitted on the same (whole) TRAIN split
    assert np.array_equal(task.net.kernel_thresholds.numpy(), api.features_.kernels_.thresholds)
    assert np.array_equal(task.net.feature_mean.numpy(), api.ridge_[0].mean_)
    expected = api.predict_proba(np.stack(basicmotions_test.values))
    got = predict_series(task, basicmotions_test.values)
    assert np.array_equal(got.argmax(1), expected.argmax(1))
    np.testing.assert_allclose(got, expected, atol=1e-6)  # both scale in float64 before the float32 model


def test_test_with_the_config_but_another_fit_data_set_names_both_and_the_fix(
    shared_data, tmp_path, monkeypatch, capsys
):
    """'fit --config X --data.path JapaneseVowels' then 'test --config X --ckpt_path best' reads the
    config's BasicMotions (a config overrides the checkpoint's data), and said only 'the data has 6
    channels; the model was trained on 12'. The error names the file and the way to test on the fit's data."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSM_TS_DATA_HOME", str(shared_data))
    config = ["--config", "classify_basicmotions_random_features", "--out", "out"]
    fit = [
        "classify",
        "fit",
        *config,
        "--data.path",
        "JapaneseVowels",
        "--model.model_options",
        "{n_kernels: 20}",
    ]
    assert cli.main(fit) == 0
    capsys.readouterr()
    assert cli.main(["classify", "test", *config, "--ckpt_path", "best"]) != 0
    err = capsys.readouterr().err
    assert "BasicMotions" in err and "6 channels, but the model was trained on 12" in err, err
    assert "leave out --config and --data.path" in err
    assert cli.main(["classify", "test", "--out", "out", "--ckpt_path", "best"]) == 0  # the fix it gives


def test_confusion_matrix_counts_are_readable_on_dark_cells():
    """The counts were black on every cell, so the large ones (dark blue) could not be read."""
    import matplotlib.pyplot as plt

    from ssm_ts.tasks.classification import confusion_figure

    figure = confusion_figure(np.array([[33, 36, 0], [6, 47, 0], [2, 51, 0]]), ["0", "1", "2"], "test")
    colors = {text.get_text(): text.get_color() for text in figure.axes[0].texts}
    plt.close(figure)
    assert colors["51"] == colors["47"] == colors["36"] == "white"
    assert colors["6"] == colors["0"] == colors["2"] == "black"
