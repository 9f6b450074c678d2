"""Lessons: one JSON file a teacher prepares and students open.

A lesson holds the data (inline, as the CSV text of the dataset's columns, so the file is all a
student needs; or a generator's settings, which rebuild the same rows), the label and feature
columns, the training settings (core.config.TrainConfig.to_dict), which docks are shown, a title and
the teacher's notes (plain text or simple Markdown).

The file's suffix is `.lesson.json` (LESSON_SUFFIX): it is plain JSON, so any text editor, mail
program or version control shows it as text and a teacher can read what it holds before opening it;
the first suffix says what kind of JSON it is (a file dialog filters on `*.lesson.json`).

Opening one never runs code: it is read with `json` only (no pickle, no eval), every value is
checked for its type and range, and the data go through the same checks as a CSV file
(core.dataset). Anything wrong is a UserError with one line naming the file and what is wrong.
Saving is atomic (core.atomic): a failed write leaves the old file as it was.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from core.atomic import atomic_open
from core.config import TrainConfig
from core.errors import UserError
from core.wording import one_line

FORMAT = "neurowatch-lesson"
VERSION = 1
LESSON_SUFFIX = ".lesson.json"
MAX_LESSON_BYTES = 64 * 2**20  # a lesson's file (the data inline included)
MAX_TEXT = 200_000  # characters in the notes
MAX_TITLE = 200
MAX_GENERATED_ROWS = 1_000_000
REQUIRED = ("format", "version", "title", "notes", "data", "label", "features", "settings", "docks")


@dataclass(frozen=True)
class Lesson:
    title: str
    notes: str  # plain text or simple Markdown
    label: str
    features: tuple[str, ...]
    settings: dict  # TrainConfig.to_dict()
    docks: tuple[str, ...]  # the docks shown (their names, gui/panels)
    csv: str | None = None  # the data inline: CSV text with a header, features then label
    generator: dict | None = None  # or a generator's settings: {name, rows, noise, seed}
    data_name: str = ""  # where the inline data came from (a file's name), shown to students
    front: tuple[str, ...] = ()  # of the docks shown, those in front of their tab group
    # the Dataset built from the data (load_lesson fills it); not part of the lesson's value
    dataset: object = field(default=None, compare=False, repr=False)

    def config(self) -> TrainConfig:
        return TrainConfig.from_dict(self.settings)

    def to_json(self) -> dict:
        data = {"generator": dict(self.generator)} if self.generator is not None else \
            {"name": self.data_name, "csv": self.csv}
        return {"format": FORMAT, "version": VERSION, "title": self.title, "notes": self.notes,
                "label": self.label, "features": list(self.features), "settings": dict(self.settings),
                "docks": list(self.docks), "front": list(self.front), "data": data}


# -- making one ------------------------------------------------------------------------------------

def dataset_csv(dataset) -> str:
    """The CSV text of a Dataset's usable rows: its feature columns, then the label as class names.

    Float32 values are written in their shortest exact form, so reading the text back gives the
    same X, bit for bit, and the same classes in the same order."""
    import numpy as np
    import pandas as pd

    df = pd.DataFrame({name: np.asarray(dataset.X[:, j], dtype=np.float32)
                       for j, name in enumerate(dataset.feature_names)})
    df[dataset.label_name] = np.asarray(dataset.class_names, dtype=object)[np.asarray(dataset.y)]
    return df.to_csv(index=False, lineterminator="\n")


def lesson_from_dataset(dataset, config: TrainConfig, docks, title: str = "", notes: str = "",
                        front=(), generator: dict | None = None) -> Lesson:
    """A lesson of this data (inline, unless `generator` gives the settings that made it)."""
    name = Path(dataset.source).name if getattr(dataset, "source", None) and generator is None else ""
    return Lesson(title=title, notes=notes, label=dataset.label_name,
                  features=tuple(dataset.feature_names), settings=config.to_dict(),
                  docks=tuple(docks), front=tuple(front),
                  csv=None if generator is not None else dataset_csv(dataset),
                  generator=dict(generator) if generator is not None else None,
                  data_name=name, dataset=dataset)


def save_lesson(lesson: Lesson, path) -> Path:
    """Write the lesson to `path` (atomically); UserError if it is too big or cannot be written."""
    path = Path(path)
    text = json.dumps(lesson.to_json(), ensure_ascii=False, indent=1, allow_nan=False)
    size = len(text.encode("utf-8"))
    if size > MAX_LESSON_BYTES:
        raise UserError(f"{path.name}: the lesson would be {_size(size)}, over the "
                        f"{_size(MAX_LESSON_BYTES)} a lesson may hold: use a sample of the data's "
                        f"rows.")
    try:
        with atomic_open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except OSError as e:
        raise UserError(f"{path.name} cannot be written ({e.strerror or e}): choose another "
                        f"folder.") from None
    return path


# -- reading one -----------------------------------------------------------------------------------

def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 // 10 else f"{n / 1024:,.1f} KB"


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def load_lesson(path) -> Lesson:
    """Read and check a lesson file, its data included (Lesson.dataset); UserError if anything is
    wrong, naming the file and what. Reads JSON only: nothing in the file is run."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UserError(f"{name} is a folder, not a lesson file: choose a {LESSON_SUFFIX} file.")
        if size > MAX_LESSON_BYTES:
            raise UserError(f"{name} is {_size(size)}, over the {_size(MAX_LESSON_BYTES)} a lesson "
                            f"may hold: it is not a lesson, or its data are too big.")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{name}: no such file. Check the path.") from None
    except OSError as e:
        raise UserError(f"{name} cannot be read ({e.strerror or e}). Check the path and its "
                        f"permissions.") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UserError(f"{name} is not a lesson: it is not JSON text (damaged, or another kind of "
                        f"file). Open a {LESSON_SUFFIX} file saved with File → Save lesson.") from None
    lesson = _lesson_from_json(doc, name)
    return _with_dataset(lesson, path)


