"""Finding note files and reading them safely.

Whatever is in a folder, reading never raises: a file that cannot be used comes back as
a ``FileError`` with a one-line reason, and the run goes on with the others.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .model import FileError
from .notes import NOTE_SUFFIXES

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# A note's path is its key in URLs and in one-line reports: a line break in a file name
# made a note nobody could open (its page 404s), and broke the report into two lines.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FALLBACK_ENCODINGS = ("cp949",)  # Korean Windows notes, the commonest non-UTF-8 case here


@dataclass(slots=True, frozen=True)
class NoteFile:
    """A file to ingest: where it is, the path it is known by in the graph, and the
    folder it must really lie in (None for a file named on its own)."""

    absolute: Path
    path: str
    inside: Path | None = None


def discover(
    paths: list[Path], *, follow_links: bool = False
) -> tuple[list[NoteFile], list[FileError]]:
    """Note files under ``paths`` (files or folders, recursively), sorted by path.

    Graph paths are relative to the folder given (or to the common parent when several
    are given), so the same notes get the same ids wherever the folder lives; problems
    found in a folder name their file the same way. Inside a folder only what really
    lies under it is read: a symbolic link is skipped with a reason, unless
    ``follow_links``, and then only when it leads to somewhere under the folder.
    """
    problems: list[tuple[Path, str, bool]] = []  # (path, reason, fatal)
    errors: list[FileError] = []
    found: list[tuple[Path, Path, Path | None]] = []  # (file, root, folder it must lie in)
    for given in paths:
        if not given.exists():
            errors.append(FileError(str(given), "no such file or folder"))
        elif given.is_dir():
            inside: Path | None = given.resolve()
            for path in _walk(given, problems, follow_links):
                found.append((path, given, inside))
        elif given.suffix.lower() in NOTE_SUFFIXES:
            if _CONTROL.search(given.name):
                errors.append(FileError(_escaped(str(given)), _CONTROL_REASON))
            else:
                found.append((given, given.parent, None))
        else:
            errors.append(
                FileError(
                    str(given),
                    f"not a note: {given.suffix or 'no'} suffix "
                    f"(expected {', '.join(NOTE_SUFFIXES)})",
                )
            )
    roots = {root.absolute() for _, root, _ in found} | {
        given.absolute() for given in paths if given.is_dir()
    }
    base = Path(os.path.commonpath([str(r) for r in roots])) if roots else Path(".")
    errors += [FileError(_shown(path, base), reason, fatal) for path, reason, fatal in problems]
    files: dict[str, NoteFile] = {}
    for path, _root, inside in found:
        rel = path.absolute().relative_to(base).as_posix()
        files.setdefault(rel, NoteFile(absolute=path, path=rel, inside=inside))
    return [files[key] for key in sorted(files)], errors


def _shown(path: Path, base: Path) -> str:
    """A path as problems name it: relative to the folder given, like graph paths, on
    one line."""
    try:
        return _escaped(path.absolute().relative_to(base).as_posix())
    except ValueError:
        return _escaped(str(path))


_CONTROL_REASON = "file name holds a line break or control character; rename it to ingest it"


def _escaped(name: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], name)


def _walk(root: Path, problems: list[tuple[Path, str, bool]], follow_links: bool) -> list[Path]:
    """Files under root. Symbolic links are followed only with ``follow_links``, and
    only to where root itself (its links resolved) holds; loops are reported."""
    out: list[Path] = []
    seen: set[tuple[int, int]] = set()
    inside = root.resolve()

    def visit(folder: Path) -> None:
        try:
            stat = folder.stat()
        except OSError as exc:
            problems.append((folder, f"cannot open folder: {exc.strerror}", True))
            return
        key = (stat.st_dev, stat.st_ino)
        if key in seen:
            problems.append((folder, "symlink loop: folder already visited", False))
            return
        seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append((folder, f"cannot list folder: {exc.strerror}", True))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                note_name = entry.name.lower().endswith(NOTE_SUFFIXES)
                if entry.is_symlink() and (note_name or entry.is_dir()):
                    problem = _link_problem(path, inside, follow_links)
                    if problem:
                        problems.append((path, problem, True))
                        continue
                if entry.is_dir():
                    visit(path)
                elif note_name and _CONTROL.search(entry.name):
                    problems.append((path, _CONTROL_REASON, True))
                elif note_name:
                    out.append(path)
            except OSError as exc:
                problems.append((path, f"cannot stat: {exc.strerror}", True))

    visit(root)
    return out


def _link_problem(link: Path, inside: Path, follow_links: bool) -> str | None:
    """Why a symbolic link under the folder ``inside`` is not followed (None: it is)."""
    if not follow_links:
        return "symbolic link not followed (--follow-links follows links within the folder)"
    if not link.resolve().is_relative_to(inside):
        return "symbolic link leads out of the folder: not followed"
    return None


def read_text(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, *, inside: Path | None = None
) -> tuple[str | None, FileError | None]:
    """The file's text, or None and the reason it was skipped.

    With ``inside``, the file opened must lie in that folder (checked on the open file:
    a link put in its way after ``discover`` looked is caught too). Invalid UTF-8 is
    decoded (as cp949, else with replacement characters) and reported as a warning
    rather than skipped, so no note is lost for one bad byte.
    """
    try:
        # O_NONBLOCK: opening a FIFO (or a device) named like a note must not wait for a
        # writer; only regular files are read (checked on the open file, not the name)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return None, FileError(str(path), f"unreadable: {exc.strerror or exc}")
    try:
        if inside is not None and not _opened_inside(fd, inside):
            return None, FileError(
                str(path), "leads out of the folder (a symbolic link on its way): not read"
            )
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, FileError(str(path), f"not a regular file ({_file_kind(info.st_mode)})")
        size = info.st_size
        if size > max_bytes:
            return None, FileError(str(path), f"too large: {size} bytes (limit {max_bytes})")
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, FileError(str(path), f"unreadable: {exc.strerror or exc}")
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > max_bytes:
        return None, FileError(str(path), f"too large: over {max_bytes} bytes")
    if size == 0 and data:
        # /proc and /sys files say they are empty regular files and then give text
        return None, FileError(str(path), "not a regular file (a pseudo file, as in /proc)")
    if b"\x00" in data[:8192]:
        return None, FileError(str(path), "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        position = exc.start
    for encoding in _FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, FileError(str(path), f"not UTF-8; decoded as {encoding}", fatal=False)
    text = data.decode("utf-8", errors="replace")
    return text, FileError(
        str(path), f"invalid UTF-8 at byte {position}; undecodable bytes replaced", fatal=False
    )


def _opened_inside(fd: int, inside: Path) -> bool:
    """Whether the file open as ``fd`` lies in ``inside`` (where the system says which
    file an open descriptor is, as Linux's /proc does; elsewhere, trusted)."""
    try:
        opened = Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return True
    return opened.is_relative_to(inside)


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a file"
