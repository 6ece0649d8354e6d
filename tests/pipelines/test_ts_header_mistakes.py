"""Mistakes in a ``.ts`` header that used to read as something else: a misspelled key, labelled cases
without ``@classLabel``, labels the header does not declare, an empty file. Each error names the
line, what was found and the fix."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series, read_ts
from tests.pipelines.test_sensor_readers import write_ts

CASES = "1,2,3:a\n4,5,6:b\n"


def test_a_misspelled_header_key_names_the_key_it_means(tmp_path):
    """'@classlabels' was skipped as unknown, so the labels read as a second dimension and the error
    blamed '@univariate true'."""
    path = write_ts(tmp_path, f"@univariate true\n@classlabels true a b\n@data\n{CASES}")
    with pytest.raises(
        DataError, match=r"line 2: unknown header '@classlabels'; did you mean '@classLabel'\?"
    ):
        read_ts(path)
    path = write_ts(tmp_path, "@serieslenght 3\n@data\n1,2,3\n")
    with pytest.raises(
        DataError, match=r"line 1: unknown header '@serieslenght'; did you mean '@seriesLength'"
    ):
        read_ts(path)
    # keys that change nothing, and aeon's '@dimension', are read as before
    path = write_ts(tmp_path, f"@problem GP\n@dimension 1\n@comment x\n@classLabel true a b\n@data\n{CASES}")
    assert list(read_ts(path).labels) == ["a", "b"]


@pytest.mark.parametrize("header", ["@univariate true\n@classLabel false\n", "@classLabel false\n", ""])
def test_labelled_cases_in_a_file_declaring_no_labels_name_the_missing_header(tmp_path, header):
    """The label read as a one-value dimension: 'case 0 has 2 dimensions but the header declares
    @univariate true', or (no @univariate) 'channels of different lengths', or 'not a number'."""
    path = write_ts(tmp_path, f"{header}@data\n{CASES}")
    with pytest.raises(
        DataError,
        match=r"line \d+: case 0 ends in ':a', which looks like a class label, but the header declares none; "
        r"add '@classLabel true <classes>'",
    ):
        read_ts(path)
    if "@univariate" not in header:  # two channels of one step each are not labels
        assert read_ts(write_ts(tmp_path, f"{header}@data\n1:2\n3:4\n")).n_channels == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"@classLabel true a c\n@data\n{CASES}",
            r"line 4: label 'b' is not among the declared classes \['a', 'c'\]\. Add it to the header's "
            r"'@classLabel true a c' line, or fix the label\.",
        ),
        (  # a float column written out under '@classLabel true 1 2'
            "@classLabel true 1 2\n@data\n1,2,3:1.0\n4,5,6:2.0\n",
            r"line 3: label '1.0' is not among the declared classes \['1', '2'\]\. As a number it is the "
            r"declared class '1': write the labels as the header does \('1'\)",
        ),
    ],
)
def test_an_undeclared_label_names_the_fix(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_ts(write_ts(tmp_path, text))


@pytest.mark.parametrize("name", ["empty.ts", "empty.arff"])
def test_an_empty_file_is_named_empty(tmp_path, name):
    """It was 'no '@data' line; this is not a .ts file'."""
    (tmp_path / name).write_text("")
    with pytest.raises(
        DataError, match=rf"{name}: the file is empty \(0 bytes\); an? .(ts|arff) file holds a header"
    ):
        read_series(tmp_path / name)
