"""The MLflow model's channel-count error counts in number: a long DataFrame of two channel columns sent to
a model of one channel said "2 channel column(s)" and "fitted on 1 channel(s)" (now "2 channel columns",
"fitted on 1 channel", "the 1 channel column"), as the other classify messages count (wording.counted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import make_series_set
from ssm_ts.tracking.pyfunc_classify import check_channel_count


def test_a_long_frame_of_two_channels_for_a_one_channel_model_is_counted_in_number():
    frame = pd.DataFrame({"id": [0, 0, 0], "time": [0, 1, 2], "a": [1.0, 2, 3], "b": [4.0, 5, 6]})
    data = make_series_set([frame[["a", "b"]].to_numpy().T], None, source="pyfunc input")
    with pytest.raises(DataError) as err:
        check_channel_count(frame, data, n_channels=1)
    message = str(err.value)
    assert "the DataFrame has 2 channel columns ['a', 'b']" in message
    assert (
        "fitted on 1 channel; pass only the id, time and the 1 channel column, in training order." in message
    )
    assert "(s)" not in message and np.isfinite(data.values[0]).all()
