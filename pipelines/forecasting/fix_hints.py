"""The fix an error about the data suggests: ``fill=``/``freq=`` at fit, the data at predict time."""

from __future__ import annotations

from dataclasses import dataclass

from .frames import is_integer_step


@dataclass(frozen=True)
class FixHints:
    """The fix to suggest: at fit the caller can pass ``fill=``/``freq=``; a fitted model's
    ``predict``/``backtest`` cannot (they reuse the policy and frequency chosen at fit)."""

    fill: str
    freq: str
    fitted: bool = False  # a fitted model needs each column it was fitted on: none can be left out

    @classmethod
    def for_fit(cls) -> FixHints:
        return cls(
            fill='or pass fill="ffill" / fill="interpolate" to fill them',
            freq="pass freq= (a pandas alias such as 'h', '15min', 'D', 'W', 'MS')",
        )

    @classmethod
    def for_fitted(cls, freq: str | int, periods: bool = False) -> FixHints:
        fill = (
            "or fill them in the DataFrame (predict and backtest apply the fill policy chosen at fit, "
            'here none; fit with fill="ffill" / fill="interpolate" to fill them automatically)'
        )
        if is_integer_step(freq):
            step = f"pass integer times at the step of {freq} the model was fitted at"
        elif periods:
            step = f"pass one row per {freq!r} period, the Periods the model was fitted on"
        else:
            step = (
                f"pass rows on the {freq!r} grid the model was fitted at "
                f"(e.g. df.resample({freq!r}, on=<time column>).mean())"
            )
        return cls(fill=fill, freq=step, fitted=True)
