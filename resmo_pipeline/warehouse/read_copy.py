"""The read copy readers open, published in proportion to what changed.

``warehouse.read.duckdb`` is a symbolic link to one of two generations, ``warehouse.read.a.duckdb`` and
``warehouse.read.b.duckdb``. A publish (the writer holds the warehouse, checkpointed) brings the generation that
is not current up to date and then points the link at it, atomically. Readers hold a shared ``flock`` on the
generation they opened for as long as they read it; another DuckDB client reading a generation holds DuckDB's own
read lock on it. A generation held either way is never updated in place.

Bringing a generation up to date copies only the blocks that differ. A DuckDB file is three 4 KiB headers and then
blocks of ``block_size`` bytes (256 KiB by default), each starting with the 8-byte checksum of its contents. A
checkpoint writes changed data to new or freed blocks and leaves the others alone, so comparing the checksums of
the two files (8 bytes per block: about 8,000 reads for 2 GB) finds the blocks a sync changed; those and the
headers are copied with ``copy_file_range``. A write that changed 20 MB of a 2 GB warehouse copies about 20 MB.

Why by hand: the file system here (ext4) has no reflinks to clone the file cheaply, and DuckDB lets no other
process read a file one process writes. When a generation cannot be updated in place (a reader still holds it,
it does not exist yet, or its block size differs), it is replaced by a full copy (a temporary file, then
``os.replace``), which never disturbs a reader of the old inode.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The three headers before the first block (DuckDB's Storage::FILE_HEADER_SIZE is 4096).
HEADER_BYTES = 3 * 4096
#: Each block starts with the checksum of the rest (DuckDB's default block header size).
CHECKSUM_BYTES = 8
GENERATIONS = ("a", "b")
#: Publishes a reader may see swap the link under it before it holds a generation (each one a full publish).
_HOLD_ATTEMPTS = 100


@dataclass(frozen=True)
class Published:
    """What a publish did: the generation now current and the bytes it copied (less than the file's size when
    only the changed blocks were copied)."""

    path: Path
    copied_bytes: int
    file_bytes: int
    incremental: bool


def generation_path(link: Path, generation: str) -> Path:
    """``warehouse.read.<generation>.duckdb`` beside the link ``warehouse.read.duckdb``."""
    return link.with_name(f"{link.stem}.{generation}{link.suffix}")


def current_generation(link: Path) -> Path | None:
    """The generation the link points at (None before the first publish, or for an old single-file copy)."""
    if not link.is_symlink():
        return None
    return link.with_name(os.readlink(link))


def publish(source: Path, link: Path, block_size: int) -> Published:
    """Bring the generation that is not current up to date with ``source`` (checkpointed, held by the caller)
    and make it current."""
    current = current_generation(link)
    target = next(
        generation_path(link, name) for name in GENERATIONS if generation_path(link, name) != current
    )
    size = source.stat().st_size
    copied = _update_in_place(source, target, block_size) if target.exists() else None
    incremental = copied is not None
    if copied is None:
        _full_copy(source, target)
        copied = size
    temporary = link.with_name(f"{link.name}.{os.getpid()}.{threading.get_ident()}.link")
    temporary.unlink(missing_ok=True)
    os.symlink(target.name, temporary)
    os.replace(temporary, link)  # readers from now on open the new generation; open ones keep theirs
    return Published(target, copied, size, incremental)


def _full_copy(source: Path, target: Path) -> None:
    temporary = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _update_in_place(source: Path, target: Path, block_size: int) -> int | None:
    """Copy the blocks of ``source`` whose checksum differs into ``target``; None when a reader holds ``target``
    (it then gets a full copy)."""
    with open(source, "rb") as src, open(target, "r+b") as dst:
        try:
            # Our readers hold a flock on the generation they read; other DuckDB clients (`duckdb -readonly`)
            # hold DuckDB's own POSIX read lock on the file, which lockf sees.
            fcntl.flock(dst.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.lockf(dst.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return None
        source_size = os.fstat(src.fileno()).st_size
        target_size = os.fstat(dst.fileno()).st_size
        copied = _copy_range(src.fileno(), dst.fileno(), 0, min(HEADER_BYTES, source_size))
        for offset in range(HEADER_BYTES, source_size, block_size):
            length = min(block_size, source_size - offset)
            if offset + CHECKSUM_BYTES > target_size or (
                os.pread(src.fileno(), CHECKSUM_BYTES, offset) != os.pread(dst.fileno(), CHECKSUM_BYTES, offset)
            ):
                copied += _copy_range(src.fileno(), dst.fileno(), offset, length)
        os.ftruncate(dst.fileno(), source_size)
        return copied


def _copy_range(source: int, target: int, offset: int, length: int) -> int:
    done = 0
    while done < length:
        moved = os.copy_file_range(source, target, length - done, offset + done, offset + done)
        if moved == 0:
            break
        done += moved
    return done


@contextmanager
def held_generation(link: Path) -> Iterator[Path]:
    """The current read copy, held with a shared lock while the caller reads it, so no publish rewrites it in
    place meanwhile. An old single-file copy (a regular file) is returned as it is: it is only ever replaced."""
    for _attempt in range(_HOLD_ATTEMPTS):
        generation = current_generation(link)
        if generation is None:
            yield link
            return
        try:
            handle = open(generation, "rb")  # noqa: SIM115 (held across the yield; closing releases the lock)
        except FileNotFoundError:
            continue  # replaced between reading the link and opening it: read the link again
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)  # waits while a publish updates it in place
            if current_generation(link) == generation:
                yield generation
                return
    raise FileNotFoundError(f"{link} points at no readable generation; the next publish makes one")
