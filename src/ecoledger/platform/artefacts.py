"""Files the platform builds lazily (hillshade, published accounts), built once and safely.

``build_once(path, build)`` returns ``path``, building it first if it does not exist: one
thread of this process builds while the others wait on a per-file lock, the builder writes to a
unique temporary name in the same folder (``tempfile.mkstemp``, mode 0600) and renames it into
place atomically, so a reader never sees half a file and two builders (threads or processes)
never write the same temporary file. Folders are created 0700.

Published accounts never change (a correction is a new run), so their full-year JSON and CSV are
written once, gzip-compressed, under ``published/run-<id>/`` of the data folder; the API serves
them with a strong ETag (the SHA-256 of the uncompressed bytes) and ``Cache-Control``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

FORMAT_VERSION = 1  # in the artefacts' file names: bump when their content changes shape
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(path), threading.Lock())


def private_folder(path: Path) -> Path:
    """``path`` created (with its parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def build_once(path: Path, build: Callable[[Path], None], folder: bool = False) -> Path:
    """``path``, built by ``build(temporary_path)`` unless it exists already.

    The build goes to a unique temporary name beside ``path`` and is renamed into place, so no
    reader, of this process or another, ever sees it half-built; this process's threads wait for
    one build. With ``folder`` the temporary path does not exist yet (``build`` makes the folder,
    e.g. with ``atomic.atomic_directory``); when another process renamed its folder into place
    first, that one stays and ours is dropped (a folder in use is never replaced).
    """
    if path.exists():
        return path
    with _lock_for(path):
        if path.exists():  # built by the thread we waited for
            return path
        private_folder(path.parent)
        if folder:
            scratch = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial"))
            try:
                build(scratch / path.name)
                try:
                    os.rename(scratch / path.name, path)
                except OSError:
                    if not path.is_dir():
                        raise
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            return path
        handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        os.close(handle)
        try:
            build(Path(staging))
            os.replace(staging, path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
    return path


def write_gzip(path: Path, content: bytes) -> None:
    """``content`` gzip-compressed into ``path``, reproducibly (no time stamp in the header)."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
        out.write(content)


class Artefact:
    """A gzip file on disk with the strong ETag of its uncompressed content."""

    def __init__(self, path: Path, etag: str):
        self.path = path
        self.etag = etag

    def compressed(self) -> bytes:
        return self.path.read_bytes()

    def plain(self) -> bytes:
        return gzip.decompress(self.compressed())


_etags: dict[str, str] = {}


def gzip_artefact(path: Path, make: Callable[[], bytes]) -> Artefact:
    """The artefact at ``path`` (``….gz``), built from ``make()`` the first time it is asked for.

    Its ETag is kept beside it (``….sha256``) so later processes need not decompress it.
    """
    digest_path = path.with_name(path.name + ".sha256")

    def build(staging: Path) -> None:
        content = make()
        write_gzip(staging, content)
        digest = hashlib.sha256(content).hexdigest()
        build_once(digest_path, lambda tmp: tmp.write_text(digest))

    build_once(path, build)
    key = str(path)
    if key not in _etags:
        if not digest_path.exists():  # an artefact from a process that died between the two files
            build_once(digest_path, lambda tmp: tmp.write_text(
                hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()))
        _etags[key] = f'"{digest_path.read_text().strip()[:32]}"'
    return Artefact(path, _etags[key])


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (or ``*``), by the weak comparison RFC 9110
    prescribes for it: ``W/`` prefixes and the ``-gz`` mark of the compressed form are ignored."""
    if not if_none_match:
        return False

    def base(tag: str) -> str:
        return tag.strip().removeprefix("W/").replace('-gz"', '"')

    wanted = {base(tag) for tag in if_none_match.split(",")}
    return "*" in wanted or base(etag) in wanted


class Cached:
    """A response body with its strong ETag and, when worth it, its gzip form (made once)."""

    __slots__ = ("body", "etag", "gz")

    def __init__(self, body: bytes):
        self.body = body
        self.etag = etag_of(body)
        self.gz = gzip.compress(body, compresslevel=6, mtime=0) if len(body) > 2048 else None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gz or b"")


class ResponseCache:
    """Bodies of answers about published runs (which never change), least recently used first
    out once they hold more than ``budget`` bytes. Keys must name the run(s) the answer reads."""

    def __init__(self, budget: int = 64 * 1024 * 1024):
        from collections import OrderedDict

        self.budget, self.used = budget, 0
        self._entries: OrderedDict[tuple, Cached] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Cached | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple, body: bytes) -> Cached:
        entry = Cached(body)  # compressed outside the lock
        with self._lock:
            old = self._entries.pop(key, None)
            self.used -= old.size if old else 0
            if entry.size <= self.budget // 4:
                self._entries[key] = entry
                self.used += entry.size
            while self.used > self.budget:
                _, dropped = self._entries.popitem(last=False)
                self.used -= dropped.size
        return entry
