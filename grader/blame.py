"""Which rubric item a method of the lesson's API belongs to: when a case fails inside another class
than its item's, the message names that class and the item to look at."""

LAYER_ITEMS = {"Conv2d": "conv2d", "MaxPool2d": "maxpool2d", "Linear": "linear"}
CLASS_ITEMS = {
    "ReLU": "relu",
    "Flatten": "flatten",
    "Sequential": "sequential",
    "SoftmaxCrossEntropyLoss": "loss",
    "SGD": "sgd",
}


def item_of(where: str) -> str | None:
    """The item of "Class.method" (e.g. "Linear.backward" -> "linear.backward"), or None when the
    class is not one of the lesson's."""
    owner, _, method = where.partition(".")
    if owner in LAYER_ITEMS:
        if method == "__init__":
            return "init"
        return f"{LAYER_ITEMS[owner]}.{'backward' if method == 'backward' else 'forward'}"
    return CLASS_ITEMS.get(owner)


def blame_note(where: str, item: str | None) -> str:
    """ " (raised in Linear.forward: see the item linear.forward)" when where belongs to another item
    than item (a "beyond:" item counts as its own), else ""."""
    other = item_of(where) if where else None
    if other is None or other == (item or "").split(":")[-1]:
        return ""
    return f" (raised in {where}: see the item {other})"
