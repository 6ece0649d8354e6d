"""A ``.ts`` file whose last line was cut short (a copy or download stopped mid-file) lost that case's
class label, and the values before the cut were read as the label: the error quoted a thousand
characters of numbers as "label '0.24503,0.24503,...' is not among the declared classes" and said to
add it to the header. It now says the line ends in values, with no label, and looks cut short. An ARFF
file cut so said only "expected 'channel values separated by \\n',label" (relational rows) or "2 fields, but
the class attribute is field 4"; both now say the line looks cut short and the fix."""

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


def test_a_cut_relational_arff_row_names_its_open_quote(shared_data, tmp_path):
    source = shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.arff"
    path, last = cut_copy(source, tmp_path, 0.5)
    with pytest.raises(
        DataError, match=rf"line {last}: expected .*never closed: the values stop after 3 channels"
    ) as err:
        read_series(path)
    assert "cut short" in str(err.value) and "delete it" in str(err.value)


def test_a_cut_arff_row_of_fields_says_cut_short(tmp_path):
    path = tmp_path / "short.arff"
    attributes = "".join(f"@attribute t{i} numeric\n" for i in range(3))
    path.write_text(f"@relation r\n{attributes}@attribute class {{a,b}}\n@data\n1,2,3,a\n4,5,6,b\n1,1")
    with pytest.raises(
        DataError, match=r"line 9: 2 fields, but the class attribute is field 4\. The line looks cut"
    ):
        read_series(path)
