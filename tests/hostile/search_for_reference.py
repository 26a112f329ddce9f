"""Hostile: looks for the reference's source on disk and executes it."""
import os

KNOWN = "__REPO__/reference/layers.py"


def search():
    """Paths of files that look like the reference's layers.py."""
    found = []
    if os.path.exists(KNOWN):
        found.append(KNOWN)
    for top in ("/", "/work", "/root", "/home", "/tmp", "/opt", "__REPO__", os.path.dirname(os.getcwd())):
        for directory, folders, files in os.walk(top):
            folders[:] = [f for f in folders if f not in ("proc", "sys", "dev", "usr")]
            if "layers.py" in files and "BEGIN SOLUTION" in open(os.path.join(directory, "layers.py"), errors="ignore").read():
                found.append(os.path.join(directory, "layers.py"))
    return sorted(set(found))


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
