"""Hostile: looks for a writable memory-backed file system (tmpfs, /dev, /dev/shm) to fill outside
every disk limit; probe() lists the places where it could create a file that are memory-backed, or
whose file system it cannot tell (a directory on disk, such as bubblewrap's /tmp beside the copy,
is bounded by the disk watcher and is not listed)."""
import os

MEMORY = ("tmpfs", "devtmpfs", "ramfs")


def mount_types():
    """{mount point: file system type}, or {} where /proc/self/mounts cannot be read."""
    try:
        with open("/proc/self/mounts") as mounts:
            return {line.split()[1]: line.split()[2] for line in mounts}
    except OSError:  # the landlock tier lets it read no more than it needs
        return {}


def file_system(path, types):
    """The type of the file system path is on (its longest mount point), or None when unknown."""
    best = max((point for point in types if path == point or path.startswith(point.rstrip("/") + "/")), key=len, default=None)
    return types.get(best)


def probe():
    writable, types = [], mount_types()
    candidates = {point for point, kind in types.items() if kind in MEMORY}
    for point in sorted(candidates | {"/dev", "/dev/shm", "/run", "/run/lock", "/var/tmp", "/tmp"}):
        path = os.path.join(point, ".torcino-probe")
        try:
            with open(path, "w") as out:
                out.write("x")
            os.unlink(path)
        except OSError:
            continue
        kind = file_system(point, types)
        if kind is None or kind in MEMORY:
            writable.append(point)
    return writable


class ReLU:
    def forward(self, x):
        return x * (x > 0)
