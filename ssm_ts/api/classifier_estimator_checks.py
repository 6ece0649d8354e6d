"""Which of scikit-learn's estimator checks ``SSMClassifier`` fails, and why.

scikit-learn's estimator checks (``sklearn.utils.estimator_checks``) run on both methods in
``tests/api/test_classifier_estimator_checks.py``. A 2-D ``X`` ``(n, length)`` is read as ``n``
one-channel recordings, so the checks' feature tables are recordings of ``length`` steps. The
checks that fail, and why (:data:`ESTIMATOR_CHECK_EXCEPTIONS` holds the same list for the test):

- ``check_n_features_in``, ``check_n_features_in_after_fitting``: ``n_features_in_`` counts
  *channels*, not time steps, and is checked in ``predict``; the number of time steps is free
  (recordings of unequal length, other sample rates), so it is not a fitted constant.
- ``check_classifiers_train``: it requires an error when ``predict`` gets a different number of
  columns, which for recordings is a different length and allowed. With the encoder's one-epoch
  test settings it also misses the check's accuracy threshold on its tiny random table.
- ``check_dtype_object``: a non-number in an object array raises :class:`~ssm_ts.errors.DataError`
  (a ``ValueError`` naming the recording), where the check wants a ``TypeError``.
- ``check_methods_subset_invariance`` (encoder only): equal only to float32 round-off (~1e-7),
  because batches of different sizes go through different matrix-multiply blockings (it passes or
  fails by chance at the check's 1e-7 tolerance).
- ``check_sample_weight_equivalence_on_dense_data``: an integer weight is not the same fit as that
  many copies of the recording. Random features: weight 0 is exactly leaving the recording out, and
  a threshold comes from a recording with probability proportional to its weight (tested), but the
  recordings are drawn by position (the check shuffles the weighted set: another draw), the weights
  are scaled to mean 1 (copies add to the count), the channel scaler counts each recording of
  weight > 0 once, and copies leave their twins in the leave-one-out errors that choose the ridge
  penalty (on the check's data: 1000 weighted, 0.46 repeated). The encoder's batches and epochs
  hold other recordings. The ridge fit itself is weighted exactly as scikit-learn's (tested
  against ``RidgeClassifierCV``).
"""

from __future__ import annotations

_CHANNELS_NOT_LENGTH = "n_features_in_ counts channels; the number of time steps may differ at predict"
ESTIMATOR_CHECK_EXCEPTIONS: dict[str, dict[str, str]] = {
    "random_features": {
        "check_n_features_in": _CHANNELS_NOT_LENGTH,
        "check_n_features_in_after_fitting": _CHANNELS_NOT_LENGTH,
        "check_classifiers_train": _CHANNELS_NOT_LENGTH,
        "check_dtype_object": "a non-number raises DataError (a ValueError naming the recording), not TypeError",
        "check_sample_weight_equivalence_on_dense_data": (
            "weight 0 is leaving the recording out, but threshold recordings are drawn by position (the "
            "check shuffles), weights are relative (scaled to mean 1) and copies leave their twins in the "
            "leave-one-out choice of the ridge penalty"
        ),
    },
}
ESTIMATOR_CHECK_EXCEPTIONS["encoder"] = {
    **ESTIMATOR_CHECK_EXCEPTIONS["random_features"],
    "check_classifiers_train": _CHANNELS_NOT_LENGTH + "; and one test epoch misses the accuracy threshold",
    "check_methods_subset_invariance": "equal to float32 round-off only (batch-size dependent matmul blocking)",
    "check_sample_weight_equivalence_on_dense_data": (
        "stochastic training: copies of a recording change the batches and the steps per epoch"
    ),
}
