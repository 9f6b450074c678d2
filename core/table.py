"""Reading a CSV into a table of raw values: sniffing its format, encodings, line numbers, and
turning every way a file can be unreadable into a DataError that names the file, the line or the
column, and what to do.

pandas does the parsing. Reading can report progress and be cancelled halfway (read_table takes
`progress` and `cancel`): pandas' C parser pulls the file through a handle of ours, one block of
READ_BLOCK bytes at a time, and each block checks `cancel` and measures progress. The parse itself
is the one whole-file read it always was, so no result depends on where the blocks fall.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError, LoadCancelled
from core.wording import plural

NA_VALUES = ["?", "NA", "N/A", "na", "n/a", "nan", "NaN", "null", "NULL", "None", "none", "-", ""]
DELIMITERS = (",", ";", "\t")
MAX_COLUMNS = 10_000
# Tables are held in memory, parsed, and again as numbers: a file this size needs several GB.
MAX_FILE_BYTES = 1024 * 1024 * 1024
SNIFF_BYTES = 64 * 1024
READ_BLOCK = 1 << 20  # bytes the parser pulls per read: `cancel` is checked once per block
PROGRESS_INTERVAL = 0.1  # seconds: progress is reported at most ~10 times a second


def display_name(path) -> str:
    return str(path) if path is not None else "the table"


@dataclass(frozen=True)
class CsvFormat:
    """How a file was read: shown to the person so surprises are visible."""

    encoding: str
    delimiter: str
    decimal: str
    header: bool


def _sniff(sample: str) -> tuple[str, str, bool]:
    """Delimiter, decimal mark and whether the first line is a header, from a text sample."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line in half
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:
            continue
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        # consistent field counts first, then more fields
        score = counts.count(common) / len(counts) * 1000 + common
        if score > best_score:
            best, best_score = d, score
    decimal = "."
    if best == ";" and re.search(r"(^|;)\s*-?\d+,\d+\s*(;|$)", "\n".join(lines[1:]), re.M):
        decimal = ","
    header = True
    if lines:
        try:
            rows = list(csv.reader(lines, delimiter=best))
        except csv.Error:
            rows = [next(csv.reader([lines[0]], delimiter=best), [])]
        first = rows[0] if rows else []
        if first and all(_is_number(c, decimal) for c in first):
            header = False
        elif len(rows) > 1 and _first_row_is_data(rows, decimal):
            header = False
    return best, decimal, header


def _first_row_is_data(rows: list[list[str]], decimal: str) -> bool:
    """A first line with numbers whose words all recur further down (e.g. 5.1,3.5,Iris-setosa) is
    data, not a header; a word over a column of numbers, or a word never seen again, is a name."""
    has_number = False
    for j, cell in enumerate(rows[0]):
        f = cell.strip()
        if not f or f in NA_VALUES:
            continue
        if _is_number(f, decimal):
            has_number = True
            continue
        below = [r[j].strip() for r in rows[1:] if j < len(r) and r[j].strip()]
        if sum(_is_number(c, decimal) for c in below) * 2 > len(below) or f not in below:
            return False
    return has_number


def _is_number(text: str, decimal: str = ".") -> bool:
    t = text.strip()
    if decimal == ",":
        t = t.replace(",", ".")
    try:
        float(t)
    except ValueError:
        return False
    return True


class Watch:
    """One load's progress and cancellation, both optional.

    progress(fraction) is told the share of the file's bytes read so far (times `share`, when the
    reading is only part of the work): rising, at most every PROGRESS_INTERVAL seconds, below 1.0
    while working, and 1.0 exactly once, when done() says the result is ready. cancel is anything
    with is_set() (threading.Event, multiprocessing.Event); check() raises LoadCancelled once set.
    """

    def __init__(self, path, progress=None, cancel=None, share: float = 1.0):
        self.name = display_name(path)
        self.progress, self.cancel = progress, cancel
        self.share = share
        self.size = 1
        self.shown = 0.0  # the last fraction reported
        self._when = -math.inf  # and when
        self._base = 0.0  # where a second pass over the file starts

    def check(self):
        if self.cancel is not None and self.cancel.is_set():
            raise LoadCancelled(f"Reading {self.name} was cancelled; the current data and network are "
                                f"unchanged.")

    def read(self, n: int):
        """n bytes of the file are read (in this pass)."""
        if self.progress is not None:
            self.at(self.share * (self._base + (1.0 - self._base) * min(n / self.size, 1.0)))

    def at(self, fraction: float):
        """Report this much done, unless it is too soon after the last report or not more."""
        now = time.monotonic()
        if self.progress is not None and now - self._when >= PROGRESS_INTERVAL:
            fraction = min(fraction, 0.99)
            if fraction > self.shown:
                self._report(fraction, now)

    def again(self):
        """The file is read once more (another encoding, a closer look): progress goes on from here."""
        self._base = self.shown / self.share

    def done(self):
        if self.progress is not None and self.shown < 1.0:
            self._report(1.0, time.monotonic())

    def _report(self, fraction: float, now: float):
        self.shown, self._when = fraction, now
        self.progress(fraction)


