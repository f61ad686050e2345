"""Evaluate a selection, call a function from its lens, or run this file."""

from geometry import Circle, unit_circle


def total_area(*radii: float) -> float:
    return sum(Circle(r).area() for r in radii)


def report() -> str:
    print("computing the unit circle's area")
    return f"{unit_circle().area():.3f}"


if __name__ == "__main__":
    print(report())
