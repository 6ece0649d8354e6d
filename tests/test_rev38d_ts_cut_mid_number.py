"""A ``.ts`` file whose last line was cut short in the middle of a number (after its minus sign, ``...,-``,
or in its exponent, ``...,1e-``) is named as cut short, as one cut after a whole number is (ffc7a83):
the check took a field whose last value does not read as a number for a class label, and the error
quoted a hundred values as a class to add to the header's @classLabel line."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


@pytest.mark.parametrize("cut_after", [",-", ",1e-", ",-0."])
def test_a_last_line_cut_inside_a_number_is_named_as_cut_short(shared_data, tmp_path, cut_after):
    text = (shared_data / "classification" / "JapaneseVowels" / "JapaneseVowels_TRAIN.ts").read_text()
    lines = text.splitlines()
    last = lines[-1]
    cut = last[: last.index(",", len(last) // 2)] + cut_after  # inside a dimension, mid-number
    path = tmp_path / "cut_TRAIN.ts"
    path.write_text("\n".join([*lines[:-1], cut]) + "\n")
    with pytest.raises(DataError, match=r"the line ends in values \(.*\), not a class label") as err:
        read_series(path)
    assert "It looks cut short" in str(err.value) and "Add it to the header" not in str(err.value)
