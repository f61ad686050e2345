# %% [markdown]
# # Plots, images and tables, shown where you run them
#
# Run each cell (Shift+Enter in VS Code, `:EvalensRunCell` in Neovim, `C-c . .` in
# Emacs, or the *Run cell* lens). A figure that a run made or changed is shown as
# the run ends, and stays open: a later run that changes it shows it again.
# `plt.show()` shows every open figure at once and closes them. Needs matplotlib
# (`pip install matplotlib`).

# %% A line plot: shown as the cell ends
import math

import matplotlib.pyplot as plt

xs = [i / 20 for i in range(200)]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(xs, [math.sin(x) for x in xs], label="sin")
ax.plot(xs, [math.cos(x) for x in xs], label="cos")
ax.legend()

# %% Change it: the open figure changed, so it is shown again
ax.set_title("Two waves")

# %% plt.show() shows every open figure at once, then closes them
plt.close(fig)  # done with the waves
for power in (1, 2):
    plt.figure(figsize=(3, 2))
    plt.plot(xs, [x**power for x in xs])
plt.show()


# %% Anything with IPython's display methods shows as what it is
class Swatch:
    """A colour that shows as a square of it (HTML) and as its name (text)."""

    def __init__(self, colour):
        self.colour = colour

    def __repr__(self):
        return f"Swatch({self.colour!r})"

    def _repr_html_(self):
        return f'<div style="width:3em;height:3em;background:{self.colour}"></div>'


Swatch("teal")

# %% evalens.display shows several things from one run
import evalens

for colour in ("tomato", "gold", "steelblue"):
    evalens.display(Swatch(colour))
