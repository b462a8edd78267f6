"""tools/lab_markup.py: the chapters are in Lab markup, and each rule does what it says."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lab_markup", ROOT / "tools" / "lab_markup.py")
lm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lm)
MACROS = lm.tex_macros()


def test_check_passes_on_every_notebook_and_page(capsys):
    assert lm.main(["--check"]) == 0, capsys.readouterr().out
    files = lm.default_files()
    assert len([f for f in files if f.suffix == ".ipynb"]) >= 9
    assert any(f.name == "classroom_demos.ipynb" for f in files)


@pytest.mark.parametrize("path", lm.default_files(), ids=lambda p: p.name)
def test_no_doc_roles_or_book_macros_left(path):
    text = path.read_text()
    assert "{doc}`" not in text
    for name in MACROS:
        assert f"\\\\{name}[" not in text and f"\\\\{name}_" not in text, name


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, src in cells:
        nb.cells.append(nbformat.v4.new_code_cell(src) if kind == "code"
                        else nbformat.v4.new_markdown_cell(src))
    return nb


def test_doc_role_becomes_a_link_with_the_page_title():
    here = ROOT / "chapters" / "08_reinforce.ipynb"
    problems = []
    out = lm.doc_links("see {doc}`02_softmax` and {doc}`the gradient <07_gradient_bandit>`.", here, problems)
    assert out == ("see [Parameterising policies: softmax of numerical preferences](02_softmax.ipynb)"
                   " and [the gradient](07_gradient_bandit.ipynb).")
    assert not problems
    lm.doc_links("{doc}`no_such_page`", here, problems)
    assert problems and "no_such_page" in problems[0]


def test_macros_are_expanded_outside_code_only():
    text = "$\\E[G] + \\Ex$ and `\\E` and\n```python\nx = '\\E'\n```\n```{prf:proof}\n$\\argmax_a$\n```"
    out = lm.expand_macros(text, MACROS)
    assert "$\\mathbb{E}[G] + \\Ex$" in out          # \Ex is another name: left alone
    assert "`\\E`" in out and "x = '\\E'" in out      # code spans and code fences untouched
    assert "\\operatorname*{arg\\,max}_a" in out      # directive bodies are markdown


def test_solutions_get_a_dropdown_class():
    src = "```{solution} ex-1\nBody\n```\n\n```{solution} ex-2\n:class: tip\n\nB\n```"
    out = lm.solution_dropdowns(src)
    assert out.count(":class: dropdown") == 1 and ":class: tip dropdown" in out
    assert lm.solution_dropdowns(out) == out


def test_gated_solution_is_folded_under_a_collapsed_heading_idempotently():
    nb = _nb(("markdown", "## Exercises\n\n```{exercise}\n:label: ex-a\n\nQ?\n```\n\n"
                          "```{solution-start} ex-a\n:class: dropdown\n```\nProse."),
             ("code", "print(1)"),
             ("markdown", "More prose.\n\n```{solution-end}\n```"),
             ("markdown", "Not part of the solution."))
    problems = []
    lm.collapse_solutions(nb, problems)
    assert not problems
    kinds = [(c.cell_type, c.source.split("\n")[0]) for c in nb.cells]
    assert kinds == [("markdown", "## Exercises"),
                     ("markdown", "###### Solution to Exercise 1"),
                     ("markdown", "```{solution-start} ex-a"),
                     ("code", "print(1)"),
                     ("markdown", "More prose."),
                     ("markdown", "###### End of the solution to Exercise 1"),
                     ("markdown", "Not part of the solution.")]
    head, end = nb.cells[1], nb.cells[5]
    assert head.metadata["jp-MarkdownHeadingCollapsed"] is True
    assert {"lab-solution", "remove-cell"} <= set(head.metadata["tags"]) and "remove-cell" in end.metadata["tags"]
    assert nb.cells[3].metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    before = nbformat.writes(nb)
    lm.collapse_solutions(nb, problems)
    assert nbformat.writes(nb) == before and not problems


def test_unclosed_gate_and_unknown_directive_are_reported():
    problems = []
    lm.collapse_solutions(_nb(("markdown", "```{exercise}\n:label: ex-b\n\nQ\n```"),
                              ("markdown", "```{solution-start} ex-b\n```")), problems)
    assert any("without solution-end" in p for p in problems)
    problems = []
    lm.check_text("```{only} html\nx\n```\n\nThe static page shows the figure.", problems)
    assert any("{only}" in p for p in problems) and any("static page" in p for p in problems)
    problems = []
    lm.check_text('<div class="pg-static-only" style="display: none">\n\nThe static page shows it.\n\n</div>',
                  problems)
    assert not problems


def test_static_div_gets_the_style_lab_needs():
    out = lm.static_divs('<div class="pg-static-only">\n\nx\n\n</div>')
    assert out.startswith(lm.STATIC_OPEN) and lm.static_divs(out) == out
    css = (ROOT / "_static" / "lab_markup.css").read_text()
    assert "div.pg-static-only { display: block !important; }" in css
    assert "div.pg-live-only { display: none !important; }" in css


def test_check_fails_on_a_stale_notebook(tmp_path, capsys):
    nb = json.loads((ROOT / "chapters" / "08_reinforce.ipynb").read_text())
    for c in nb["cells"]:
        if c["cell_type"] == "markdown" and "[The gradient bandit](07_gradient_bandit.ipynb)" in "".join(c["source"]):
            c["source"] = "".join(c["source"]).replace("[The gradient bandit](07_gradient_bandit.ipynb)",
                                                       "{doc}`07_gradient_bandit`")
            break
    else:
        pytest.fail("chapter 8 no longer links to chapter 7")
    (tmp_path / "07_gradient_bandit.ipynb").write_text((ROOT / "chapters" / "07_gradient_bandit.ipynb").read_text())
    stale = tmp_path / "08_reinforce.ipynb"
    stale.write_text(json.dumps(nb))
    assert lm.main(["--check", str(stale)]) == 1
    assert "need the tool" in capsys.readouterr().out
    assert lm.main([str(stale)]) == 0 and lm.main(["--check", str(stale)]) == 0
    assert "[The gradient bandit](07_gradient_bandit.ipynb)" in stale.read_text()


def test_learn_paragraph_becomes_the_one_box_and_is_stable():
    text = ("Intro.\n\n**What you will learn**\n\n- one\n  continued\n- two\n\nAfter.")
    out = lm.learn_boxes(text)
    assert out == ("Intro.\n\n```{admonition} What you will learn\n:class: tip pg-learn\n"
                   "- one\n  continued\n- two\n```\n\nAfter.")
    assert lm.learn_boxes(out) == out
    old = "```{admonition} What you will learn\n:class: tip\n* a\n```"
    assert ":class: tip pg-learn" in lm.learn_boxes(old)
    bare = "```{admonition} What you will learn\n* a\n```"
    assert lm.learn_boxes(bare).split("\n")[1] == ":class: tip pg-learn"


@pytest.mark.parametrize("path", [p for p in lm.default_files() if p.suffix == ".ipynb"
                                  and p.name[:2].isdigit()], ids=lambda p: p.name)
def test_every_chapter_opens_with_the_learn_box(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    assert "```{admonition} What you will learn\n:class: tip pg-learn" in first.source
    assert "**What you will learn**" not in path.read_text()


def test_former_titles_in_links_get_the_current_title():
    page = "03_performance.ipynb"
    title, (former, *_) = lm.RENAMED[page]
    out = lm.renamed_titles(f"see [{former}]({page}) and [{former}](other.ipynb)", ROOT / "x.md")
    assert out == f"see [{title}]({page}) and [{former}](other.ipynb)"
    assert lm.page_title(ROOT / "chapters" / page) == title
    for path in lm.default_files():
        assert f"[{former}]" not in path.read_text().replace("\\n", "\n"), path.name


def test_intro_of_the_classroom_page_comes_from_its_file(tmp_path):
    nb = _nb(("markdown", "# Old intro\n\nOn this static web page ..."), ("code", "x = 1"),
             ("markdown", "## A demo"))
    path = tmp_path / "classroom_demos.ipynb"
    nbformat.write(nb, path)
    new, problems, _ = lm.process(path, MACROS)
    assert not problems
    cells = nbformat.reads(new, as_version=4).cells
    intro = lm.INTROS["classroom_demos.ipynb"].read_text().rstrip("\n")
    assert cells[0].source == lm.static_divs(intro)
    assert cells[1].source == "x = 1" and cells[2].source == "## A demo"
    path.write_text(new)
    assert lm.process(path, MACROS)[0] is None  # idempotent
    assert "static web page" not in intro and "rocket" not in intro
    assert '<div class="pg-static-only">' in intro and '<div class="pg-lab-only">' in intro
