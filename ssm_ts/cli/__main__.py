"""``python -m ssm_ts.cli``: the ``ssm-ts`` command, as ``python -m ssm_ts``."""

from ssm_ts.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
