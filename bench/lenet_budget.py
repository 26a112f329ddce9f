"""The ratio the LeNet budget's public-mode calibration uses (grader.lenet.budget.WORKLOAD_TO_REFERENCE):
the reference's LeNet batch time over the fixed NumPy workload's batch time, on this machine.

    python bench/lenet_budget.py [--repeats 5]

Both are timed as the grader times them (single-threaded BLAS, the median of a few batches after a
warm-up); the median ratio over the repeats is printed beside the constant the grader uses.
"""

import argparse
import statistics

import reference
from grader.grading.rubric import load_rubric
from grader.lenet.budget import WORKLOAD_TO_REFERENCE, reference_seconds, reference_trainer, workload_seconds
from grader.lenet.data import load_mnist
from grader.lenet.trainer import Protocol, preprocess


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    X_train, y_train, X_test, _ = load_mnist()
    X_train, _ = preprocess(X_train, X_test)
    settings = load_rubric().lenet  # the protocol the grader calibrates for
    protocol = Protocol(settings.epochs, settings.lr, settings.batch_size, settings.seed)
    ratios = []
    for _ in range(args.repeats):
        ours = reference_seconds(reference_trainer(reference, X_train, y_train, protocol), protocol)
        workload = workload_seconds(protocol, len(X_train)) / WORKLOAD_TO_REFERENCE
        ratios.append(ours / workload)
        print(f"reference {ours:.2f} s, workload {workload:.2f} s: ratio {ratios[-1]:.2f}")
    print(f"median ratio {statistics.median(ratios):.2f} (WORKLOAD_TO_REFERENCE = {WORKLOAD_TO_REFERENCE})")


if __name__ == "__main__":
    main()
