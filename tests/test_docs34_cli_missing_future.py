"""``ssm-ts forecast predict`` of a model with per-series known-future inputs and statics, given a
history without the forecast steps' rows: the error names the columns to give as ``Forecaster.predict``
does, without the statics the checkpoint keeps, and its fix passes ``--futr_path``. Before, it asked the
command's user for the statics' values too (``futr['size'] = ...``) and ended with the Python call
``predict(futr_df=futr)``."""

from __future__ import annotations

from tests.cli_runs import refused_in
from tests.test_clistat33_cli_series_features import fitted  # noqa: F401  (the module's CLI fit)


def test_predict_short_of_future_rows_asks_for_promo_and_futr_path(fitted, capsys):  # noqa: F811
    args = ["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", "today.csv"]
    said = " ".join(refused_in(fitted, args, capsys).split())
    assert "the column ['promo'] of series ['store_1', 'store_2', 'store_3']" in said, said
    assert "(static_df's ['size', 'area'] the model keeps)" in said
    assert "futr['size']" not in said and "futr['area']" not in said
    assert "futr['promo'] = <its values, in futr's row order>" in said
    fix = "then futr.to_csv('future.csv', index=False), and give it to this command: --futr_path future.csv"
    assert fix in said
    assert "predict(futr_df=futr)" not in said
