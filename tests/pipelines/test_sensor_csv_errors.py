"""Long-CSV errors that name what the user sees in the file: a label such as ``NA`` or ``None`` that
pandas reads as missing is named with the ``keep_default_na`` fix; a cell that is not a number is
named by its file line, not by its row inside one recording.

The files are BasicMotions (UEA) TRAIN written as long CSVs, one row per (recording, time step)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_csv_folder, read_csv_long, read_ts

# "NA" (a region code) and "None" (no activity) are labels, not missing values
REGION_LABELS = {"Badminton": "NA", "Running": "EU", "Standing": "None", "Walking": "AS"}
KEEP_LABELS = {"keep_default_na": False, "na_values": [""]}


@pytest.fixture(scope="module")
def basicmotions(shared_data):
    return read_ts(shared_data / "classification/BasicMotions/BasicMotions_TRAIN.ts")


def long_table(data, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """``id, time, label, c0..c5``: recording after recording, each in time order (100 rows)."""
    parts = []
    for i, (values, label) in enumerate(zip(data.values, data.labels, strict=True)):
        part = pd.DataFrame(values.T, columns=[f"c{j}" for j in range(values.shape[0])])
        part.insert(0, "label", labels[label] if labels else label)
        part.insert(0, "time", np.arange(values.shape[1]))
        part.insert(0, "id", i)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_na_and_none_labels_are_named_with_the_keep_default_na_fix(basicmotions, tmp_path):
    table = long_table(basicmotions, REGION_LABELS)
    path = tmp_path / "regions.csv"
    table.to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        read_csv_long(path)
    message = str(caught.value)
    assert "column 'label' holds 'None' on 1000 row(s) and 'NA' on 1000 row(s)" in message
    assert "line(s) [2, 3, 4" in message  # recording 0 is Standing ('None'), lines 2-101
    assert "read_options={'keep_default_na': False, 'na_values': ['']}" in message
    assert "--data.read_options '{keep_default_na: false, na_values: [\"\"]}'" in message
    assert "is empty on" not in message  # was: "column 'label' is empty on 2000 row(s)"

    # the fix it names reads the file, labels as written (and empty channel cells stay missing)
    table["c2"] = table["c2"].astype(object)
    table.loc[7, "c2"] = ""
    table.to_csv(path, index=False)
    data = read_csv_long(path, read_options=KEEP_LABELS, nan_policy="interpolate")
    assert sorted(set(data.labels)) == ["AS", "EU", "NA", "None"]
    assert list(data.labels) == [REGION_LABELS[label] for label in basicmotions.labels]


def test_truly_empty_labels_keep_their_message(basicmotions, tmp_path):
    table = long_table(basicmotions)
    table.loc[[5, 6], "label"] = None
    table.to_csv(tmp_path / "gaps.csv", index=False)
    with pytest.raises(DataError, match=r"column 'label' is empty on 2 row\(s\), line\(s\) \[7, 8\]"):
        read_csv_long(tmp_path / "gaps.csv")


def test_an_na_id_is_named_too(basicmotions, tmp_path):
    table = long_table(basicmotions)
    table["id"] = table["id"].map(lambda i: "NA" if i == 3 else f"s{i}")
    table.to_csv(tmp_path / "ids.csv", index=False)
    with pytest.raises(DataError, match=r"column 'id' holds 'NA' on 100 row\(s\).*keep_default_na"):
        read_csv_long(tmp_path / "ids.csv")
    assert "NA" in read_csv_long(tmp_path / "ids.csv", read_options=KEEP_LABELS).ids


def test_a_bad_cell_is_named_by_its_file_line(basicmotions, tmp_path):
    table = long_table(basicmotions)
    table["c4"] = table["c4"].astype(object)
    table.loc[325, "c4"] = "oops"  # recording 3, its row 25: file line 327 (header = line 1)
    table.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError) as caught:
        read_csv_long(tmp_path / "bad.csv")
    message = str(caught.value)
    assert "bad.csv, recording '3': column 'c4' holds 'oops' on line 327, not a number" in message
    assert "row 25" not in message  # was: "column 'c4' row 25", a row of the recording, not the file
    assert "na_values" in message  # the hint for a marker of missing values is kept


def test_file_lines_count_skipped_and_shuffled_rows(basicmotions, tmp_path):
    # two lines of notes above the header (skiprows), the rows out of time order (the reader sorts)
    table = long_table(basicmotions).sample(frac=1.0, random_state=0).reset_index(drop=True)
    table["c0"] = table["c0"].astype(object)
    table.loc[1234, "c0"] = "n/a?"
    path = tmp_path / "notes.csv"
    path.write_text("exported from the logger\nunits: g, deg/s\n" + table.to_csv(index=False))
    with pytest.raises(DataError, match=r"column 'c0' holds 'n/a\?' on line 1238, not a number"):
        read_csv_long(path, read_options={"skiprows": 2})


def test_a_bad_cell_in_a_csv_folder_is_named_by_its_line(basicmotions, tmp_path):
    for i in range(3):
        frame = pd.DataFrame(basicmotions.values[i].T, columns=[f"c{j}" for j in range(6)])
        frame.insert(0, "time", np.arange(100))
        if i == 1:
            frame = frame.iloc[::-1].astype({"c5": object})  # written last step first
            frame.loc[40, "c5"] = "-"  # time step 40: line 61 of the reversed file
        frame.to_csv(tmp_path / f"rec{i}.csv", index=False)
    pd.DataFrame({"file": [f"rec{i}.csv" for i in range(3)], "label": basicmotions.labels[:3]}).to_csv(
        tmp_path / "labels.csv", index=False
    )
    with pytest.raises(DataError, match=r"rec1.csv: column 'c5' holds '-' on line 61, not a number"):
        read_csv_folder(tmp_path)


def test_na_and_empty_labels_in_a_labels_file_are_named(basicmotions, tmp_path):
    # before: read silently, with 'nan' as the class of those recordings
    for i in range(4):
        pd.DataFrame(basicmotions.values[i].T, columns=[f"c{j}" for j in range(6)]).to_csv(
            tmp_path / f"rec{i}.csv", index=False
        )
    labels = pd.DataFrame({"file": [f"rec{i}.csv" for i in range(4)], "label": ["NA", "EU", "NA", "EU"]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(
        DataError, match=r"labels.csv: column 'label' holds 'NA' on 2 row\(s\), line\(s\) \[2, 4\]"
    ):
        read_csv_folder(tmp_path)
    assert list(read_csv_folder(tmp_path, read_options=KEEP_LABELS).labels) == ["NA", "EU", "NA", "EU"]
    labels.loc[1, "label"] = ""
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(
        DataError, match=r"labels.csv: column 'label' is empty on 1 row\(s\), line\(s\) \[3\]"
    ):
        read_csv_folder(tmp_path, read_options=KEEP_LABELS)
