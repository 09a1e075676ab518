"""Streaming readers and writers for row data: JSONL, CSV/TSV, plain text and Parquet.

Inputs may be compressed (``.gz``, ``.bz2``, ``.xz``, ``.zst``): ``open_binary`` decompresses by
suffix while streaming, and the format is read from the suffix before the compression one.

Readers yield ``Row`` (a record with its location) or ``BadItem`` (a malformed record, with file,
line and reason) one at a time, so memory does not grow with the file; the caller decides what a
bad row means (``on_error``). Writers write to a temporary file that ``atomic_output`` renames.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import orjson
from xxhash import xxh3_128_digest

from mlp_cli.errors import BadItem, InputDataError, UsageError

FORMATS = ("jsonl", "csv", "tsv", "text", "parquet")
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Compression suffixes read transparently, and the name used in messages.
COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Row:
    """One input record: its position in the stream (0-based), its fields and where it came from."""

    index: int
    data: dict[str, Any]
    location: str


@dataclass(frozen=True)
class RowSource:
    """How to read one data file."""

    path: Path
    format: str = "auto"
    columns: tuple[str, ...] | None = None  # names for header-less CSV/TSV (or to rename)
    header: bool = True
    quoting: str = "auto"  # csv quoting: auto (minimal for csv, none for tsv), minimal, none
    encoding: str = "utf-8"
    text_field: str = "text"  # field name for the plain-text format
    extra: dict[str, Any] = field(default_factory=dict)


def compression_of(path: Path) -> str | None:
    """The compression a file's last suffix names (gzip, bzip2, xz, zstd), or None."""
    return COMPRESSIONS.get(Path(path).suffix.lower())


def detect_format(path: Path, fmt: str = "auto") -> str:
    """The format named, or the one its suffix implies; an unknown suffix is a usage error.

    A compression suffix is looked through: ``rows.jsonl.gz`` is JSONL, ``data.tsv.xz`` is TSV.
    Parquet compresses internally, so a compressed Parquet file is refused.
    """
    path = Path(path)
    compression = compression_of(path)
    inner = Path(path.stem) if compression else path
    if fmt != "auto":
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}; accepted: {', '.join(FORMATS)}")
        found: str | None = fmt
    else:
        found = _SUFFIXES.get(inner.suffix.lower())
        if found is None:
            shown = "".join(path.suffixes[-2:]) if compression else path.suffix
            raise UsageError(
                f"{path}: cannot tell the format from the suffix {shown!r}; set format: to one of {', '.join(FORMATS)}"
            )
    if found == "parquet" and compression:
        raise UsageError(
            f"{path}: a {compression}-compressed Parquet file cannot be read; Parquet compresses "
            "internally, so decompress it and read the .parquet file"
        )
    return found


def detect_output_format(path: Path, fmt: str = "auto") -> str:
    """Like ``detect_format`` for a file to write: outputs are never compressed, so say so."""
    compression = compression_of(path)
    if compression:
        raise UsageError(
            f"{path}: outputs are written uncompressed; drop the {Path(path).suffix!r} suffix "
            f"(compress the file afterwards if needed)"
        )
    return detect_format(path, fmt)


