"""Numbers as a Brazilian reader writes them: decimal comma, a space before %, "—" for none."""

from __future__ import annotations


def number(value: float | None, digits: int = 3, *, sign: bool = False) -> str:
    """``0.8375`` → ``"0,838"``; ``sign`` shows ``+`` on positives."""
    if value is None:
        return "—"
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace(".", ",")


def percent(value: float | None, digits: int = 0) -> str:
    """``0.436`` → ``"44 %"`` (``digits`` decimals)."""
    return "—" if value is None else f"{number(100 * value, digits)} %"
