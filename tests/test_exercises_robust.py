"""Issue 10: the checkers reject the wrong answers they used to accept, and survive hostile code."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from pgcore import exercises as ex


def _longdouble_softmax(h):
    e = np.exp(np.asarray(h, dtype=np.longdouble))
    return (e / e.sum(axis=-1, keepdims=True)).astype(float)


def _table_max_softmax(h):
    z = np.exp(h - np.max(h))
    return z / z.sum(axis=-1, keepdims=True)


def _row_mean_softmax(h):
    z = np.exp(h - h.mean(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _first_entry_softmax(h):
    z = np.exp(h - h[..., :1])
    return z / z.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("wrong", [_table_max_softmax, _row_mean_softmax, _first_entry_softmax,
                                   _longdouble_softmax])
def test_check_softmax_rejects_unstable_shifts(wrong, capsys):
    assert ex.check_softmax(wrong) is False
    assert capsys.readouterr().out.startswith("Not yet:")


def test_check_softmax_table_max_gets_a_specific_hint(capsys):
    ex.check_softmax(_table_max_softmax)
    assert "each row's own largest preference" in capsys.readouterr().out


def test_check_group_advantages_rejects_nan_for_an_all_zero_group(capsys):
    def nan_when_all_zero(R):
        m, s = R.mean(axis=1, keepdims=True), R.std(axis=1, keepdims=True)
        # handles the all-ones group, forgets that a group of zeros has std 0 too
        return np.where((s == 0) & (m != 0), 0.0, (R - m) / s)

    assert ex.check_group_advantages(nan_when_all_zero) is False
    assert "NaN" in capsys.readouterr().out


def test_check_performance_reference_ignores_a_mutated_mdp(capsys):
    import pgcore as pg

    def cheat(mdp, pi):
        # changes the MDP it was given, then answers for the changed MDP
        mdp.gamma = 0.0
        mdp.R = np.zeros_like(mdp.R)
        V, _ = pg.evaluate(mdp, pi)
        return float(mdp.start @ V)

    assert ex.check_performance(cheat) is False
    assert capsys.readouterr().out.startswith("Not yet:")


def test_checkers_still_accept_right_answers(capsys):
    import pgcore as pg
    assert ex.check_softmax(pg.softmax)
    assert ex.check_group_advantages(lambda R: pg.surrogates.group_relative_advantages(R, axis=1))
    assert ex.check_performance(lambda mdp, pi: float(mdp.start @ pg.evaluate(mdp, pi)[0]))


def test_a_student_function_that_loops_forever_gets_a_verdict(monkeypatch, capsys):
    monkeypatch.setattr(ex, "TIME_LIMIT", 0.3)

    def forever(h):
        while True:
            pass

    t0 = time.monotonic()
    assert ex.check_softmax(forever) is False
    assert time.monotonic() - t0 < 5
    assert "still running after 0.3 s" in capsys.readouterr().out


def test_a_looping_function_that_catches_exceptions_is_still_stopped(monkeypatch, capsys):
    monkeypatch.setattr(ex, "TIME_LIMIT", 0.3)

    def stubborn(h):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - the point of the test
                pass

    assert ex.check_softmax(stubborn) is False
    assert "still running" in capsys.readouterr().out


def test_time_limit_without_signals_in_a_thread(monkeypatch, capsys):
    """Away from the main thread (no SIGALRM) the trace-function fallback stops the loop."""
    import threading
    monkeypatch.setattr(ex, "TIME_LIMIT", 0.3)
    out = {}

    def forever(h):
        while True:
            pass

    th = threading.Thread(target=lambda: out.setdefault("ok", ex.check_softmax(forever)))
    th.start()
    th.join(10)
    assert not th.is_alive()
    assert out["ok"] is False


@pytest.mark.parametrize("exc", [SystemExit(3), KeyboardInterrupt()])
def test_exit_and_interrupt_become_verdicts(exc, capsys):
    def bad(h):
        raise exc

    assert ex.check_softmax(bad) is False
    assert capsys.readouterr().out.startswith("Not yet:")


def test_sys_exit_call(capsys):
    assert ex.check_return(lambda rewards, gamma: sys.exit()) is False
    assert "sys.exit" in capsys.readouterr().out


def test_complex_outputs_are_refused(capsys):
    import pgcore as pg
    assert ex.check_softmax(lambda h: pg.softmax(h) + 0j) is False
    assert "complex" in capsys.readouterr().out
    assert ex.check_return(lambda rewards, gamma: complex(sum(g * r for g, r in zip(
        [gamma ** k for k in range(len(rewards))], rewards)))) is False
    assert "complex" in capsys.readouterr().out
    assert ex.check_performance(lambda mdp, pi: np.complex128(float(mdp.start @ pg.evaluate(mdp, pi)[0]))) is False
    assert "complex" in capsys.readouterr().out
