"""How the LeNet item's threshold and attempts are set: a correct submission must fail it less than 1 time in 1,000.

    python bench/lenet_threshold.py [--seeds 100] [--also-loops] [--loops-seeds N] [--rubric lesson8]

What is measured: the reference trained with the rubric's [lenet] protocol (epochs, lr, batch size)
on the bundled subset as instructor mode uses it (4,000 training images, the 500 held-out test images,
the classes relabelled by a permutation: the grader's is secret, here each run draws its own from its
seed; the accuracy computed from the trained weights with the reference's layers, as
grader.lenet.evaluation does), once per seed 1000, 1001, ... (not the grader's own seeds,
which are [lenet].seed + 0, 1, ...), evaluated at the checkpoints the grader evaluates
(grader.lenet.trainer.checkpoint_due: every [lenet].checkpoint_batches batches while the training loss is
low enough, and at the end). A run's score is its best evaluated checkpoint: the grader stops an
attempt at the first checkpoint that reaches the threshold, so the attempt passes exactly when that
best reaches it. The scores' distribution is printed, with the runs that stayed near chance (< 0.3:
at lr 0.1 and batch 64, the protocol before, a run now and then blew up in its first steps). --also-loops does the same for tests/styles/loop_per_sample.py, a second correct implementation in the
lesson's loop style (about 5x slower), on the seeds that follow the reference's so that its runs are
independent of them.

From the runs, for the rubric's threshold t and attempts k (the item passes when any attempt reaches
t): the per-run failure rate p = #(best checkpoint < t) / N, its exact one-sided 95% Clopper-Pearson upper
bound p_u, and the chance that a correct submission fails the item, p**k (estimate) and p_u**k
(95% upper bound). Target: p_u**k < 1e-3. A small table shows the same for other thresholds and
k = 1, 2, 3, for an instructor editing the rubric.

Assumption: the attempts use different seeds and are independent draws from the distribution measured
here. The grader's seeds are fixed, but a correct submission differs from the reference in float
rounding (and in tie-breaking, like the loops' MaxPool2d), which SGD amplifies over the
run, so which of its attempts go badly is, for the purpose of this estimate, random. The accuracies
of the reference on the grader's own seeds are printed for reference.
"""

import argparse
import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)


import numpy as np  # noqa: E402

import reference  # noqa: E402
from grader.grading.rubric import load_rubric  # noqa: E402
from grader.lenet.data import lenet_data  # noqa: E402
from grader.lenet.evaluation import checked_parameters, trusted_lenet, trusted_logits  # noqa: E402
from grader.lenet.trainer import Protocol, Trainer, accuracy, batch_order, checkpoint_due, preprocess  # noqa: E402
from tests.helpers.submission_formats import load_style  # noqa: E402

lesson_loops = load_style("loop_per_sample")  # the loop-per-sample style, the baseline

TARGET = 1e-3  # the largest acceptable chance that a correct submission fails the item
CONFIDENCE = 0.95  # of the one-sided upper bound on the per-run failure rate
FIRST_SEED = 1000  # clear of the grader's own seeds
MIN_SEEDS = 50
CHANCE = 0.3  # accuracy below this: the run diverged (chance is 0.1)
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8)
ATTEMPTS = (1, 2, 3)


def protocol_for(settings, seed):
    """The rubric's [lenet] protocol with the given seed."""
    return Protocol(settings.epochs, settings.lr, settings.batch_size, seed)


def best_checkpoint(api, data, settings, seed):
    """The best test accuracy over the checkpoints the grader evaluates in one run of the protocol."""
    X_train, X_test = preprocess(data[0], data[2])
    protocol = protocol_for(settings, seed)
    relabel = np.random.default_rng([seed, 10]).permutation(10)
    trusted = trusted_lenet(reference)
    trainer, losses, best = Trainer(api, X_train, relabel[data[1]], protocol), [], 0.0
    batches = batch_order(protocol, len(X_train))
    for number, indices in enumerate(batches, start=1):
        losses.append(trainer.step(indices))
        if checkpoint_due(number, len(batches), losses, settings.checkpoint_batches):
            logits = trusted_logits(trusted, checked_parameters(trainer.parameters()), X_test)
            best = max(best, accuracy(logits, relabel[data[3]]))
    return best


