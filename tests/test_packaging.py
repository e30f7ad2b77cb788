"""Honest packaging: what the code imports is declared, install hints and the
documentation's references to files work.

gansampler is installed from a checkout (``pip install .``), not from an
index, so hints name ``".[extra]"``; every third-party module the package
imports is a declared dependency, except the optional extras' and the Keras
backends other than TensorFlow, which their users install themselves
(docs/user_guide/backends.rst).
"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Keras backends chosen with KERAS_BACKEND, installed by the user.
BACKENDS = {"jax", "torch"}


def _name(requirement):
    """The normalised distribution name of a requirement string."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules():
    """Top-level names of the modules imported anywhere in gansampler/."""
    names = set()
    for path in (ROOT / "gansampler").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names} - {"gansampler"}


def test_every_imported_distribution_is_declared():
    core = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = {
        _name(r)
        for requirements in PYPROJECT["project"]["optional-dependencies"].values()
        for r in requirements
    }
    distributions = importlib.metadata.packages_distributions()
    undeclared = {}
    for module in sorted(_imported_modules() - BACKENDS):
        names = {_name(d) for d in distributions.get(module, [module])}
        if not names & (core | extras):
            undeclared[module] = sorted(names)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
    assert "sklearn-compat" in core and "rich" in core


def test_matplotlib_is_a_core_dependency_and_nothing_treats_it_as_optional():
    core = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "matplotlib" in core
    assert not [e for e, reqs in extras.items() if "matplotlib" in map(_name, reqs)]
    for path in (ROOT / "gansampler").rglob("*.py"):
        text = path.read_text()
        assert "matplotlib is not installed" not in text, path
        assert "gansampler[plot]" not in text, path


def test_install_hints_name_an_install_from_the_checkout():
    texts = [*ROOT.glob("gansampler/**/*.py"), *ROOT.glob("docs/**/*.rst"),
             *ROOT.glob("docs/*.md"), ROOT / "README.md"]  # fmt: skip
    index_hints = {
        str(path.relative_to(ROOT)): hits
        for path in texts
        if (
            hits := re.findall(r"pip install [\"']?gansampler\[\w+\]", path.read_text())
        )
    }
    assert not index_hints, index_hints


def test_documents_named_in_the_docs_exist():
    # e.g. docs/results.md cited a DESIGN.md that was never in the repository.
    present = {p.name for p in ROOT.rglob("*.md") if ".git" not in p.parts}
    texts = [*ROOT.glob("docs/**/*.rst"), *ROOT.glob("docs/*.md"), ROOT / "README.md",
             *ROOT.glob("gansampler/**/*.py"), *ROOT.glob("examples/*.py")]  # fmt: skip
    missing = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in texts
        for name in re.findall(r"[\w.-]+\.md\b", path.read_text())
        if Path(name).name not in present
    }
    assert not missing, sorted(missing)


def _package_modules():
    """Every module of the package as ``name.py`` or ``package/name.py``."""
    package = ROOT / "gansampler"
    return sorted(
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "__init__.py"
    )


def _readme_layout():
    """The modules the README's layout names, as ``_package_modules`` does:
    ``  name.py`` at the top, ``    name.py`` under the ``  package/`` above."""
    block = (ROOT / "README.md").read_text().split("## Layout", 1)[1]
    named, package = set(), ""
    for line in block.split("```")[1].splitlines():
        if top := re.match(r" {2}(\S+)", line):
            name = top[1]
            package = name if name.endswith("/") else ""
            named.add(name)
        elif inner := re.match(r" {4}(\S+\.py)", line):
            named.add(package + inner[1])
    return named


def test_every_module_is_named_in_the_layout_and_the_architecture_page():
    # The layout and the architecture page omitted recipes.py, augment.py,
    # _classifier_augmentation.py and _progress.py (issue 21).
    layout = _readme_layout()
    page = (ROOT / "docs" / "user_guide" / "architecture.rst").read_text()
    page = page.split("Module map", 1)[1]
    for module in _package_modules():
        assert module in layout, f"README.md's layout does not name {module}"
        for name in module.split("/"):
            name = f"{name}/" if not name.endswith(".py") else name
            assert f"``{name}``" in page, (
                f"docs/user_guide/architecture.rst's module map does not name {module}"
            )


def test_the_start_page_shows_a_run_and_says_when_and_with_what():
    from gansampler.evaluation import DEFAULT_RESAMPLERS

    start = ROOT / "docs" / "start"
    index = (ROOT / "docs" / "index.rst").read_text()
    for name in ("real_vs_generated.png", "compare_digits.txt", "run.txt"):
        assert f"start/{name}" in index and (start / name).is_file(), name
    printed = (start / "compare_digits.txt").read_text()
    assert re.search(r"Mean ± std over 3 test folds \(\d+ s in all\)", printed)
    rows = [line.split()[0] for line in printed.splitlines() if line[:1].isalpha()]
    assert set(DEFAULT_RESAMPLERS) <= set(rows)
    run = (start / "run.txt").read_text()
    assert re.match(
        r"command:  gansampler compare --out results\ndate:     \d{4}-\d\d-\d\d "
        r"\d\d:\d\d UTC\ncode:     gansampler \w+\nmachine:  .+\nbackend:  .+\n"
        r"run time: \d+ s",
        run,
    ), run
    assert (start / "real_vs_generated.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_module_is_over_800_lines():
    # One concept per module: evaluation.py, metrics.py, datasets.py and
    # cli.py each grew past 800 lines holding several.
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "gansampler").rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 800
    }
    assert not long, long
