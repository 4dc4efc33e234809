"""Streaming output: JSON Lines (optionally gzip) and a ground-truth file assembled from spill files.

Nothing here holds a whole data set: records are buffered a few thousand at a
time, and the large ground-truth maps are spilled to temporary files and
spliced into one JSON document at the end.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO

import orjson

_FLUSH = 4000


class JsonlWriter:
    def __init__(
        self, path: Path, gz: bool, progress: Callable[[int], None] | None, counts: dict[str, int]
    ) -> None:
        self.path = path
        raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        # mtime=0 and no file name in the header keep gzip output byte-identical across runs
        self._fh: IO[bytes] = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) if gz else raw
        )
        self._raw = raw
        self._buf: list[bytes] = []
        self._progress = progress
        self._counts = counts
        self.n = 0

    def write(self, rec: dict) -> None:
        self._buf.append(orjson.dumps(rec))
        t = rec["type"]
        self._counts[t] = self._counts.get(t, 0) + 1
        if len(self._buf) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        if not self._buf:
            return
        self._fh.write(b"\n".join(self._buf) + b"\n")
        self.n += len(self._buf)
        if self._progress is not None:
            self._progress(len(self._buf))
        self._buf.clear()

    def close(self) -> None:
        self.flush()
        self._fh.close()
        if self._fh is not self._raw:
            self._raw.close()


class Writers:
    """One writer per output file, opened lazily; `order` fixes the load order of the files."""

    def __init__(
        self, out_dir: Path, gz: bool, order: list[str], progress: Callable[[int], None] | None
    ) -> None:
        self.out_dir = out_dir
        self.gz = gz
        self.order = order
        self.progress = progress
        self.counts: dict[str, int] = {}
        self._w: dict[str, JsonlWriter] = {}

    def __call__(self, name: str) -> JsonlWriter:
        w = self._w.get(name)
        if w is None:
            if name not in self.order:
                raise KeyError(f"{name} is not in the file order")
            ext = ".jsonl.gz" if self.gz else ".jsonl"
            w = self._w[name] = JsonlWriter(
                self.out_dir / f"{name}{ext}", self.gz, self.progress, self.counts
            )
        return w

    def close(self) -> list[Path]:
        for w in self._w.values():
            w.close()
        return [self._w[n].path for n in self.order if n in self._w]


class Spill:
    """`"key": value` JSON members written one by one to a temp file, spliced into the final object."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in splice()
        self._first = True
        self.n = 0

    def add(self, key: str, value: object) -> None:
        if not self._first:
            self._fh.write(b",")
        self._first = False
        self._fh.write(orjson.dumps(key) + b":" + orjson.dumps(value) + b"\n")
        self.n += 1

    def splice(self, out: IO[bytes]) -> None:
        self._fh.close()
        out.write(b"{")
        with open(self.path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                out.write(chunk)
        out.write(b"}")
        self.path.unlink()


def write_ground_truth(path: Path, head: dict, spills: dict[str, Spill], tail: dict) -> None:
    """{head..., spilled maps..., tail...} as one JSON object, written without building it in memory."""
    with open(path, "wb") as raw:
        out = io.BufferedWriter(raw, buffer_size=1 << 20)
        out.write(orjson.dumps(head)[:-1])
        for key, spill in spills.items():
            out.write(b"," + orjson.dumps(key) + b":")
            spill.splice(out)
        for key, value in tail.items():
            out.write(b"," + orjson.dumps(key) + b":" + orjson.dumps(value))
        out.write(b"}\n")
        out.flush()
