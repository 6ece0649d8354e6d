"""Text after a sparse .arff row's closing brace that is not an instance weight (a trailing
``% note``) is named with its own fix: it was called an instance weight, to pass as sample_weight."""

from __future__ import annotations

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_arff

HEADER = "@relation r\n@attribute t0 numeric\n@attribute t1 numeric\n@attribute class {a,b}\n@data\n"


def test_text_after_a_sparse_row_is_not_called_an_instance_weight(tmp_path):
    path = tmp_path / "notes.arff"
    path.write_text(HEADER + "{0 1, 2 b} % first take\n{1 2}\n")
    with pytest.raises(DataError) as caught:
        read_arff(path)
    said = str(caught.value)
    assert f"{path}, line 6: '% first take' after the sparse row's closing '}}'" in said
    assert "line of its own" in said and "weight" not in said
    path.write_text(HEADER + "% first take\n{0 1, 2 b}\n{1 2}\n")  # the fix, as the message gives it
    assert read_arff(path).labels.tolist() == ["b", "a"]