class _Decompressing(io.RawIOBase):
    """A decompressing stream whose read errors become an InputDataError naming the file."""

    def __init__(self, inner: IO[bytes], path: Path, compression: str, errors: tuple[type[BaseException], ...]):
        self._inner = inner
        self._path = path
        self._compression = compression
        self._errors = errors

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._inner.readinto(buffer)  # type: ignore[attr-defined]
        except self._errors as exc:
            detail = str(exc) or type(exc).__name__
            raise InputDataError(
                f"{self._path.name}: not a readable {self._compression} file (corrupt or truncated): {detail}"
            ) from exc

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                super().close()


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another, decompressed in chunks; a truncated frame is an error
    (zstandard's own stream reader would end quietly at the cut)."""

    def __init__(self, raw: IO[bytes], zstandard: Any):
        self._raw = raw
        self._zstd = zstandard
        self._obj: Any = None  # the decompressor of the frame being read, None between frames
        self._pending = b""
        self._at = 0  # how much of _pending has been handed out

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while self._at >= len(self._pending):
            self._pending, self._at = b"", 0
            chunk = self._raw.read(1 << 16)
            if not chunk:
                if self._obj is not None:
                    raise EOFError("compressed file ended before the end of its last zstd frame")
                return 0
            while chunk:
                if self._obj is None:
                    self._obj = self._zstd.ZstdDecompressor().decompressobj()
                self._pending += self._obj.decompress(chunk)
                if not self._obj.eof:
                    break
                chunk = self._obj.unused_data
                self._obj = None
        n = min(len(view), len(self._pending) - self._at)
        view[:n] = self._pending[self._at : self._at + n]
        self._at += n
        return n

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()


def open_binary(path: Path) -> IO[bytes]:
    """Open a data file for reading as bytes, decompressing by suffix (.gz, .bz2, .xz, .zst).

    The result streams (nothing is read whole) and iterates by line; a corrupt or truncated
    compressed file raises InputDataError naming the file when the bad part is read.
    """
    path = Path(path)
    compression = compression_of(path)
    if compression is None:
        return open(path, "rb")
    import zlib

    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    inner: IO[bytes]
    if compression == "gzip":
        import gzip

        inner = gzip.open(path, "rb")
    elif compression == "bzip2":
        import bz2

        inner = bz2.open(path, "rb")
    elif compression == "xz":
        import lzma

        inner = lzma.open(path, "rb")
        errors += (lzma.LZMAError,)
    else:
        try:
            import zstandard
        except ImportError as exc:  # pragma: no cover - zstandard is a core dependency
            raise UsageError(f"{path}: reading .zst files needs zstandard: pip install zstandard") from exc
        inner = _ZstdReader(open(path, "rb"), zstandard)
        errors += (zstandard.ZstdError,)
    return io.BufferedReader(_Decompressing(inner, path, compression, errors), buffer_size=1 << 16)


def iter_rows(source: RowSource) -> Iterator[Row | BadItem]:
    """Stream the records of ``source`` in order."""
    path = source.path
    if not path.exists():
        raise InputDataError(f"{path}: input file not found")
    if path.is_dir():
        raise InputDataError(f"{path}: is a folder, expected a data file")
    fmt = detect_format(path, source.format)
    if fmt == "jsonl":
        yield from _iter_jsonl(source)
    elif fmt in ("csv", "tsv"):
        yield from _iter_csv(source, fmt)
    elif fmt == "text":
        yield from _iter_text(source)
    else:
        yield from _iter_parquet(source)


def count_hint(source: RowSource) -> int | None:
    """A quick estimate of the number of records (for progress bars): lines, or Parquet metadata.

    None when unknown, which includes compressed files (counting would mean decompressing twice).
    """
    try:
        fmt = detect_format(source.path, source.format)
        if compression_of(source.path):
            return None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(source.path).metadata.num_rows
        lines = 0
        with open_binary(source.path) as f:
            while block := f.read(1 << 20):
                lines += block.count(b"\n")
        return max(0, lines - (1 if fmt in ("csv", "tsv") and source.header else 0))
    except Exception:  # an estimate only: the real read reports problems properly
        return None


def _decoded_lines(source: RowSource) -> Iterator[tuple[int, str | None, str]]:
    """(line number, text or None when undecodable, error detail) for each physical line."""
    with open_binary(source.path) as f:
        for lineno, raw in enumerate(f, 1):
            try:
                text = raw.decode(source.encoding)
            except UnicodeDecodeError as exc:
                yield lineno, None, f"bad {source.encoding} encoding at byte {exc.start}"
                continue
            if lineno == 1 and text.startswith("\ufeff"):
                text = text[1:]  # a byte-order mark (Excel, Notepad) is not part of the first record
            yield lineno, text, ""


def _iter_jsonl(source: RowSource) -> Iterator[Row | BadItem]:
    name = source.path.name
    index = 0
    for lineno, text, problem in _decoded_lines(source):
        loc = f"{name}:{lineno}"
        if text is None:
            yield BadItem("bad encoding", problem, loc, index)
            index += 1
            continue
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: pathologically deep nesting
            detail = str(exc) if isinstance(exc, ValueError) else "nested too deeply to parse"
            yield BadItem("bad json", detail, loc, index)
            index += 1
            continue
        if not isinstance(data, dict):
            yield BadItem("not an object", f"expected a JSON object, got {type(data).__name__}", loc, index)
        else:
            yield Row(index, data, loc)
        index += 1


def _iter_text(source: RowSource) -> Iterator[Row | BadItem]:
    name = source.path.name
    index = 0
    for lineno, text, problem in _decoded_lines(source):
        loc = f"{name}:{lineno}"
        if text is None:
            yield BadItem("bad encoding", problem, loc, index)
        else:
            line = text.rstrip("\r\n")
            if not line.strip():
                continue
            yield Row(index, {source.text_field: line}, loc)
        index += 1


def _iter_csv(source: RowSource, fmt: str) -> Iterator[Row | BadItem]:
    name = source.path.name
    delimiter = "\t" if fmt == "tsv" else ","
    quoting = source.quoting
    if quoting == "auto":
        # Most TSV files in ML (SMS Spam, WikiQA) are raw tab-split text with stray quotes.
        quoting = "none" if fmt == "tsv" else "minimal"
    bad: list[tuple[int, str]] = []

    def lines() -> Iterator[str]:
        for lineno, text, problem in _decoded_lines(source):
            if text is None:
                bad.append((lineno, problem))
                yield "\n"  # keeps csv's line count aligned with the file
            else:
                yield text

    reader = csv.reader(
        lines(), delimiter=delimiter, quoting=csv.QUOTE_NONE if quoting == "none" else csv.QUOTE_MINIMAL
    )
    columns: list[str] | None = list(source.columns) if source.columns else None
    index = 0
    try:
        if source.header:
            try:
                head = next(reader)
            except StopIteration:
                return
            if bad:
                lineno, problem = bad.pop()
                raise InputDataError(f"{name}:{lineno}: header: {problem}")
            columns = columns or head
        if columns is None:
            raise UsageError(f"{name}: header: false needs columns: [...] to name the fields")
        for values in reader:
            lineno = reader.line_num
            loc = f"{name}:{lineno}"
            if bad and bad[0][0] <= lineno:
                bad_line, problem = bad.pop(0)
                yield BadItem("bad encoding", problem, f"{name}:{bad_line}", index)
                index += 1
                continue
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) != len(columns):
                yield BadItem(
                    "wrong field count",
                    f"expected {len(columns)} fields ({', '.join(columns)}), found {len(values)}",
                    loc,
                    index,
                )
            else:
                yield Row(index, dict(zip(columns, values, strict=False)), loc)
            index += 1
    except csv.Error as exc:
        raise InputDataError(f"{name}:{reader.line_num}: unreadable CSV: {exc}") from exc


