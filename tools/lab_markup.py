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
   (``{solution-start}`` ... code and markdown cells ... ``{solution-end}``) is folded in Lab
   under a Lab-only heading ``###### Solution to Exercise N`` stored collapsed
   (``jp-MarkdownHeadingCollapsed``), and closed by ``###### End of the solution to Exercise
   N`` when more follows; both headings are cells tagged ``lab-solution`` and ``remove-cell``
   (absent from the HTML book) that the tool rewrites on every run, so never edit them. This
   is the one fold that survives Run All: JupyterLab's Run All expands collapsed markdown
   cells and the outputs of every code cell it runs, but keeps the cells under a collapsed
   heading hidden. The solution's code cells are also stored with ``jupyter.source_hidden``
   and ``jupyter.outputs_hidden``. The tool starts a cell at each ``{solution-start}`` (the
   exercise before it stays in view). Write the gate in this order: exercise, then
   ``{solution-start}``, the solution's cells, ``{solution-end}``.
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

6. **"What you will learn".** Every chapter opens with the same box: an
   ``{admonition} What you will learn`` with ``:class: tip pg-learn`` (styled once, in
   ``_static/pg-ui.css``). The tool turns a bold ``**What you will learn**`` paragraph and the
   list under it into that box, and adds ``pg-learn`` to an admonition that lacks it.
7. **Titles with math.** A page title may use ``$...$`` (chapter 3's does: the HTML book's
   sidebar and page typeset it, Lab too). ``RENAMED`` maps a page to its former titles: a link
   whose text is a former title gets the current one (a link text ``v_π(s₀)`` once read as
   "v π(s₀)", its underscore taken for emphasis).
8. **Words for Lab only, and page intros.** ``<div class="pg-lab-only">`` shows in JupyterLab
   only (hidden in the HTML book by ``_static/lab_markup.css`` and in Voila by the classroom
   template). The first markdown cell of a notebook named in ``INTROS`` is the text of its
   file in ``tools/intros/`` (the classroom page's intro, written for Voila, Lab and the HTML
   page at once): edit that file and re-run the tool.

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

LAB_TAG = "lab-solution"  # cells the tool adds for JupyterLab (removed from the HTML book)
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
EXCLUDE: set = set()

# Rule 7: page -> (its title, its former titles). The title is written into the page's
# "# " heading; links whose text is a former title get the current one.
RENAMED = {
    "03_performance.ipynb": ("The performance measure $J(\\theta) = v_\\pi(s_0)$",
                             ["The performance measure J(θ) = v_π(s₀)"]),
}
# Rule 8: notebook -> the file whose text is its first markdown cell.
INTROS = {"classroom_demos.ipynb": ROOT / "tools" / "intros" / "classroom_demos.md"}
LEARN = "What you will learn"


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