class _WatchedFile(io.RawIOBase):
    """The file as pandas reads it: every block it pulls checks for cancel and counts as progress."""

    def __init__(self, path: Path, watch: Watch):
        super().__init__()
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        self._watch = watch
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._watch.check()
        n = self._file.readinto(buffer)
        self._read += n or 0
        self._watch.read(self._read)
        return n

    def close(self):
        self._file.close()
        super().close()


def _watched(p: Path, watch: Watch) -> io.BufferedReader:
    return io.BufferedReader(_WatchedFile(p, watch), buffer_size=READ_BLOCK)


def read_table(path, *, progress=None, cancel=None, rows: int | None = None
               ) -> tuple[pd.DataFrame, CsvFormat]:
    """Read a CSV into a DataFrame of raw values, or raise DataError saying why not.

    progress: called as progress(fraction) with the share of the file's bytes read so far, at most
    ~10 times a second (from the reading thread), rising, and with 1.0 exactly once at the end.
    cancel: anything with is_set() (a threading.Event or multiprocessing Event), checked before each
    block of READ_BLOCK bytes is parsed; once it is set, LoadCancelled (a UserError) is raised and
    nothing is kept. rows: read only the first `rows` data rows (a preview of a big file).
    """
    watch = Watch(path, progress, cancel)
    out = read_with_watch(path, watch, rows)
    watch.done()
    return out


