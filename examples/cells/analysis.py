# %% [markdown]
# # A week at three weather stations
#
# Run this file cell by cell: each `# %%` line starts a cell. In VS Code, Shift+Enter
# runs the cell under the cursor and moves to the next; in Neovim `:EvalensRunCell`
# (`]c` / `[c` move between cells); in Emacs `C-c . .`; in any editor, the *Run cell*
# lens above each cell. The value of a cell's last line shows at its end.
#
# Edit `readings.py` without saving it: the next cell you run sees the edit.

# %% Load the readings
import statistics

from readings import READINGS, STATIONS

hours = {station: len(values) for station, values in READINGS.items()}
hours


# %% Daily means
def daily_means(values, per_day=24):
    """The mean of each day's readings."""
    days = []

    for start in range(0, len(values), per_day):
        days.append(round(statistics.fmean(values[start : start + per_day]), 2))

    return days


means = {station: daily_means(READINGS[station]) for station in STATIONS}
means["harbour"]

# %% The warmest station each day
warmest = [max(STATIONS, key=lambda station: means[station][day]) for day in range(7)]
warmest


# %% Spread: how far apart the stations are
def spread(day):
    values = [means[station][day] for station in STATIONS]
    return round(max(values) - min(values), 2)


[spread(day) for day in range(7)]

# %% A question to answer next
# Which station had the largest swing between night and day?
swing = {station: round(max(values) - min(values), 1) for station, values in READINGS.items()}
max(swing, key=swing.get), swing
