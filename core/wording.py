"""Words in messages: a name or a cell on one line, '1 row' / '2 rows', 'a', 'b' and 'c'."""

from __future__ import annotations


def one_line(value, limit: int = 60) -> str:
    """A column name or cell for a one-line message: line breaks and other controls escaped, cut short."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 row', '0 rows', '2,000 rows' (many: the plural when it is not word + 's')."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def quoted(names, shown: int = 5) -> str:
    """'a', 'a' and 'b', 'a', 'b' and 'c'; past `shown` names, 'and 3 more'."""
    items = [f"'{one_line(n, 40)}'" for n in names]
    if len(items) > shown:
        items = items[:shown] + [f"{len(items) - shown} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


__all__ = ["one_line", "plural", "quoted"]