def learn_boxes(text):
    """Rule 6: the "What you will learn" paragraph and its list become one admonition."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if m and m.group(3) == "{admonition}" and m.group(4).strip() == LEARN:
            out.append(line)
            i += 1
            j, found = i, False
            while j < len(lines) and re.match(r"^\s*:[\w-]+:", lines[j]):
                opt = re.match(r"^(\s*):class:\s*(.*)$", lines[j])
                if opt:
                    found = True
                    if "pg-learn" not in opt.group(2).split():
                        lines[j] = f"{opt.group(1)}:class: {(opt.group(2) + ' pg-learn').strip()}"
                j += 1
            if not found:
                out.append(":class: tip pg-learn")
            continue
        if line.strip() == f"**{LEARN}**" and i + 2 < len(lines) and not lines[i + 1].strip() \
                and re.match(r"^[-*] ", lines[i + 2]):
            j = i + 2
            items = []
            while j < len(lines):
                cur = lines[j]
                nxt = lines[j + 1] if j + 1 < len(lines) else ""
                if re.match(r"^([-*] |\s+\S)", cur) or (not cur.strip() and re.match(r"^([-*] |\s+\S)", nxt)):
                    items.append(cur)
                    j += 1
                else:
                    break
            fence = "````" if any(l.lstrip().startswith("```") for l in items) else "```"
            out.extend([f"{fence}{{admonition}} {LEARN}", ":class: tip pg-learn", *items, fence])
            i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def renamed_titles(text, here):
    """Rule 7: links whose text is a former title of a page (RENAMED) get its current one."""
    for page, (title, former) in RENAMED.items():
        for old in former:
            text = text.replace(f"[{old}]({page}", f"[{title}]({page}")
    return text


def transform_text(text, here, macros, problems):
    text = expand_macros(text, macros)
    text = doc_links(text, here, problems)
    text = solution_dropdowns(text)
    text = learn_boxes(text)
    text = renamed_titles(text, here)
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

def _fence_index(text, name):
    for k, line in enumerate(text.split("\n")):
        m = FENCE.match(line)
        if m and m.group(3) == "{" + name + "}":
            return k
    return None


def _exercise_numbers(nb):
    """Label -> the number jupyterlab-myst gives the exercise (1, 2, ... in notebook order)."""
    numbers, k = {}, 0
    for c in nb.cells:
        if c.cell_type != "markdown":
            continue
        lines = c.source.split("\n")
        for i, line in enumerate(lines):
            m = FENCE.match(line)
            if m and m.group(3) in ("{exercise}", "{exercise-start}"):
                k += 1
                for opt in lines[i + 1:]:
                    o = re.match(r"^\s*:label:\s*(\S+)", opt)
                    if o:
                        numbers[o.group(1)] = k
                    if not re.match(r"^\s*:[\w-]+:", opt):
                        break
    return numbers


def _lab_heading(text, cell_id, collapsed):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = cell_id[:64]
    cell.metadata["tags"] = [LAB_TAG, "remove-cell"]
    if collapsed:
        cell.metadata["jp-MarkdownHeadingCollapsed"] = True
    return cell


def collapse_solutions(nb, problems):
    """Fold every gated solution in Lab under a collapsed Lab-only heading.

    JupyterLab's Run All expands collapsed inputs of markdown cells and the outputs of
    every code cell it runs, but not a collapsed heading: the cells under it stay hidden.
    """
    numbers = _exercise_numbers(nb)
    cells = [c for c in nb.cells if LAB_TAG not in c.metadata.get("tags", [])]
    # a {solution-start} begins its own cell (what comes before it, e.g. the exercise, stays out)
    split = []
    for c in cells:
        k = _fence_index(c.source, "solution-start") if c.cell_type == "markdown" else None
        if k:
            lines = c.source.split("\n")
            before, rest = "\n".join(lines[:k]).rstrip("\n"), "\n".join(lines[k:])
            if before.strip():
                c.source = before
                split.append(c)
                c = nbformat.v4.new_markdown_cell(rest)
                c.id = (split[-1].get("id") or "cell")[:60] + "-sol"
        split.append(c)
    # ... and what follows a {solution-end} in its cell starts a cell of its own: JupyterLab
    # takes a cell's first heading as the cell's, so a "## Summary" after the end of a
    # solution would end the collapsed section early and show the solution's last words
    resplit = []
    for c in split:
        k = _fence_index(c.source, "solution-end") if c.cell_type == "markdown" else None
        if k is not None:
            lines = c.source.split("\n")
            close = next((j for j in range(k + 1, len(lines)) if FENCE.match(lines[j])
                          and not FENCE.match(lines[j]).group(3)), k)
            before, rest = "\n".join(lines[:close + 1]), "\n".join(lines[close + 1:]).strip("\n")
            if rest.strip():
                c.source = before
                resplit.append(c)
                c = nbformat.v4.new_markdown_cell(rest)
                c.id = (resplit[-1].get("id") or "cell")[:56] + "-after"
        resplit.append(c)
    split = resplit
    out, i = [], 0
    while i < len(split):
        c = split[i]
        if c.cell_type == "markdown" and _fence_index(c.source, "solution-start") == 0:
            arg = FENCE.match(c.source.split("\n")[0]).group(4).strip()
            num = numbers.get(arg)
            if num is None:
                problems.append(f"solution-start {arg}: no exercise with that label in this notebook")
            title = f"Solution to Exercise {num}" if num else "Solution"
            j = next((j for j in range(i, len(split)) if split[j].cell_type == "markdown"
                      and _fence_index(split[j].source, "solution-end") is not None), None)
            if j is None:
                problems.append(f"solution-start {arg} without solution-end")
                out.extend(split[i:])
                break
            out.append(_lab_heading(f"###### {title}", f"lab-sol-{arg}", True))
            for g in split[i:j + 1]:
                if g.cell_type == "code":
                    meta = g.metadata.setdefault("jupyter", {})
                    meta["source_hidden"] = True
                    meta["outputs_hidden"] = True
                out.append(g)
            after = split[j + 1] if j + 1 < len(split) else None
            if after is not None and not (after.cell_type == "markdown"
                                          and after.source.lstrip().startswith("#")):
                out.append(_lab_heading(f"###### End of the solution to Exercise {num or ''}".rstrip(),
                                        f"lab-sol-end-{arg}", False))
            i = j + 1
            continue
        out.append(c)
        i += 1
    nb.cells = out


# ---------------------------------------------------------------- files

def process(path, macros):
    """Return (new text of the file or None if unchanged, problems, notes)."""
    problems = []
    if path.suffix == ".ipynb":
        old = path.read_text()
        nb = nbformat.reads(old, as_version=4)
        intro = INTROS.get(path.name)
        if intro is not None:
            first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
            if first is None:
                problems.append("no markdown cell for the intro")
            else:
                first.source = intro.read_text().rstrip("\n")
        if path.name in RENAMED:
            first = next((c for c in nb.cells if c.cell_type == "markdown"
                          and re.search(r"^# ", c.source, re.M)), None)
            if first is not None:
                first.source = re.sub(r"^# .*$", lambda _m: "# " + RENAMED[path.name][0],
                                      first.source, count=1, flags=re.M)
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
