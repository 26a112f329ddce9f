"""A disguised copy of a solution, as a student hiding a copy would make it: every local name,
parameter and helper function renamed, comments and docstrings dropped, the classes in another
order, and the code reformatted (ast.unparse)."""

import ast
import builtins
import random

# the lesson's API and the numpy names a copy must keep to still work
KEEP = {
    "np",
    "numpy",
    "self",
    "Conv2d",
    "MaxPool2d",
    "Linear",
    "ReLU",
    "Flatten",
    "Sequential",
    "SoftmaxCrossEntropyLoss",
    "SGD",
    "he_normal",
    "im2col",
    "col2im",
    "normalize_fit",
    "normalize_apply",
    "forward",
    "backward",
    "parameters",
    "step",
    "zero_grad",
    "__init__",
    "__call__",
    "super",
}


class _Renamer(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def _new(self, name):
        if name in KEEP or hasattr(builtins, name) or name.startswith("__"):
            return name
        return self.names.setdefault(name, f"v{len(self.names)}_{random.Random(name).randrange(10**4)}")

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node

    def visit_keyword(self, node):
        self.generic_visit(node)
        return node  # keyword names belong to the callee's signature: kept

    def visit_FunctionDef(self, node):
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node


def _drop_docstrings(tree):
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def disguise(source: str, seed: int = 0) -> str:
    """The disguised copy of one module's source (see the module docstring)."""
    tree = _drop_docstrings(ast.parse(source))
    tree = _Renamer({}).visit(tree)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    others = [node for node in tree.body if not isinstance(node, ast.ClassDef)]
    random.Random(seed).shuffle(classes)
    tree.body = others + classes
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
