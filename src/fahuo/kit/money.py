"""Money: integer fen in the database, ``Decimal`` yuan at the edges — one formatter for every page,
export, PDF and CLI, so an amount reads the same wherever a seller meets it.

>>> format_yuan(1028000)
'¥10,280.00'
>>> format_yuan(-30, signed=True, symbol=False)
'-0.30'
>>> format_yuan(None)
'—'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# How a missing amount (no plan, no rate, nothing shipped yet) shows everywhere.
MISSING = "—"
MINUS = "−"  # U+2212: a price change reads as a sign, not a hyphen


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as exact yuan with two places: 10280 -> Decimal('102.80')."""
    return (Decimal(int(fen)) / 100).quantize(CENT)


def yuan_to_fen(amount: Decimal) -> int:
    """Yuan (as typed or read from a sheet) to integer fen, half up: a third decimal is rounding."""
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_yuan(
    fen: int | None,
    *,
    symbol: bool = True,
    grouping: bool = True,
    signed: bool = False,
    missing: str = MISSING,
) -> str:
    """Fen as yuan text: ``¥10,280.00``; ``signed`` always shows the sign (``+0.50``, ``-0.30``);
    ``symbol``/``grouping`` off for machine-read columns (CSV, API strings)."""
    if fen is None:
        return missing
    yuan = fen_to_yuan(fen)
    number = f"{abs(yuan):,.2f}" if grouping else f"{abs(yuan):.2f}"
    sign = "-" if yuan < 0 else ("+" if signed else "")
    return f"{sign}{'¥' if symbol else ''}{number}"


def format_price_change(fen: int | None) -> str:
    """A price change: -30 -> −¥0.30, 50 -> +¥0.50, 0 -> ¥0.00 (no sign on no change)."""
    if fen is None:
        return MISSING
    if fen == 0:
        return format_yuan(0)
    return format_yuan(fen, signed=True).replace("-", MINUS, 1)
