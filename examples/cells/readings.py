"""A week of hourly temperature readings (°C) from three weather stations: the data that
analysis.py explores. Made up, but shaped like real data: a daily cycle, a cold front
on the fourth day, and some noise."""

STATIONS = ("harbour", "hill", "airport")
#: mean temperature, and half the day-night swing, per station
CLIMATE = {"harbour": (14.0, 3.0), "hill": (11.5, 6.5), "airport": (15.2, 5.0)}


def reading(station: str, day: int, hour: int) -> float:
    mean, swing = CLIMATE[station]
    cycle = -swing * ((hour - 15) / 12) ** 2 + swing / 2  # warmest at 3 pm
    front = -4.0 if day == 3 else (-1.5 if day == 4 else 0.0)
    noise = ((day * 7 + hour * 13 + len(station) * 5) % 11 - 5) * 0.15
    return round(mean + cycle + front + noise, 1)


READINGS = {station: [reading(station, day, hour) for day in range(7) for hour in range(24)] for station in STATIONS}