def _iter_parquet(source: RowSource) -> Iterator[Row | BadItem]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a core dependency
        raise UsageError("reading Parquet needs pyarrow: pip install pyarrow") from exc
    name = source.path.name
    try:
        pf = pq.ParquetFile(source.path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise InputDataError(f"{name}: not a readable Parquet file: {exc}") from exc
    index = 0
    for batch in pf.iter_batches(batch_size=4096):
        for data in batch.to_pylist():
            yield Row(index, data, f"{name}:row {index + 1}")
            index += 1


# ---------------------------------------------------------------------------------------------
# Writers


# The canonical bytes are the standard library's (compact, no ASCII escaping, default=str).
# orjson gives the same bytes ten times faster except for floats under 1e-4 or with an exponent
# ("1e-07" vs "1e-7", "1e-05" vs "0.00001"), NaN and infinities (which it writes as null),
# datetimes and non-string keys; a line where any of these may occur is encoded by the standard
# library instead (tests/test_rows_encoding.py), so bytes never depend on the fast path.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
_FAST_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_EXPONENT = re.compile(rb"e-?[0-9]+[,\]}]")  # a float such as 1e-7 or 1e16 before , ] or }


def _fast(value: Any) -> bytes | None:
    """orjson's bytes of a value; None where it refuses (non-string keys, integers over 64 bits,
    lone surrogates) and only the standard library encodes it."""
    try:
        return orjson.dumps(value, default=str, option=_FAST_OPTIONS)
    except TypeError:
        return None


def dumps_row(row: dict[str, Any]) -> str:
    """The canonical JSONL line of a row (stable bytes: insertion order, no ASCII escaping)."""
    fast = _fast(row)
    if fast is None or _needs_stdlib(fast):  # C-speed scans
        return _ENCODER.encode(row) + "\n"
    return fast.decode() + "\n"


class RowLines:
    """A chunk's output rows as JSONL lines, each a row plus its provenance field.

    The hot path of generated and augmented rows: each row's content is serialised once by orjson,
    and those bytes are both the de-duplication digest's input and, with the provenance spliced in
    after them, the line. ``lines()`` checks the chunk's bytes once for what orjson writes
    differently from the standard library (``dumps_row``) and re-encodes only the rows that need it,
    so the bytes are always ``dumps_row``'s.
    """

    __slots__ = ("field", "_key", "_rows", "_parts", "digests", "_slow")

    def __init__(self, field: str, *, digests: bool):
        self.field = field
        self._key = b"," + orjson.dumps(field) + b":"
        self._rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._parts: list[bytes | None] = []  # None: the row takes dumps_row
        self.digests: list[bytes] | None = [] if digests else None
        self._slow = False

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, data: dict[str, Any], provenance: dict[str, Any]) -> None:
        self._rows.append((data, provenance))
        content, tail = _fast(data), _fast(provenance)
        if self.digests is not None:  # duplicates are about content, not provenance
            if content is not None and b"null" not in content:
                self.digests.append(xxh3_128_digest(content))  # row_digest's bytes, without a second encoding
            else:
                self.digests.append(row_digest(data))
        if content is None or tail is None or len(content) == 2 or self.field in data:
            self._parts.append(None)  # orjson refused, an empty row, or the field replaces a key in place
            self._slow = True
        else:
            self._parts.append(content[:-1] + self._key + tail + b"}")

    def truncate(self, length: int) -> None:
        """Forget the rows after the first ``length`` (an item is written whole or not at all)."""
        del self._rows[length:], self._parts[length:]
        if self.digests is not None:
            del self.digests[length:]

    def lines(self) -> list[str]:
        if not self._rows:
            return []
        if not self._slow:
            blob = b"\n".join(cast("list[bytes]", self._parts))  # no None when no row was slow
            if not _needs_stdlib(blob):
                return [line + "\n" for line in blob.decode().split("\n")]
        return [
            part.decode() + "\n" if part is not None and not _needs_stdlib(part) else dumps_row({**data, self.field: prov})
            for part, (data, prov) in zip(self._parts, self._rows, strict=True)
        ]


