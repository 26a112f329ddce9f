"""Which rubric item a method of the lesson's API belongs to: when a case fails inside another class
than its item's, the message names that class and the item to look at (grader/lesson.py says which
class owns which items)."""

from grader.lesson import LESSON, Lesson


def item_of(where: str, lesson: Lesson = LESSON) -> str | None:
    """The item of "Class.method" (e.g. "Linear.backward" -> "linear.backward"), or None when the
    class is not one of the lesson's."""
    owner, _, method = where.partition(".")
    cls = lesson.by_name(owner)
    return cls.item_of(method) if cls is not None else None


def blame_note(where: str, item: str | None, lesson: Lesson = LESSON) -> str:
    """ " (raised in Linear.forward: see the item linear.forward)" when where belongs to another item
    than item (a "beyond:" item counts as its own), else ""."""
    other = item_of(where, lesson) if where else None
    if other is None or other == (item or "").split(":")[-1]:
        return ""
    return f" (raised in {where}: see the item {other})"
