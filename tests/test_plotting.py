"""Figures of training curves and image grids."""

import doctest
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from gansampler import plotting  # noqa: E402
from gansampler.plotting import (  # noqa: E402
    image_grid,
    plot_history,
    plot_image_grid,
    save_figure,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _curves(n_epochs, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "d_loss_real": list(rng.uniform(0.3, 0.8, n_epochs)),
        "d_loss_fake": list(rng.uniform(0.3, 0.8, n_epochs)),
        "g_loss": list(rng.uniform(0.5, 2.0, n_epochs)),
        "d_acc_real": list(rng.uniform(0, 1, n_epochs)),
        "d_acc_fake": list(rng.uniform(0, 1, n_epochs)),
    }


class _FittedSampler:
    """Stands in for a fitted DCGANOverSampler: only history_ is read."""

    def __init__(self, history):
        self.history_ = history


def _assert_png(path):
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp left


def test_doctests():
    result = doctest.testmod(plotting)
    assert result.attempted > 0
    assert result.failed == 0


def test_plot_history_has_a_row_per_class(tmp_path):
    history = {3: _curves(12), 8: _curves(7, seed=1)}
    path = tmp_path / "history.png"
    figure = plot_history(_FittedSampler(history), path=path)
    assert len(figure.axes) == 4
    assert [len(ax.lines) for ax in figure.axes] == [3, 2, 3, 2]
    loss_ax, acc_ax = figure.axes[:2]
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), np.arange(1, 13))
    np.testing.assert_allclose(loss_ax.lines[2].get_ydata(), history[3]["g_loss"])
    assert "3" in loss_ax.get_title()
    assert acc_ax.get_ylim() == pytest.approx((-0.02, 1.02))
    assert len(figure.axes[2].lines[0].get_xdata()) == 7
    _assert_png(path)


def test_plot_history_of_one_class_selected_classes_and_missing_curves():
    one = plot_history(_curves(5))
    assert [len(ax.lines) for ax in one.axes] == [3, 2]

    history = {"a": _curves(5), "b": _curves(5), "c": _curves(5)}
    chosen = plot_history(history, classes=["c", "a"])
    assert len(chosen.axes) == 4
    assert "'c'" in chosen.axes[0].get_title()

    losses_only = {key: value for key, value in _curves(4).items() if "loss" in key}
    assert [len(ax.lines) for ax in plot_history({0: losses_only}).axes] == [3, 0]


def test_plot_history_into_given_axes():
    from matplotlib.figure import Figure

    figure = Figure()
    axes = figure.subplots(2, 2)
    result = plot_history({0: _curves(3), 1: _curves(3)}, axes=axes)
    assert result is figure
    assert [len(ax.lines) for ax in figure.axes] == [3, 2, 3, 2]
    with pytest.raises(ValueError, match="rows"):
        plot_history({0: _curves(3)}, axes=axes)


def test_plot_history_errors():
    with pytest.raises(ValueError, match="empty"):
        plot_history({})
    with pytest.raises(ValueError, match="none of the curves"):
        plot_history({0: {"loss": [1.0]}})
    with pytest.raises(ValueError, match="No history for classes"):
        plot_history({0: _curves(2)}, classes=[5])
    with pytest.raises(TypeError, match="history"):
        plot_history([1, 2])

    class Unfitted:
        def get_params(self):
            return {}

    with pytest.raises(ValueError, match="fit it first"):
        plot_history(Unfitted())


def test_plot_image_grid_writes_png(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (49, 8, 8, 1), np.uint8)
    path = tmp_path / "grid.png"
    figure = plot_image_grid(images, title="class 3", path=path)
    assert len(figure.axes) == 1
    ax = figure.axes[0]
    assert ax.get_title() == "class 3"
    assert ax.images[0].get_array().shape == (62, 62)  # 7x7 of 8x8 + padding
    _assert_png(path)


def test_plot_image_grid_value_ranges_colour_and_axes():
    from matplotlib.figure import Figure

    floats = np.random.default_rng(0).uniform(0, 1, (10, 8, 8))
    from_unit = plot_image_grid(floats, n_columns=5).axes[0].images[0].get_array()
    from_tanh = plot_image_grid(floats * 2 - 1, n_columns=5, value_range=(-1, 1))
    np.testing.assert_array_equal(from_tanh.axes[0].images[0].get_array(), from_unit)
    assert from_unit.shape == (17, 44)

    rgb = np.random.default_rng(1).uniform(0, 1, (3, 6, 6, 3))
    figure = Figure()
    ax = figure.add_subplot()
    assert plot_image_grid(rgb, ax=ax) is figure
    assert ax.images[0].get_array().shape == (6, 20, 3)


@pytest.mark.parametrize(
    ("images", "kwargs", "match"),
    [
        (np.zeros((4, 8)), {}, "shape"),
        (np.zeros((0, 8, 8)), {}, "shape"),
        (np.zeros((4, 8, 8, 2)), {}, "channels"),
        (np.zeros((4, 8, 8)), {"n_columns": 0}, "n_columns"),
        (np.zeros((4, 8, 8)), {"value_range": (1, 1)}, "value_range"),
    ],
)
def test_plot_image_grid_errors(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_image_grid(images, **kwargs)


def test_save_figure_is_atomic(tmp_path):
    figure = plot_image_grid(np.zeros((2, 4, 4), np.uint8))
    svg = save_figure(figure, tmp_path / "grid.svg")
    assert svg.read_text().lstrip().startswith("<?xml")
    with pytest.raises(ValueError):
        save_figure(figure, tmp_path / "grid.unknown-format")
    assert [p.name for p in tmp_path.iterdir()] == ["grid.svg"]


def test_image_grids_are_drawn_without_keras(tmp_path):
    # Tiling images is plotting, not training: no Keras (and no backend) import.
    script = (
        "import sys, numpy as np\n"
        "from gansampler.plotting import image_grid, plot_image_grid, save_image_grid\n"
        "images = np.zeros((10, 8, 8), np.uint8)\n"
        "assert image_grid(images).shape == (17, 62, 1)\n"
        "save_image_grid(images, sys.argv[1])\n"
        "plot_image_grid(images)\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch')"
        " if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "grid.png")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout.strip() == "[]"
    _assert_png(tmp_path / "grid.png")


def test_image_grid_tiles_in_rows_with_white_padding():
    images = np.arange(1, 6, dtype=np.uint8)[:, None, None] * np.ones(
        (5, 2, 3), np.uint8
    )
    grid = image_grid(images, n_columns=3)
    assert grid.shape == (5, 11, 1)
    assert grid[0, 0, 0] == 1 and grid[0, 4, 0] == 2 and grid[3, 8, 0] == 255
    assert grid[3, 4, 0] == 5 and (grid[2] == 255).all()  # the padding row
    floats = image_grid(np.full((1, 2, 2, 3), 0.5), n_columns=1)
    assert floats.dtype == np.uint8 and (floats == 128).all()