def _lesson_from_json(doc, name: str) -> Lesson:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise UserError(f"{name} is JSON but not a lesson (no \"format\": \"{FORMAT}\"): open a "
                        f"{LESSON_SUFFIX} file saved with File → Save lesson.")
    version = doc.get("version")
    if not _is_int(version) or version < 1:
        raise UserError(f"{name}: the lesson's \"version\" must be a whole number (this program "
                        f"writes {VERSION}).")
    if version > VERSION:
        raise UserError(f"{name} is a lesson of format version {version}, newer than this program "
                        f"reads ({VERSION}): update the program to open it.")
    missing = [k for k in REQUIRED if k not in doc]
    if missing:
        raise UserError(f"{name}: the lesson has no \"{missing[0]}\" entry (damaged or cut short): "
                        f"save it again with File → Save lesson.")
    title = _text(doc, "title", name, MAX_TITLE)
    notes = _text(doc, "notes", name, MAX_TEXT)
    label = _text(doc, "label", name, 1000)
    features = _names(doc, "features", name)
    if not features:
        raise UserError(f"{name}: the lesson's \"features\" list is empty: it needs at least one "
                        f"feature column.")
    docks = _names(doc, "docks", name)
    front = _names(doc, "front", name) if "front" in doc else ()
    settings = _settings(doc["settings"], name)
    data = doc["data"]
    if not isinstance(data, dict):
        raise UserError(f"{name}: the lesson's \"data\" must be an object holding \"csv\" text or "
                        f"\"generator\" settings.")
    if "generator" in data:
        return Lesson(title=title, notes=notes, label=label, features=features, settings=settings,
                      docks=docks, front=front, generator=_generator(data["generator"], name))
    csv = data.get("csv")
    if not isinstance(csv, str):
        raise UserError(f"{name}: the lesson's \"data\" holds neither \"csv\" text nor "
                        f"\"generator\" settings.")
    data_name = data.get("name", "")
    if not isinstance(data_name, str):
        raise UserError(f"{name}: the lesson's data \"name\" must be text.")
    return Lesson(title=title, notes=notes, label=label, features=features, settings=settings,
                  docks=docks, front=front, csv=csv, data_name=one_line(data_name, 200))


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _text(doc: dict, key: str, name: str, limit: int) -> str:
    v = doc[key]
    if not isinstance(v, str):
        raise UserError(f"{name}: the lesson's \"{key}\" must be text, not {_kind(v)}.")
    if len(v) > limit:
        raise UserError(f"{name}: the lesson's \"{key}\" is {len(v):,} characters long, over the "
                        f"{limit:,} allowed.")
    return v


def _names(doc: dict, key: str, name: str) -> tuple[str, ...]:
    v = doc[key]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise UserError(f"{name}: the lesson's \"{key}\" must be a list of names (text).")
    return tuple(v)


def _kind(v) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false",
            type(None): "null"}.get(type(v), "a number")


