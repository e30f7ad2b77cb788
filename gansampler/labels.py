"""Class labels as people meet them: in messages and in folder names."""

import numpy as np

__all__ = ["class_folder_name", "label_text"]


def label_text(label):
    """A class label as warnings, errors and progress lines show it.

    NumPy scalars are shown as the Python value they hold, so a class reads
    ``3``, not ``np.int64(3)``; strings keep their quotes.

    Parameters
    ----------
    label : object
        A class label.

    Returns
    -------
    str
        ``repr`` of the label, or of the Python value of a NumPy scalar.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.labels import label_text
    >>> label_text(np.int64(3)), label_text("ok"), label_text(np.str_("ok"))
    ('3', "'ok'", "'ok'")
    """
    return repr(label.item() if isinstance(label, np.generic) else label)


def class_folder_name(label):
    """A folder name for a class label that cannot leave its parent folder.

    Parameters
    ----------
    label : object
        A class label; ``str(label)`` is used.

    Returns
    -------
    str
        ``"class_"`` followed by the label, every character other than a
        letter, digit, ``-``, ``_`` or ``.`` replaced by ``_``.

    Examples
    --------
    >>> from gansampler.labels import class_folder_name
    >>> class_folder_name(3), class_folder_name("../etc")
    ('class_3', 'class_.._etc')
    """
    text = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(label))
    return f"class_{text}"
