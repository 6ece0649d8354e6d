"""Audit of sensor classification: ``SSMClassifier``, the sensor data module and ``ssm-ts classify``."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sensor import SensorDataModule, make_series_set


def _recordings(n: int = 8, channels: int = 2, length: int = 16):
    rng = np.random.default_rng(0)
    labels = np.array(["a", "b"] * (n // 2))
    return make_series_set(list(rng.normal(size=(n, channels, length))), labels, source="X")


def test_validate_without_a_validation_split_is_an_error_not_a_silent_no_op():
    # a fit with val_fraction 0 keeps none: `classify validate --ckpt_path best` then scored nothing
    module = SensorDataModule.from_series(train=_recordings(), val_fraction=0)
    with pytest.raises(ConfigError, match="nothing to validate: data.val_fraction is 0.*--data.test_path"):
        module.setup("validate")


def test_validate_with_a_validation_split_sets_it_up():
    module = SensorDataModule.from_series(train=_recordings(), val_fraction=0.5)
    module.setup("validate")
    assert len(module.val_set) == 4


def test_an_npz_archive_with_an_upper_case_suffix_is_read_as_one(tmp_path):
    # read_series picks the NumPy reader by the lower-cased suffix; the reader then took DATA.NPZ for
    # a .npy and failed on "values are not numeric ('X')"
    from ssm_ts.pipelines.sensor import read_series

    X = np.random.default_rng(0).normal(size=(4, 2, 10))
    path = tmp_path / "DATA.NPZ"
    with open(path, "wb") as file:  # np.savez would append .npz to the name
        np.savez(file, X=X, y=np.array(["a", "b", "a", "b"]))
    data = read_series(path)
    np.testing.assert_array_equal(np.stack(data.values), X)
    assert list(data.labels) == ["a", "b", "a", "b"]


@pytest.mark.parametrize(
    ("val_fraction", "advice"),
    [
        (0.9, "use a smaller val_fraction, at most 0.75 "),  # 8 of 8 held out: none left to train on
        (0.1, "use a larger val_fraction, at least 0.25,"),  # 1 held out: not one of each class
    ],
)
def test_an_impossible_validation_split_says_which_way_to_move_val_fraction(val_fraction, advice):
    # the message always said "use a larger val_fraction", also when the fraction was too large
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import stratified_split

    with pytest.raises(DataError, match=advice.replace("(", r"\(")):
        stratified_split(_recordings(8), val_fraction, seed=0)
    for edge in (0.25, 0.75):  # the bounds named are possible
        train, val = stratified_split(_recordings(8), edge, seed=0)
        assert set(train.labels) == set(val.labels) == {"a", "b"}


def _stamped_ts(path, stamps: list[str], n_cases: int = 2):
    """A one-channel ``@timeStamps true`` .ts file (as sktime writes it) of ``n_cases`` recordings."""
    values = np.arange(len(stamps), dtype=float)
    lines = ["@problemName stamped", "@timeStamps true", "@univariate true", "@classLabel true a b", "@data"]
    for case in range(n_cases):
        pairs = ",".join(f"({t},{v + case})" for t, v in zip(stamps, values, strict=True))
        lines.append(f"{pairs}:{'ab'[case % 2]}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("milliseconds", [10, 20])
def test_ts_date_stamps_at_a_sub_second_step_are_on_their_grid(tmp_path, milliseconds):
    # dates became float seconds since 1970 (resolution 2.4e-7 s): a 100 Hz file was "off the regular
    # step 0.00999975" and refused
    import pandas as pd

    from ssm_ts.pipelines.sensor import read_ts

    start = pd.Timestamp("2020-01-01 08:00:00")
    stamps = [str(start + pd.Timedelta(milliseconds=milliseconds * k)) for k in range(1000)]
    data = read_ts(_stamped_ts(tmp_path / "watch.ts", stamps))
    assert data.sampling_step == pd.Timedelta(milliseconds=milliseconds)
    np.testing.assert_array_equal(data.values[1], [np.arange(1000) + 1.0])


def test_ts_decimal_stamps_give_the_step_they_spell(tmp_path):
    from ssm_ts.pipelines.sensor import read_ts

    stamps = [f"{0.01 * k:.2f}" for k in range(2000)]
    assert (
        read_ts(_stamped_ts(tmp_path / "decimal.ts", stamps)).sampling_step == 0.01
    )  # not 0.00999999999999801


def test_ts_stamps_mixing_numbers_and_dates_are_an_error(tmp_path):
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import read_ts

    path = _stamped_ts(tmp_path / "mixed.ts", ["2020-01-01 00:00:00", "2020-01-01 00:00:01"])
    lines = path.read_text().splitlines()
    lines[-1] = "(0,1.0),(1,2.0):b"  # the second recording stamped in seconds, the first with dates
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"line 7 \(case 1\): time stamps that are numbers and time stamps"):
        read_ts(path)


def test_a_csv_of_dates_100_times_a_second_has_a_step_of_10_ms(tmp_path):
    # the times became float64 nanoseconds since 1970, 256 ns apart: the step read 10.000128 ms
    import pandas as pd

    from ssm_ts.pipelines.sensor import read_csv_long

    times = pd.Timestamp("2024-05-01 10:00:00") + pd.to_timedelta(np.arange(300) * 10, unit="ms")
    frame = pd.DataFrame(
        {"id": np.repeat(["r1", "r2", "r3"], 100), "time": times, "x": np.arange(300.0)}
        | {"label": np.repeat(["a", "b", "a"], 100)}
    )
    frame.to_csv(tmp_path / "watch.csv", index=False)
    assert read_csv_long(tmp_path / "watch.csv").sampling_step == pd.Timedelta(milliseconds=10)


def _arff_with_classes(path, source, classes: list[str]):
    """The UEA BasicMotions ``.arff`` (relational rows) with its rows' classes replaced by ``classes``."""
    import re

    rows = iter(classes)
    text = re.sub(r"',(\w+)$", lambda _: f"',{next(rows)}", source.read_text(), flags=re.MULTILINE)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def basicmotions_arff(shared_data):
    return shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.arff"


