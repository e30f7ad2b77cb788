"""Order of the tutorials in the gallery: a reading order, not alphabetical."""

import os

ORDER = [
    "plot_quick_start.py",
    "plot_compare_resamplers.py",
    "plot_training_curves.py",
    "plot_choose_generator.py",
    "plot_image_folder.py",
    "plot_backends_precision.py",
]


class TutorialOrder:
    """sphinx-gallery ``within_subsection_order``: the files of ``ORDER`` first."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = os.path.basename(filename)
        return (ORDER.index(name), name) if name in ORDER else (len(ORDER), name)

    def __repr__(self):
        return f"{type(self).__name__}()"
