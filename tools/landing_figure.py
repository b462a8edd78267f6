"""The landing page's picture (chapters/images/landing.png): what the book does, in one figure.

The ε-greedy explorer of chapter 1 at its starting values: the short corridor's
performance J(p) of every state-blind policy, the two ε-greedy policies far below the
best stochastic policy p* = 2 - √2, which policy gradient methods find. Re-run after a
change to the explorer:

    .venv/bin/python tools/landing_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from pgcore.widgets import epsilon_greedy_explorer  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "chapters" / "images" / "landing.png"

if __name__ == "__main__":
    ex = epsilon_greedy_explorer()
    ex.fig.savefig(OUT, dpi=100, metadata={"Software": None})
    print(f"wrote {OUT.relative_to(OUT.parents[2])}")
