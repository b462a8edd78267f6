"""Tests for chapter 3's explorer and figures (pgcore.widgets.performance)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pgcore as pg  # noqa: E402
from pgcore.objective import corridor_values, running_mean  # noqa: E402
from pgcore.plotting import png_bytes  # noqa: E402
from pgcore.widgets.performance import (  # noqa: E402
    PerformanceExplorer,
    performance_explorer,
    plot_performance_curve,
    plot_performance_theta,
    plot_running_mean,
)


@pytest.fixture(scope="module")
def ex():
    return performance_explorer()


def bar_heights(ex):
    return np.array([b.get_height() for b in ex.bars])


def test_defaults(ex):
    r = ex.reset()
    assert r["p"] == 0.8 and r["message"] is None
    np.testing.assert_allclose(r["values"], [-15.0, -13.75, -3.75], rtol=1e-12)
    assert r["J"] == pytest.approx(-15.0, rel=1e-12)
    np.testing.assert_allclose(bar_heights(ex), r["values"])
    assert [t.get_text() for t in ex.bar_texts] == ["−15.00", "−13.75", "−3.75"]
    np.testing.assert_allclose(np.ravel(ex.point.get_data()), [0.8, -15.0])
    assert ex.j_title.get_text() == "J(0.80) = −15.00"
    assert not ex.msg.get_visible()


@pytest.mark.parametrize("p", np.round(np.linspace(0.01, 0.99, 99), 2))
def test_every_interior_slider_value_matches_the_closed_form(ex, p):
    r = ex.set(p=float(p))
    assert r["message"] is None
    np.testing.assert_allclose(r["values"], corridor_values(p), rtol=1e-9)
    assert r["J"] == pytest.approx(pg.envs.corridor_performance(p), rel=1e-9)
    np.testing.assert_allclose(bar_heights(ex), r["values"])
    # the bar axes always show the tallest bar
    assert ex.ax_v.get_ylim()[0] <= r["values"].min()


@pytest.mark.parametrize("p, trapped", [(0.0, "0, 1, 2"), (1.0, "0, 1")])
def test_the_extremes_show_a_message_instead_of_crashing(ex, p, trapped):
    r = ex.set(p=p)
    assert "the episode never ends" in r["message"]
    assert f"trapped forever in state(s) {trapped}" in r["message"]
    assert r["J"] == -np.inf
    assert np.isnan(r["values"]).all()
    assert ex.msg.get_visible() and "never ends" in ex.msg.get_text()
    np.testing.assert_array_equal(bar_heights(ex), 0.0)
    assert ex.j_title.get_text() == f"J({p:g}) = −∞"
    # the marker waits on the lower edge of the J axes
    np.testing.assert_allclose(np.ravel(ex.point.get_data()), [p, ex.ax_j.get_ylim()[0]])
    png_bytes(ex.fig)  # and the figure still renders
    # back to a normal value: the message goes away
    r = ex.set(p=0.5)
    assert r["message"] is None and not ex.msg.get_visible()
    np.testing.assert_allclose(r["values"], [-12.0, -10.0, -6.0])


def test_near_the_extremes_values_are_large_but_finite(ex):
    r = ex.set(p=0.01)
    assert r["J"] == pytest.approx((0.02 - 4) / (0.01 * 0.99))
    # far below the J axes: the marker is parked on the edge, pointing down
    assert ex.point.get_marker() == "v"
    assert np.ravel(ex.point.get_data())[1] == ex.ax_j.get_ylim()[0]
    r = ex.set(p=0.99)
    np.testing.assert_allclose(r["values"], corridor_values(0.99), rtol=1e-9)


@pytest.mark.parametrize("bad", [1.5, -0.1, np.nan, np.inf, "abc", None])
def test_values_no_control_can_reach_give_a_message(ex, bad):
    r = ex.set(p=bad)
    assert r["message"] and np.isnan(r["values"]).all()
    assert ex.msg.get_visible()
    png_bytes(ex.fig)
    ex.reset()


def test_optimum_and_epsilon_greedy_marks():
    ex = PerformanceExplorer()
    star, eps = ex.ax_j.lines[1], ex.ax_j.lines[2]
    p_star, J_star = np.ravel(star.get_data())
    assert p_star == pytest.approx(2 - np.sqrt(2), abs=1e-7)
    assert J_star == pytest.approx(-(6 + 4 * np.sqrt(2)), abs=1e-10)
    ps, Js = (np.asarray(a) for a in eps.get_data())
    np.testing.assert_allclose(ps, [0.05, 0.95])
    np.testing.assert_allclose(Js, pg.envs.corridor_performance(ps))


def test_update_is_fast_and_layout_is_kept():
    ex = PerformanceExplorer()
    pos = [a.get_position().bounds for a in ex.fig.axes]
    times = []
    for p in np.linspace(0, 1, 21):
        ex.set(p=float(p))
        times.append(ex.last_update_ms)
    assert np.median(times) < 50  # compute + draw; rendering the PNG is extra
    png_bytes(ex.fig)
    assert [a.get_position().bounds for a in ex.fig.axes] == pos
    for a in ex.fig.axes:  # no axes collapsed
        assert a.get_position().width > 0.2


def test_slider_drives_the_explorer():
    ex = performance_explorer(p=0.3)
    box = ex.widget()
    slider = ex._controls["p"]
    assert (slider.min, slider.max) == (0.0, 1.0) and slider.value == 0.3
    slider.value = 0.5
    assert ex.values["p"] == 0.5 and ex.result["J"] == pytest.approx(-12.0)
    slider.value = 1.0
    assert "never ends" in ex.result["message"]
    ex.set(p=0.25)  # and set() moves the slider
    assert slider.value == 0.25
    assert len(box.children) == 2  # the slider and the reset button


def test_large_mode():
    ex = performance_explorer(p=0.6, large=True)
    w, h = ex.fig.get_size_inches()
    assert w == pytest.approx(9.6 * 1.6)
    assert ex.result["J"] == pytest.approx(pg.envs.corridor_performance(0.6))


def test_unknown_control():
    with pytest.raises(TypeError):
        PerformanceExplorer(q=0.3)


# --------------------------------------------------------------------------
# the chapter's figures
# --------------------------------------------------------------------------
def test_plot_running_mean():
    G = pg.monte_carlo_returns(pg.envs.short_corridor(), np.full((4, 2), 0.5), 500, seed=0)
    mean, se = running_mean(G)
    fig = plot_running_mean(mean, se, -12.0)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), mean)
    assert ax.lines[1].get_ydata()[0] == -12.0
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 3
    lo, hi = ax.get_ylim()
    assert lo < -12.0 < hi
    assert png_bytes(fig)[:4] == b"\x89PNG"


def test_plot_performance_curve():
    ps = np.linspace(0.01, 0.99, 99)
    fig = plot_performance_curve(ps, pg.envs.corridor_performance(ps), 0.586, -11.66,
                                 [0.05, 0.95], pg.envs.corridor_performance([0.05, 0.95]))
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 1.0)
    assert len(ax.get_legend().get_texts()) == 3
    assert "p* = 0.586" in ax.get_legend().get_texts()[1].get_text()
    assert png_bytes(fig)[:4] == b"\x89PNG"


def test_plot_performance_theta():
    h = np.linspace(-2, 2, 9)
    mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    J = np.array([[pg.performance(mdp, pol, [a, b]) for a in h] for b in h])
    fig = plot_performance_theta(h, h, J)
    assert len(fig.axes) == 2  # the map and its colour bar
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    assert png_bytes(fig)[:4] == b"\x89PNG"

