"""A small module to try evalens on: open it with shapes.py and evaluate."""

import math
from dataclasses import dataclass


@dataclass
class Circle:
    radius: float

    def area(self) -> float:
        return math.pi * self.radius**2


def unit_circle() -> Circle:
    return Circle(1.0)
