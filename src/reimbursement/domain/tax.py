"""A line's tax: the tax included in its amount, as the receipt or invoice states it."""

from __future__ import annotations

from .money import Money

__all__ = ["tax_problem"]


def tax_problem(path: str, tax: Money | None, amount: Money) -> tuple[str, str] | None:
    """What is wrong with ``tax`` as the tax included in ``amount``: ``(path, message)``.

    ``None`` when nothing is. A line's tax is in its amount's currency, from zero up to the amount.
    """
    if tax is None:
        return None
    if tax.currency != amount.currency:
        return path, f"is in {tax.currency}, the line's amount is in {amount.currency}"
    if tax.amount < 0:
        return path, f"must be zero or more, got {tax}"
    if tax > amount:
        return path, f"{tax} is more than the line's amount {amount}, which includes it"
    return None
