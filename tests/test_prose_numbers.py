"""Issue 10: every number a chapter's prose states appears among what that chapter's code prints.

nbval checks that the code still prints what the notebook stored; this test closes
the other half of the loop: a number typed into the prose ("the episode lasts 15
steps") must be one of the numbers the chapter's cells print, so that editing it
in the prose alone ("17 steps") fails ``make test``.

What is checked
  Numbers in the markdown cells' running text and in inline math (``$-15$``,
  ``$-2.4/0.16 = -15$``). Not checked: display math (``$$ ... $$``: equation
  constants and indices), code spans and fenced blocks (code, not claims), roles
  and directives (``{cite}``, ``{eq}``, labels), link targets, HTML tags,
  non-negative one-digit integers (state names, counts, ``γ = 1``), years, and
  numbers right after "section", "chapter", "Example", "Exercise", "equation",
  "Figure", "Table", "Algorithm", "page" (citations of other texts).
What counts as printed
  A number in a stream or ``text/plain`` / ``text/markdown`` / ``text/html`` output
  of the same notebook that, rounded to the prose number's precision, equals it
  (prose "0.59" matches a printed 0.5858; "20,000" matches 20000; "37%" matches
  0.37 or 37), or the same number with the opposite sign when the prose gives a
  magnitude ("lasts 15 steps" against a printed J = -15).
Numbers that are set, not computed
  A number may be stated because the code *sets* it (a step size, a number of
  episodes): it then appears literally in a code cell, and it is accepted as an
  input. Everything else that is not computed (a constant of a formula, a figure
  quoted from a cited paper) goes in ``ALLOW`` below, per chapter, with a comment.

After a merge, or when a chapter changes, list what is not accounted for with

    .venv/bin/python tests/test_prose_numbers.py            # every chapter
    .venv/bin/python tests/test_prose_numbers.py 09 11      # some chapters

Each line names the cell and the context. Fix the prose (or make the code print
the number); only if the number is really not computed, add it to ``ALLOW`` with
a comment saying what it is.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

# Numbers that are not computed by the chapter's code, per chapter (the notebook's
# file-name prefix). Each entry: the number exactly as the prose writes it, and why.
ALLOW: dict[str, dict[str, str]] = {
    "02": {"1.8e308": "the largest float64 (IEEE 754), a constant"},
    "03": {
        "-2.4": "hand arithmetic in the prose: 2p - 4 at p = 0.8",
        "0.16": "hand arithmetic in the prose: p(1 - p) at p = 0.8",
        "-44": "quoted from Sutton & Barto's description of Example 13.1",
        "-82": "quoted from Sutton & Barto's description of Example 13.1",
        "-11.6": "quoted from Sutton & Barto's description of Example 13.1",
        "95%": "the coverage of +-2 standard errors, a textbook constant",
    },
    "07": {
        "95%": "the confidence level of the bands, a convention of pgcore.stats.mean_and_band",
        "0.95": "hand arithmetic in a solution: 1 - 1/t at t = 20",
    },
    "08": {
        "2e-5": "quoted from another implementation's code (its Figure 13.1 step sizes)",
        "10,000": "the default max_steps of pgcore.reinforce (a setting, not a result)",
    },
    "10": {
        "0.586": "the closed form 2 - sqrt 2 written next to it (derived and printed in chapter 5)",
        "-60": "a summary of the printed clipped rows of the table (-56.76 to -63.18)",
        "40": "hand arithmetic in the prose: 10 epochs x 4 minibatches",
    },
    "11": {"3.14159": "the number pi, named so it is not read as the policy"},
    "13": {
        "132": "an illustration: the answer 231$ read units digit first",
        "0.004": "the spread of the four printed final accuracies (0.305 - 0.301)",
        "95%": "the confidence level of the bands, a convention of pgcore.stats.mean_and_band",
    },
    "classroom_demos": {
        # the page shows widgets only; these are the explorers' settings and ranges
        "0.5": "the softmax explorer's starting p", "0.01": "the temperature slider's lower end",
        "100": "the temperature slider's upper end / the REINFORCE explorer's number of runs",
        "10": "the preferences' range (h = 10) / the quadratic's eigenvalue", "-10": "the preferences' range",
        "1000": "the REINFORCE explorer's episodes per run", "95%": "the bands' confidence level",
        "20": "the actor-critic explorer's episodes", "40": "the GRPO explorer's runs",
        "80": "the GRPO explorer's iterations",
        "1920×1080": "a projector's screen size", "1366": "a small screen's width (1366×768)",
        "768": "a small screen's height (1366×768)",
        "16": "the PPO explorer's episodes per batch (pgcore.widgets.ppo)",
    },
}

# Numbers that ARE results (or settings made in pgcore) but that no cell of the chapter
# prints yet: the lead prints them (or rewrites the sentence) and then removes the
# entry; the test fails when an entry here becomes printed, so the list only shrinks.
NOT_PRINTED: dict[str, dict[str, str]] = {
    "04": {"30": "the explorer's default number of steps", "-2.5": "the explorer's default start θ0"},
    "09": {"64": "the tabular policy's number of preferences (4 x 4 cells x 4 actions)"},
    "12": {"40": "the explorer's number of runs", "80": "the explorer's number of iterations"},
    "13": {"10 000": "the number of prompts (100 x 100 sums)"},
    "classroom_demos": {"0.59": "p* = 2 - sqrt2",
                        "-9": "where REINFORCE starts to cut episodes off (an observation)",
                        "-7.5": "where REINFORCE with a baseline breaks (an observation)",
                        "100%": "GRPO's final accuracy on the explorer (an observation)"},
}

_SKIP_CONTEXT = re.compile(
    r"(?:sections?|§|chapters?|ch\.|examples?|exercises?|equations?|eqs?\.|figures?|fig\.|tables?|"
    r"algorithms?|pages?|pp?\.|theorem|lemma|proposition|appendix|part|step|version|python|numpy|"
    r"jupyter-book|sphinx)\s*(?:\d[\d.]*\s*(?:,|and|or|to|-|–|&)\s*)*$", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\w.])([-−–]?)(\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?: \d{3})+(?![\d.,])|\d+(?:\.\d+)?|\.\d+)(?:\s*[×x]\s*10\^?\{?([-−]?\d+)\}?|[eE]([-+]?\d+))?(%?)")
_OUT_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w])")


def _strip_markup(md: str) -> str:
    """The prose a reader reads, with math kept as ``$...$`` and everything else that is not prose blanked."""
    md = re.sub(r"^(```|~~~).*?^\1\s*$", lambda m: _keep_directive_body(m.group(0)), md, flags=re.S | re.M)
    md = re.sub(r"\$\$.*?\$\$(\s*\([\w-]+\))?", " ", md, flags=re.S)       # display math (+ label)
    md = re.sub(r"\\begin\{\w+\*?\}.*?\\end\{\w+\*?\}", " ", md, flags=re.S)
    md = re.sub(r"<!--.*?-->", " ", md, flags=re.S)
    md = re.sub(r"<[^>\n]+>", " ", md)                                     # HTML tags
    md = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", md)                            # {cite}`x`, {eq}`x`, {ref}`x`
    md = re.sub(r"`[^`\n]*`", " ", md)                                     # code spans
    md = re.sub(r"\]\([^)]*\)", "]", md)                                   # link targets
    md = re.sub(r"^\s*:[\w-]+:.*$", " ", md, flags=re.M)                    # directive options
    md = re.sub(r"^\(\s*[\w-]+\s*\)=\s*$", " ", md, flags=re.M)             # (label)=
    md = re.sub(r"https?://\S+", " ", md)
    md = re.sub(r"^\s*(?:\d+\.|[-*])\s", " ", md, flags=re.M)               # list markers "1. "
    return md


def _keep_directive_body(block: str) -> str:
    """A fenced block: a MyST directive (```{exercise}) keeps its prose body; plain code goes."""
    first = block.split("\n", 1)[0]
    if re.match(r"^(```|~~~)\{[\w:-]+\}", first) and not re.match(r"^(```|~~~)\{code", first):
        body = block.split("\n", 1)[1] if "\n" in block else ""
        return "\n" + body.rsplit("\n", 1)[0] + "\n"
    return "\n"


def _parse(sign, digits, exp10, exp_e, percent):
    value = float(digits.replace(",", "").replace(" ", ""))
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    exp = exp10 or exp_e
    if exp:
        e = int(exp.replace("−", "-"))
        value *= 10.0 ** e
        decimals -= e
    if sign:
        value = -value
    return value, decimals, bool(percent)


def prose_numbers(md: str):
    """``(text, value, decimals, is_percent, context)`` for each checked number of one markdown cell."""
    text = _strip_markup(md)
    found = []
    # inline math: $...$ (checked like prose, LaTeX commands removed first)
    pieces = re.split(r"(\$[^$]+\$)", text)
    for piece in pieces:
        is_math = piece.startswith("$") and piece.endswith("$") and len(piece) > 1
        body = piece
        if is_math:
            body = re.sub(r"(\d)\s*\\times\s*10\^\{?([-−]?\d+)\}?", r"\1e\2", body)
            body = re.sub(r"\\(?:frac|tfrac|dfrac)\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", body)
            body = re.sub(r"[_^]\{[^{}]*\}|[_^]\S", " ", body)      # indices and exponents
            body = re.sub(r"\\[A-Za-z]+", " ", body)
            body = body.replace("{", " ").replace("}", " ")
        for m in _NUMBER.finditer(body):
            sign, digits, exp10, exp_e, percent = m.groups()
            before = body[max(0, m.start() - 25):m.start()]
            if _SKIP_CONTEXT.search(before):
                continue
            if is_math and re.search(r"[A-Za-z]\s*$", body[:m.start()]):
                continue                                           # a coefficient: 2p, 4\sqrt2
            value, decimals, pct = _parse(sign, digits, exp10, exp_e, percent)
            if sign == "" and is_math and re.search(r"(?:^|[$=(,]|\\approx)\s*[-−]\s*$", body[:m.start()]):
                value = -value                                      # "$J = - 15$"
            if not pct and decimals == 0 and 0 <= value <= 9 and not exp10 and not exp_e:
                continue
            if not pct and decimals == 0 and 1900 <= value <= 2100 and "," not in digits:
                continue                                           # a year
            ctx = (text[max(0, text.find(piece) - 0):][:0] or piece[max(0, m.start() - 30):m.end() + 30])
            found.append((m.group(0).strip(), value, decimals, pct, " ".join(ctx.split())))
    return found


def _output_texts(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            yield "".join(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data", "error"):
            data = out.get("data", {})
            for key in ("text/plain", "text/markdown", "text/html", "text/latex"):
                if key in data:
                    yield "".join(data[key])
            if out.get("output_type") == "error":
                yield out.get("evalue", "")


def output_numbers(nb) -> list[float]:
    values = set()
    for cell in nb["cells"]:
        for text in _output_texts(cell):
            text = text.replace("−", "-")
            text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)                # 20,000 -> 20000
            for m in _OUT_NUMBER.finditer(text):
                try:
                    values.add(float(m.group(0)))
                except ValueError:
                    pass
    return sorted(values)


def code_literals(nb) -> set[float]:
    vals = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"]).replace("_", "")
            for m in _OUT_NUMBER.finditer(src):
                try:
                    vals.add(float(m.group(0)))
                except ValueError:
                    pass
            for m in re.finditer(r"(\d+)\s*\*\*\s*(-?\d+)", src):        # 2 ** -6
                try:
                    vals.add(float(m.group(1)) ** float(m.group(2)))
                except (OverflowError, ZeroDivisionError):
                    pass
    return vals


def _matches(value, decimals, pct, printed, literals):
    tol = 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)
    candidates = [value] + ([value / 100] if pct else [])
    for v in candidates:
        t = tol if v == value else tol / 100
        for pool in (printed, literals):
            for w in pool:
                if abs(w - v) <= t or abs(w + v) <= t:
                    return True
    return False


def chapter_key(path: Path) -> str:
    m = re.match(r"(\d\d)_", path.name)
    return m.group(1) if m else path.stem


def unaccounted(path: Path):
    """The prose numbers of one notebook that no output prints, no code cell sets and ALLOW does not list."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    printed = output_numbers(nb)
    literals = code_literals(nb)
    allow = {**ALLOW.get(chapter_key(path), {}), **NOT_PRINTED.get(chapter_key(path), {})}
    missing = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for text, value, decimals, pct, ctx in prose_numbers("".join(cell["source"])):
            if text.replace("−", "-").replace("–", "-") in allow:
                continue
            if not _matches(value, decimals, pct, printed, literals):
                missing.append((i, text, ctx))
    return missing


NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_prose_numbers_are_printed(path):
    missing = unaccounted(path)
    assert not missing, (f"{path.name}: numbers in the prose that no cell prints (fix the prose, print "
                         f"them, or add them to ALLOW in {Path(__file__).name} with a reason):\n"
                         + "\n".join(f"  cell {i}: {t!r} in '...{c}...'" for i, t, c in missing))


def test_every_allow_entry_is_still_in_its_chapter():
    """An allow-list entry whose number left the prose is dead: remove it, so the list stays short."""
    stale = []
    for path in NOTEBOOKS:
        allow = {**ALLOW.get(chapter_key(path), {}), **NOT_PRINTED.get(chapter_key(path), {})}
        if not allow:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        seen = {t.replace("−", "-").replace("–", "-") for c in nb["cells"] if c["cell_type"] == "markdown"
                for t, *_ in prose_numbers("".join(c["source"]))}
        stale += [f"{path.name}: {k}" for k in allow if k not in seen]
    assert not stale, "allow-list entries no longer in the prose: " + ", ".join(stale)


def test_not_printed_entries_are_not_printed_yet():
    """Once a chapter prints a NOT_PRINTED number, its entry must go (the check then covers it)."""
    done = []
    for path in NOTEBOOKS:
        gaps = NOT_PRINTED.get(chapter_key(path), {})
        if not gaps:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        printed, literals = output_numbers(nb), code_literals(nb)
        for c in nb["cells"]:
            if c["cell_type"] != "markdown":
                continue
            for t, value, decimals, pct, _ in prose_numbers("".join(c["source"])):
                key = t.replace("−", "-").replace("–", "-")
                if key in gaps and _matches(value, decimals, pct, printed, literals):
                    done.append(f"{path.name}: {key}")
    assert not done, "now printed, remove from NOT_PRINTED: " + ", ".join(sorted(set(done)))


def test_a_changed_prose_number_is_caught(tmp_path):
    """The check can fail: chapter 3's "lasts 15 steps" edited to 17 is reported."""
    src = CHAPTERS / "03_performance.ipynb"
    nb = json.loads(src.read_text(encoding="utf-8"))
    assert not unaccounted(src)
    hits = 0
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            if "the episode lasts 15 steps" in text:
                cell["source"] = text.replace("value is $-15$: the episode lasts 15 steps",
                                              "value is $-17$: the episode lasts 17 steps")
                hits += 1
    assert hits == 1
    bad = tmp_path / "03_performance.ipynb"
    bad.write_text(json.dumps(nb), encoding="utf-8")
    assert {t for _, t, _ in unaccounted(bad)} == {"-17", "17"}


@pytest.mark.parametrize("md, expected", [
    ("the value is $-15$: it lasts 15 steps", [-15.0, 15.0]),
    ("about 0.59 of 20,000 runs (37%)", [0.59, 20000.0, 37.0]),
    ("sections 3.6 and 13.2 of the book (2018); states 0, 1, 2", []),
    ("$$ J = -15.5 $$ (eq-x)\nthen `tabular(4, 2)` and {cite:t}`sutton2018` and [ch](08_reinforce.ipynb)", []),
    ("$2p - 4$ and $\\gamma^{10}$ and $-2.4/0.16 = -15$", [-2.4, 0.16, -15.0]),
    ("a gap of 4.3e-5 or $1.2 \\times 10^{-3}$", [4.3e-5, 1.2e-3]),
])
def test_prose_number_extraction(md, expected):
    assert [v for _, v, *_ in prose_numbers(md)] == pytest.approx(expected)


def test_rounding_and_sign_rules():
    printed = [-15.0, 0.5858, 20000.0, 0.37]
    assert _matches(15.0, 0, False, printed, set())
    assert _matches(0.59, 2, False, printed, set())
    assert not _matches(0.58, 2, False, printed, set())
    assert _matches(37.0, 0, True, printed, set())
    assert not _matches(-17.0, 0, False, printed, set())


if __name__ == "__main__":
    wanted = sys.argv[1:]
    total = 0
    for path in NOTEBOOKS:
        if wanted and not any(path.name.startswith(w) for w in wanted):
            continue
        missing = unaccounted(path)
        total += len(missing)
        for i, t, c in missing:
            print(f"{path.name} cell {i}: {t!r}  ...{c}...")
    print(f"{total} prose number(s) not accounted for")
    sys.exit(1 if total else 0)
