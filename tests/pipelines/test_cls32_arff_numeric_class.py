"""An ``.arff`` whose class is a numeric last attribute (``@attribute target numeric``, values 1, 2) is
read with that attribute as the class, as aeon's ``load_from_arff`` and Weka read the last attribute.
It was read as one more time step (the answer in every recording) and the file as unlabelled."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_arff

STEPS = "@relation x\n@attribute att1 numeric\n@attribute att2 numeric\n@attribute att3 numeric\n"


def write(tmp_path, text):
    path = tmp_path / "weka.arff"
    path.write_text(text)
    return path


@pytest.mark.parametrize("attribute", ["target numeric", "class integer", "activity real"])
def test_a_numeric_last_attribute_named_as_a_class_is_the_class(tmp_path, attribute):
    data = read_arff(write(tmp_path, f"{STEPS}@attribute {attribute}\n@data\n1,2,3,1\n4,5,6,2\n7,8,9,1\n"))
    assert data.labels.tolist() == ["1", "2", "1"]
    np.testing.assert_array_equal(np.stack(data.values), [[[1, 2, 3]], [[4, 5, 6]], [[7, 8, 9]]])


def test_a_numeric_class_after_relational_channels(tmp_path):
    text = (
        "@relation x\n@attribute ch relational\n@attribute a numeric\n@attribute b numeric\n@end ch\n"
        "@attribute target numeric\n@data\n'1,2\\n3,4',1\n'5,6\\n7,8',2\n"
    )
    data = read_arff(write(tmp_path, text))
    assert data.labels.tolist() == ["1", "2"]
    np.testing.assert_array_equal(np.stack(data.values), [[[1, 2], [3, 4]], [[5, 6], [7, 8]]])


def test_numbered_time_steps_only_stay_unlabelled(tmp_path):
    data = read_arff(write(tmp_path, f"{STEPS}@attribute att4 numeric\n@data\n1,2,3,1\n4,5,6,2\n"))
    assert data.labels is None
    np.testing.assert_array_equal(np.stack(data.values), [[[1, 2, 3, 1]], [[4, 5, 6, 2]]])


def test_a_fractional_numeric_class_is_a_regression_target(tmp_path):
    path = write(tmp_path, f"{STEPS}@attribute target numeric\n@data\n1,2,3,1\n4,5,6,0.5\n")
    with pytest.raises(DataError) as caught:
        read_arff(path)
    assert str(caught.value).startswith(
        f"{path}, line 8: the numeric attribute 'target', read as the class (the last attribute, as aeon and "
        "Weka take it), holds '0.5', not a whole number: a regression target"
    )
    assert "@attribute target {1,2,...}" in str(caught.value)
