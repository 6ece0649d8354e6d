"""Per-series inputs of a long table: neuralforecast's exogenous columns (each series' own price beside
its ``y``) and its ``static_df`` (one row of static features per series).

Both become covariate series of the long table, one per (feature, series), named ``feature[series]``
(``price[store_1]``, ``store_size[store_1]``): rows of their own, so reading, checks, fills, splits,
windows and scaling treat them as any covariate. A static feature is a known-future covariate
constant over the panel's times. The model reads, beside each target's history, the shared covariates
and that target's own features only (:meth:`SeriesFeatures.covariate_index`, the model's
``covariate_index``). A static column, constant in time, is scaled across the series (one mean and
scale per feature, :meth:`SeriesFeatures.pooled_scaler`): scaled per column, as other covariates are,
every series' value would become 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError

from .feature_origin import FeatureOrigin, table_variable
from .long_table import is_long, long_time_column
from .reader import Table, read_table
from .scaler import ScalerState
from .series_spec import SeriesSpec


def feature_series(feature: str, series: str) -> str:
    """The covariate series holding ``feature`` of ``series``: ``"price[store_1]"``."""
    return f"{feature}[{series}]"


@dataclass(frozen=True)
class SeriesFeatures:
    """The per-series inputs a model was fitted with (kept with it as JSON).

    ``past`` / ``future``: columns of the long table read per series as past / known-future
    covariates; ``statics``: ``{static column: {series name: value}}`` from ``static_df`` (every series
    given there, fitted or not); ``series``: the fitted series that read them, in target order.
    """

    id_col: str
    value_col: str
    series: list[str]
    past: list[str] = field(default_factory=list)
    future: list[str] = field(default_factory=list)
    statics: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def static_columns(self) -> list[str]:
        return list(self.statics)

    @property
    def features(self) -> list[str]:
        """Every per-series feature in channel order: past columns, future columns, statics."""
        return [*self.past, *self.future, *self.static_columns]

    def covariates(self) -> tuple[list[str], list[str]]:
        """The covariate series ``(past, known-future)`` these features add to the spec."""
        past = [feature_series(f, s) for f in self.past for s in self.series]
        future = [feature_series(f, s) for f in [*self.future, *self.static_columns] for s in self.series]
        return past, future

    def covariate_index(self, spec: SeriesSpec) -> list[list[int]]:
        """Per target of ``spec``: the covariate channels it reads (positions among
        ``spec.past_covariates + spec.future_covariates``): the shared covariates, then its own
        features in :attr:`features` order. ``(n_targets, n_shared + n_features)``."""
        covariates = [*spec.past_covariates, *spec.future_covariates]
        position = {name: i for i, name in enumerate(covariates)}
        own = {feature_series(f, s) for f in self.features for s in self.series}
        shared = [i for i, name in enumerate(covariates) if name not in own]
        return [shared + [position[feature_series(f, t)] for f in self.features] for t in spec.targets]

    def pooled_scaler(self, scaler: ScalerState, spec: SeriesSpec) -> ScalerState:
        """``scaler`` with each static feature scaled across ``spec``'s series: one mean and standard
        deviation (1 when every series has the same value) over the series' values, for all its
        columns. Per column, a feature constant in time would scale to 0 for every series."""
        mean, scale = list(scaler.mean), list(scaler.scale)
        index = {name: i for i, name in enumerate(scaler.columns)}
        for column, values in self.statics.items():
            shown = np.array([values[t] for t in spec.targets], dtype="float64")
            std = float(shown.std())
            for target in spec.targets:
                i = index[feature_series(column, target)]
                mean[i], scale[i] = float(shown.mean()), std if std > 0 else 1.0
        return dataclasses.replace(scaler, mean=mean, scale=scale)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesFeatures:
        return cls(**data)

    def expand(self, frame: pd.DataFrame, time_col: str, where: str) -> pd.DataFrame:
        """The long ``frame`` with the feature rows of its series: each per-series column's values as
        rows of ``column[series]``, each static as rows of ``static[series]`` at every time of the
        table (a series that ends early reads them over its horizon; after the table's end a forecast
        adds them, :meth:`future_rows`). The per-series columns themselves are dropped. ``where``
        names the table in errors.

        Raises:
            DataError: a fitted series or per-series column missing from ``frame``, or a column with
                no value for some series.
        """
        frame = long_frame(frame, self.id_col, time_col)
        require_time_column(frame, time_col, [self.id_col, self.value_col, *self.features], where)
        columns = [*self.past, *self.future]
        require_feature_columns(frame, columns, self.id_col, where)
        names = frame[self.id_col].astype(str).to_numpy()
        require_fitted_series(names, self.series, self.features, self.id_col, where)
        for column in columns:
            require_every_series(frame, names, column, self.series, self.id_col, where)
            require_covered_ends(
                frame, names, column, self.series, time_col, self.value_col, self.id_col, where
            )
        parts = [frame.drop(columns=columns), *self.feature_rows(frame, names, columns, time_col)]
        return pd.concat(parts, ignore_index=True)

    def expanded_table(
        self, table: Table, time_col: str, future: bool = False, where: str | None = None
    ) -> Table:
        """``table`` (a long table as read) with its frame expanded (:meth:`expand`, or with ``future``
        :meth:`expand_future`; errors calling it ``where``, by default its name), keeping where each row
        came from (:meth:`origin`) so that errors reading it name the user's column, series and row."""
        expand = self.expand_future if future else self.expand
        frame = expand(table.frame, time_col, where or table.name)
        return dataclasses.replace(table, frame=frame, features=self.origin(table, time_col, future))

    def origin(self, table: Table, time_col: str, future: bool = False) -> FeatureOrigin:
        """Where the rows of ``table``'s :meth:`expand` (``future``: :meth:`expand_future`) came from:
        :class:`~.feature_origin.FeatureOrigin`, for errors in the user's terms, not ``load[A]``'s."""
        source = long_frame(table.frame, self.id_col, time_col)
        held = future and self.holds_feature_rows(source)  # read as it is
        rows = np.arange(len(source)) if held else self._source_rows(source, time_col, future)
        names = {feature_series(f, s): (f, s) for f in self.features for s in self.series}
        # the user's table without its values: its rows, ids and file are what errors name
        kept = dataclasses.replace(table, frame=source[[self.id_col]])
        return FeatureOrigin(kept, rows, names, self.id_col, tuple(self.statics))

    def _source_rows(self, frame: pd.DataFrame, time_col: str, future: bool) -> np.ndarray:
        """``(n_expanded_rows,)`` the row of ``frame`` each row of its :meth:`expand` (``future``:
        :meth:`expand_future`) came from, ``-1`` for a static's: in the order those stack their parts."""
        own = _is_in(frame[self.id_col].astype(str).to_numpy(), self.series)
        kept = np.flatnonzero(~own) if future else np.arange(len(frame))
        columns = self.future if future else [*self.past, *self.future]
        n_static = len(self.statics) * len(self.series) * frame[time_col].nunique(dropna=False)
        return np.concatenate([kept, *[np.flatnonzero(own)] * len(columns), np.full(n_static, -1)])

    def expand_future(self, futr: pd.DataFrame, time_col: str, where: str) -> pd.DataFrame:
        """A long ``futr`` (neuralforecast's ``futr_df``: ``unique_id``, the time column and the
        known-future columns, for the forecast steps) as rows of the covariate series: each series'
        known-future column values as rows of ``column[series]``, each static at every time of ``futr``,
        the rows of shared covariate series as they are. Already such rows: ``futr`` as it is.

        Raises:
            DataError: a per-series known-future column, or a fitted series, missing from ``futr``.
        """
        futr = long_frame(futr, self.id_col, time_col)
        require_time_column(futr, time_col, [self.id_col, self.value_col, *self.features], where)
        if self.holds_feature_rows(futr):
            return futr
        names = futr[self.id_col].astype(str).to_numpy()
        if self.future:
            require_feature_columns(futr, self.future, self.id_col, where)
            require_fitted_series(names, self.series, self.future, self.id_col, where)
        given = [c for c in [*self.past, *self.future] if c in futr.columns]
        shared = futr[~_is_in(names, self.series)].drop(columns=given)  # rows of shared covariates
        parts = [shared, *self.feature_rows(futr, names, self.future, time_col)]
        return pd.concat(parts, ignore_index=True)

    def feature_rows(
        self, frame: pd.DataFrame, names: np.ndarray, columns: list[str], time_col: str
    ) -> list[pd.DataFrame]:
        """The covariate-series rows of the long ``frame`` (``names``: its rows' series, as text): for
        each of ``columns``, the fitted series' values as rows of ``column[series]`` at their own times;
        then each static as rows of ``static[series]`` at every time of ``frame``. One frame each,
        ``(rows, 3)``: ``time_col``, ``id_col``, ``value_col``."""
        own = _is_in(names, self.series)
        codes, series = pd.factorize(names[own])  # each series' name built once, not once a row
        parts = []
        for column in columns:
            # the Index's take: pandas' text without a Python string a row, as an object array made it
            ids = pd.Index([feature_series(column, name) for name in series]).take(codes)
            rows = {time_col: frame[time_col].to_numpy()[own], self.id_col: ids,
                    self.value_col: frame[column].to_numpy()[own]}  # fmt: skip
            parts.append(pd.DataFrame(rows))
        times = frame[time_col].drop_duplicates().to_numpy()
        for column, values in self.statics.items():  # one frame a static: a frame a series is slow at 1,000
            rows = {
                time_col: np.tile(times, len(self.series)),
                self.id_col: pd.Index([feature_series(column, s) for s in self.series]).repeat(len(times)),
                self.value_col: np.repeat([values[s] for s in self.series], len(times)),
            }
            parts.append(pd.DataFrame(rows))
        return parts

    def holds_feature_rows(self, frame: pd.DataFrame) -> bool:
        """True when the long ``frame`` holds feature series already (``price[store_1]`` rows, as the
        model's MLflow input example and a forecast's long history do): it is read as it is."""
        past, future = self.covariates()
        ids = long_columns(frame, self.id_col)[self.id_col].astype(str)
        return bool(ids.isin([*past, *future]).any())

    def future_rows(self, frame: pd.DataFrame, spec: SeriesSpec, future_times: pd.Index) -> pd.DataFrame:
        """``frame`` (read with ``spec``, no rows after its last observation) and ``future_times``
        rows after it holding the static features (NaN targets): the known-future inputs a forecast
        reads when the statics are its only known-future covariates."""
        statics = {
            feature_series(c, s): values[s] for c, values in self.statics.items() for s in spec.targets
        }
        # one frame at once: a column at a time fragments it (pandas warns past ~100 columns)
        rows = pd.DataFrame({spec.time_col: future_times, **statics})
        return rows.reindex(columns=frame.columns)

    @property
    def only_static_future(self) -> bool:
        """True when the statics are the only known-future per-series features (a forecast then needs no
        future rows of the user's)."""
        return bool(self.statics) and not self.future


