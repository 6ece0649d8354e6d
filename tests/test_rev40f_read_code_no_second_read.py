"""The ``pd.read_csv(path, ...)`` an error's fix prints for a CSV is made from the keywords the read kept
(``Table.csv_keywords``): the whole file was read again to find them (1.4 s for an 84 MB file, in an
error path), and may have changed on disk since."""

from __future__ import annotations

import pandas as pd

from ssm_ts.pipelines.forecasting import read_code
from ssm_ts.pipelines.forecasting.reader import read_table


def test_the_printed_read_uses_the_keywords_of_the_read(tmp_path, monkeypatch):
    path = tmp_path / "european.csv"
    pd.DataFrame({"date": ["2020-01-01", "2020-01-02"], "OT": [1.5, 2.5]}).to_csv(
        path, index=False, sep=";", decimal=","
    )
    table = read_table(path)

    def read_again(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(read_code, "csv_read_keywords_used", read_again)
    assert read_code.read_csv_code(table) == "pd.read_csv(path, sep=';', decimal=',')"
    assert read_code.read_first(table)[0] == "df = pd.read_csv(path, sep=';', decimal=','), then "
