"""Tests for chapter 1's figures and explorer (pgcore.widgets.action_values); TD is in test_td.py."""


import numpy as np
import pytest
from matplotlib.figure import Figure

import pgcore as pg
from pgcore.plotting import png_bytes
from pgcore.widgets.action_values import (EpsilonGreedyExplorer, epsilon_greedy_explorer,
                                          plot_corridor, plot_corridor_performance,
                                          plot_greedy_flip, plot_gridworld, plot_mc_error)

# the short corridor's best state-blind policy, from dJ/dp = 0 <=> p^2 - 4p + 2 = 0
P_STAR = 2.0 - np.sqrt(2.0)


# --------------------------------------------------------------------------
# the explorer
# --------------------------------------------------------------------------
def test_explorer_defaults_match_the_math():
    ex = epsilon_greedy_explorer()
    r = ex.result
    np.testing.assert_allclose(r["p"], [0.05, 0.95])
    corridor, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    for p, J in zip(r["p"], r["J"]):
        assert J == pytest.approx(pg.performance(corridor, pol, pg.envs.corridor_theta(p)), rel=1e-10)
    assert r["J"][0] == pytest.approx(-3.9 / 0.0475)
    assert r["p_star"] == pytest.approx(P_STAR)
    grid = np.linspace(1e-3, 1 - 1e-3, 100_001)
    assert r["J_star"] == pytest.approx(pg.envs.corridor_performance(grid).max(), abs=1e-6)
    assert r["gap"] == pytest.approx(r["J_star"] - r["J"][1])
    assert r["message"] is None
    assert all(pt.get_visible() for pt in ex.points)
    assert "J* = -11.66" in ex.title_text.get_text()


def test_explorer_epsilon_zero_reports_instead_of_raising():
    ex = EpsilonGreedyExplorer()
    r = ex.set(epsilon=0.0)
    assert r["message"] and "never reaches G" in r["message"]
    assert np.isneginf(r["J"]).all()
    assert not any(pt.get_visible() for pt in ex.points[:2])
    assert ex.message.get_visible()
    r = ex.set(epsilon=0.5)
    assert r["message"] is None and not ex.message.get_visible()
    assert all(pt.get_visible() for pt in ex.points)


@pytest.mark.parametrize("eps", [-0.5, 1e-12, 0.01, 0.999999, 1.0, 1.5, 7])
def test_explorer_extreme_values(eps):
    ex = EpsilonGreedyExplorer()
    r = ex.set(epsilon=eps)
    e = min(max(eps, 0.0), 1.0)
    assert r["epsilon"] == e
    np.testing.assert_allclose(r["p"], [e / 2, 1 - e / 2])
    if e > 0:
        np.testing.assert_allclose(r["J"], pg.envs.corridor_performance(r["p"]))
        # off-scale points are pinned inside the axes, not lost
        for pt in ex.points[:2]:
            assert pt.get_ydata()[0] >= -99.0
    png_bytes(ex.fig)  # draws without error


def test_explorer_epsilon_one_is_the_uniform_policy():
    r = epsilon_greedy_explorer(epsilon=1.0).result
    np.testing.assert_allclose(r["J"], [-12.0, -12.0])


def test_explorer_hits_the_optimum_at_the_matching_epsilon():
    r = EpsilonGreedyExplorer().set(epsilon=2 * (1 - P_STAR))
    assert r["J"][1] == pytest.approx(r["J_star"])
    assert r["gap"] == pytest.approx(0.0, abs=1e-9)


def test_explorer_reset_and_unknown_controls():
    ex = EpsilonGreedyExplorer(epsilon=0.3)
    ex.set(epsilon=0.7)
    assert ex.reset()["epsilon"] == 0.3
    with pytest.raises(TypeError):
        ex.set(temperature=1.0)
    with pytest.raises(TypeError):
        EpsilonGreedyExplorer(alpha=1.0)


def test_explorer_controls_drive_the_update():
    ex = EpsilonGreedyExplorer()
    box = ex.widget()
    slider = box.children[0]
    assert slider.value == pytest.approx(0.1)
    slider.value = 0.4
    assert ex.values["epsilon"] == pytest.approx(0.4)
    np.testing.assert_allclose(ex.result["p"], [0.2, 0.8])
    ex.set(epsilon=0.6)  # and back: the slider follows
    assert slider.value == pytest.approx(0.6)


# --------------------------------------------------------------------------
# static figures
# --------------------------------------------------------------------------
def test_static_figures_draw_what_they_are_given():
    grid = pg.envs.gridworld()
    q, v = pg.value_iteration(grid)
    fig = plot_gridworld([("dp", v, pg.greedy_policy(q))], 3, 4, goal=3, start=8)
    ax = fig.axes[0]
    # one arrow per optimal action in the 11 non-goal cells
    n_arrows = sum(1 for t in ax.texts if getattr(t, "arrow_patch", None) is not None)
    assert n_arrows == int((pg.greedy_policy(q)[grid.nonterminal] > 0).sum())
    assert "G" in [t.get_text() for t in ax.texts] and "S" in [t.get_text() for t in ax.texts]

    fig = plot_mc_error([10, 100], [1.0, 0.3], [0.5, 0.15])
    assert len(fig.axes[0].lines) == 3 and fig.axes[0].get_xscale() == "log"

    gap = np.linspace(-1, 1, 5)
    fig = plot_greedy_flip(gap, {"greedy": pg.greedy_policy(np.stack([0 * gap, gap], 1))[:, 1]})
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [0, 0, 0.5, 1, 1])

    assert isinstance(plot_corridor(), Figure)

    p = np.linspace(0.1, 0.9, 9)
    fig, pts = plot_corridor_performance(p, pg.envs.corridor_performance(p),
                                         [("a", 0.5, -12.0), ("b", P_STAR, -11.66)])
    assert len(pts) == 2 and pts[1].get_xdata()[0] == pytest.approx(P_STAR)
    assert fig.axes[0].get_xlabel().startswith("probability of right")
    for f in (fig,):
        assert png_bytes(f)[:4] == b"\x89PNG"
