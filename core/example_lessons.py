"""The lessons shipped with the program (resources/lessons/*.lesson.json, Teach → Lessons).

Each is a generated problem (core.generators: the file keeps the settings, not the rows), training
settings, the docks to show and a teacher's notes. `python -m core.example_lessons` writes them;
tests/test_example_lessons.py checks that the files are what this module makes and that each lesson
teaches what its notes say.
"""

from __future__ import annotations

from pathlib import Path

# the menu lists these files at start-up: this module imports nothing heavy until lessons() runs
LESSONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "lessons"

CIRCLE_NOTES = """# A circle without hidden layers

The points inside the ring are one class, those outside the other. This network has **no hidden
layer**: each class's score is a weighted sum of the inputs, so on its own it can only draw a
straight boundary, and no straight line separates a ring.

But it is not given only x1 and x2: the Training dock's **Derived inputs** have *x²* switched on, so
the network also sees **x1²** and **x2²**. Inside a circle x1² + x2² is small; outside it is large.
A weighted sum of the squares *is* a circle.

1. Press **Play** (Space) and watch the decision regions: a round boundary after a few epochs,
validation accuracy near 1.
2. Switch *x²* off in the Training dock (the network is rebuilt) and play again: the boundary is
a straight line and accuracy stays near a half.
3. Look at the network view: which weights grew? Those from x1² and x2², with the same sign.

A good representation of the data lets even a linear model succeed; hidden layers are a way of
*learning* such a representation instead of giving it.
"""

ZEROS_NOTES = """# Why not start every weight at zero?

This network's **Initial weights** are *zeros* (Training dock). Press **Play** (Space) for a few
epochs and look at the network view:

- every edge from one input into a hidden layer has the **same colour and width**: the neurons of a
layer compute the same thing;
- they get the same gradient (see the **Gradients** dock), so they stay the same **for ever**;
- with tanh (as here) a zero weight passes on a zero signal and a zero gradient: nothing but the
output biases moves, and validation accuracy stays near a half.

Now set **Initial weights** to *default* and press **Reset**: small random weights make the
neurons different from the start (this is called *breaking the symmetry*), and the same network
learns the problem. Press F1 for the explanation.
"""

XOR_NOTES = """# XOR: one hidden layer bends the boundary

Points whose two inputs have the **same sign** are one class, **opposite signs** the other. No single
straight line separates them.

1. Press **Play** (Space): with one hidden layer of four tanh neurons the decision regions become
four quadrants.
2. Remove the hidden layer (− in the Training dock, the shape then reads *2-2 (linear)*) and play
again: the best a straight line can do is about half.
3. Still without a hidden layer, switch on the derived *x·y* input: the product's sign *is* the
class, so the linear model succeeds at once.
"""


def unwrap(text: str) -> str:
    """The notes as the Lesson notes dock wants them: its line breaks are kept, so the lines of a
    paragraph or list item (wrapped here to fit the source) are joined."""
    out: list[str] = []
    for line in text.strip().splitlines():
        starts_item = line.startswith(("#", "- ")) or line.split(".")[0].isdigit()
        if out and out[-1] and line and not starts_item:
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def lessons() -> dict:
    """file name → the lesson (core.lesson.Lesson), made from its generator's settings."""
    from core.config import TrainConfig
    from core.dataset import dataset_from_frame
    from core.generators import example_name, generate
    from core.lesson import lesson_from_dataset

    made = {}
    for file, g, config, docks, front, notes in (
        ("circle-without-hidden-layers.lesson.json", dict(name="circle", rows=300, noise=0.1, seed=0),
         TrainConfig(hidden=(), activation="tanh", learning_rate=0.03, derived=("squares",)),
         ("controls", "loss", "regions", "lesson"), ("controls", "regions"), CIRCLE_NOTES),
        ("zero-initial-weights.lesson.json", dict(name="circle", rows=300, noise=0.1, seed=0),
         TrainConfig(hidden=(4, 4), activation="tanh", learning_rate=0.03, init="zeros"),
         ("controls", "loss", "gradients", "lesson"), ("controls", "gradients"), ZEROS_NOTES),
        ("xor-one-hidden-layer.lesson.json", dict(name="xor", rows=300, noise=0.1, seed=0),
         TrainConfig(hidden=(4,), activation="tanh", learning_rate=0.03),
         ("controls", "loss", "regions", "lesson"), ("controls", "regions"), XOR_NOTES),
    ):
        ds = dataset_from_frame(generate(**g), path=example_name(**g))
        heading, body = notes.split("\n", 1)  # the notes dock shows the title as their heading
        made[file] = lesson_from_dataset(ds, config, docks, heading.lstrip("# ").strip(), unwrap(body),
                                         front, generator=g)
    return made


def shipped(folder: Path = LESSONS_DIR) -> list[tuple[str, Path]]:
    """(title, path) of each lesson file in `folder`, sorted by file name; the titles are read as
    plain JSON (a menu lists them: no data are made); opening one checks it."""
    import json

    out = []
    for path in sorted(folder.glob("*.lesson.json")):
        try:
            title = json.loads(path.read_text(encoding="utf-8")).get("title")
        except (OSError, ValueError, AttributeError):  # opening it says what is wrong
            title = None
        out.append((title if isinstance(title, str) and title.strip() else path.name, path))
    return out


def write(folder: Path = LESSONS_DIR) -> list[Path]:
    from core.lesson import save_lesson

    folder.mkdir(parents=True, exist_ok=True)
    return [save_lesson(lesson, folder / file) for file, lesson in lessons().items()]


if __name__ == "__main__":
    for p in write():
        print(p)
