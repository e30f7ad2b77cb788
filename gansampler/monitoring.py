"""Old home of the image grids and the checkpoint monitor; kept so imports work.

The image grids are in :mod:`gansampler.plotting` (which draws them without
Keras), the checkpoint monitor in :mod:`gansampler.training` and
``class_folder_name`` in :mod:`gansampler.labels`; importing them from here
still works. ``CheckpointMonitor`` is looked up only when asked for, as it
imports Keras.
"""

from .labels import class_folder_name
from .plotting import image_grid, save_image_grid

# CheckpointMonitor is looked up by __getattr__ below.
__all__ = ["class_folder_name", "image_grid", "save_image_grid"]


def __getattr__(name):
    if name == "CheckpointMonitor":
        from .training import CheckpointMonitor

        return CheckpointMonitor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__, "CheckpointMonitor"})
