"""Tests for chapter 4's explorer and figures (pgcore.widgets.ascent), driven without a front end."""

import itertools

import numpy as np
import pytest

import pgcore as pg
from pgcore import landscapes as ls
from pgcore.plotting import png_bytes
from pgcore.widgets import ascent as A
from pgcore.widgets.ascent import LANDSCAPES, AscentExplorer, ascent_explorer


@pytest.fixture(scope="module")
def ex():
    return ascent_explorer()


def test_defaults_converge_on_the_corridor(ex):
    ex.reset()
    r = ex.result
    assert r["landscape"] == "corridor" and r["message"] == "" and r["diverged_at"] is None
    assert r["path"].shape == (31, 2)
    np.testing.assert_allclose(r["path"][-1], [-np.log(2.0), 0.0], atol=1e-6)
    assert r["J_final"] == pytest.approx(-11.0, abs=1e-9)
    assert r["J_sup"] == pytest.approx(-11.0, abs=1e-12)
    np.testing.assert_allclose(r["gap"], np.maximum(r["J_sup"] - r["values"], 1e-16), rtol=1e-12)
    # α = 0.3 lies between the local thresholds 0.2 and 0.4: the path zig-zags across θ*
    L = ls.corridor_tiles_landscape()
    steep = (r["path"][5:] - L.theta_star) @ np.array([1.0, 1.0])
    assert (np.sign(steep[1:]) == -np.sign(steep[:-1])).all()


def test_the_figure_shows_the_result(ex):
    r = ex.set(landscape="corridor", step_size=0.1, n_steps=25, theta1=1.0, theta2=1.0)
    x, y = ex.path_line.get_data()
    np.testing.assert_array_equal(x, r["path"][:, 0])
    np.testing.assert_array_equal(y, r["path"][:, 1])
    np.testing.assert_array_equal(ex.end_marker.get_data()[0], [r["path"][-1, 0]])
    assert not ex.msg.get_visible()
    t, gap = ex.gap_line.get_data()
    np.testing.assert_array_equal(gap, r["gap"])
    assert "after 25 steps" in ex.gax_title.get_text()


def test_huge_step_diverges_with_a_message_not_an_exception(ex):
    r = ex.set(landscape="corridor", step_size=1000.0, n_steps=200, theta1=0.0, theta2=0.0)
    assert r["diverged_at"] == 1 and r["message"] == "diverged at step 1: |θ| > 15"
    assert len(r["path"]) == 1 and np.isfinite(r["path"]).all()
    assert ex.msg.get_visible() and "diverged at step 1" in ex.msg.get_text()
    assert "finite part" in ex.msg.get_text()
    assert "last finite iterate" in ex.gax_title.get_text()


def test_moderate_step_diverges_after_a_few_steps(ex):
    r = ex.set(landscape="corridor", step_size=0.5, n_steps=40, theta1=0.0, theta2=0.0)
    assert r["diverged_at"] == 4 and len(r["path"]) == 4
    with pytest.raises(pg.DivergenceError) as info:
        pg.gradient_ascent(ls.corridor_tiles_landscape().grad, [0.0, 0.0], 0.5, 40, max_norm=15)
    np.testing.assert_array_equal(r["path"], info.value.path)


@pytest.mark.parametrize("α, regime", [(0.01, "monotone"), (0.15, "oscillating"), (0.2, "cycling"),
                                       (0.25, "diverging"), (1000.0, "diverging")])
def test_quadratic_regime_is_reported(ex, α, regime):
    r = ex.set(landscape="quadratic", step_size=α, n_steps=100, theta1=-3.0, theta2=2.0)
    assert r["regime"] == regime
    assert regime in ex.ax_title.get_text()
    if regime in ("monotone", "oscillating"):
        assert r["diverged_at"] is None
        q = ls.example_quadratic()
        np.testing.assert_allclose(r["path"], q.iterates([-3.0, 2.0], α, 100), atol=1e-9)
    elif regime == "diverging":
        assert r["diverged_at"] is not None and "|θ| > 1e+06" in r["message"]


def test_bandit_climbs_the_hill_on_its_side(ex):
    west = ex.set(landscape="bandit", step_size=2.0, n_steps=200, theta1=-1.0, theta2=1.5)
    assert west["path"][-1, 0] < -4 and 0.79 < west["J_final"] < 0.8
    assert "regime" not in west
    east = ex.set(theta1=0.5)
    assert east["path"][-1, 0] > 4 and east["J_final"] > 0.99
    assert east["J_sup"] == 1.0


@pytest.mark.parametrize("name", LANDSCAPES)
def test_every_extreme_control_value(ex, name):
    """Slider corners: never an exception, always a finite path whose values are J along it."""
    spec = A.landscape_spec(name)
    for α, n, θ1, θ2 in itertools.product([1e-3, 1.0, 1e3], [1, 200], [-4.0, 4.0], [-4.0, 4.0]):
        r = ex.set(landscape=name, step_size=α, n_steps=n, theta1=θ1, theta2=θ2)
        path = r["path"]
        assert len(path) >= 1 and np.isfinite(path).all()
        np.testing.assert_array_equal(path[0], [θ1, θ2])
        if r["diverged_at"] is None:
            assert len(path) == n + 1 and r["message"] == ""
        else:
            assert len(path) == r["diverged_at"] and r["message"].startswith("diverged at step")
        k = len(path) - 1
        assert r["values"][k] == pytest.approx(spec["landscape"].value(path[k]), rel=1e-12)
        assert np.isfinite(r["values"]).all()


