"""SSMClassifier: learns real BasicMotions, works in Pipeline and GridSearchCV, pickles exactly."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import read_ts

SMALL = {"d_model": 16, "n_layers": 1, "d_state": 16, "dropout": 0.0}


@pytest.fixture(scope="module")
def basicmotions(shared_data):
    folder = shared_data / "classification/BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    return np.stack(train.values), train.labels, np.stack(test.values), test.labels


@pytest.fixture(scope="module")
def fitted(basicmotions):
    X, y, _, _ = basicmotions
    return SSMClassifier(**SMALL, max_epochs=15, lr=1e-2).fit(X, y)


def test_fit_predict_score(fitted, basicmotions):
    _, _, Xt, yt = basicmotions
    assert list(fitted.classes_) == ["Badminton", "Running", "Standing", "Walking"]
    assert fitted.score(Xt, yt) >= 0.8  # chance 0.25
    proba = fitted.predict_proba(Xt)
    assert proba.shape == (40, 4) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert set(fitted.predict(Xt)) <= set(fitted.classes_)


@pytest.mark.parametrize("model_fixture", ["fitted", "fitted_random_features"])
def test_pickle_and_joblib_round_trip(model_fixture, basicmotions, tmp_path, request):
    model = request.getfixturevalue(model_fixture)
    _, _, Xt, _ = basicmotions
    expected = model.predict_proba(Xt)
    assert np.array_equal(pickle.loads(pickle.dumps(model)).predict_proba(Xt), expected)
    joblib.dump(model, tmp_path / "model.joblib")
    assert np.array_equal(joblib.load(tmp_path / "model.joblib").predict_proba(Xt), expected)


def test_pipeline_and_grid_search(basicmotions):
    X, y, _, _ = basicmotions
    pipe = Pipeline(
        [("scale", FunctionTransformer(lambda a: a * 2.0)), ("ssm", SSMClassifier(**SMALL, max_epochs=2))]
    )
    search = GridSearchCV(pipe, {"ssm__lr": [1e-3, 1e-2]}, cv=2).fit(X, y)
    assert search.best_params_["ssm__lr"] in (1e-3, 1e-2)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert search.predict(X[:3]).shape == (3,)


def test_shift_fraction_is_a_hyperparameter_grid_search_chooses(basicmotions):
    X, y, Xt, yt = basicmotions
    model = SSMClassifier(method="random_features", n_kernels=200)
    search = GridSearchCV(model, {"shift_fraction": [0.0, 0.5, 1.0]}, cv=2).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert search.best_estimator_.features_.shift_fraction == search.best_params_["shift_fraction"]
    shifted = SSMClassifier(method="random_features", n_kernels=200, shift_fraction=1.0).fit(X, y)
    assert shifted.features_.kernels_.shift.all() and shifted.score(Xt, yt) > 0.9
    with pytest.raises(ConfigError, match="shift_fraction must be in"):
        SSMClassifier(method="random_features", shift_fraction=2.0).fit(X, y)


def test_unequal_lengths_and_integer_labels():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(1, n)) + (i % 2) * 3 for i, n in enumerate(rng.integers(5, 15, size=12))]
    y = np.array([10, 2] * 6)
    model = SSMClassifier(**SMALL, max_epochs=3).fit(X, y)
    assert model.classes_.tolist() == [2, 10]
    assert model.predict(X).dtype == y.dtype


def test_errors_name_the_problem(fitted):
    with pytest.raises(DataError, match="3 labels for 4 recordings"):
        SSMClassifier(**SMALL).fit(np.ones((4, 1, 5)), ["a", "b", "a"])
    with pytest.raises(DataError, match="have the label 'a'"):
        SSMClassifier(**SMALL).fit(np.ones((4, 1, 5)), ["a"] * 4)
    with pytest.raises(DataError, match="X has 2 channels but the classifier was fitted on 6"):
        fitted.predict(np.ones((2, 2, 10)))
    with pytest.raises(DataError, match="nan_policy"):
        fitted.predict(np.full((1, 6, 10), np.nan))


# ------------------------------------------------------------------ method="random_features"


@pytest.fixture(scope="module")
def fitted_random_features(basicmotions):
    X, y, _, _ = basicmotions
    return SSMClassifier(method="random_features", n_kernels=500).fit(X, y)


def test_random_features_learn_basicmotions(fitted_random_features, basicmotions):
    _, _, Xt, yt = basicmotions
    assert fitted_random_features.score(Xt, yt) >= 0.9  # chance 0.25; nothing in the SSMs is trained
    proba = fitted_random_features.predict_proba(Xt)
    assert proba.shape == (40, 4) and np.allclose(proba.sum(1), 1)
    scores = fitted_random_features.decision_function(Xt)
    assert np.array_equal(scores.argmax(1), proba.argmax(1))
    assert not hasattr(fitted_random_features, "task_")


def test_random_features_binary_integer_labels_and_unequal_lengths():
    rng = np.random.default_rng(0)
    X = [
        np.sin(np.arange(n) * (0.3 if i % 2 else 1.2))[None] + 0.1 * rng.normal(size=(1, n))
        for i, n in enumerate(rng.integers(20, 40, size=16))
    ]
    y = np.array([10, 2] * 8)
    model = SSMClassifier(method="random_features", n_kernels=100).fit(X, y)
    assert model.classes_.tolist() == [2, 10]
    assert np.array_equal(model.predict(X), y)
    assert np.array_equal(model.decision_function(X) > 0, y == 10)  # positive means classes_[1]


def test_random_features_in_grid_search_over_methods(basicmotions):
    X, y, _, _ = basicmotions
    search = GridSearchCV(
        SSMClassifier(n_kernels=100), {"method": ["random_features"], "n_kernels": [50, 100]}, cv=2
    )
    search.fit(X, y)
    assert search.best_params_["n_kernels"] in (50, 100) and search.best_score_ > 0.5


def test_unknown_method_is_clear():
    with pytest.raises(ConfigError, match="unknown method 'rocket'"):
        SSMClassifier(method="rocket").fit(np.ones((4, 1, 5)), ["a", "b", "a", "b"])


@pytest.mark.parametrize("method", ["encoder", "random_features"])
def test_random_state_accepts_none_int_and_random_state(method):
    # scikit-learn's conventions: None is fresh randomness, a RandomState draws the seed
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((12, 2, 20)), np.array(["a", "b"] * 6)
    settings = {"method": method, "max_epochs": 1, "d_model": 4, "n_layers": 1, "d_state": 4, "n_kernels": 20}
    for random_state in (None, np.random.RandomState(0), np.int64(3)):
        proba = SSMClassifier(random_state=random_state, **settings).fit(X, y).predict_proba(X)
        assert proba.shape == (12, 2)
    same = [
        SSMClassifier(random_state=np.random.RandomState(5), **settings).fit(X, y).predict_proba(X)
        for _ in range(2)
    ]
    np.testing.assert_allclose(same[0], same[1])
    with pytest.raises(ConfigError, match="random_state must be an int, None or a numpy.random.RandomState"):
        SSMClassifier(random_state="seed", **settings).fit(X, y)


def test_a_path_names_itself_and_the_fix_and_a_nested_dataframe_is_read_by_column(tmp_path):
    """A path was 'values are not numeric (... 'B')': it is iterated character by character. An
    sktime/aeon nested DataFrame (a column per channel, each cell a series) is read as recordings whose
    channels its columns name."""
    import pandas as pd

    X = np.random.default_rng(0).standard_normal((6, 2, 12))
    y = np.array(["a", "b"] * 3)
    model = SSMClassifier(method="random_features", n_kernels=20)
    for path in ("BasicMotions_TRAIN.ts", tmp_path / "train.ts", ["a.ts", "b.ts"]):
        with pytest.raises(DataError, match=r"(file path|file paths).*read_series\(path\)"):
            model.fit(path, y)
    nested = pd.DataFrame({f"dim_{c}": [pd.Series(X[i, c]) for i in range(6)] for c in range(2)})
    fitted = model.fit(nested, y)
    assert fitted.feature_names_in_.tolist() == ["dim_0", "dim_1"]
    np.testing.assert_allclose(fitted.predict_proba(nested), fitted.predict_proba(nested[["dim_1", "dim_0"]]))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        np.testing.assert_allclose(fitted.predict_proba(X), fitted.predict_proba(nested))
    ragged = nested.copy()
    ragged.iloc[2, 1] = pd.Series(X[2, 1, :5])
    with pytest.raises(DataError, match=r"row 2: .*lengths \[12, 5\]"):
        fitted.predict(ragged)
    with pytest.raises(DataError, match="file path"):
        fitted.predict("BasicMotions_TEST.ts")


def test_memory_budget_reaches_the_features_and_never_changes_predictions(
    fitted_random_features, basicmotions
):
    X, y, Xt, _ = basicmotions
    frugal = SSMClassifier(method="random_features", n_kernels=500, memory_budget_mb=0.5).fit(X, y)
    assert frugal.features_.memory_budget_mb == 0.5
    # a budget this small splits a chunk's kernels: the FFT products round differently (float32)
    np.testing.assert_allclose(frugal.predict_proba(Xt), fitted_random_features.predict_proba(Xt), rtol=1e-4)
    np.testing.assert_array_equal(frugal.predict(Xt), fitted_random_features.predict(Xt))
    with pytest.raises(ConfigError, match="memory_budget_mb"):
        SSMClassifier(method="random_features", memory_budget_mb=0).fit(X, y)
    # an estimator pickled before the option existed still loads, clones and predicts
    state = fitted_random_features.__getstate__()
    state.pop("memory_budget_mb")
    old = SSMClassifier.__new__(SSMClassifier)
    old.__setstate__(state)
    assert old.get_params()["memory_budget_mb"] == 64.0
    np.testing.assert_array_equal(old.predict(Xt), fitted_random_features.predict(Xt))


def test_long_recordings_are_predicted_in_batches_that_fit_in_memory(monkeypatch):
    """predict ran 64 recordings per batch whatever their length: 64 recordings of 100,000 steps needed
    about 15 GiB (the default encoder) and the process was killed. Batches now hold a bounded number
    of activations, recordings go in order of length, and the rows come back in the order given."""
    from ssm_ts.tasks import classification_predict

    rng = np.random.default_rng(0)
    lengths = [3000, 40, 2500, 60, 3000, 50, 1000]
    X = [rng.normal(size=(2, n)) for n in lengths]
    model = SSMClassifier(**SMALL, max_epochs=1).fit([x[:, :40] for x in X], ["a", "b"] * 3 + ["a"])
    batches = []
    predict_proba = model.task_.predict_proba

    def recorded(x, mask):
        batches.append(tuple(x.shape[:2]))
        return predict_proba(x, mask)

    monkeypatch.setattr(classification_predict, "PREDICT_BATCH_VALUES", 16 * 6000)  # 6,000 steps
    monkeypatch.setattr(model.task_, "predict_proba", recorded)
    together = model.predict_proba(X)
    assert batches and max(rows * length for rows, length in batches) <= 6000, batches
    assert sum(rows for rows, _ in batches) == len(X)
    alone = np.concatenate([model.predict_proba([x]) for x in X])
    np.testing.assert_allclose(together, alone, atol=1e-5)  # same rows, in the order given


def test_recordings_at_another_sample_rate_take_rate(shared_data):
    """The encoder's SSMs are resolution-agnostic, but predict had no way to say so: GunPoint at twice
    its rate went from 0.74 to chance (0.49). predict(X, rate=0.5) scales the SSM steps and gives the
    original recordings' labels (random features: tests/api/test_classifier_rate_random_features.py)."""
    folder = shared_data / "classification/GunPoint"
    train, test = read_ts(folder / "GunPoint_TRAIN.ts"), read_ts(folder / "GunPoint_TEST.ts")
    X, Xt = np.stack(train.values), np.stack(test.values)
    model = SSMClassifier(d_model=32, n_layers=2, d_state=32, max_epochs=20).fit(X, train.labels)
    steps = np.arange(Xt.shape[-1])
    twice = np.stack([[np.interp(np.arange(0, steps[-1] + 0.5, 0.5), steps, x[0])] for x in Xt])
    original = model.predict(Xt)
    assert (model.predict(twice, rate=0.5) == original).mean() >= 0.95
    assert (model.predict(twice) == original).mean() < 0.8  # what rate corrects
    assert (model.predict(Xt[..., ::2], rate=2) == original).mean() >= 0.9  # half the rate
    assert model.task_.hparams.rate == 1.0  # for that call only
    with pytest.raises(ConfigError, match="rate must be a positive number"):
        model.predict(Xt, rate=0)


def test_long_recordings_train_in_batches_within_max_batch_steps(monkeypatch):
    """Training took batch_size (16) recordings whatever their length: 16 of 100,000 steps needed
    ~13 GiB. With max_batch_steps the training batches hold at most that many padded recording-steps
    (peak RSS, measured outside the test: see the data module's notes)."""
    from ssm_ts.pipelines.sensor import datamodule

    shapes = []
    collate = datamodule.collate_recordings

    def recorded(items):
        batch = collate(items)
        shapes.append(tuple(batch[0].shape))
        return batch

    monkeypatch.setattr(datamodule, "collate_recordings", recorded)
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(2, n)).astype(np.float32) for n in (100_000, 100_000, 99_000, 100_000, 300, 200)]
    model = SSMClassifier(**SMALL, max_epochs=1, max_batch_steps=200_000)
    model.fit(X, ["a", "b", "a", "b", "a", "b"])
    assert sorted(shapes) == [(2, 300, 2), (2, 100_000, 2), (2, 100_000, 2)], shapes
    assert model.predict(X[4:]).shape == (2,)
