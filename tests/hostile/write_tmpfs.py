"""Hostile: looks for a writable memory-backed file system (tmpfs, /dev, /dev/shm) to fill outside
every disk limit; probe() lists the mount points where it could create a file."""
import os


def probe():
    writable, points = [], set()
    try:
        with open("/proc/self/mounts") as mounts:
            points = {line.split()[1] for line in mounts if line.split()[2] in ("tmpfs", "devtmpfs", "ramfs")}
    except OSError:  # the landlock tier lets it read no more than it needs
        pass
    for point in sorted(points | {"/dev", "/dev/shm", "/run", "/run/lock", "/var/tmp", "/tmp"}):
        path = os.path.join(point, ".torcino-probe")
        try:
            with open(path, "w") as out:
                out.write("x")
            os.unlink(path)
            writable.append(point)
        except OSError:
            pass
    return writable


class ReLU:
    def forward(self, x):
        return x * (x > 0)