def test_arff_classes_are_checked_against_the_declared_ones(tmp_path, basicmotions_arff):
    # Weka's '?' (missing) and a misspelt class each became a class of their own, silently
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import read_arff, read_series

    labels = list(read_arff(basicmotions_arff).labels)
    typo = _arff_with_classes(tmp_path / "typo.arff", basicmotions_arff, labels[:-1] + ["badminton"])
    with pytest.raises(DataError, match=r"line 151: label 'badminton' is not among the declared classes"):
        read_arff(typo)
    missing = _arff_with_classes(tmp_path / "missing.arff", basicmotions_arff, ["?"] * 2 + labels[2:])
    with pytest.raises(
        DataError, match=r"the class is '\?' \(missing\) on 2 of 40 rows, line\(s\) \[112, 113\]"
    ):
        read_series(missing)
    unlabelled = _arff_with_classes(tmp_path / "new.arff", basicmotions_arff, ["?"] * 40)
    data = read_arff(unlabelled)  # Weka's way to write recordings to classify
    assert data.labels is None and len(data.values) == 40


def test_arff_quoted_classes_with_spaces_are_declared_classes(tmp_path):
    from ssm_ts.pipelines.sensor import read_arff

    path = tmp_path / "walk.arff"
    path.write_text(
        "@relation walk\n@attribute t0 numeric\n@attribute t1 numeric\n"
        "@attribute activity {'walking fast', \"run\", rest}\n@data\n"
        "1,2,'walking fast'\n3,4,run\n5,6,rest\n"
    )
    assert list(read_arff(path).labels) == ["walking fast", "run", "rest"]


def test_one_recording_csv_without_an_id_column_is_told_to_go_in_a_folder(tmp_path):
    # a model fitted on a folder of recording CSVs, given one such file to classify: the error only
    # said to rename a column to 'id'
    import pandas as pd

    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import read_csv_folder, read_series

    (tmp_path / "takes").mkdir()
    path = tmp_path / "takes" / "take1.csv"
    pd.DataFrame({"time": np.arange(20) * 0.1, "acc": np.arange(20.0), "gyro": 1.0}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"If the file is one recording .* --data.path FOLDER"):
        read_series(path)
    assert read_csv_folder(tmp_path / "takes").values[0].shape == (2, 20)  # as the message says


