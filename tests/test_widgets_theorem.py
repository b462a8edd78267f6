"""Chapter 5's explorer and figures: values at defaults and at the ends of the sliders."""


import numpy as np
import pytest

import pgcore as pg
from pgcore import envs
from pgcore.plotting import png_bytes
from pgcore.theorem import corridor_switch_policy, unrolled_gradient
from pgcore.widgets.theorem import (
    TheoremExplorer,
    plot_sampling_error,
    plot_unrolling,
    plot_visits_vs_p,
    theorem_explorer,
)


def test_defaults_are_the_state_blind_corridor_at_one_half():
    ex = theorem_explorer()
    r = ex.result
    assert "message" not in r
    np.testing.assert_allclose(r["p_right"], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(r["mu"], [0.5, 1 / 3, 1 / 6], atol=1e-12)
    np.testing.assert_allclose(r["q"], [[-13, -11], [-7, -13], [-11, -1]], atol=1e-10)
    assert r["J"] == pytest.approx(-12.0)
    # dJ/dtheta1 = p(1-p) J'(p) at p = 1/2, J'(p) = 8 there
    np.testing.assert_allclose(r["grad"], [2.0, -6.0], atol=1e-10)
    np.testing.assert_allclose(r["fd"], r["grad"], atol=1e-7)
    assert r["max_diff"] < 1e-7


@pytest.mark.parametrize("t1", [-5.0, 0.0, 5.0])
@pytest.mark.parametrize("t2", [-6.0, 0.0, 6.0])
def test_extremes_agree_with_pgcore(t1, t2):
    ex = TheoremExplorer()
    r = ex.set(theta1=t1, theta2=t2)
    assert "message" not in r
    mdp, pol, th = envs.short_corridor(), corridor_switch_policy(), np.array([t1, t2])
    pi = pol.probs(th)
    np.testing.assert_allclose(r["mu"], pg.state_distribution(mdp, pi)[:3])
    assert r["mu"].sum() == pytest.approx(1.0)
    assert r["J"] == pytest.approx(pg.performance(mdp, pol, th))
    np.testing.assert_allclose(r["grad"], pg.policy_gradient(mdp, pol, th))
    # finite differences agree to a relative 1e-6 even where J is about -6e4
    scale = max(1.0, np.abs(r["grad"]).max())
    assert r["max_diff"] / scale < 1e-6


def test_best_corner_is_near_three_steps():
    r = TheoremExplorer().set(theta1=5.0, theta2=-6.0)
    assert -4.0 < r["J"] < -3.0  # the optimum, right-left-right, takes 3 steps


def test_never_raises_and_reports_a_message():
    ex = TheoremExplorer()
    r = ex.set(theta1=np.inf, theta2=0.0)
    assert "message" in r and "finite" in r["message"]
    assert ex.msg.get_visible()
    r = ex.set(theta1=np.nan, theta2=0.0)
    assert "message" in r
    r = ex.set(theta1=1.0, theta2=1.0)
    assert "message" not in r and not ex.msg.get_visible()


def test_draw_updates_artists():
    ex = TheoremExplorer()
    ex.set(theta1=2.0, theta2=-2.0)
    heights = [b.get_height() for b in ex.mu_bars]
    np.testing.assert_allclose(heights, ex.result["mu"])
    np.testing.assert_allclose([b.get_height() for b in ex.g_bars[0]], ex.result["grad"])
    np.testing.assert_allclose([b.get_height() for b in ex.g_bars[1]], ex.result["fd"])
    assert "J(θ) = " in ex.suptitle.get_text()


def test_unknown_control_and_reset():
    ex = TheoremExplorer(theta1=1.0)
    with pytest.raises(TypeError):
        ex.set(theta3=1.0)
    ex.set(theta1=-2.0)
    assert ex.reset()["theta"][0] == 1.0


def test_controls_cover_the_tested_range():
    pytest.importorskip("ipywidgets")
    ctl = TheoremExplorer().make_controls()
    assert (ctl["theta1"].min, ctl["theta1"].max) == (-5, 5)
    assert (ctl["theta2"].min, ctl["theta2"].max) == (-6, 6)


def test_static_figures_render():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    ps = np.linspace(0.05, 0.95, 7)
    eta = np.array([pg.expected_visits(mdp, pol.probs(envs.corridor_theta(p)))[:3] for p in ps])
    for fig in (
        plot_visits_vs_p(ps, eta, marks=[0.5]),
        plot_sampling_error([10, 100, 1000], np.array([[0.1, 0.12], [0.03, 0.035], [0.01, 0.009]])),
        plot_unrolling(unrolled_gradient(mdp, pol, np.zeros(2), 50), [-2.0, 2.0]),
    ):
        assert png_bytes(fig)[:4] == b"\x89PNG"
