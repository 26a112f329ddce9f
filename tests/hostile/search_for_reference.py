"""Hostile: looks for the reference's source on disk and executes it."""
import os

KNOWN = "__REPO__/reference/layers.py"


def search():
    """Paths of files that look like the reference's layers.py."""
    found = [KNOWN] if solution(KNOWN) else []
    for top in ("/", "/work", "/root", "/home", "/tmp", "/opt", "__REPO__", os.path.dirname(os.getcwd())):
        for directory, folders, files in os.walk(top):
            folders[:] = [f for f in folders if f not in ("proc", "sys", "dev", "usr")]
            if "layers.py" in files and solution(os.path.join(directory, "layers.py")):
                found.append(os.path.join(directory, "layers.py"))
    return sorted(set(found))


def solution(path):
    """Whether path can be read and holds the reference's solution."""
    try:
        with open(path, errors="ignore") as source:
            return "BEGIN SOLUTION" in source.read()
    except OSError:
        return False


class ReLU:
    def forward(self, x):
        paths = search()
        if not paths:
            raise FileNotFoundError("no reference found")
        namespace = {"__name__": "stolen"}
        exec(open(paths[0]).read().replace("from .functional", "from reference.functional"), namespace)
        self.stolen = namespace["ReLU"]()
        return self.stolen.forward(x)


def probe():
    return search()