def read_with_watch(path, watch: Watch, rows: int | None = None) -> tuple[pd.DataFrame, CsvFormat]:
    """read_table, reporting to and cancelled by `watch` (which a longer load shares: load_csv)."""
    name = display_name(path)
    p = Path(path)
    watch.check()
    if p.is_dir():
        raise DataError(f"{name} is a folder, not a CSV file: choose a file.")
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise DataError(f"{name}: no such file. Check the path.") from None
    except OSError as e:
        raise DataError(f"{name} cannot be read ({e.strerror or e}). Check the path and its "
                        f"permissions.") from None
    watch.size = max(size, 1)
    if size > MAX_FILE_BYTES:
        raise DataError(f"{name} is {size / 2**20:,.0f} MB, over the {MAX_FILE_BYTES // 2**20:,} MB "
                        f"this program can hold in memory: use a sample of its rows.")
    if size == 0 or not head.strip():
        raise DataError(f"{name} is empty: a CSV needs a header line and rows of data.")
    encoding = _wide_encoding(head)
    if encoding:  # UTF-16 or UTF-32: NUL bytes are part of the text
        sample = head.decode(encoding, errors="ignore")
        if _looks_binary(sample.encode("utf-8", errors="ignore")):
            raise DataError(f"{name} is not a text CSV file (it holds binary data): export it as "
                            f"CSV first.")
    else:
        if b"\x00" in head or _looks_binary(head):
            raise DataError(f"{name} is not a text CSV file ({_binary_kind(head)}): "
                            f"export it as CSV first.")
        encoding = "utf-8-sig"
        try:
            sample = head.decode(encoding)
        except UnicodeDecodeError as e:
            cut = len(head) == SNIFF_BYTES and e.reason == "unexpected end of data"
            if not cut:  # not just a multi-byte character cut by the sample's end
                encoding = "latin-1"
            sample = head.decode(encoding, errors="ignore")
    if not sample.strip():
        raise DataError(f"{name} is empty: a CSV needs a header line and rows of data.")
    delimiter, decimal, header = _sniff(sample)
    _check_width(p, name, head, sample, delimiter, encoding)
    kwargs = dict(
        sep=delimiter,
        decimal=decimal,
        header=0 if header else None,
        index_col=False,  # never take the first column as row names (see _extra_fields)
        na_values=NA_VALUES,
        keep_default_na=True,
        # spaces after delimiters cost a slower tokenizer pass: only ask for it when the file has them
        skipinitialspace=bool(re.search(re.escape(delimiter) + r"[ ]", sample)),
        skip_blank_lines=True,
        encoding=encoding,
        encoding_errors="strict",
        nrows=rows,
    )
    try:
        try:
            df, extra = _read_csv(p, kwargs, watch)
        except UnicodeDecodeError:
            if encoding != "utf-8-sig":  # latin-1 decodes any byte: a UTF-16/32 file is damaged
                raise DataError(f"{name} is not valid {encoding.upper()} text (damaged or cut "
                                f"short): save it again as UTF-8 CSV.") from None
            if head.startswith(codecs.BOM_UTF8) or not sample.isascii():  # UTF-8, then not
                where = _first_bad_utf8(p, watch)
                raise DataError(f"{name} mixes text encodings: {where} is not UTF-8 although the "
                                f"lines before it are. Save the file again as UTF-8.") from None
            kwargs["encoding"] = encoding = "latin-1"
            watch.again()
            df, extra = _read_csv(p, kwargs, watch)
        if extra:  # a data row has more fields than the header (read again to see what they hold)
            watch.again()
            df = _extra_fields(p, name, kwargs, list(df.columns), watch)
        else:
            df = _unmix(p, df, kwargs, watch)
    except pd.errors.EmptyDataError:
        raise DataError(f"{name} has no columns: it is empty or holds only blank lines.") from None
    except pd.errors.ParserError as e:
        width = _header_width(sample, delimiter) if header else None
        raise DataError(f"{name}: {_parser_message(str(e), header, width)}") from None
    except (OSError, ValueError, MemoryError) as e:
        raise DataError(f"{name} cannot be read as CSV ({(str(e).splitlines() or [''])[0][:200]}): "
                        f"check it is a CSV file.") from None
    watch.check()
    if df.shape[1] == 0:
        raise DataError(f"{name} has no columns: it is empty or holds only blank lines.")
    # a delimiter at the end of every line makes an empty, unnamed last column: it holds nothing
    while df.shape[1] > 1 and (not header or _unnamed(df.columns[-1])) and df.iloc[:, -1].isna().all():
        df = df.iloc[:, :-1]
    if not header:
        df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
    else:
        df.columns = clean_names(df.columns)
    return df, CsvFormat(encoding=encoding.replace("-sig", ""), delimiter=delimiter, decimal=decimal,
                         header=header)


def one_line_per_row(path, fmt: CsvFormat, rows: int) -> bool:
    """Whether the file holds exactly one line per data row (and the header's), so that row i is on
    line i + 2 (i + 1 without a header): no blank lines, no quoted line breaks. Counts the newline
    bytes (numpy: 0.15 ms a MB); False, unknown, for UTF-16/32 text."""
    if fmt.encoding.startswith(("utf-16", "utf-32")):
        return False
    newlines, last = 0, b""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(READ_BLOCK):
                newlines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == 10))
                last = chunk[-1:]
    except OSError:
        return False
    return newlines + (last != b"\n") == rows + fmt.header


def data_row_lines(path, fmt: CsvFormat, rows: int) -> np.ndarray:
    """The file line (1-based) of each of the table's `rows` data rows, as read_table numbered them.

    Where one_line_per_row(), simple arithmetic; else the file is read once more with the csv
    module, skipping blank lines as pandas does and counting a quoted line break as a line, so a
    message can name the line an editor shows. If that reading finds another number of rows than
    pandas did (it should not), the arithmetic is returned: a near guess rather than no number."""
    first = 2 if fmt.header else 1
    simple = np.arange(first, first + rows, dtype=np.int64)
    if one_line_per_row(path, fmt, rows):
        return simple
    starts = []
    try:
        with open(path, encoding=fmt.encoding, errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=fmt.delimiter)
            before, header_left = 0, fmt.header
            for record in reader:
                if record and not (len(record) == 1 and not record[0].strip()):
                    if header_left:
                        header_left = False
                    else:
                        starts.append(before + 1)
                before = reader.line_num
    except (OSError, csv.Error, UnicodeError):
        return simple
    return np.asarray(starts, dtype=np.int64) if len(starts) == rows else simple