def test_a_file_read_as_a_folder_of_csvs_is_named_a_file(tmp_path):
    # --data.format csv_folder on a CSV file said "no recording CSV files found"
    import pandas as pd

    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import read_series

    path = tmp_path / "rec1.csv"
    pd.DataFrame({"time": range(5), "x": np.arange(5.0)}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"rec1.csv is a file, not a folder of recording CSVs.*format 'csv'"):
        read_series(path, format="csv_folder")


def test_validate_on_another_split_than_the_fit_warns_its_recordings_were_trained_on(tmp_path, shared_data):
    # `classify validate --ckpt_path best --data.seed 1` scored a split holding training recordings, silently
    import warnings

    from ssm_ts.tasks.classification import ClassificationTask
    from ssm_ts.training import build_trainer

    path = str(shared_data / "classification" / "GunPoint" / "GunPoint_TRAIN.ts")
    task = ClassificationTask(model="random_features", model_options={"n_kernels": 20})
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path, progress=False, accelerator="cpu")
    trainer.fit(task, SensorDataModule(path=path, val_fraction=0.2, seed=0))
    checkpoint = trainer.checkpoint_callback.best_model_path

    def validate(**split) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            build_trainer(max_epochs=1, out_dir=tmp_path, progress=False, accelerator="cpu").validate(
                task, SensorDataModule(path=path, **split), ckpt_path=checkpoint
            )
        return [str(w.message) for w in caught if "this validation split holds" in str(w.message)]

    assert validate(val_fraction=0.2, seed=0) == []  # the fit's own split
    (message,) = validate(val_fraction=0.2, seed=1)
    assert "data.seed 1, but the fit held out val_fraction 0.2 with seed 0" in message
    assert validate(val_fraction=0.5, seed=0)


def test_validate_after_a_fit_without_a_validation_split_points_to_test(tmp_path, shared_data):
    # the advice to leave val_fraction out would validate on no recordings at all
    import warnings

    from ssm_ts.tasks.classification import ClassificationTask
    from ssm_ts.training import build_trainer

    path = str(shared_data / "classification" / "GunPoint" / "GunPoint_TRAIN.ts")
    task = ClassificationTask(model="random_features", model_options={"n_kernels": 20})
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path, progress=False, accelerator="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fit's own note that no validation ran
        trainer.fit(task, SensorDataModule(path=path, val_fraction=0.0))
    (checkpoint,) = tmp_path.rglob("last.ckpt")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_trainer(max_epochs=1, out_dir=tmp_path, progress=False, accelerator="cpu").validate(
            task, SensorDataModule(path=path, val_fraction=0.2), ckpt_path=str(checkpoint)
        )
    (message,) = [str(w.message) for w in caught if "this validation split holds" in str(w.message)]
    assert "the fit held out no recordings (val_fraction 0)" in message, message
    assert "with test (--data.test_path)" in message and "Leave --data.val_fraction" not in message


def test_a_long_csv_whose_classes_are_in_another_column_is_told_to_rename_it(tmp_path):
    # a text column 'activity' (one class per recording) was reported as "not a number", with the
    # advice to read 'walk' as a missing value
    import pandas as pd

    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import read_csv_long, read_series

    frame = pd.DataFrame(
        {"id": np.repeat(["r1", "r2", "r3", "r4"], 5), "time": np.tile(np.arange(5), 4), "x": np.arange(20.0)}
        | {"activity": np.repeat(["walk", "run", "walk", "run"], 5)}
    )
    frame.to_csv(tmp_path / "act.csv", index=False)
    with pytest.raises(
        DataError, match=r"column 'activity' holds text \('walk', \.\.\.\), one value per recording"
    ):
        read_series(tmp_path / "act.csv")
    assert list(read_csv_long(tmp_path / "act.csv", label_col="activity").labels) == ["walk", "run"] * 2
