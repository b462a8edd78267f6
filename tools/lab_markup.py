"""Make the chapters' MyST markup read the same in JupyterLab (jupyterlab-myst) and the HTML book.

JupyterLab renders markdown cells with jupyterlab-myst (pinned in requirements.txt), which
parses MyST with mystmd's JavaScript parser, one cell at a time, and resolves references
between the cells of one notebook. Most of the book's markup renders there as it does in the
HTML book; this tool rewrites, mechanically and idempotently, the few constructs that do not,
and stores exercise solutions collapsed. Run it after writing or merging a chapter:

    python tools/lab_markup.py            # rewrite chapters/*.ipynb and chapters/*.md in place
    python tools/lab_markup.py --check    # change nothing; exit 1 if a file needs the tool
    python tools/lab_markup.py chapters/10_ppo.ipynb   # only the files named

It edits only markdown cells and cell metadata (never code or outputs), so a notebook does
not need to be executed again.

Rules for authors (write this, or let the tool write it for you)
-----------------------------------------------------------------
1. **Links to other pages.** Write ``[Title](02_softmax.ipynb)``, not ``{doc}`02_softmax```:
   jupyterlab-myst shows a ``{doc}`` role as the bare file name, linking nowhere. The tool
   turns ``{doc}`x``` into ``[<x's first heading>](x.ipynb)`` (``{doc}`text <x>``` keeps
   ``text``), which the HTML book renders exactly as it rendered the role.
2. **TeX macros.** Do not use the macros of ``_config.yml`` (``\\E``, ``\\R``, ``\\P``,
   ``\\Var``, ``\\argmax``, ...) in markdown: JupyterLab's KaTeX does not know them and prints
   a red error. The tool expands them (``\\E`` -> ``\\mathbb{E}``).
3. **Solutions.** Every ``{solution}`` and ``{solution-start}`` directive has
   ``:class: dropdown`` (the tool adds it): both places then show it closed. A gated solution
   (``{solution-start}`` ... code cells ... ``{solution-end}``) is stored collapsed: every cell
   between the start and the end has ``jupyter.source_hidden`` (code cells also
   ``jupyter.outputs_hidden``), so Lab shows a one-line placeholder and Run All keeps the
   answers out of view. A collapsed markdown cell's placeholder shows its first source line,
   so the tool makes that line the MyST comment ``% Solution, continued (click to show)``
   (invisible in both renderings), and moves prose that shares a cell with
   ``{solution-end}`` into a cell of its own. Text after ``{solution-start}`` in the same
   cell needs nothing: both renderers put it inside the dropdown.
4. **Words for one place only.** A sentence about the static page (``The static page shows
   the figure at its starting values ...``) goes in
   ``<div class="pg-static-only">`` + blank line + the sentence + blank line + ``</div>``; a
   sentence for live readers only (JupyterLab, Binder) in ``<div class="pg-live-only">``
   likewise. The tool adds ``style="display: none"`` to the static-only div (jupyterlab-myst
   keeps inline ``display`` styles and renders the div as nothing), and
   ``_static/lab_markup.css`` shows it in the HTML book and hides ``pg-live-only`` there.
   ``--check`` fails on a paragraph that speaks of "the static page/book" outside such a div.
   Do not use ``{only}``, ``{raw}`` or ``{container}``: Lab shows them as an error box or as
   source.
5. **What stays as it is, and how Lab shows it.** Directives (admonitions, ``exercise``,
   ``solution``, ``prf:*``, ``figure``), ``$...$``, ``$$...$$ (label)``, ``\\begin{align}``,
   and ``{eq}``/``{numref}``/``{ref}``/``{prf:ref}`` to a label *in the same notebook* render
   in Lab (numbered within the notebook, "(1)", "Exercise 2"). A reference to a label in
   another notebook, and ``{numref}`` to a figure made by a code cell (``mystnb.figure``
   metadata), show the label itself in Lab (write descriptive labels: ``eq-ch6-reinforce``);
   ``--check`` lists them as notes, not failures. ``{cite}`` shows the BibTeX key with a
   "citation not found" mark (jupyterlab-myst reads no .bib file): use readable keys
   (``williams1992simple``).

The MyST Lab cannot render at all (and ``--check`` fails on): directives other than the
ones jupyterlab-myst knows (see ``LAB_DIRECTIVES``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

COMMENT = "% Solution, continued (click to show)"
STATIC_OPEN = '<div class="pg-static-only" style="display: none">'

# Directives jupyterlab-myst 2.7 renders (mystmd's defaults plus the exercise, proof, card,
# grid and tab extensions it loads).
LAB_DIRECTIVES = {
    "admonition", "attention", "caution", "danger", "error", "important", "hint", "note",
    "seealso", "tip", "warning", "dropdown", "div", "figure", "image", "math", "code",
    "code-block", "code-cell", "sourcecode", "table", "list-table", "csv-table", "margin",
    "sidebar", "topic", "aside", "epigraph", "pull-quote", "blockquote", "glossary", "mermaid",
    "exercise", "exercise-start", "exercise-end", "solution", "solution-start", "solution-end",
    "card", "grid", "tab-set", "tab-item", "bibliography",
    "proof", "prf:proof", "prf:axiom", "prf:lemma", "prf:definition", "prf:criterion",
    "prf:remark", "prf:conjecture", "prf:corollary", "prf:algorithm", "prf:example",
    "prf:property", "prf:observation", "prf:proposition", "prf:assumption", "prf:theorem",
}

FENCE = re.compile(r"^(\s*)(`{3,}|:{3,})\s*(\{[^}]*\})?\s*(.*)$")
DOC_ROLE = re.compile(r"\{doc\}`([^`]+)`")
STATIC_WORDS = re.compile(r"\bstatic\s+(page|book|web\s+page)\b", re.I)
# The classroom page is written for Voila and Lab by its own owner (branch ui); not touched here.
EXCLUDE = {"classroom_demos.ipynb"}


def tex_macros():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = (config.get("sphinx", {}).get("config", {}).get("mathjax3_config", {})
              .get("tex", {}).get("macros", {}))
    out = {}
    for name, value in macros.items():
        if isinstance(value, str):
            out[name] = value
        else:  # [body, nargs]: expanding macros with arguments is not done here
            raise SystemExit(f"lab_markup: macro \\{name} takes arguments; expand it by hand")
    return out


# ---------------------------------------------------------------- text transforms

def _outside_code(text, fn):
    """Apply ``fn`` to the parts of ``text`` that are not code (fences or inline spans).

    Directive fences (```{name}) are not code: their bodies are markdown and math.
    """
    out, lines, in_code, fence = [], text.split("\n"), False, ""
    for line in lines:
        m = FENCE.match(line)
        if in_code:
            out.append(line)
            if m and m.group(2).startswith(fence[0]) and len(m.group(2)) >= len(fence) \
                    and not m.group(3) and not m.group(4):
                in_code = False
            continue
        if m and m.group(2).startswith("`") and not (m.group(3) or "").startswith("{") \
                or m and (m.group(3) or "").startswith(("{code", "{sourcecode")):
            in_code, fence = True, m.group(2)
            out.append(line)
            continue
        parts = re.split(r"(`+[^`]*`+)", line)
        out.append("".join(p if i % 2 else fn(p) for i, p in enumerate(parts)))
    return "\n".join(out)


def expand_macros(text, macros):
    def fn(s):
        for name, body in macros.items():
            s = re.sub(r"\\" + re.escape(name) + r"(?![A-Za-z])", lambda _m, b=body: b, s)
        return s
    return _outside_code(text, fn)


def page_title(path):
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        text = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    else:
        text = path.read_text()
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise ValueError(f"{path} has no '# ' title")


def doc_links(text, here, problems):
    def repl(m):
        body = m.group(1).strip()
        named = re.match(r"^(.+?)\s*<([^<>]+)>$", body)
        label, target = (named.group(1), named.group(2)) if named else (None, body)
        base = (here.parent / target.lstrip("/")) if not target.startswith("/") else ROOT / target[1:]
        found = [p for p in (base.with_suffix(".ipynb"), base.with_suffix(".md")) if p.is_file()]
        if not found:
            problems.append(f"{{doc}}`{body}`: no page {target}.ipynb or .md")
            return m.group(0)
        rel = Path(target).with_suffix(found[0].suffix).as_posix()
        title = label if label else page_title(found[0])
        title = title.replace("[", r"\[").replace("]", r"\]")
        return f"[{title}]({rel})"
    return DOC_ROLE.sub(repl, text)


def solution_dropdowns(text):
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        m = FENCE.match(line)
        i += 1
        if m and m.group(3) in ("{solution}", "{solution-start}"):
            j, has_class = i, False
            while j < len(lines) and re.match(r"^\s*:[\w-]+:", lines[j]):
                opt = re.match(r"^(\s*):class:\s*(.*)$", lines[j])
                if opt:
                    has_class = True
                    if "dropdown" not in opt.group(2).split():
                        lines[j] = f"{opt.group(1)}:class: {(opt.group(2) + ' dropdown').strip()}"
                j += 1
            if not has_class:
                out.append(f"{m.group(1)}:class: dropdown")
    return "\n".join(out)


def static_divs(text):
    return re.sub(r'<div class="pg-static-only"\s*>', STATIC_OPEN, text)


def transform_text(text, here, macros, problems):
    text = expand_macros(text, macros)
    text = doc_links(text, here, problems)
    text = solution_dropdowns(text)
    return static_divs(text)


# ---------------------------------------------------------------- checks (not rewritten)

def _directives(text):
    return [m.group(3)[1:-1] for m in map(FENCE.match, text.split("\n")) if m and m.group(3)]


def _paragraphs_outside_static(text):
    inside, paras = False, []
    for para in re.split(r"\n\s*\n", text):
        if 'class="pg-static-only"' in para:
            inside = True
        if not inside:
            paras.append(para)
        if inside and "</div>" in para:
            inside = False
    return paras


def check_text(text, problems):
    for name in _directives(text):
        if name not in LAB_DIRECTIVES:
            problems.append(f"directive {{{name}}} does not render in JupyterLab")
    for para in _paragraphs_outside_static(text):
        if STATIC_WORDS.search(para):
            problems.append("a paragraph about the static page is not in a pg-static-only div: "
                            + para.strip().splitlines()[0][:80])


def labels_in(nb):
    labels = set()
    for c in nb.cells:
        if c.cell_type == "markdown":
            labels.update(re.findall(r"^\$\$\s*\(([\w-]+)\)\s*$", c.source, re.M))
            labels.update(re.findall(r"^\s*:label:\s*([\w-]+)", c.source, re.M))
            labels.update(re.findall(r"^\(([\w-]+)\)=", c.source, re.M))
            labels.update(re.findall(r"^\s*:name:\s*([\w-]+)", c.source, re.M))
    return labels


def notes_for(nb):
    """References Lab shows as their bare label (another notebook's, or a code cell's figure)."""
    here = labels_in(nb)
    notes = []
    for c in nb.cells:
        if c.cell_type != "markdown":
            continue
        for role, label in re.findall(r"\{(eq|numref|ref|prf:ref)\}`(?:[^`<]*<)?([\w-]+)>?`", c.source):
            if label not in here:
                notes.append(f"{{{role}}}`{label}`")
    return sorted(set(notes))


# ---------------------------------------------------------------- gated solutions

def _gate_events(text):
    """'start'/'end' events of gated solutions in a markdown cell, in order."""
    ev = []
    for m in map(FENCE.match, text.split("\n")):
        if m and m.group(3) == "{solution-start}":
            ev.append("start")
        elif m and m.group(3) == "{solution-end}":
            ev.append("end")
    return ev


def _split_end(text):
    """(prose before the {solution-end} fence, the fence and what follows)."""
    lines = text.split("\n")
    k = next(i for i, ln in enumerate(lines) if (m := FENCE.match(ln)) and m.group(3) == "{solution-end}")
    return "\n".join(lines[:k]).strip("\n"), "\n".join(lines[k:])


def _hide(cell, outputs=False):
    meta = cell.metadata.setdefault("jupyter", {})
    meta["source_hidden"] = True
    if outputs:
        meta["outputs_hidden"] = True


def _with_comment(text):
    return text if text.startswith(COMMENT) else COMMENT + "\n" + text


def collapse_solutions(nb, problems):
    cells, open_gate = [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            ev = _gate_events(cell.source)
            if open_gate and ev and ev[0] == "end":
                before, rest = _split_end(cell.source)
                if before.strip() and before.strip() != COMMENT:
                    prose = nbformat.v4.new_markdown_cell(_with_comment(before))
                    prose.id = (cell.get("id") or "cell")[:55] + "-sol"
                    _hide(prose)
                    cells.append(prose)
                    cell.source = rest
                cells.append(cell)
                ev = ev[1:]
                open_gate = False
            elif open_gate:
                if ev:
                    problems.append("a solution-start inside an open gated solution")
                cell.source = _with_comment(cell.source)
                _hide(cell)
                cells.append(cell)
                continue
            else:
                cells.append(cell)
            for e in ev:
                open_gate = e == "start"
        else:
            if open_gate:
                _hide(cell, outputs=True)
            cells.append(cell)
    if open_gate:
        problems.append("a {solution-start} without {solution-end}")
    nb.cells = cells


# ---------------------------------------------------------------- files

def process(path, macros):
    """Return (new text of the file or None if unchanged, problems, notes)."""
    problems = []
    if path.suffix == ".ipynb":
        old = path.read_text()
        nb = nbformat.reads(old, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = transform_text(cell.source, path, macros, problems)
        collapse_solutions(nb, problems)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                check_text(cell.source, problems)
        new = nbformat.writes(nb) + "\n"
        notes = notes_for(nb)
        if nbformat.reads(new, as_version=4) == nbformat.reads(old, as_version=4):
            new = None
    else:
        old = path.read_text()
        new = transform_text(old, path, macros, problems)
        check_text(new, problems)
        notes = []
        if new == old:
            new = None
    return new, problems, notes


def default_files():
    files = sorted(CHAPTERS.glob("*.ipynb")) + sorted(CHAPTERS.glob("*.md"))
    return [p for p in files if p.name not in EXCLUDE]


def main(argv):
    check = "--check" in argv
    verbose = "--notes" in argv
    files = [Path(a).resolve() for a in argv if not a.startswith("--")] or default_files()
    macros = tex_macros()
    stale, failed = [], False
    for path in files:
        new, problems, notes = process(path, macros)
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for p in problems:
            print(f"{name}: {p}")
            failed = True
        if verbose and notes:
            print(f"{name}: shown as a bare label in JupyterLab: " + ", ".join(notes))
        if new is not None:
            stale.append(str(name))
            if not check:
                path.write_text(new)
    if check:
        if stale:
            print("not in Lab markup: " + ", ".join(stale) + "\nRun `python tools/lab_markup.py`.")
        print(f"checked {len(files)} file(s): {len(stale)} need the tool")
        return 1 if stale or failed else 0
    print(f"updated {len(stale)} of {len(files)} file(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
