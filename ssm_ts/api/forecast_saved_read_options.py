"""The ``read_options`` a fit saved with the model, named when a CSV given to ``predict`` fails to read
with them.

``fit(path, read_options={"date_format": "%d.%m.%Y %H:%M"})`` keeps those options, and ``predict(path)``
reads every later CSV with them. When the file's export changes (its dates now ISO), the error said
the dates did not match ``date_format`` and to "fix or remove those rows" (all of them), never that the
options came from the fit, nor how to read the new file. The command line already names the settings
it restored from the checkpoint (:mod:`ssm_ts.cli.restored_data`); this says the same of ``predict``.

A fit read by detection saves no ``read_options``, but keeps how it read its CSV
(``spec.csv_keywords``: the separator, decimal mark and encoding found there): code printed to read
the earlier file again reads it so (:func:`fitted_csv_keywords`), whatever a newer file's export is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.series_spec import SeriesSpec


@contextmanager
def saved_read_options_named(
    spec: SeriesSpec, data: TableSource | None, read_options: dict[str, Any] | None
) -> Iterator[None]:
    """Reading ``data`` for a model of ``spec``: a :class:`DataError` of a CSV read with the fit's saved
    read options (none given to this call) says so, with a ``predict`` call that reads the file by
    detection. Other errors, DataFrames and CSVs read with given options pass unchanged."""
    saved = spec.read_options
    if read_options is not None or not saved or not isinstance(data, (str, os.PathLike)):
        yield
        return
    try:
        yield
    except DataError as error:
        if type(error) is not DataError:  # a subclass's constructor may take other arguments
            raise
        raise DataError(
            f"{error}\n(the file was read with read_options {saved}, the fit's, saved with the model; a file "
            f"written another way needs its own, or none to detect how it is written: "
            f"predict({str(data)!r}, read_options={{}}))"
        ) from error


_READER_ORDER = ("sep", "decimal", "encoding")  # what the reader detects, as it lists them


def fitted_csv_keywords(spec: SeriesSpec) -> dict[str, Any] | None:
    """``{"sep": ";", "decimal": ","}``: the ``pd.read_csv`` keywords that read the CSV a model of ``spec``
    was fitted on as the fit read it (its detected separator, decimal mark and encoding, then its
    ``read_options`` that pandas takes; ``{}``: none needed), in the order a read of a new file with
    ``spec.read_options`` lists them; ``None`` where not known: a fit on a DataFrame or a Parquet file, or
    a model saved before fits kept them."""
    if spec.csv_keywords is None:
        return None
    # a saved model's JSON holds them sorted by name: the reader's order, then the read_options' order
    order = [*_READER_ORDER, *spec.read_options]
    return {
        key: spec.csv_keywords[key]
        for key in sorted(spec.csv_keywords, key=lambda k: order.index(k) if k in order else len(order))
    }
