"""When samples beyond full scale are worth a warning: a gain error or a clipped source, not a lossy
decoder's overshoot.

A lossy file (MP3, Ogg Vorbis) made from audio normalised to 0 dBFS decodes a little beyond 1.0: the
codec drops high frequencies, and the smoothed waveform overshoots its peaks. On the 480 spoken digits
of the test data (espeak-digits) peak-normalised and encoded, the decoded peak reaches 1.11 (Vorbis;
1.05 MP3) on at most 0.18% of the samples; clipping those back to 1 changes nothing a model hears.
The same clips 1.25x too loud peak at 1.16 or more, and clips hard-clipped at full scale before encoding
put 0.8% or more of their samples beyond it: both still warn.
"""

from __future__ import annotations

import numpy as np

OVERSHOOT_PEAK = 10 ** (1.1 / 20)  # +1.1 dB (1.135): a lossy decoder's overshoot stays below it
OVERSHOOT_SHARE = 0.005  # of the samples: a lossy decoder puts fewer than this beyond full scale


def clipping_matters(peak: float, beyond: int, samples: int) -> bool:
    """Whether a file of ``samples`` samples peaking at ``peak``, ``beyond`` of them beyond full scale
    (``|x| > 1``), is clipped enough to warn: above :data:`OVERSHOOT_PEAK`, or more than
    :data:`OVERSHOOT_SHARE` of its samples beyond 1."""
    return peak > OVERSHOOT_PEAK or beyond > OVERSHOOT_SHARE * samples


def samples_beyond(block: np.ndarray) -> int:
    """How many samples of ``block`` (any shape) lie beyond full scale, ``|x| > 1``."""
    return int(np.count_nonzero(np.abs(block) > 1.0))
