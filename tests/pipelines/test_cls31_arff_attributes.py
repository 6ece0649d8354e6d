"""A Weka ``.arff`` file with an attribute that is neither a time step nor the class (a string id, a
second nominal attribute) is a DataError naming the attribute, its field and how to drop it. They were
"line 8: a value is not a number ('r1')" and "2 nominal attributes (fields [0, 4]); expected one class
attribute", naming neither the attribute nor a fix."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_arff

STEPS = "@attribute t1 numeric\n@attribute t2 real\n@attribute t3 integer\n@attribute class {walk,run}\n"


def write(tmp_path, text):
    path = tmp_path / "weka.arff"
    path.write_text(text)
    return path


def test_a_string_id_attribute_is_named_with_its_field(tmp_path):
    path = write(tmp_path, f"@relation x\n@attribute id string\n{STEPS}@data\nr1,1,2,3,walk\nr2,4,5,6,run\n")
    with pytest.raises(DataError) as caught:
        read_arff(path)
    assert str(caught.value) == (
        f"{path}: attribute 'id' (field 1) is a string attribute, not numeric; a time-series .arff holds "
        "numeric time steps and one nominal class attribute: delete the @attribute line of 'id' and its "
        "field on every row (Weka: the Remove filter, -R 1)."
    )
    fixed = write(tmp_path, f"@relation x\n{STEPS}@data\n1,2,3,walk\n4,5,6,run\n")  # the fix, as written
    assert read_arff(fixed).labels.tolist() == ["walk", "run"]


def test_a_second_nominal_attribute_is_named_with_its_field(tmp_path):
    header = "@relation x\n@attribute 'wrist side' {left,right}\n@attribute when date 'yyyy-MM-dd'\n"
    path = write(tmp_path, f"{header}{STEPS}@data\nleft,2024-01-01,1,2,3,walk\n")
    with pytest.raises(DataError) as caught:
        read_arff(path)
    assert str(caught.value) == (
        f"{path}: 2 nominal attributes, 'wrist side' (field 1), 'class' (field 6); a time-series .arff holds "
        "numeric time steps and one nominal attribute, the class. If 'class' is the class, delete the "
        "@attribute line of 'wrist side' and its field on every row (Weka: the Remove filter, -R 1)."
    )
    path = write(
        tmp_path, f"@relation x\n@attribute when date 'yyyy-MM-dd'\n{STEPS}@data\n2024-01-01,1,2,3,walk\n"
    )
    with pytest.raises(DataError, match=r"attribute 'when' \(field 1\) is a date attribute, not numeric"):
        read_arff(path)