def _needs_stdlib(fast: bytes) -> bool:
    """Whether orjson's bytes may differ from the standard library's (see ``dumps_row``)."""
    return b"null" in fast or b".0000" in fast or _EXPONENT.search(fast) is not None


def row_digest(row: dict[str, Any]) -> bytes:
    """A 16-byte digest of a row's content (XXH3-128: de-duplication needs speed, not secrecy),
    equal for two rows exactly when their lines are.

    Hashes orjson's bytes without dumps_row's float checks: orjson writes every value it takes
    one way, and other floats than the standard library's spelling do not matter for identity.
    Only NaN and infinities (written as null, like None) and what orjson refuses take the
    standard library's text, so no two different rows share a digest.
    """
    fast = _fast(row)
    if fast is None or b"null" in fast:
        fast = _ENCODER.encode(row).encode("utf-8", "surrogatepass")
    return xxh3_128_digest(fast)


class RowWriter:
    """Writes rows to an (already temporary) path in one format; use as a context manager."""

    def __init__(self, path: Path, fmt: str, *, append_at: int | None = None, columns: list[str] | None = None):
        """``append_at``: continue a file written earlier, cut to that many bytes (``--resume``).
        ``columns``: the CSV/TSV header of a new file (default: the first row's fields)."""
        self.path = path
        self.format = fmt
        self.count = 0
        self._columns: list[str] | None = columns
        self._pending: list[dict[str, Any]] = []
        self._parquet = None
        if fmt == "parquet":
            if append_at is not None:
                raise UsageError(f"{path}: a Parquet file is written whole and cannot be continued")
            self._fh = None
        else:
            if append_at is not None:
                with open(path, "r+b") as fh:
                    fh.truncate(append_at)
            self._fh = open(path, "a" if append_at is not None else "w", encoding="utf-8", newline="")
            if fmt in ("csv", "tsv"):
                delimiter = "\t" if fmt == "tsv" else ","
                self._csv = csv.writer(self._fh, delimiter=delimiter, lineterminator="\n")
                if append_at:  # the header an earlier run wrote fixes the columns
                    with open(path, encoding="utf-8", newline="") as fh:
                        self._columns = next(csv.reader(fh, delimiter=delimiter), None)

    def flush(self) -> int:
        """Flush to disk (for a checkpoint) and return the file's length in bytes."""
        assert self._fh is not None, "Parquet output is not checkpointed"
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return os.fstat(self._fh.fileno()).st_size

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write_line(self, line: str) -> None:
        """Write one pre-serialised JSONL line (workers serialise; the parent only writes)."""
        assert self._fh is not None
        self._fh.write(line)
        self.count += 1

    def write_lines(self, lines: list[str]) -> None:
        """Write pre-serialised JSONL lines at once (a worker's chunk)."""
        assert self._fh is not None
        self._fh.write("".join(lines))
        self.count += len(lines)

    def write_bytes(self, data: bytes | memoryview, lines: int) -> None:
        """Append ``lines`` JSONL lines that a worker already encoded (``io.parts``)."""
        assert self._fh is not None
        self._fh.flush()  # text written before stays ahead of these bytes
        self._fh.buffer.write(data)
        self.count += lines

    def write(self, row: dict[str, Any]) -> None:
        if self.format in ("jsonl",):
            self.write_line(dumps_row(row))
            return
        if self.format == "text":
            assert self._fh is not None
            self._fh.write(str(next(iter(row.values()), "")).replace("\n", " ") + "\n")
            self.count += 1
            return
        flat = {k: _flatten(v) for k, v in row.items()}
        if self.format == "parquet":
            self._pending.append(flat)
            self.count += 1
            if len(self._pending) >= 4096:
                self._flush_parquet()
            return
        if self._columns is None:
            self._columns = list(flat)
        if self.count == 0 and self._fh is not None and self._fh.tell() == 0:
            self._csv.writerow(self._columns)
        self._csv.writerow([flat.get(c, "") for c in self._columns])
        self.count += 1

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._pending:
            return
        writer = self._parquet
        if writer is None:
            table = pa.Table.from_pylist(self._pending)
            writer = self._parquet = pq.ParquetWriter(self.path, table.schema)
        else:
            table = pa.Table.from_pylist(self._pending, schema=writer.schema)
        writer.write_table(table)
        self._pending = []

    def close(self) -> None:
        if self.format == "parquet":
            self._flush_parquet()
            if self._parquet is not None:
                self._parquet.close()
                self._parquet = None
            elif not self.path.exists():
                import pyarrow as pa
                import pyarrow.parquet as pq

                pq.write_table(pa.table({}), self.path)
        elif self._fh is not None and not self._fh.closed:
            self._fh.close()


