"""An ARFF file whose last relational row was cut right after its values' closing quote (no ``,label``)
says the line looks cut short, as one cut inside the values does (da11c71): it said only "expected
'channel values separated by \\n',label.". A first row so (a file with no labels at all) is not called
cut short."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


@pytest.fixture
def lines(shared_data):
    path = shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.arff"
    return path.read_text().rstrip("\n").splitlines()


def test_a_last_row_cut_after_its_closing_quote_is_named_as_cut_short(lines, tmp_path):
    last = lines[-1]
    cut = last[: last.rindex("'") + 1]  # the values' closing quote, and no ",Badminton"
    path = tmp_path / "cut_TRAIN.arff"
    path.write_text("\n".join([*lines[:-1], cut]) + "\n")
    with pytest.raises(
        DataError, match=r"Its values \(6 channels, '\.\.\..*'\) end the line with no label after them"
    ) as err:
        read_series(path)
    assert f"line {len(lines)}" in str(err.value) and "looks cut short" in str(err.value)


def test_a_first_row_without_its_label_is_not_called_cut_short(lines, tmp_path):
    first = next(i + 1 for i, line in enumerate(lines) if line.lower().startswith("@data"))
    row = lines[first]
    path = tmp_path / "unlabelled_TRAIN.arff"
    path.write_text("\n".join([*lines[:first], row[: row.rindex("'") + 1]]) + "\n")
    with pytest.raises(DataError, match=r"expected 'channel values separated by \\n',label\.$"):
        read_series(path)
