"""A sphinx-gallery image scraper for matplotlib figures made without pyplot.

gansampler's plotting functions (``plot_history``, ``plot_image_grid``,
``ComparisonResult.plot``) return :class:`matplotlib.figure.Figure` objects
that pyplot does not know, so sphinx-gallery's own matplotlib scraper, which
asks pyplot for its figures, does not see them. This scraper shows every such
figure that a tutorial keeps in a variable, once, after the block that made it
(as a Jupyter notebook shows a figure returned by a cell).
"""

from sphinx_gallery.scrapers import figure_rst

__all__ = ["figure_object_scraper"]


def figure_object_scraper(block, block_vars, gallery_conf, **kwargs):
    """Save the new pyplot-less figures held by the example's variables."""
    from matplotlib.figure import Figure

    seen, figures = set(), []
    for value in block_vars["example_globals"].values():
        if (
            isinstance(value, Figure)
            and getattr(value, "_number", None) is None  # not made by pyplot
            and not getattr(value, "_gallery_scraped", False)
            and id(value) not in seen
        ):
            seen.add(id(value))
            figures.append(value)
    paths = []
    for figure in figures:
        path = next(block_vars["image_path_iterator"])
        figure.savefig(path, dpi=100)
        figure._gallery_scraped = True
        paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"]) if paths else ""


def _get_sg_image_scraper():
    return figure_object_scraper
