"""Time the default LeNet protocol with the reference, with PyTorch, and with a loop-per-sample baseline.

    python bench/train_lenet.py [--threads N] [--repeats 3] [--no-loops]

What is measured, each a whole run of grader.lenet.trainer.Protocol() (2 epochs of SGD, lr 0.05, batch 32,
seed 0) on the bundled 4,000 / 1,000 MNIST subset, preprocessing and test evaluation included:
- reference: grader.lenet.trainer.train_lenet(reference, ...), best wall time of --repeats runs;
- torch:     the identical protocol in PyTorch on the CPU (same architecture, same initial weights
             copied from the reference model built under the same seed, same preprocessing, same batch
             order, plain SGD, mean cross-entropy), best of --repeats; skipped if torch is missing;
- loops:     train_lenet(tests/styles/loop_per_sample.py, ...), the lesson's loop-per-sample style, run once.
Target: reference / torch <= 2.0. Torch reproduces the reference's losses up to float32 rounding,
which SGD amplifies over 250 steps, so their accuracies are close, not equal. The loops
give the gradient to every tied maximum (the lesson's rule), so their accuracy differs a little more.
BLAS and torch use --threads threads (default: all cores).
"""

import argparse
import os
import sys

# Thread counts must be in the environment before NumPy (and its BLAS) is first imported.
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=os.cpu_count(), help="BLAS / torch threads (default: all cores)")
parser.add_argument("--repeats", type=int, default=3, help="runs of reference and torch; the best time counts")
parser.add_argument("--no-loops", action="store_true", help="skip the (slow) loop-per-sample baseline")
ARGS = parser.parse_args()
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = str(ARGS.threads)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import time  # noqa: E402

import numpy as np  # noqa: E402

import reference  # noqa: E402
from grader.lenet.data import load_mnist  # noqa: E402
from grader.lenet.trainer import Protocol, build_lenet, lenet_layers, preprocess, train_lenet  # noqa: E402
from tests.helpers.submission_formats import load_style  # noqa: E402

lesson_loops = load_style("loop_per_sample")  # the loop-per-sample style, the baseline

TARGET = 2.0


def best_run(run, repeats):
    """Run run() -> (seconds, accuracy) repeats times; the fastest run's (seconds, accuracy)."""
    return min(run() for _ in range(repeats))


def time_numpy(api, data, protocol, repeats):
    """train_lenet(api, ...): (best seconds, accuracy)."""

    def run():
        result = train_lenet(api, data, protocol)
        return result.seconds, result.accuracy

    return best_run(run, repeats)


def time_torch(torch, data, protocol, repeats):
    """The same protocol in PyTorch, step for step like grader.lenet.trainer.train_lenet: (best seconds, accuracy)."""
    nn = torch.nn

    def run():
        started = time.perf_counter()
        X_train, y_train, X_test, y_test = data
        X_train, X_test = preprocess(X_train, X_test)
        np.random.seed(protocol.seed)
        init = build_lenet(reference)  # same RNG draws as train_lenet's model build
        model = nn.Sequential(*lenet_layers(nn))  # the lesson's LeNet, declared once in grader.lenet.trainer
        with torch.no_grad():
            for ours, theirs in zip(init.layers, model, strict=False):
                if hasattr(ours, "weight"):
                    theirs.weight.copy_(torch.from_numpy(ours.weight))
                    theirs.bias.copy_(torch.from_numpy(ours.bias))
        optimizer = torch.optim.SGD(model.parameters(), lr=protocol.lr)
        loss_fn = nn.CrossEntropyLoss()
        X, y = torch.from_numpy(X_train), torch.from_numpy(y_train)
        N, size = len(X_train), protocol.batch_size
        shuffling = np.random.default_rng(protocol.seed)
        for _ in range(protocol.epochs):
            order = torch.from_numpy(shuffling.permutation(N))  # same sequence as train_lenet
            for start in range(0, N, size):
                idx = order[start : start + size]
                loss = loss_fn(model(X[idx]), y[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss.item()
        with torch.no_grad():
            logits = model(torch.from_numpy(X_test)).numpy()
        accuracy = float((logits.argmax(axis=1) == y_test).mean())
        return time.perf_counter() - started, accuracy

    return best_run(run, repeats)


def main():
    protocol = Protocol()
    data = load_mnist()
    print(
        f"LeNet protocol: {len(data[0])} train / {len(data[2])} test images, {protocol.epochs} epochs, "
        f"lr {protocol.lr}, batch {protocol.batch_size}, seed {protocol.seed}; "
        f"threads {ARGS.threads}; best of {ARGS.repeats}"
    )

    ref_s, ref_acc = time_numpy(reference, data, protocol, ARGS.repeats)
    print(f"reference  {ref_s:7.2f} s  accuracy {ref_acc:.4f}")
    summary = [f"threads {ARGS.threads}", f"reference {ref_s:.2f} s (acc {ref_acc:.4f})"]

    try:
        import torch
    except ImportError:
        torch = None
        print("torch      not installed: the reference/torch ratio is skipped")
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        torch_s, torch_acc = time_torch(torch, data, protocol, ARGS.repeats)
        ratio = ref_s / torch_s
        print(
            f"torch      {torch_s:7.2f} s  accuracy {torch_acc:.4f}  (torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads)"
        )
        verdict = "within target" if ratio <= TARGET else "OVER target"
        summary += [
            f"torch {torch_s:.2f} s (acc {torch_acc:.4f})",
            f"reference/torch {ratio:.2f}x (target <= {TARGET:g}x: {verdict})",
        ]

    if not ARGS.no_loops:
        loop_s, loop_acc = time_numpy(lesson_loops, data, protocol, 1)
        print(f"loops      {loop_s:7.2f} s  accuracy {loop_acc:.4f}  (tests/styles/loop_per_sample.py, 1 run)")
        summary += [f"loops {loop_s:.2f} s (acc {loop_acc:.4f})", f"loops/reference {loop_s / ref_s:.1f}x"]

    print("\nsummary: " + " | ".join(summary))


if __name__ == "__main__":
    main()