def accuracies(api, data, settings, seeds, label):
    """Best evaluated checkpoint of one training run per seed; progress on stderr when it is a terminal."""
    results = []
    for done, seed in enumerate(seeds, start=1):
        results.append(best_checkpoint(api, data, settings, seed))
        if sys.stderr.isatty():
            print(f"\r  {label}: {done}/{len(seeds)} runs", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)
    return np.array(results)


def binomial_cdf(x, n, p):
    """P(X <= x) for X ~ Binomial(n, p), 0 < p < 1, summed in logs so that large n cannot overflow."""
    log_p, log_q = math.log(p), math.log1p(-p)
    return sum(
        math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        for i in range(x + 1)
    )


def upper_bound(failures, n, confidence=CONFIDENCE):
    """Exact one-sided Clopper-Pearson upper bound on p: the p at which P(X <= failures) = 1 - confidence."""
    alpha = 1 - confidence
    if failures >= n:
        return 1.0
    if failures == 0:
        return 1 - alpha ** (1 / n)
    low, high = failures / n, 1.0  # the CDF falls from above alpha to 0 as p rises over this range
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if binomial_cdf(failures, n, middle) > alpha else (low, middle)
    return high


def failure_rates(accs, threshold):
    """(failures, p, p_u) for runs that end below threshold."""
    failures = int((accs < threshold).sum())
    return failures, failures / len(accs), upper_bound(failures, len(accs))


def print_distribution(label, accs, seeds):
    """Min, low percentiles, median, mean and diverged runs of one implementation's accuracies."""
    p1, p5, p25, p50 = np.percentile(accs, [1, 5, 25, 50])
    print(f"{label}: {len(accs)} runs, seeds {seeds[0]}..{seeds[-1]}")
    print(
        f"  min {accs.min():.3f}  p1 {p1:.3f}  p5 {p5:.3f}  p25 {p25:.3f}  median {p50:.3f}  "
        f"mean {accs.mean():.3f}  max {accs.max():.3f}"
    )
    diverged = accs[accs < CHANCE]
    listed = ", ".join(f"{a:.3f}" for a in sorted(diverged))
    print(f"  near chance (< {CHANCE}): {len(diverged)} of {len(accs)}" + (f" ({listed})" if listed else ""))
    print(f"  lowest five: {', '.join(f'{a:.3f}' for a in sorted(accs)[:5])}")


def print_table(accs, settings):
    """p, p_u and the item's failure chance p**k, p_u**k over a few thresholds and attempts."""
    thresholds = sorted(set(THRESHOLDS) | {settings.threshold})
    attempts = sorted(set(ATTEMPTS) | {settings.attempts})
    head = "".join(f"{'p^' + str(k):>8}  {'p_u^' + str(k):>8}  " for k in attempts)
    print(f"  {'t':>5}  {'fail':>7}  {'p':>6}  {'p_u':>6}  {head}")
    for t in thresholds:
        failures, p, p_u = failure_rates(accs, t)
        cells = "".join(f"{p**k:8.1e}  {p_u**k:8.1e}{'*' if p_u**k < TARGET else ' '} " for k in attempts)
        mark = "  <- rubric" if t == settings.threshold else ""
        print(f"  {t:5.2f}  {failures:3d}/{len(accs):<3d}  {p:6.3f}  {p_u:6.3f}  {cells}{mark}")
    print(f"  (* the {CONFIDENCE:.0%} upper bound p_u^k meets the target < {TARGET:g})")


