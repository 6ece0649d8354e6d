"""Where the rows of a long table expanded with per-series inputs came from, for errors in the user's terms.

:class:`~.series_features.SeriesFeatures` turns each series' own covariate column (``load`` of series
``A``) into rows of a covariate series of its own, ``load[A]``, appended after the user's rows. The
reader then checks that expanded table, and its errors named the internal series (``series 'load[A]'
(unique_id 'load[A]', values in 'y')``) at the expanded table's rows. :class:`FeatureOrigin`, kept on
the expanded :class:`~.reader.Table`, maps both back: the column and series id the user wrote, and the
row of the user's table (its CSV line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .series_ids import numeric_id_dtype, shown_ids

if TYPE_CHECKING:
    from .reader import Table


@dataclass(frozen=True)
class FeatureOrigin:
    """The user's long table an expanded one was built from.

    ``source``: the user's table as read (its name and CSV options; its frame ``(n_user_rows, 1)``, the
    series ids only);
    ``rows``: ``(n_expanded_rows,)`` the user's row of each expanded row, ``-1`` for a static's row (no
    row of the table holds it); ``names``: ``{covariate series: (column, series id as text)}``;
    ``statics``: the columns of ``names`` that are static features (from ``static_df``).
    """

    source: Table
    rows: np.ndarray
    names: dict[str, tuple[str, str]]
    id_col: str
    statics: tuple[str, ...] = ()

    def shown_id(self, name: str) -> Any:
        """The user's series id of covariate series ``name`` (``'A'`` for ``load[A]``; an integer id
        as ``1``), else ``name`` as the user's table writes it."""
        series = self.names[name][1] if name in self.names else name
        return shown_ids([series], numeric_id_dtype(self.source.frame[self.id_col]))[0]

    def column_text(self, name: str) -> str | None:
        """``column 'load' of series 'A' (unique_id 'A')`` for a covariate series of a per-series
        column, ``static 'size' of series 'A' (static_df)`` for a static's; ``None`` for another."""
        if name not in self.names:
            return None
        column, _ = self.names[name]
        shown = self.shown_id(name)
        if column in self.statics:  # no column of the table holds it
            return f"static feature {column!r} of series {shown!r} (static_df)"
        return f"column {column!r} of series {shown!r} ({self.id_col} {shown!r})"

    def user_rows(self, positions) -> list[int]:
        """The user's rows of the expanded table's rows ``positions`` (a static's rows left out)."""
        mapped = self.rows[np.asarray(list(positions), dtype=np.int64)]
        return list(dict.fromkeys(int(r) for r in mapped if r >= 0))  # a row read as two series' once

    def fill_code(self, name: str, table_name: str, sort_by: str | None = None) -> str:
        """The pandas line that fills the empty cells of covariate series ``name`` with each series'
        value before them, in the user's table (``futr_df`` or ``df``, as ``table_name`` calls it);
        ``""`` for another series or a static. ``sort_by``: the time column, for a table whose rows
        of a series are not in time order, sorted first (a fill in row order would carry the value of
        a later time, or another row's, into the cell)."""
        if name not in self.names or self.names[name][0] in self.statics:
            return ""
        column = self.names[name][0]
        var = table_variable(table_name)
        order = (
            f"{var} = {var}.sort_values([{self.id_col!r}, {sort_by!r}], ignore_index=True); "
            if sort_by
            else ""
        )
        return f"{order}{var}[{column!r}] = {var}.groupby({self.id_col!r})[{column!r}].ffill()"


def table_variable(where: str) -> str:
    """The variable a fix written as code names the user's table by: ``futr_df`` for the table
    ``where`` calls ``futr_df`` (``the futr_df DataFrame``), else ``df``."""
    return "futr_df" if "futr_df" in where else "df"


def own_covariate(name: str, targets: list[str], long_format: bool) -> tuple[str, str] | None:
    """``(column, series)`` of the covariate series ``name`` of a long table's per-series column
    (``('load', 'A')`` for ``load[A]``, :func:`~.series_features.feature_series`), by the fitted
    ``targets``; ``None`` for a target or a shared covariate. For messages about a checked frame, where
    no :class:`FeatureOrigin` is at hand."""
    if not long_format or not name.endswith("]") or name in targets:
        return None
    for target in targets:
        if name.endswith(f"[{target}]") and len(name) > len(target) + 2:
            return name[: -len(target) - 2], target
    return None


def user_covariates(names: list[str], targets: list[str], long_format: bool) -> list[str]:
    """``names`` (covariate series) as the user's table gives them: each series' own column once
    (``load`` for ``load[A]``, ``load[B]``), shared covariates as they are."""
    shown = [own[0] if (own := own_covariate(n, targets, long_format)) else n for n in names]
    return list(dict.fromkeys(shown))
