"""``LeakyValidationWarning``: here, apart from the sensor pipelines (which load Lightning), so the
scikit-learn estimator can raise it without them."""

from __future__ import annotations


class LeakyValidationWarning(UserWarning):
    """The validation recordings that pick the best epoch overlap the training ones (windows of one
    stream), so the validation scores, and the epoch they pick, are optimistic."""
