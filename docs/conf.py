"""Sphinx configuration of the gansampler documentation.

Build with ``make -C docs html`` (or ``python -m sphinx -W --keep-going -b html
docs docs/_build/html``). The tutorials in ``examples/plot_*.py`` are run by
sphinx-gallery during the build; each is sized to run on a CPU in well under a
minute. ``make -C docs html-noplot`` builds without running them.
"""

import logging
import os
import re
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive

# The backend is fixed when Keras is first imported: the tutorials run in this
# process, with TensorFlow unless KERAS_BACKEND says otherwise.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
# TensorFlow's Python-side notices (retracing, ...) are not build problems.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))

import gansampler  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "gansampler"
author = "the gansampler developers"
copyright = "the gansampler developers"
version = release = gansampler.__version__

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
default_role = "literal"
add_module_names = False
pygments_style = "sphinx"

# The Markdown result pages (results.md, benchmarks.md, ...) are kept as they
# are; explicit anchors for their headings make them linkable.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# -- API reference -----------------------------------------------------------
autosummary_generate = True
# Members are listed where wanted: the class template asks for them.
autodoc_default_options = {}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Tutorials (sphinx-gallery) ----------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "gallery_order.TutorialOrder",
    "doc_module": ("gansampler",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    # The tutorials print what they show; a block's last value is not echoed.
    "capture_repr": (),
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_memory": False,
    "image_scrapers": ("matplotlib", "gallery_figures"),
    "matplotlib_animations": False,
    "min_reported_time": 1,
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"gansampler {release}"
html_static_path = ["_static"]
html_css_files = ["gansampler.css"]
html_favicon = "_static/favicon.svg"
# The theme follows the reader's light or dark preference.
html_context = {"default_mode": "auto"}
html_theme_options = {
    "navbar_align": "left",
    "show_prev_next": True,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "api": []}
html_show_sourcelink = False


# The Markdown result pages at the top of docs/ are listed on the results
# page, so that pages added later (reliability.md, scaling.md, ...) appear
# without editing an index.
RESULT_PAGES = ["results", "quality", "benchmarks", "reliability", "scaling"]


def result_pages():
    """Names of the Markdown result pages in docs/, known ones first."""
    present = {path.stem for path in HERE.glob("*.md")}
    known = [name for name in RESULT_PAGES if name in present]
    return known + sorted(present - set(known))


def _page_link(name, title):
    """A link to docs/<name>.md, or its name in plain text while it is missing."""
    if (HERE / f"{name}.md").exists():
        return f":doc:`{title} </{name}>`"
    return f"{title} (``docs/{name}.md``, to come)"


rst_epilog = f"""
.. |scaling-page| replace:: {_page_link("scaling", "Scaling out (measurements)")}
.. |reliability-page| replace:: {_page_link("reliability", "Reliability")}
"""


def _add_result_pages(app, docname, source):
    if docname == "results_index":
        entries = "".join(f"   {name}\n" for name in result_pages())
        source[0] += f"\n.. toctree::\n   :maxdepth: 2\n\n{entries}"
    # A definition-list entry for a result page that is not there yet is left
    # out (the term is the page's substitution alone on its line).
    for name in ("scaling", "reliability"):
        if not (HERE / f"{name}.md").exists():
            source[0] = re.sub(
                rf"^\|{name}-page\|\n(?:    .*\n)*", "", source[0], flags=re.M
            )


# Methods inherited from scikit-learn and imbalanced-learn (get_params,
# fit_resample, score, ...) are documented on each class; their docstrings
# cross-reference labels of those projects' own sites, which become plain text
# here. The per-argument set_*_request methods of metadata routing are left out.
_FOREIGN_ROLE = re.compile(r":(?:ref|term|doc):`([^`<]*?)\s*(?:<([^>`]*)>)?`")


def _foreign_roles_to_text(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith(("sklearn", "imblearn")):
        return
    for i, line in enumerate(lines):
        lines[i] = _FOREIGN_ROLE.sub(lambda m: f"*{m.group(1) or m.group(2)}*", line)


def _skip_member(app, what, name, obj, skip, options):
    if re.fullmatch(r"set_\w+_request", name):
        return True
    return None


class GansamplerHelp(Directive):
    """``.. gansampler-help:: compare``: the sub-command's ``--help`` text."""

    required_arguments = 1

    def run(self):
        from gansampler.cli import build_parser

        parser = build_parser()
        (subparsers,) = (
            action
            for action in parser._actions
            if action.__class__.__name__ == "_SubParsersAction"
        )
        columns = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "74"  # argparse wraps to fit the page
        try:
            text = subparsers.choices[self.arguments[0]].format_help()
        finally:
            if columns is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = columns
        return [nodes.literal_block(text, text, language="text")]


def setup(app):
    app.add_directive("gansampler-help", GansamplerHelp)
    app.connect("source-read", _add_result_pages)
    app.connect("autodoc-process-docstring", _foreign_roles_to_text)
    app.connect("autodoc-skip-member", _skip_member)
