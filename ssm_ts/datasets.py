"""Real series that ship inside installed packages, written to CSV for the forecasting pipeline.

``write_co2_csv`` needs no network: statsmodels bundles the weekly Mauna Loa atmospheric CO2
record (Keeling et al., March 1958 - December 2001, ppm). Weeks without a measurement are left
out of the file (real gaps in the time column), which the pipeline handles with a fill policy.
"""

from __future__ import annotations

import os
from pathlib import Path

from ssm_ts.atomic import atomic_path


def write_co2_csv(path: str | os.PathLike) -> Path:
    """Write the weekly Mauna Loa CO2 series as ``date,co2`` rows (gaps kept); return the path."""
    from statsmodels.datasets import co2

    series = co2.load_pandas().data["co2"].dropna()
    frame = series.rename_axis("date").reset_index()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    target = Path(path)
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False)
    return target
