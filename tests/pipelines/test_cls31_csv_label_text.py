"""Labels and ids typed into a CSV by hand: surrounding spaces are dropped, as the ``.ts`` and
``.arff`` readers drop them (``walk `` was a class of its own beside ``walk``, and ``rec1.csv `` in a
labels file named no file), a cell of spaces is an empty label, and classes that differ only in case
(``Run``, ``run``) are named in a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import encode_labels, make_series_set, read_csv_folder, read_csv_long

LABELS = ["walk", "run", "walk ", " run", "run", "walk"]


def long_csv(path, labels, ids=None):
    rng = np.random.default_rng(0)
    ids = ids if ids is not None else list(range(len(labels)))
    rows = [(i, t, rng.normal(), label) for i, label in zip(ids, labels, strict=True) for t in range(4)]
    pd.DataFrame(rows, columns=["id", "time", "x", "label"]).to_csv(path, index=False)
    return path


def test_spaces_around_labels_and_ids_are_dropped(tmp_path):
    ids = ["a", "b", "c ", " d", "e", "f"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no case warning: the classes are walk and run
        data = read_csv_long(long_csv(tmp_path / "long.csv", LABELS, ids))
    assert data.labels.tolist() == ["walk", "run", "walk", "run", "run", "walk"]
    assert data.ids == ["a", "b", "c", "d", "e", "f"]


def test_a_label_of_spaces_is_empty(tmp_path):
    path = long_csv(tmp_path / "long.csv", ["walk", "  ", "run"])
    with pytest.raises(DataError, match=r"column 'label' is empty on 4 row\(s\), line\(s\) \[6, 7, 8, 9\]"):
        read_csv_long(path)


def test_a_labels_file_typed_with_spaces(tmp_path):
    for i in range(3):
        pd.DataFrame({"x": [0.0, 1.0, 2.0]}).to_csv(tmp_path / f"rec{i}.csv", index=False)
    labels = pd.DataFrame({"file": ["rec0.csv ", " rec1", "rec2.csv"], "label": ["walk ", "Walk", "walk"]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.warns(UserWarning, match=r"labels.csv: classes differ only in case \(1 'Walk', 2 'walk'"):
        data = read_csv_folder(tmp_path)
    assert data.labels.tolist() == ["walk", "Walk", "walk"]


def test_classes_that_differ_in_case_are_named(tmp_path):
    path = long_csv(tmp_path / "long.csv", ["walk", "Run", "run", "Walk", "run", "walk"])
    with pytest.warns(UserWarning) as caught:
        data = read_csv_long(path)
    assert len(np.unique(data.labels)) == 4  # still four classes: the warning says so and how to merge them
    assert str(caught[0].message) == (
        f"{path}: classes differ only in case (1 'Walk', 2 'walk'; 1 'Run', 2 'run' recordings): each is a "
        "class of its own. If they are one class, write them alike in column 'label' (pandas: "
        "frame['label'] = frame['label'].str.lower())."
    )


def test_test_labels_in_another_case_are_named_as_the_training_classes():
    test = make_series_set(np.ones((3, 1, 5)), ["Walk", "run", "RUN"], source="test.csv")
    with pytest.raises(DataError) as caught:
        encode_labels(test, ["run", "walk"])
    assert str(caught.value) == (
        "test.csv: labels ['RUN', 'Walk'] never occur in the training data (classes ['run', 'walk']); 2 of 3 "
        "recordings carry one, the first '0'. They are the training classes in another case ('RUN' for "
        "'run', 'Walk' for 'walk'): write them as the training data does."
    )


def test_file_names_a_spreadsheet_turned_into_numbers_are_named(tmp_path):
    for i in (1, 2, 3):
        pd.DataFrame({"x": [0.0, 1.0, 2.0]}).to_csv(tmp_path / f"{i:03d}.csv", index=False)
    labels = pd.DataFrame({"file": [1, 2, 3], "label": ["walk", "run", "walk"]})  # 001 saved as 1
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(DataError) as caught:
        read_csv_folder(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'labels.csv'}: no label for 3 file(s) ['001.csv', '002.csv', '003.csv']; its column 'file' "
        "names them as numbers without their leading zeros ('1' for 001.csv, '2' for 002.csv, '3' for "
        "003.csv), as a spreadsheet rewrites such names: write them in full, '001.csv' (in Excel, format "
        "the column as Text before typing them)."
    )
    labels.assign(file=["001.csv", "002", "003.csv"]).to_csv(tmp_path / "labels.csv", index=False)
    assert read_csv_folder(tmp_path).labels.tolist() == ["walk", "run", "walk"]


def test_a_file_named_by_a_superscript_digit_gets_the_plain_message(tmp_path):
    for name in ("².csv", "1.csv"):  # '²'.isdigit() is True, but int('²') fails
        pd.DataFrame({"x": [0.0, 1.0]}).to_csv(tmp_path / name, index=False)
    pd.DataFrame({"file": ["1.csv", "2"], "label": ["a", "b"]}).to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(DataError, match=r"no label for 1 file\(s\) \['²\.csv'\]; add rows for them\.$"):
        read_csv_folder(tmp_path)
