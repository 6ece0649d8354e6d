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


_WRITERS = {"co2": write_co2_csv}


def main(argv: list[str] | None = None) -> int:
    """``python -m ssm_ts.datasets NAME PATH``: write a bundled real data set to a CSV file."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ssm_ts.datasets", description=main.__doc__)
    parser.add_argument("name", choices=sorted(_WRITERS), help="data set to write")
    parser.add_argument("path", help="CSV file to write (folders are created)")
    args = parser.parse_args(argv)
    written = _WRITERS[args.name](args.path)
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
