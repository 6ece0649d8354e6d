"""Time axes and value text a user brings from pandas: step numbers instead of dates (fractional,
at another step, or none at all) and numbers written with thousands separators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.series import load_like, load_series


def _steps(times: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"step": times, "y": np.sin(np.arange(len(times)) / 5.0)})


@pytest.mark.parametrize(("spacing", "start"), [(0.1, 0.0), (0.25, 3.0), (0.5, 0.0)])
def test_fractional_steps_are_told_to_divide_by_their_own_spacing(spacing, start):
    """Steps 0.1 apart were told ``(df['step'] / 0.5).round().astype(int) for half steps``, which
    maps two rows onto each step (duplicates); the fix now divides by the rows' own spacing."""
    times = start + np.arange(60) * spacing
    with pytest.raises(DataError, match="holds fractional numbers") as error:
        load_series(_steps(times), time_col="step")
    assert f"(df['step'] / {spacing:g}).round().astype(int) for steps of {spacing:g}" in str(error.value)
    fixed = _steps(times).assign(step=lambda f: (f["step"] / spacing).round().astype(int))
    frame, spec = load_series(fixed, time_col="step")  # the fix reads
    assert spec.freq == 1 and len(frame) == 60


@pytest.mark.parametrize("csv", [False, True])
def test_a_table_without_a_time_column_is_told_how_to_number_its_rows(tmp_path, csv):
    """Values alone (a sensor dump, ``series.to_frame()`` of a RangeIndex): the error said to add a
    time column or name one with ``time_col=``, which there is none to name."""
    table = pd.DataFrame({"y": np.arange(40.0), "z": np.arange(40.0) * 2})
    source = table
    if csv:
        source = tmp_path / "values.csv"
        table.to_csv(source, index=False)
    with pytest.raises(DataError, match="no time column found") as error:
        load_series(source)
    read = "df = pd.read_csv(path), then " if csv else ""
    assert f"number them: {read}df.insert(0, 'step', range(len(df)))" in str(error.value)
    table.insert(0, "step", range(len(table)))
    frame, spec = load_series(table)  # the fix reads, as integer steps
    assert spec.time_col == "step" and spec.targets == ["y", "z"] and spec.freq == 1


def test_integer_steps_at_another_step_are_named_so_not_as_gaps():
    """Rows 2 steps apart given to a step-1 model were "199 timestamps are missing ... (gaps)" with a
    fill advice, where dates at another frequency get "its rows are '24h' apart, not 'h'"."""
    _, spec = load_series(_steps(np.arange(60)))
    with pytest.raises(DataError, match=r"its rows are 2 steps apart, not step-1 \(59 timestamps") as error:
        load_like(_steps(np.arange(60) * 2), spec)
    assert "pass integer times at the step of 1 the model was fitted at" in str(error.value)
    with pytest.raises(DataError, match="its rows are 3 steps apart, not step-1") as error:
        load_series(_steps(np.arange(60) * 3), freq=1)  # at fit: the integer freq, not a pandas alias
    assert "pass freq= the integer step between rows, or leave freq out" in str(error.value)
    assert "pandas alias" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        (
            "{:,.2f}",
            "pd.read_csv(path, thousands=','), or convert the column: "
            "df['OT'] = df['OT'].str.replace(',', '').astype(float)",
        ),
        (
            "{:_.2f}",  # 30.531,25 as German spreadsheets show it
            "pd.read_csv(path, thousands='.', decimal=','), or convert the column: "
            "df['OT'] = df['OT'].str.replace('.', '').str.replace(',', '.').astype(float)",
        ),
    ],
)
def test_text_numbers_with_thousands_separators_are_reported_not_dropped(text, fix):
    """A DataFrame column of text such as ``'30,531.00'`` was not taken for numbers, so it was left
    out of the targets without a word: the model forecast the other columns only."""
    values = np.linspace(1000.0, 40000.0, 60)
    shown = [text.format(v) for v in values]
    if "_" in text:
        shown = [s.replace("_", "X").replace(".", ",").replace("X", ".") for s in shown]
    table = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=60, freq="D"), "OT": shown, "HUFL": np.arange(60.0)}
    )
    with pytest.raises(DataError, match=r"column 'OT' has non-numeric values") as error:
        load_series(table)
    assert fix in str(error.value)
    exec(f"{fix.split('convert the column: ')[1]}", {}, {"df": table})  # the conversion given reads it
    frame, spec = load_series(table)
    assert spec.targets == ["OT", "HUFL"] and np.allclose(frame["OT"], values)