SHARD_FORMATS = ("jsonl", "csv", "tsv", "text")


def shard_name(index: int, fmt: str) -> str:
    """The stable name of shard ``index``: ``part-00000.jsonl``, ``part-00001.csv``, ..."""
    return f"part-{index:05d}.{'txt' if fmt == 'text' else fmt}"


def shard_format(folder: Path, fmt: str = "auto") -> str:
    """The format of a sharded output: the one named, else the folder's suffix, else JSONL."""
    if fmt == "auto":
        fmt = _SUFFIXES.get(Path(folder).suffix.lower(), "jsonl")
    if fmt not in SHARD_FORMATS:
        raise UsageError(
            f"{folder}: sharded output is written as {', '.join(SHARD_FORMATS)}, not {fmt} (a Parquet file is "
            "written whole by one writer); set output.format to one of those, or drop shard_rows for one file"
        )
    return fmt


class ShardedWriter:
    """Rows written to a folder as shards of ``shard_rows`` rows each: ``part-00000.jsonl``, ...

    Shard ``k`` holds output rows ``k * shard_rows`` to ``(k + 1) * shard_rows - 1`` in output
    order, so boundaries depend only on the rows, never on chunks, workers or engine, and the
    shards read in order are the rows of the single file. CSV/TSV shards each start with the
    header (the first row's fields, as in the single file). A run with no rows writes one empty
    ``part-00000``. A full shard is synced and closed before the next one opens, so a checkpoint
    only has to record the open shard's length (``flush``).
    """

    def __init__(self, folder: Path, fmt: str, shard_rows: int, *, resume_at: tuple[int, int] | None = None):
        """``resume_at``: (rows written, open shard's length in bytes) of a checkpoint to continue;
        shards after that one are removed and the open one is cut to that length."""
        if fmt not in SHARD_FORMATS:
            raise UsageError(f"sharded output is written as {', '.join(SHARD_FORMATS)}, not {fmt}")
        self.folder = Path(folder)
        self.format = fmt
        self.shard_rows = shard_rows
        self.count = 0
        self._writer: RowWriter | None = None
        self._columns: list[str] | None = None
        self._append_at: int | None = None
        if resume_at is not None:
            self.count, length = resume_at
            current = self.count // shard_rows
            for path in self.folder.glob("part-*"):
                index = path.name[5:].split(".", 1)[0]
                if index.isdigit() and (int(index) > current or (int(index) == current and length == 0)):
                    path.unlink()
            self._append_at = length or None
            first = self.folder / shard_name(0, fmt)
            if fmt in ("csv", "tsv") and first.exists():
                with open(first, encoding="utf-8", newline="") as fh:
                    self._columns = next(csv.reader(fh, delimiter="\t" if fmt == "tsv" else ","), None)

    @property
    def shards(self) -> int:
        """How many shard files the output has."""
        return max(1, -(-self.count // self.shard_rows))

    def _open(self) -> RowWriter:
        index = self.count // self.shard_rows
        append_at, self._append_at = self._append_at, None
        self._writer = RowWriter(
            self.folder / shard_name(index, self.format), self.format, append_at=append_at, columns=self._columns
        )
        return self._writer

    def _room(self) -> tuple[RowWriter, int]:
        """The open shard (opening the next one if needed) and how many rows still fit in it."""
        writer = self._writer or self._open()
        return writer, self.shard_rows - self.count % self.shard_rows

    def _advance(self, writer: RowWriter, n: int) -> None:
        self.count += n
        if self.count % self.shard_rows == 0:  # full: synced and closed before the next opens
            if self._columns is None:
                self._columns = writer._columns
            writer.flush()
            writer.close()
            self._writer = None

    def write_lines(self, lines: list[str]) -> None:
        """Write pre-serialised JSONL lines, split at shard boundaries."""
        while lines:
            writer, room = self._room()
            if len(lines) < room:  # the usual case: the chunk fits in the open shard
                writer.write_lines(lines)
                self.count += len(lines)
                return
            writer.write_lines(lines[:room])
            self._advance(writer, room)
            lines = lines[room:]

    def write_bytes(self, data: bytes | memoryview, ends: Sequence[int]) -> None:
        """Append encoded JSONL lines (``ends``: each line's end in ``data``), split at shard boundaries."""
        done, offset = 0, 0
        while done < len(ends):
            writer, room = self._room()
            take = min(room, len(ends) - done)
            end = int(ends[done + take - 1])
            writer.write_bytes(data[offset:end], take)
            if take == room:
                self._advance(writer, room)
            else:
                self.count += take
            done, offset = done + take, end

    def write(self, row: dict[str, Any]) -> None:
        writer, _ = self._room()
        writer.write(row)
        self._advance(writer, 1)

    def flush(self) -> int:
        """Flush the open shard to disk (for a checkpoint) and return its length; 0 if none is open."""
        return self._writer.flush() if self._writer is not None else 0

    def __enter__(self) -> ShardedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self.count == 0 and self._writer is None:
            self._open()  # an empty run still has its first shard
        self.close()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _flatten(value: Any) -> Any:
    """Nested values become JSON text in flat formats (CSV, Parquet columns stay scalar)."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return value


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Small helper for tests and tools: every object of a (possibly compressed) JSONL file."""
    with open_binary(path) as f:
        return [json.loads(line.decode("utf-8")) for line in f if line.strip()]
