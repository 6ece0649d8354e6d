"""A prompt array of something other than real samples went on into torch: text (or a list holding None)
raised torch's "can't convert np.ndarray of type numpy.str_", rows of different lengths NumPy's
"inhomogeneous shape", and a complex or bool array was read as audio (the complex one with torch's
warning that it drops the imaginary part). Each is now a DataError saying what the prompt holds and what
to give."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts.api.waveform import prompt_audio
from ssm_ts.errors import DataError


@pytest.mark.parametrize(
    ("prompt", "said"),
    [
        (np.array(["0.1", "0.2"]), "the prompt holds <U3 values, not numbers: give the waveform's samples"),
        ([0.1, None, 0.3], "the prompt holds object values, not numbers"),
        ([[0.1, 0.2], [0.3]], "the prompt's rows differ in length (NumPy cannot make an array of them)"),
        (np.zeros(400, np.complex64), "complex64 (complex) values: give the real waveform (prompt.real"),
        (torch.zeros(400, dtype=torch.bool), "the prompt holds bool values"),
    ],
)
def test_a_prompt_of_no_samples_is_named(prompt, said):
    with pytest.raises(DataError) as raised:
        prompt_audio(prompt, 1, 16000)
    assert said in str(raised.value), str(raised.value)
    assert str(raised.value).endswith(", or pass an audio file's path as prompt=") or "rows" in said


def test_real_samples_of_any_width_still_read():
    for prompt in (
        [0.1, -0.2],
        np.zeros(4, np.float16),
        torch.zeros(4, dtype=torch.float64),
        np.zeros(4, np.int64),
    ):
        assert prompt_audio(prompt, 1, 16000).dtype == torch.float32