@pytest.mark.parametrize(
    "values, fragment",
    [
        ({"step_size": 0.0}, "step_size"),
        ({"step_size": -1.0}, "step_size"),
        ({"step_size": float("nan")}, "step_size"),
        ({"step_size": float("inf")}, "step_size"),
        ({"n_steps": -3}, "n_steps"),
        ({"theta1": float("nan")}, "theta0"),
        ({"landscape": "mountain"}, "unknown landscape"),
    ],
)
def test_invalid_values_give_a_message(values, fragment):
    ex = AscentExplorer()
    r = ex.set(**values)
    assert fragment in r["message"]
    assert len(r["path"]) == 0
    assert ex.msg.get_visible()
    png_bytes(ex.fig)  # still draws


def test_unknown_control_is_a_type_error(ex):
    with pytest.raises(TypeError, match="unknown control"):
        ex.set(learning_rate=0.1)


def test_steps_slider_reuses_the_longer_run():
    ex = AscentExplorer(landscape="corridor", step_size=0.1, n_steps=200, theta1=1.0, theta2=-1.0)
    long = ex.result["path"]
    short = ex.set(n_steps=10)
    np.testing.assert_array_equal(short["path"], long[:11])
    fresh = ls.ascent_trace(ls.corridor_tiles_landscape(), [1.0, -1.0], 0.1, 10)
    np.testing.assert_array_equal(short["path"], fresh.path)
    np.testing.assert_array_equal(short["values"], fresh.values)
    # a diverged run stays diverged when the steps are reduced only if it diverged in range
    ex.set(step_size=0.5, theta1=0.0, theta2=0.0, n_steps=40)
    assert ex.set(n_steps=3)["diverged_at"] is None
    assert ex.set(n_steps=4)["diverged_at"] == 4


def test_switching_landscapes_redraws_the_contours(ex):
    for name in LANDSCAPES:
        ex.set(landscape=name)
        assert ex._drawn == name
        window = A.WINDOWS[name]
        assert ex.ax.get_xlim() == pytest.approx(window)
    # the landscape artists are replaced, not piled up
    n = len(ex.ax.collections)
    ex.set(landscape="corridor")
    ex.set(landscape="quadratic")
    assert len(ex.ax.collections) == n


def test_controls_reach_huge_step_sizes_and_stay_in_sync():
    pytest.importorskip("ipywidgets")
    ex = AscentExplorer()
    box = ex.widget()
    ctl = ex._controls
    assert ctl["step_size"].min == -3 and ctl["step_size"].max == 3 and ctl["step_size"].base == 10
    assert list(ctl["landscape"].options) == list(LANDSCAPES)
    assert len(box.children) == 6  # five controls and the reset button
    ctl["step_size"].value = 1000.0
    assert ex.result["diverged_at"] is not None
    ex.set(theta1=-1.5)
    assert ctl["theta1"].value == -1.5
    ex.reset()
    assert ctl["step_size"].value == pytest.approx(0.3)


def test_landscape_spec_is_cached_and_consistent():
    a = A.landscape_spec("corridor")
    assert A.landscape_spec("corridor") is a
    L = a["landscape"]
    i, j = 40, 20
    assert a["Z"][i, j] == pytest.approx(L.value(np.array([a["t1"][j], a["t2"][i]])), rel=1e-12)
    with pytest.raises(ValueError, match="unknown landscape"):
        A.landscape_spec("nowhere")


def test_static_figures():
    fig, traces = A.plot_regimes("quadratic", (-3.0, 2.0), [0.01, 0.05, 0.15, 0.25], 50,
                                 labels=["a", "b", "c", "d"])
    assert [t.diverged for t in traces] == [False, False, False, True]
    assert len(fig.axes) == 5
    assert png_bytes(fig)[:4] == b"\x89PNG"
    fig, traces = A.plot_hills([(-1.0, 1.5), (0.5, 1.5)], 2.0, 100)
    assert traces[0].path[-1, 0] < 0 < traces[1].path[-1, 0]
    assert png_bytes(A.plot_landscape("bandit", label_levels=[0.5]))[:4] == b"\x89PNG"


def test_presentation_mode():
    """large=True (the classroom notebook) draws the same result in a bigger figure."""
    small = AscentExplorer(landscape="quadratic", step_size=0.05)
    big = ascent_explorer(landscape="quadratic", step_size=0.05, large=True)
    np.testing.assert_array_equal(big.result["path"], small.result["path"])
    assert big.result["regime"] == "monotone"
    w_small, h_small = small.fig.get_size_inches()
    w_big, h_big = big.fig.get_size_inches()
    assert w_big == pytest.approx(1.6 * w_small) and h_big == pytest.approx(1.6 * h_small)
    assert png_bytes(big.fig)[:4] == b"\x89PNG"