def summary(label, accs, settings):
    """One line: the rubric's threshold and attempts against the target; (line, target met)."""
    t, k = settings.threshold, settings.attempts
    _, p, p_u = failure_rates(accs, t)
    ok = p_u**k < TARGET
    line = (
        f"{label}threshold {t:.2f}, {k} attempts: p = {p:.3f} ({CONFIDENCE:.0%} upper {p_u:.3f}) per run "
        f"-> failure chance <= {p_u**k:.1e} per submission (estimate {p**k:.1e}; target < {TARGET:g}): "
        f"{'OK' if ok else 'NOT MET'}"
    )
    return line, ok


def report(label, accs, seeds, settings):
    """Distribution and table of one sample of runs; returns whether the target is met."""
    print()
    print_distribution(label, accs, seeds)
    print_table(accs, settings)
    return summary("", accs, settings)[1]


def suggestion(accs, settings):
    """The smallest changes that meet the target by the upper bound: more attempts, or a lower threshold."""
    t, k = settings.threshold, settings.attempts
    _, _, p_u = failure_rates(accs, t)
    more = next((n for n in range(k + 1, 11) if p_u**n < TARGET), None)
    lower = next((c for c in np.arange(t, 0, -0.05)[1:] if failure_rates(accs, c)[2] ** k < TARGET), None)
    options = ([f"attempts = {more}"] if more else []) + ([f"threshold = {lower:.2f}"] if lower is not None else [])
    return " or ".join(options) or "no change up to 10 attempts or down to threshold 0.05 (measure more seeds)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100, help=f"runs per implementation (at least {MIN_SEEDS})")
    parser.add_argument(
        "--also-loops", action="store_true", help="also train tests/styles/loop_per_sample.py (about 5x slower)"
    )
    parser.add_argument("--loops-seeds", type=int, help="runs of the loops (default: --seeds)")
    parser.add_argument("--rubric", default="lesson8", help="rubric name or path (default: lesson8)")
    args = parser.parse_args()
    loops_seeds = args.loops_seeds or args.seeds
    if min(args.seeds, loops_seeds) < MIN_SEEDS:
        parser.error(f"at least {MIN_SEEDS} seeds are needed for a useful upper bound")

    settings = load_rubric(args.rubric).lenet
    data = lenet_data(None, instructor=True)
    t, k = settings.threshold, settings.attempts
    print(
        f"LeNet item of rubric {args.rubric}: {settings.epochs} epochs, lr {settings.lr}, "
        f"batch {settings.batch_size}, {len(data[0])} train / {len(data[2])} test images; "
        f"threshold {t:.2f}, {k} attempts (seeds {settings.seed}..{settings.seed + k - 1})"
    )
    grader_seeds = [settings.seed + i for i in range(k)]
    own = accuracies(reference, data, settings, grader_seeds, "grader's seeds")
    print(
        "reference on the grader's own seeds: "
        + ", ".join(f"{s}: {a:.3f}" for s, a in zip(grader_seeds, own, strict=False))
    )

    seeds = list(range(FIRST_SEED, FIRST_SEED + args.seeds))
    ref_accs = accuracies(reference, data, settings, seeds, "reference")
    ok = report("reference", ref_accs, seeds, settings)
    lines = []
    if args.also_loops:
        loop_seeds = list(range(seeds[-1] + 1, seeds[-1] + 1 + loops_seeds))
        loop_accs = accuracies(lesson_loops, data, settings, loop_seeds, "loops")
        ok = report("loops (tests/styles/loop_per_sample.py)", loop_accs, loop_seeds, settings) and ok
        pooled = np.concatenate([ref_accs, loop_accs])
        ok = report("pooled (reference + loops)", pooled, seeds + loop_seeds, settings) and ok
        lines.append(summary("loops:     ", loop_accs, settings)[0])
        lines.append(summary("pooled:    ", pooled, settings)[0])
    if not ok:
        print(
            f"\nthe target is NOT met; the smallest changes that meet it for the reference: "
            f"{suggestion(ref_accs, settings)}"
        )
    print()
    for line in lines:
        print(line)
    print(summary("reference: " if lines else "", ref_accs, settings)[0])


if __name__ == "__main__":
    main()
