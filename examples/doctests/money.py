"""Money amounts in cents, with examples that check themselves.

Click *Run examples* above any docstring (or *Run all examples* on the first line):
the lens then reads ✓ N/N, or ✗ K of N failed with each failing example underlined.
One example below is wrong on purpose: put the cursor on it and take the quick fix
*Update expected output*. Edit `split` without saving and run its examples again.

>>> total([Amount(150), Amount(275)])
Amount(cents=425)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Amount:
    """A non-negative amount of money, in cents.

    >>> Amount(1999)
    Amount(cents=1999)
    >>> print(Amount(1999))
    19.99
    >>> Amount(-1)
    Traceback (most recent call last):
        ...
    ValueError: an amount cannot be negative: -1
    """

    cents: int

    def __post_init__(self) -> None:
        if self.cents < 0:
            raise ValueError(f"an amount cannot be negative: {self.cents}")

    def __str__(self) -> str:
        return f"{self.cents // 100}.{self.cents % 100:02d}"

    def split(self, ways: int) -> list[Amount]:
        """Split into ``ways`` parts that add up to the whole, the larger parts first.

        >>> Amount(1000).split(3)
        [Amount(cents=334), Amount(cents=333), Amount(cents=333)]
        >>> sum(part.cents for part in Amount(1000).split(3))
        1000
        >>> Amount(5).split(2)
        [Amount(cents=2), Amount(cents=2)]
        """
        share, left = divmod(self.cents, ways)
        return [Amount(share + (1 if part < left else 0)) for part in range(ways)]


def total(amounts: list[Amount]) -> Amount:
    """The sum of some amounts.

    >>> total([])
    Amount(cents=0)
    >>> for amount in (Amount(5), Amount(10)):
    ...     print(amount)
    0.05
    0.10
    """
    return Amount(sum(amount.cents for amount in amounts))
