"""The UCR/UEA archive's root folder given to ``read_series`` (or ``--data.path``) names a problem's
TRAIN file in a call that runs as pasted: it was ``read_series(folder / 'ArrowHead' / ...)``, with a
``folder`` the user had not defined."""

from __future__ import annotations

import ast
import re

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


def test_the_archive_roots_read_series_call_reads_a_problems_train_file(shared_data):
    with pytest.raises(DataError) as error:
        read_series(shared_data / "classification")
    call = re.search(r"read_series\(('[^']+')\)", str(error.value))
    assert call is not None, str(error.value)
    data = read_series(ast.literal_eval(call.group(1)))
    assert len(data) > 0 and data.n_channels >= 1
