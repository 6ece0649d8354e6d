"""A ``.ts`` header that lists its classes with commas (``@classLabel true walk,run``) declares one
class ``walk,run`` to every .ts reader; the error names the comma and the header as it should be
(it said to add ``walk`` to that very line)."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_ts


def test_comma_separated_classes_are_named_with_the_spaced_header(tmp_path):
    path = tmp_path / "comma.ts"
    path.write_text("@classLabel true walk,run\n@data\n1,2,3:walk\n4,5,6:run\n")
    with pytest.raises(DataError) as caught:
        read_ts(path)
    assert str(caught.value) == (
        f"{path}, line 3: label 'walk' is not among the declared classes ['walk,run']. The header separates "
        "its classes by commas; .ts headers separate them by spaces: '@classLabel true walk run'."
    )
    path.write_text("@classLabel true walk run\n@data\n1,2,3:walk\n4,5,6:run\n")  # the fix, as written
    assert read_ts(path).labels.tolist() == ["walk", "run"]
