"""Writing files safely: atomic writes and plain file names.

Every file the package writes (image grids, generator snapshots, summaries,
PNG folders, comparison tables, figures, partial results) goes through
:func:`write_atomically`: it is written under a temporary name in its target
folder and renamed over the target only once it is complete, so a reader never
sees a half-written file and an error or an interrupt leaves the target as it
was. The file gets the permissions the umask gives any newly created file
(``0o644`` under the usual umask ``0o022``).
"""

import io
import os
import shutil
import tempfile
import threading
from pathlib import Path

__all__ = ["is_plain_name", "write_atomically"]

_MODES = ("wb", "w", "ab", "a", None)

_umask_lock = threading.Lock()


def _umask():
    """The process's umask, read without leaving it changed.

    Linux reports it in ``/proc/self/status``; elsewhere it is set and put back
    under a lock. The value set meanwhile, ``0o077``, only ever makes a file
    another thread creates in that instant less readable, never more.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_lock:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def write_atomically(path, write, *, mode="wb", suffix=".tmp"):
    """Write a file under a temporary name next to it, then rename it over ``path``.

    ``write`` fills the temporary file; only when it returns is the file given
    the permissions of a newly created file (``0o666`` less the umask) and
    renamed to ``path`` with :func:`os.replace`. If ``write`` or the rename
    fails (or is interrupted), the temporary file is removed and ``path`` is
    left as it was.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder must exist.
    write : callable
        ``write(file)`` gets the open temporary file, or with ``mode=None``
        its path, for writers that open the file themselves (Keras'
        ``model.save``).
    mode : {"wb", "w", "ab", "a"} or None, default="wb"
        ``"wb"``: a new binary file; ``"w"``: a new UTF-8 text file, written
        as is (no newline translation); ``"ab"``, ``"a"``: the same, starting
        with the content of ``path`` if it exists, so that ``write`` appends;
        None: ``write`` gets the temporary path.
    suffix : str, default=".tmp"
        End of the temporary name (``".keras"`` for Keras, which picks the
        format from it).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from gansampler._files import write_atomically
    >>> path = Path(tempfile.mkdtemp()) / "log.txt"
    >>> _ = write_atomically(path, lambda file: file.write("one\\n"), mode="w")
    >>> write_atomically(path, lambda file: file.write("two\\n"), mode="a").read_text()
    'one\\ntwo\\n'
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}; got {mode!r}.")
    path = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=suffix
    )
    try:
        if mode is None:
            os.close(handle)
            write(temporary)
        else:
            with os.fdopen(handle, "wb") as file:
                if mode.startswith("a") and path.exists():
                    with open(path, "rb") as old:
                        shutil.copyfileobj(old, file)
                if mode in ("wb", "ab"):
                    write(file)
                else:
                    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
                    write(text)
                    text.detach()  # flushed; the binary file closes below
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def is_plain_name(name):
    """Whether ``name`` names a file or folder directly inside its parent.

    Parameters
    ----------
    name : str
        A file or folder name.

    Returns
    -------
    bool
        False for ``""``, ``"."``, ``".."`` and names holding a path separator
        or a NUL character.

    Examples
    --------
    >>> from gansampler._files import is_plain_name
    >>> is_plain_name("3"), is_plain_name(".."), is_plain_name("a/b")
    (True, False, False)
    """
    separators = {"/", "\0", os.sep, os.altsep} - {None}
    return name not in ("", ".", "..") and not any(s in name for s in separators)
