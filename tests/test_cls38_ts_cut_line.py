"""A ``.ts`` file whose last line was cut short (a copy or download stopped mid-file) lost that case's
class label, and the values before the cut were read as the label: the error quoted a thousand
characters of numbers as "label '0.24503,0.24503,...' is not among the declared classes" and said to
add it to the header. It now says the line ends in values, with no label, and looks cut short."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


def cut_copy(source, folder, keep: float):
    """A copy of ``source`` whose last line keeps its first ``keep`` share of characters."""
    lines = source.read_text().rstrip("\n").split("\n")
    path = folder / source.name
    path.write_text("\n".join(lines[:-1] + [lines[-1][: int(len(lines[-1]) * keep)]]))
    return path, len(lines)


@pytest.mark.parametrize("keep, dims", [(0.99, 6), (0.5, 3)])
def test_a_cut_last_line_is_named_as_cut_not_as_an_undeclared_class(shared_data, tmp_path, keep, dims):
    source = shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts"
    path, last = cut_copy(source, tmp_path, keep)
    with pytest.raises(DataError, match=rf"line {last} \(case 39\): the line ends in values") as err:
        read_series(path)
    message = str(err.value)
    assert f"it has {dims} dimensions and no label" in message
    assert "@dimensions 6 and @classLabel true" in message
    assert "cut short" in message and "delete it" in message
    assert "not among the declared classes" not in message and len(message) - len(str(path)) < 400


def test_a_univariate_case_cut_in_its_only_dimension(gunpoint_ucr, shared_data, tmp_path):
    path, last = cut_copy(shared_data / "classification" / "GunPoint" / "GunPoint_TRAIN.ts", tmp_path, 0.3)
    with pytest.raises(DataError, match=rf"line {last} \(case 49\).*it has 1 dimension and no label"):
        read_series(path)


def test_whole_files_and_number_labels_read_as_before(gunpoint_ucr):
    train, _ = gunpoint_ucr  # labels "1" and "2": numbers, but no commas, so classes
    assert sorted(set(train.labels)) == ["1", "2"] and len(train) == 50
