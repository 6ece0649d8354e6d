"""``python -m ssm_ts``: the ``ssm-ts`` command, for environments whose scripts folder is not on PATH."""

from ssm_ts.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