def _read_csv(p: Path, kwargs: dict, watch: Watch) -> tuple[pd.DataFrame, bool]:
    """The table, and whether pandas warned that a data row has more fields than the header."""
    with warnings.catch_warnings(record=True) as caught, _watched(p, watch) as f:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        df = pd.read_csv(f, **kwargs)
    extra = any(issubclass(w.category, pd.errors.ParserWarning) and "does not match" in str(w.message)
                for w in caught)
    return df, extra


def _unmix(p: Path, df: pd.DataFrame, kwargs: dict, watch: Watch) -> pd.DataFrame:
    """Columns of numbers in one stretch of the file and text in another, read again as text.

    pandas parses a big file in stretches and infers each stretch's types on its own, so such a
    column comes out holding numbers and strings side by side: a label column then has the class
    '1.0' in one part of the file and '1' in another. As text throughout it is what a whole-file
    inference gives (low_memory=False, too costly in memory for big files)."""
    mixed = [j for j in range(df.shape[1]) if pd.api.types.is_object_dtype(df.dtypes.iloc[j])
             and pd.api.types.infer_dtype(df.iloc[:, j], skipna=True).startswith("mixed")]
    if not mixed:
        return df
    watch.again()
    with _watched(p, watch) as f:
        text = pd.read_csv(f, **{**kwargs, "usecols": mixed, "dtype": str})
    if text.shape[0] != df.shape[0]:  # cannot happen; if it did, keep what the first read gave
        return df
    df = df.copy()
    for k, j in enumerate(mixed):
        df.isetitem(j, text.iloc[:, k].set_axis(df.index))
    return df


def _extra_fields(p: Path, name: str, kwargs: dict, columns: list, watch: Watch) -> pd.DataFrame:
    """The first data row has more fields than the header. Delimiters at the end of every line
    (empty extra fields) are harmless and dropped; values there are an error, not silently lost."""
    try:
        with _watched(p, watch) as f:  # pandas puts the extra fields in the index
            df = pd.read_csv(f, **{**kwargs, "index_col": None})
    except pd.errors.ParserError as e:  # pandas counts against the first data row, not the header
        m = re.search(r"Expected \d+ fields in line (\d+), saw (\d+)", str(e))
        if not m:
            raise
        raise DataError(f"{name}: line {m.group(1)} has {m.group(2)} fields but the header has "
                        f"{len(columns)}. Fix that line (a stray delimiter, or a text value with a comma "
                        f"that needs quotes) and open the file again.") from None
    lead = df.index.to_frame(index=False)
    k = lead.shape[1]
    body = df.reset_index(drop=True)
    lead.columns = range(k)
    body.columns = range(k, k + body.shape[1])
    full = pd.concat([lead, body], axis=1)  # every row's fields, left to right, as in the file
    extras = full.iloc[:, len(columns):]
    filled = extras.notna().to_numpy() & (extras.astype("string").apply(lambda s: s.str.strip())
                                          != "").fillna(False).to_numpy()
    rows = np.flatnonzero(filled.any(axis=1))
    if len(rows):
        fields = len(columns) + np.flatnonzero(filled[rows[0]])[-1] + 1
        raise DataError(f"{name}: data row {rows[0] + 1} has {fields} fields but the header names only "
                        f"{plural(len(columns), 'column')}. Remove the extra values (or a stray delimiter), "
                        f"or add names for them to the header.")
    out = full.iloc[:, :len(columns)]
    out.columns = columns
    return out


