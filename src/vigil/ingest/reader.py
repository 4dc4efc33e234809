"""Reading JSON Lines files line by line, turning each line into a validated record or a reject."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from pydantic import ValidationError

from vigil.model.records import RecordBase, validate_record

# One record is at most this many bytes of JSON; bigger lines are rejected, not truncated.
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Reject:
    file: str
    line: int
    field: str
    reason: str
    raw: str

    def message(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Parsed:
    line: int
    record: RecordBase
    raw: str  # the line exactly as it came (decoded)
    content_hash: str  # of the canonical JSON: re-sent identical content is not a new version

    @property
    def ref(self) -> str:
        return f"{self.record.source}/{self.record.id}"


def open_binary(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(stream to read lines from, underlying file whose tell() measures progress in bytes)."""
    raw = path.open("rb")
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=raw), raw  # type: ignore[return-value]
    return raw, raw


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_line(file: str, line_no: int, data: bytes) -> Parsed | Reject:
    if len(data) > MAX_LINE_BYTES:
        return Reject(
            file, line_no, "", f"line is {len(data):,} bytes; the limit is {MAX_LINE_BYTES:,}", _preview(data)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Reject(file, line_no, "", f"not valid UTF-8 at byte {exc.start}", _preview(data))
    try:
        obj: Any = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Reject(file, line_no, "", f"bad JSON: {exc}", text)
    try:
        record = validate_record(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = str(first["ctx"]["error"]) if first["type"] == "value_error" else first["msg"]
        return Reject(file, line_no, _field_path(path), f"{message}{more}", text)
    except ValueError as exc:
        field = "type" if isinstance(obj, dict) else ""
        return Reject(file, line_no, field, str(exc), text)
    canonical = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    return Parsed(line_no, record, text.rstrip("\r\n"), hashlib.sha256(canonical).hexdigest())


def _field_path(pydantic_loc: str) -> str:
    """Pydantic's location, minus the union-branch labels it inserts ("names.0.Name.first")."""
    parts = [p for p in pydantic_loc.split(".") if p and not p[0].isupper() and "-" not in p and p != "str"]
    return ".".join(f"[{p}]" if p.isdigit() else p for p in parts).replace(".[", "[")


def _preview(data: bytes, limit: int = 200) -> str:
    return data[:limit].decode("utf-8", errors="replace") + ("..." if len(data) > limit else "")


def read_jsonl(path: Path) -> Iterator[tuple[int, bytes, int]]:
    """(line number, line bytes, bytes of the file consumed so far) for each non-blank line."""
    stream, underlying = open_binary(path)
    with underlying, stream:
        for line_no, data in enumerate(stream, start=1):
            if data.strip():
                yield line_no, data.rstrip(b"\r\n"), underlying.tell()