def _settings(settings, name: str) -> dict:
    """The settings, each checked for its type, completed with defaults, and accepted by TrainConfig."""
    if not isinstance(settings, dict):
        raise UserError(f"{name}: the lesson's \"settings\" must be an object of training settings.")
    defaults = TrainConfig().to_dict()
    out = dict(defaults)
    for key, default in defaults.items():
        if key not in settings:
            continue
        v = settings[key]
        if isinstance(default, list):
            ok = isinstance(v, list) and all(_is_int(x) or isinstance(x, str) for x in v)
        elif isinstance(default, bool):
            ok = isinstance(v, bool)
        elif isinstance(default, int):
            ok = _is_int(v)
        elif isinstance(default, float):
            ok = _is_number(v)
        elif default is None:  # (a setting whose value may be several kinds: TrainConfig checks it)
            ok = v is None or isinstance(v, (str, list)) or _is_number(v)
        else:
            ok = isinstance(v, type(default))
        if not ok:
            raise UserError(f"{name}: the setting \"{key}\" has a bad value ({one_line(json.dumps(v), 40)}"
                            f"): expected {_expected(default)}.")
        out[key] = v
    try:
        config = TrainConfig.from_dict(out)
    except UserError as e:
        raise UserError(f"{name}: bad setting: {e}") from None
    except (TypeError, ValueError) as e:
        raise UserError(f"{name}: a setting has a bad value ({one_line(e, 80)}).") from None
    return config.to_dict()


def _expected(default) -> str:
    if isinstance(default, list):
        return "a list"
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    return "text"


def _generator(g, name: str) -> dict:
    if not isinstance(g, dict):
        raise UserError(f"{name}: the lesson's \"generator\" must be an object with name, rows, "
                        f"noise and seed.")
    for key in ("name", "rows", "noise", "seed"):
        if key not in g:
            raise UserError(f"{name}: the lesson's generator has no \"{key}\" entry.")
    if not isinstance(g["name"], str) or not g["name"]:
        raise UserError(f"{name}: the generator's \"name\" must be a problem's name (text).")
    if not _is_int(g["rows"]) or not 1 <= g["rows"] <= MAX_GENERATED_ROWS:
        raise UserError(f"{name}: the generator's \"rows\" must be a whole number from 1 to "
                        f"{MAX_GENERATED_ROWS:,}.")
    if not _is_number(g["noise"]) or g["noise"] < 0:
        raise UserError(f"{name}: the generator's \"noise\" must be a number, 0 or more.")
    if not _is_int(g["seed"]) or not 0 <= g["seed"] < 2**32:
        raise UserError(f"{name}: the generator's \"seed\" must be a whole number from 0 to "
                        f"{2**32 - 1}.")
    return {"name": g["name"], "rows": g["rows"], "noise": float(g["noise"]), "seed": g["seed"]}


def generate(name: str, rows: int, noise: float, seed: int):
    """The generated problem's table (x1, x2, label), from core.generators (imported here: lessons
    of inline data do not need it)."""
    from core import generators

    if name not in generators.PROBLEMS:
        raise UserError(f"The lesson's generator names the problem '{name}', which this program does "
                        f"not know: it knows {', '.join(generators.PROBLEMS)}.")
    return generators.generate(name, rows=rows, noise=noise, seed=seed)


def _with_dataset(lesson: Lesson, path: Path) -> Lesson:
    """The lesson with its Dataset built (and so checked) from its data."""
    from dataclasses import replace

    import pandas as pd

    from core.dataset import dataset_from_frame
    from core.table import NA_VALUES

    name = path.name
    if lesson.generator is not None:
        g = lesson.generator
        try:
            df = generate(g["name"], g["rows"], g["noise"], g["seed"])
        except UserError as e:
            raise UserError(f"{name}: {e}") from None
        except (ValueError, KeyError, TypeError, ArithmeticError) as e:  # an unknown problem, a bad parameter
            raise UserError(f"{name}: the generator cannot make the lesson's data ({one_line(e, 100)})."
                            ) from None
    else:
        try:
            df = pd.read_csv(io.StringIO(lesson.csv), dtype=str, na_values=NA_VALUES,
                             keep_default_na=True, index_col=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
            raise UserError(f"{name}: the lesson's data cannot be read as CSV "
                            f"({one_line(str(e).splitlines()[0] if str(e) else e, 100)}).") from None
    # (errors name "the data in NAME"; the dataset's source is the lesson's path)
    dataset = dataset_from_frame(df, lesson.label, list(lesson.features), path=f"The data in {name}")
    return replace(lesson, dataset=replace(dataset, source=str(path)))


__all__ = ["FORMAT", "LESSON_SUFFIX", "Lesson", "MAX_LESSON_BYTES", "VERSION", "dataset_csv",
           "generate", "lesson_from_dataset", "load_lesson", "save_lesson"]