def long_columns(frame: pd.DataFrame, id_col: str) -> pd.DataFrame:
    """``frame`` with a ``(unique_id, ds)`` MultiIndex as columns (the reader reads it so too)."""
    if id_col not in frame.columns and id_col in (frame.index.names or []):
        return frame.reset_index()
    return frame


def long_frame(frame: pd.DataFrame, id_col: str, time_col: str) -> pd.DataFrame:
    """:func:`long_columns` of ``frame``, with its times as a column when they are its index (as the
    reader reads them too)."""
    frame = long_columns(frame, id_col)
    if time_col not in frame.columns and time_col in (frame.index.names or []):
        return frame.reset_index()
    return frame


def first_ten(names: list[str]) -> str:
    """The first ten of ``names`` as a list, then how many in all when there are more (as the errors
    name them): ``"['a', 'b']"``; for 12 names, the first ten's list and ``" (12 in all)"``."""
    return f"{names[:10]}{f' ({len(names)} in all)' if len(names) > 10 else ''}"


def require_time_column(frame: pd.DataFrame, time_col: str, others: list[str], where: str) -> None:
    """``frame`` holds the fitted time column (a pandas ``KeyError`` escaped before), else a
    :class:`DataError` whose rename names the column that looks like the times: the first of dates,
    else the first that is none of ``others`` (its ids, values and features)."""
    if time_col in frame.columns:
        return
    columns = [c for c in frame.columns if c not in others]
    dates = [c for c in columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    name = table_variable(where)
    fix = (
        f"{name} = {name}.rename(columns={{{(dates or columns)[0]!r}: {time_col!r}}})"
        if dates or columns
        else f"add the times as a column {time_col!r}"
    )
    raise DataError(
        f"{where} has no column {time_col!r}, the time column the model was fitted with (columns: "
        f"{list(frame.columns)[:10]}); name its times so: {fix}."
    )


def require_feature_columns(frame: pd.DataFrame, columns: list[str], id_col: str, where: str) -> None:
    """The per-series columns a model was fitted with are columns of ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where} has no column {missing[0]!r}: the model was fitted with the per-series covariate "
            f"column{'s' if len(missing) > 1 else ''} {missing} beside {id_col!r}, 'ds' and 'y'; give "
            f"{'them' if len(missing) > 1 else 'it'} for every series (columns: {list(frame.columns)[:10]})."
        )


def require_fitted_series(
    names: np.ndarray, series: list[str], features: list[str], id_col: str, where: str
) -> None:
    """Every series a model with per-series inputs was fitted on is in the table: each reads its own
    features, so a table of some of them has no rows to stand in for the others."""
    given = set(names)  # once: in the comprehension it was rebuilt for each series
    missing = [s for s in series if s not in given]
    if missing:
        raise DataError(
            f"{where} has no rows of series {first_ten(missing)}; "
            f"the model reads per-series inputs ({', '.join(features)}), so it forecasts from a table of every "
            f"series it was fitted on ({series[:10]}). Give their rows too, then keep the forecasts you need: "
            f"forecast[forecast[{id_col!r}].astype(str).isin([...])]."
        )


def require_every_series(
    frame: pd.DataFrame, names: np.ndarray, column: str, series: list[str], id_col: str, where: str
) -> None:
    """Every series reads its own values of a per-series covariate column: one with no value in it
    (the column given for some series only) is refused, naming those series."""
    given = set(pd.unique(names[frame[column].notna().to_numpy()]))  # hashed once, no groupby of every row
    empty = [s for s in series if s not in given]
    if empty:
        raise DataError(
            f"{where}: column {column!r} (a per-series covariate) has no values for series "
            f"{first_ten(empty)}; every series reads its own {column!r}. "
            f"Give it for those series too, or leave them out: "
            f"df = df[~df[{id_col!r}].astype(str).isin({empty[:10]!r})]."
        )


def require_covered_ends(
    frame: pd.DataFrame,
    names: np.ndarray,
    column: str,
    series: list[str],
    time_col: str,
    value_col: str,
    id_col: str,
    where: str,
) -> None:
    """A per-series covariate column holds a value at each series' first and last observed times:
    a covariate series starting after its target (or ending before it) is empty there, outside its
    own span, which neither the checks nor a fill reach, and the windows read NaN (the fit stopped
    at its first batch with a NaN loss). Gaps inside are gaps as ever (an error, or ``fill=``)."""
    observed = (
        frame[value_col].notna().to_numpy() if value_col in frame.columns else np.ones(len(frame), bool)
    )
    present, times = frame[column].notna().to_numpy(), frame[time_col].to_numpy()
    lacking = set(pd.unique(names[observed & ~present]))
    if not lacking.intersection(series):  # as a fitted model's tables are: no rows grouped
        return
    # the rows of each series with an empty observed value, grouped once (a scan of every row per
    # series took seconds at 1,000 series)
    rows_of = pd.Series(np.arange(len(frame))).groupby(names).indices
    for name in (s for s in series if s in lacking):
        rows = rows_of[name][observed[rows_of[name]]]
        rows = rows[np.argsort(times[rows], kind="stable")]
        held = np.flatnonzero(present[rows])
        first, last = (held[0], held[-1]) if len(held) else (len(rows), -1)
        empty = rows[np.r_[0:first, last + 1 : len(rows)]]
        if len(empty):
            shown = ", ".join(frame[time_col].iloc[empty[:3]].astype(str)) + (
                ", ..." if len(empty) > 3 else ""
            )
            raise DataError(
                f"{where}: column {column!r} (a per-series covariate) is empty for series {name!r} at "
                f"{len(empty)} of its times at its start or end ({time_col} {shown}), where no fill reaches; "
                f"each series reads its own {column!r} at every time it has a value. Give those values, or "
                f"leave those rows out: df = df[df[{column!r}].notna() | (df[{id_col!r}].astype(str) != {name!r})]."
            )


def per_series_columns(frame: pd.DataFrame, names: list[str], id_col: str, value_col: str) -> list[str]:
    """Those of ``names`` (covariates asked for) that are columns of the long ``frame`` (neuralforecast's
    exogenous columns) and no series of it (its ``id_col`` values, read as covariate series)."""
    if not names:
        return []
    # the distinct ids, not a set of every row's: iterating 500,000 pyarrow strings took seconds
    ids = set(frame[id_col].astype(str).unique())
    return [n for n in names if n in frame.columns and n not in (id_col, value_col) and str(n) not in ids]


def read_static_df(
    static_df: object, id_col: str, frame: pd.DataFrame, series: list[str]
) -> dict[str, dict[str, float]]:
    """``static_df`` (one row per series: ``id_col`` and numeric static features) as
    ``{column: {series name: value}}``, checked against the long ``frame`` whose ``series`` (names)
    read them.

    Raises:
        ConfigError: not a DataFrame.
        DataError: naming the column, the rows and the fix: no ``id_col``, an id given twice, a
            column of text, a missing value, a column ``frame`` holds too, a series without a row.
    """
    if not isinstance(static_df, pd.DataFrame):
        raise ConfigError(
            f"static_df must be a pandas DataFrame with a {id_col!r} column and one row per series, got "
            f"{type(static_df).__name__}."
        )
    static = long_columns(static_df, id_col)
    if id_col not in static.columns:
        raise DataError(
            f"static_df has no column {id_col!r} (columns: {list(static.columns)[:10]}); name the column "
            f"holding the series ids {id_col!r}, e.g. "
            f"static_df = static_df.rename(columns={{{static.columns[0]!r}: {id_col!r}}}) if it is the first."
        )
    ids = static[id_col].astype(str)
    twice = ids[ids.duplicated(keep=False)]
    if len(twice):
        raise DataError(
            f"static_df: series {twice.iloc[0]!r} has {int((ids == twice.iloc[0]).sum())} rows (rows "
            f"{np.flatnonzero((ids == twice.iloc[0]).to_numpy())[:5].tolist()}, counted from 0); give one "
            f"row per series, e.g. "
            f"static_df = static_df.drop_duplicates(subset=[{id_col!r}], keep='last')."
        )
    columns = [c for c in static.columns if c != id_col]
    if not columns:
        raise DataError(
            f"static_df holds no static features besides {id_col!r}; add their columns or leave static_df out."
        )
    text = [c for c in columns if not pd.api.types.is_numeric_dtype(static[c])]
    if text:
        raise DataError(
            f"static_df column {text[0]!r} holds text ({static[text[0]].dtype}: "
            f"{static[text[0]].dropna().astype(str).iloc[:3].tolist()}); static features are numbers. One-hot encode it: "
            f"static_df = pd.get_dummies(static_df, columns={text!r}, dtype=float)."
        )
    clash = [c for c in columns if c in frame.columns]
    if clash:
        raise DataError(
            f"static_df column {clash[0]!r} is a column of the long table too; one name would be two "
            f"inputs. Rename one: static_df = static_df.rename(columns={{{clash[0]!r}: {clash[0] + '_static'!r}}})."
        )
    # nullable dtypes (Int64, boolean) too: their missing values become NaN, named below
    values = pd.DataFrame({c: static[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns})
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        column = columns[int(np.nonzero(bad.any(axis=0))[0][0])]
        rows = ids[~np.isfinite(values[column].to_numpy())].tolist()
        raise DataError(
            f"static_df column {column!r} is empty (NaN) or infinite for series {rows[:10]}; every series needs "
            f"each static feature. Fill it, e.g. static_df[{column!r}] = "
            f"static_df[{column!r}].fillna(static_df[{column!r}].median()), or drop the column."
        )
    known = set(ids)
    if series and not known & set(series):  # ids written otherwise: the filter fix below would drop every row
        raise DataError(unmatched_ids_error(static[id_col], ids, series, id_col))
    missing = [s for s in series if s not in known]
    if missing:
        raise DataError(
            f"static_df has no row for series {first_ten(missing)} "
            f"of the long table; every series needs its static features. Add their rows, or leave the "
            f"series out: df = df[df[{id_col!r}].astype(str).isin(static_df[{id_col!r}].astype(str))]."
        )
    return {c: dict(zip(ids, values[c].tolist(), strict=True)) for c in columns}


def unmatched_ids_error(given: pd.Series, ids: pd.Series, series: list[str], id_col: str) -> str:
    """The error for a ``static_df`` none of whose ids (``given``, as text ``ids``) is a series of the long
    table (``series``): ids read as numbers there and as text here (``1`` for ``'001'``), with the
    ``zfill`` that matches them when it does."""
    text = (
        f"static_df's {id_col!r} values {given.iloc[:5].tolist()} ({given.dtype}) name none of the long "
        f"table's series {series[:5]}"
    )
    width = len(series[0])
    if all(s.isdigit() and len(s) == width for s in series) and set(ids.str.zfill(width)) & set(series):
        fix = f"static_df[{id_col!r}] = static_df[{id_col!r}].astype(str).str.zfill({width})"
        return f"{text}: the table's ids are zero-padded text. Write static_df's so: {fix}."
    return (
        f"{text}; give static_df one row per series with its {id_col!r} written as in the table "
        f"(read both files with dtype={{{id_col!r}: str}}, e.g. pd.read_csv(path, dtype={{{id_col!r}: str}}))."
    )


def fit_features(
    data: object,
    static_df: object,
    time_col: str | None,
    target: str | list[str] | None,
    past: list[str],
    future: list[str],
    id_col: str = "unique_id",
    value_col: str = "y",
) -> tuple[SeriesFeatures | None, object, str | None, list[str], list[str]]:
    """What ``Forecaster.fit`` reads: ``(features, data, time_col, past, future)``. With ``static_df`` or
    covariates named by a long DataFrame's columns, ``data`` comes back with their feature rows
    (:meth:`SeriesFeatures.expand`), ``time_col`` resolved and ``past``/``future`` naming the shared
    covariates and the feature series; otherwise all come back as given, ``features`` ``None``."""
    if not isinstance(data, pd.DataFrame):
        if static_df is not None:
            raise ConfigError(
                "static_df goes with a long DataFrame (unique_id, ds, y rows); read the CSV first: "
                "fit(pd.read_csv(path), static_df=static_df)."
            )
        return None, data, time_col, past, future
    frame = long_columns(data, id_col)
    if not is_long(frame, id_col, value_col, time_col):
        if static_df is not None:
            raise DataError(
                f"static_df gives features per series of a long table (columns {id_col!r}, 'ds', {value_col!r}); "
                f"the DataFrame is wide (columns {list(frame.columns)[:10]}). Melt it: "
                f"df = df.melt(id_vars=['ds'], var_name={id_col!r}, value_name={value_col!r})."
            )
        return None, data, time_col, past, future
    own_past = per_series_columns(frame, past, id_col, value_col)
    own_future = per_series_columns(frame, future, id_col, value_col)
    if static_df is None and not own_past and not own_future:
        return None, data, time_col, past, future
    time_col = time_col or long_time_column(read_table(frame), id_col, value_col)
    shared = {str(n) for n in [*past, *future] if n not in own_past + own_future}
    ids = list(frame[id_col].dropna().astype(str).unique())  # in order of appearance, without a row loop
    wanted = None if target is None else {str(t) for t in ([target] if isinstance(target, str) else target)}
    series = [s for s in ids if s not in shared and (wanted is None or s in wanted)]
    statics = {} if static_df is None else read_static_df(static_df, id_col, frame, series)
    features = SeriesFeatures(id_col, value_col, series, own_past, own_future, statics)
    feature_past, feature_future = features.covariates()
    past = [n for n in past if n not in own_past] + feature_past
    future = [n for n in future if n not in own_future] + feature_future
    return features, features.expand(frame, time_col, "the DataFrame"), time_col, past, future


def _is_in(names: np.ndarray, series: list[str]) -> np.ndarray:
    """``names`` (text, ``(rows,)``) that are among ``series``, by hashing (NumPy's ``isin`` of text
    compares each row with each series: seconds at 1,000 series)."""
    return pd.Series(names, dtype=object).isin(series).to_numpy()
