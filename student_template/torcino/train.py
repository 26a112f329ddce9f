"""Train the lesson's LeNet on MNIST with this package's layers and print the test accuracy.

    python -m torcino.train [--data DIR_OR_NPZ] [--epochs 2] [--lr 0.05] [--batch-size 32] [--seed 0]

Without --data it trains on the 4,000 / 1,000 MNIST subset bundled with the grader.
--data takes a directory with the lesson's train_images.npy, train_labels.npy, test_images.npy
and test_labels.npy, or a Keras-style mnist.npz.
"""

import argparse
import importlib
import sys
from collections.abc import Sequence

from grader.lenet.data import DataError, load_mnist
from grader.lenet.trainer import Protocol, train_lenet
from grader.reports.progress import ProgressBar


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = Protocol()
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="lesson .npy directory or mnist.npz (default: bundled subset)")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    api = importlib.import_module(__package__)  # the layers of the package this script lives in
    try:
        data = load_mnist(args.data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    protocol = Protocol(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=args.seed)
    print(
        f"LeNet with {__package__}: {len(data[0])} train / {len(data[2])} test images, "
        f"{protocol.epochs} epochs, lr {protocol.lr}, batch {protocol.batch_size}, seed {protocol.seed}"
    )
    bars: dict[int, ProgressBar] = {}

    def show(epoch: int, batch: int, batches: int, loss: float) -> None:
        bar = bars.setdefault(epoch, ProgressBar(batches, f"epoch {epoch + 1}/{protocol.epochs}"))
        bar.update(batch + 1, f"loss {loss:.3f}")
        if batch + 1 == batches:
            bar.close(f"loss {loss:.3f}")

    result = train_lenet(api, data, protocol, on_batch=show)
    print(f"test accuracy: {result.accuracy:.4f} ({result.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
