"""Writing files safely: atomic writes, plain file names, one writer per folder.

Every file the package writes (image grids, generator snapshots, summaries,
PNG folders, comparison tables, figures, partial results) goes through
:func:`write_atomically`: it is written under a temporary name in its target
folder and renamed over the target only once it is complete, so a reader never
sees a half-written file and an error or an interrupt leaves the target as it
was. The file gets the permissions the umask gives any newly created file
(``0o644`` under the usual umask ``0o022``).

:func:`folder_lock` keeps a folder to one process at a time (the command line
holds it on its ``--out`` folder), so that two runs never write into the same
files.
"""

import contextlib
import io
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path

__all__ = ["FolderLockedError", "folder_lock", "is_plain_name", "write_atomically"]

#: The lock file that :func:`folder_lock` creates in the folder it locks.
LOCK_NAME = ".gansampler.lock"

# A lock file still empty after this many seconds was left by a process that
# died between creating it and writing its PID into it.
_EMPTY_LOCK_STALE_AFTER = 10.0

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


class FolderLockedError(OSError):
    """The folder is locked by another process, which is alive (or may be).

    Attributes
    ----------
    lock : pathlib.Path
        The lock file.
    pid : int or None
        The process that holds it; None when the file does not say (yet).
    host : str or None
        The machine it runs on.
    """

    def __init__(self, lock, pid, host):
        self.lock, self.pid, self.host = Path(lock), pid, host
        holder = "another process" if pid is None else f"process {pid}"
        if host and host != socket.gethostname():
            holder += f" on {host}"
        super().__init__(f"{self.lock.parent} is in use by {holder} (lock {lock})")


def _owner_text():
    return f"{os.getpid()} {socket.gethostname()}\n"


def _read_owner(lock):
    """``(text, pid, host)`` of a lock file; None if it is gone."""
    try:
        text = Path(lock).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    pid, _, host = text.strip().partition(" ")
    return text, (int(pid) if pid.isdigit() else None), host or None


def _alive(pid, host):
    """Whether process ``pid`` of ``host`` may be alive (True when it cannot tell)."""
    if host is not None and host != socket.gethostname():
        return True  # another machine's process (a shared file system)
    if os.name != "posix":
        return True  # no harmless way to ask
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by another user
        return True
    return True


def lock_holder(folder, name=LOCK_NAME):
    """The live process holding ``folder``'s lock, as ``(pid, host)``, or None.

    None also when the lock file is stale (its process is dead):
    :func:`folder_lock` takes such a lock over.
    """
    lock = Path(folder) / name
    owner = _read_owner(lock)
    if owner is None:
        return None
    text, pid, host = owner
    if pid is None:
        if time.time() - _mtime(lock) > _EMPTY_LOCK_STALE_AFTER:
            return None
        return (None, host)
    return (pid, host) if _alive(pid, host) else None


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return 0.0


def _take_over(lock, seen):
    """Remove the stale lock ``lock`` whose content was ``seen``.

    The file is first moved aside (atomically), then checked: if another
    process took the lock over meanwhile and wrote its own, that lock is put
    back (if the name is still free) instead of being removed.
    """
    aside = lock.with_name(f"{lock.name}.stale-{uuid.uuid4().hex}")
    try:
        os.rename(lock, aside)
    except FileNotFoundError:
        return
    try:
        moved = aside.read_text(encoding="utf-8", errors="replace")
        if moved != seen:
            with contextlib.suppress(OSError):
                os.link(aside, lock)  # fails if the name was taken again
    finally:
        aside.unlink(missing_ok=True)


def _acquire(lock):
    for _ in range(20):
        try:
            handle = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            owner = _read_owner(lock)
            if owner is None:
                continue  # removed meanwhile: try again
            holder = lock_holder(lock.parent, lock.name)
            if holder is not None:
                raise FolderLockedError(lock, *holder) from None
            _take_over(lock, owner[0])
            continue
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(_owner_text())
        return
    owner = _read_owner(lock)
    raise FolderLockedError(lock, *(owner[1:] if owner else (None, None)))


@contextlib.contextmanager
def folder_lock(folder, name=LOCK_NAME):
    """Hold ``folder`` for this process inside the block; refuse a held one.

    The lock is a file, ``folder/name``, created atomically
    (``os.open`` with ``O_CREAT | O_EXCL``: of two processes only one can
    create it) that holds this process's PID and host name. It is removed
    when the block ends, however it ends. A lock left by a process that is no
    longer running (killed, or its machine restarted) is stale: it is taken
    over. The folder must exist.

    Parameters
    ----------
    folder : str or path-like
        The folder to lock.
    name : str, default=".gansampler.lock"
        The lock file's name.

    Yields
    ------
    pathlib.Path
        The lock file.

    Raises
    ------
    FolderLockedError
        When a live process (or one that cannot be checked: on another host,
        or not on POSIX) holds the lock; its ``pid`` and ``host`` say which.

    Examples
    --------
    >>> import os, tempfile
    >>> from gansampler._files import FolderLockedError, folder_lock
    >>> folder = tempfile.mkdtemp()
    >>> with folder_lock(folder):
    ...     try:
    ...         with folder_lock(folder):
    ...             pass
    ...     except FolderLockedError as error:
    ...         print("refused: in use by PID", error.pid == os.getpid())
    refused: in use by PID True
    """
    lock = Path(folder) / name
    _acquire(lock)
    mine = _owner_text()
    try:
        yield lock
    finally:
        owner = _read_owner(lock)
        if owner is not None and owner[0] == mine:
            lock.unlink(missing_ok=True)