def _wide_encoding(head: bytes) -> str | None:
    """UTF-32/UTF-16 by byte order mark, or UTF-16 without one (ASCII text has every other byte 0)."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    h = head[:4096]
    if len(h) >= 8:
        even, odd = h[0::2], h[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
            return "utf-16-be"
    return None


def _binary_kind(head: bytes) -> str:
    kinds = ((b"PK\x03\x04", "it is a ZIP archive, e.g. an Excel .xlsx or .ods workbook"),
             (b"\xd0\xcf\x11\xe0", "it is an old Excel .xls workbook"),
             (b"%PDF", "it is a PDF document"),
             (b"\x1f\x8b", "it is gzip-compressed"))
    for magic, kind in kinds:
        if head.startswith(magic):
            return kind
    return "it holds binary data"


def _check_width(p: Path, name: str, head: bytes, sample: str, delimiter: str, encoding: str):
    """Refuse a first line with more than MAX_COLUMNS fields before pandas spends minutes on it."""
    first = re.split(r"\r\n|\r|\n", sample, maxsplit=1)
    if len(first) > 1 or len(head) < SNIFF_BYTES:  # the whole first line is in the sample
        n = first[0].count(delimiter) + 1
        ended = True
    else:  # a first line longer than the sample: count on through the file, in bytes
        n, ended = _count_first_line(p, delimiter.encode(_byte_order(encoding, head)))
    if n > MAX_COLUMNS:
        if not ended:
            raise DataError(f"{name} is a single line of over {MAX_COLUMNS:,} values: a CSV needs one "
                            f"row per line. Export it again with line breaks.")
        raise DataError(f"{name} has {n:,} columns, over the {MAX_COLUMNS:,} this program reads: "
                        f"keep only the columns you need and save it again.")


def _byte_order(encoding: str, head: bytes) -> str:
    """The codec that encodes like the file, without a byte order mark: e.g. 'utf-16-be'."""
    if encoding in ("utf-16", "utf-32"):
        le = head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF16_LE))
        return f"{encoding}-{'le' if le else 'be'}"
    return encoding.replace("-sig", "")


def _count_first_line(p: Path, mark: bytes) -> tuple[int, bool]:
    """Fields on the first line (delimiters + 1, stopping past MAX_COLUMNS), and whether it ends."""
    n = 1
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            cut = min((i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0), default=-1)
            n += chunk[:cut].count(mark) if cut >= 0 else chunk.count(mark)
            if cut >= 0 or n > MAX_COLUMNS:
                return n, cut >= 0
    return n, False


def _first_bad_utf8(p: Path, watch: Watch) -> str:
    """'line N (byte 0xAB)': where a file first stops being UTF-8."""
    line, carry = 1, b""
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            watch.check()
            data = carry + chunk
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as e:
                if e.reason == "unexpected end of data" and e.start >= len(data) - 3:
                    line += data.count(b"\n", 0, e.start)
                    carry = data[e.start:]
                    continue
                line += data.count(b"\n", 0, e.start)
                return f"line {line} (byte 0x{data[e.start]:02x})"
            line += data.count(b"\n")
    return "a line near the end"


def _looks_binary(head: bytes) -> bool:
    control = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    return control > max(8, len(head[:4096]) // 100)


def _header_width(sample: str, delimiter: str) -> int | None:
    """Fields on the first line of the sample (None if it cannot be told)."""
    try:
        return len(next(csv.reader(sample.splitlines()[:1], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return None


def _parser_message(text: str, header: bool = True, header_width: int | None = None) -> str:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        want, line, saw = m.groups()
        # pandas counts against the first data row, which may itself be longer than the header
        before = ("the first line has" if not header else "the header has"
                  if header_width in (None, int(want)) else "the lines before it have")
        return (f"line {line} has {saw} fields but {before} {want}. Fix that line (a stray "
                f"delimiter, or a text value with a comma that needs quotes) and open the file again.")
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:
        return (f"a quote (\") opened on line {int(m.group(1)) + 1} is never closed, so the rest of "
                f"the file reads as one value. Close or remove that quote and open the file again.")
    return f"cannot be parsed as CSV ({text.strip().splitlines()[0][:200]}). Check it is a CSV file."


def _unnamed(column) -> bool:
    name = str(column).strip()
    return not name or name.lower().startswith("unnamed:")


def clean_names(cols) -> list[str]:
    out, seen = [], {}
    for i, c in enumerate(cols):
        name = str(c).strip()
        if _unnamed(name):
            name = f"column_{i + 1}"
        base = re.sub(r"\.\d+$", "", name) if name not in seen else name
        if name in seen or (base != name and base in seen):
            k = seen.get(base, 1) + 1
            seen[base] = k
            name = f"{base}_{k}"
        seen[name] = 1
        out.append(name)
    return out


def check_cancel(cancel, path):
    if cancel is not None and cancel.is_set():
        Watch(path, cancel=cancel).check()


def read_observations(path, *, progress=None, cancel=None) -> tuple[pd.DataFrame, CsvFormat]:
    """A table of observations to classify (same reading rules as training data; progress and
    cancel as read_table's)."""
    df, fmt = read_table(path, progress=progress, cancel=cancel)
    if df.shape[0] == 0:
        raise DataError(f"{display_name(path)} has a header but no rows to classify.")
    return df, fmt


__all__ = ["CsvFormat", "NA_VALUES", "READ_BLOCK", "Watch", "check_cancel", "clean_names",
           "data_row_lines", "display_name", "one_line_per_row", "read_observations",
           "read_table", "read_with_watch"]
