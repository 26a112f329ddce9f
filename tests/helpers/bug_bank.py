"""A bank of realistic buggy submissions: each a small patch of the reference, and the rubric
items it must lose points in.

Every `Bug` is a mistake students of lesson 8 actually make, written as patches of the reference's
classes and functions (in functional, layers, model, loss, optim; see
`submission_formats.module_sources`). A patch `(target, old, new)` names what it changes by class and
method ("Conv2d.backward") or by function ("col2im"), found with ast in whichever module defines it,
and replaces the single occurrence of `old` within that definition by `new`; `old` is copied verbatim
from the reference. So a patch keeps applying when the lesson grows (another class with the same
line elsewhere does not make it ambiguous). `Bug.sources()` returns the patched sources, ready for
`submission_formats.build(kind, destination, sources)` or `single_source(sources)`.

`misconceptions` names the bug's entries in the grader's catalogue of misconceptions
(grader.misconceptions): the diagnosis the report must give for it, and nothing else.

`items` lists the rubric item ids (rubrics/lesson8.toml) that MUST lose points for the bug, the
primary one first. It is deliberately conservative: an item that may or may not fail depending on
how a check is written (e.g. `lenet` for a bug that only slows training down) is not listed, so a
test may assert that every listed item loses points, and that a correct item is not blamed for
nothing, but not that the unlisted items keep all of theirs.

The patched code stays syntactically valid and is what a student would plausibly write: some
bugs crash only on some configurations (e.g. a missing transpose that works when in == out),
which is how they slip past a student's own tests.
"""

import ast
from dataclasses import dataclass

import pytest

from tests.helpers.shared_grades import shared
from tests.helpers.submission_formats import module_sources


def definition(sources: dict, target: str) -> tuple:
    """(module, start, end): where target ("Class.method", "Class" or "function") is defined in sources,
    as character offsets of its source (decorators included)."""
    owner, _, member = target.partition(".")
    for module, source in sources.items():
        offsets = [0]
        for line in source.splitlines(keepends=True):
            offsets.append(offsets[-1] + len(line))
        for node in ast.parse(source).body:
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef)) or node.name != owner:
                continue
            if member:
                node = next((sub for sub in node.body if isinstance(sub, ast.FunctionDef) and sub.name == member), None)
            if node is not None:
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                return module, offsets[first - 1], offsets[node.end_lineno]
    raise AssertionError(f"no definition of {target} in the reference's modules {sorted(sources)}")


@dataclass(frozen=True)
class Bug:
    name: str  # short identifier, e.g. "col2im_assigns"
    items: tuple  # rubric item ids that must lose points, primary first, e.g. ("conv2d.backward",)
    patches: tuple  # ((target, old, new), ...): replace the one occurrence of `old` in target ("Class.method") by `new`
    why: str  # one line: the student's mistake, in words
    # the catalogue's ids (grader.misconceptions) of the mistake, one per item class it shows in;
    # () for a bug the catalogue does not cover (it must get no diagnosis)
    misconceptions: tuple = ()

    def sources(self):
        """The reference's module sources with this bug's patches applied (each `old` must occur exactly
        once in its target's definition)."""
        sources = dict(module_sources())
        for target, old, new in self.patches:
            module, start, end = definition(sources, target)
            body = sources[module][start:end]
            count = body.count(old)
            assert count == 1, (
                f"bug {self.name!r}: the text to replace occurs {count} times in {target}, expected exactly once: {old!r}"
            )
            sources[module] = sources[module][:start] + body.replace(old, new) + sources[module][end:]
        return sources

    def __str__(self):
        return self.name


BUGS = [
    # ---------------------------------------------------------------- functional: init, col2im
    Bug(
        name="col2im_assigns",
        misconceptions=("conv2d.col2im_assigns", "maxpool2d.col2im_assigns"),
        items=("conv2d.backward", "maxpool2d.backward"),
        patches=(
            (
                "col2im",
                "x[..., i : i + sH * H_out : sH, j : j + sW * W_out : sW] += cols[..., i, j, :, :]",
                "x[..., i : i + sH * H_out : sH, j : j + sW * W_out : sW] = cols[..., i, j, :, :]",
            ),
        ),
        why="col2im assigns (=) instead of adding (+=), so overlapping windows keep only the last contribution",
    ),
    Bug(
        name="he_std_one_over_fan_in",
        misconceptions=("he_normal.lecun_std",),
        items=("init",),
        patches=(("he_normal", "std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(1.0 / fan_in)"),),
        why="He init with LeCun's std sqrt(1/fan_in) instead of sqrt(2/fan_in)",
    ),
    Bug(
        name="he_rand_not_randn",
        misconceptions=("he_normal.uniform",),
        items=("init", "lenet"),
        patches=(("he_normal", "np.random.randn(*shape) * std", "np.random.rand(*shape) * std"),),
        why="np.random.rand (uniform on [0, 1)) instead of np.random.randn: weights all positive, mean != 0",
    ),
    # ---------------------------------------------------------------- Conv2d
    Bug(
        name="conv_fan_in_without_kernel",
        misconceptions=("conv2d.fan_in_channels_only",),
        # the LeNet may still learn from a five times wider init (it did on some seeds since the
        # classes are relabelled per grade): it may lose lenet, as every bug may, but need not
        items=("init",),
        patches=(("Conv2d.__init__", "fan_in=in_channels * kH * kW)", "fan_in=in_channels)"),),
        why="Conv2d's fan_in counts the input channels only, not in_channels*kH*kW",
    ),
    Bug(
        name="conv_no_bias",
        misconceptions=("conv2d.no_bias",),
        items=("conv2d.forward",),
        patches=(("Conv2d.forward", "out = weight_rows @ cols + self.bias[:, None]", "out = weight_rows @ cols"),),
        why="Conv2d forward forgets to add the bias (invisible with the zero initial bias)",
    ),
    Bug(
        name="conv_weight_channels_last",
        misconceptions=("conv2d.weight_flattened_channels_last",),
        items=("conv2d.forward", "conv2d.backward"),
        patches=(
            (
                "Conv2d.forward",
                "weight_rows = self.weight.reshape(self.out_channels, -1)  # (out, in*kH*kW)",
                "weight_rows = self.weight.transpose(0, 2, 3, 1).reshape(self.out_channels, -1)",
            ),
        ),
        why="flattens the weight in (i, j, c) order, which does not match im2col's (c, i, j) rows when in_channels > 1",
    ),
    Bug(
        name="conv_stride_ignored",
        misconceptions=("conv2d.stride_ignored",),
        items=("conv2d.forward", "conv2d.backward"),
        patches=(("Conv2d.__init__", "self.stride = pair(stride)", "self.stride = (1, 1)"),),
        why="Conv2d always slides its kernel with stride 1, whatever stride it was given",
    ),
    Bug(
        name="conv_padding_ignored",
        misconceptions=("conv2d.padding_ignored",),
        items=("conv2d.forward", "conv2d.backward"),
        patches=(("Conv2d.forward", "x_pad = pad(x, self.padding)\n", "x_pad = x\n"),),
        why="Conv2d stores padding but never pads the input",
    ),
    Bug(
        name="conv_dx_not_cropped",
        misconceptions=("conv2d.dx_not_cropped",),
        items=("conv2d.backward",),
        patches=(
            (
                "Conv2d.backward",
                "dX_pad = col2im(dcols, C, H_pad, W_pad, kH, kW, self.stride)\n"
                "        return crop(dX_pad, self.padding)",
                "dX_pad = col2im(dcols, C, H_pad, W_pad, kH, kW, self.stride)\n        return dX_pad",
            ),
        ),
        why="Conv2d backward returns the gradient of the padded input: dX has the padded shape",
    ),
    Bug(
        name="conv_dx_reshape_not_transpose",
        misconceptions=("conv2d.dx_reshape_not_transpose",),
        items=("conv2d.backward",),
        patches=(
            (
                "Conv2d.backward",
                "dcols = weight_rows.T @ dY_rows",
                "dcols = weight_rows.reshape(-1, self.out_channels) @ dY_rows",
            ),
        ),
        why="Conv2d backward 'transposes' the weight matrix with reshape(-1, out) instead of .T",
    ),
    Bug(
        name="conv_dx_flipped_kernel",
        misconceptions=("conv2d.dx_flipped_kernel",),
        items=("conv2d.backward",),
        patches=(("Conv2d.backward", "dcols = weight_rows.T @ dY_rows", "dcols = weight_rows[:, ::-1].T @ dY_rows"),),
        why="flips the kernel for dX ('the backward of a convolution is a convolution with the flipped kernel'), although col2im already does the adjoint",
    ),
    Bug(
        name="conv_grad_bias_axis0",
        misconceptions=("conv2d.grad_bias_batch_only",),
        items=("conv2d.backward", "lenet"),
        patches=(
            ("Conv2d.backward", "self.grad_bias += dY_rows.sum(axis=(0, 2))", "self.grad_bias += dY_rows.sum(axis=0)"),
        ),
        why="Conv2d grad_bias sums dY over the batch only, not over the positions: (out, L) does not fit (out,)",
    ),
    Bug(
        name="conv_grad_weight_mean",
        misconceptions=("conv2d.grad_weight_mean",),
        items=("conv2d.backward",),
        patches=(
            (
                "Conv2d.backward",
                "(dY_rows @ cols.transpose(0, 2, 1)).sum(axis=0)",
                "(dY_rows @ cols.transpose(0, 2, 1)).mean(axis=0)",
            ),
        ),
        why="averages grad_weight over the batch instead of summing (the loss already divided by N)",
    ),
    Bug(
        name="conv_grads_assigned",
        misconceptions=("conv2d.grads_assigned",),
        items=("accumulation",),
        patches=(
            (
                "Conv2d.backward",
                "self.grad_weight += (dY_rows @ cols.transpose(0, 2, 1))",
                "self.grad_weight = (dY_rows @ cols.transpose(0, 2, 1))",
            ),
            (
                "Conv2d.backward",
                "self.grad_bias += dY_rows.sum(axis=(0, 2))",
                "self.grad_bias = dY_rows.sum(axis=(0, 2))",
            ),
        ),
        why="Conv2d assigns its parameter gradients (=) instead of accumulating them (+=)",
    ),
    # ---------------------------------------------------------------- MaxPool2d
    Bug(
        name="pool_min",
        misconceptions=("maxpool2d.min_pooling",),
        items=("maxpool2d.forward", "maxpool2d.backward"),
        patches=(
            (
                "MaxPool2d.forward",
                "out = windows.max(axis=2, keepdims=True)",
                "out = windows.min(axis=2, keepdims=True)",
            ),
        ),
        why="MaxPool2d takes each window's min instead of its max",
    ),
    Bug(
        name="pool_stride_ignored",
        misconceptions=("maxpool2d.stride_ignored",),
        items=("maxpool2d.forward", "maxpool2d.backward"),
        patches=(
            (
                "MaxPool2d.__init__",
                "self.stride = self.kernel_size if stride is None else pair(stride)",
                "self.stride = self.kernel_size",
            ),
        ),
        why="MaxPool2d always uses stride = kernel_size, ignoring the stride it was given (wrong for overlapping windows)",
    ),
    Bug(
        name="pool_stride_none_unhandled",
        misconceptions=("maxpool2d.stride_none_unhandled",),
        items=("maxpool2d.forward", "maxpool2d.backward", "api"),
        patches=(
            (
                "MaxPool2d.__init__",
                "self.stride = self.kernel_size if stride is None else pair(stride)",
                "self.stride = pair(stride)",
            ),
        ),
        why="MaxPool2d keeps the default stride=None but never replaces None by kernel_size: MaxPool2d(2) fails",
    ),
    Bug(
        name="pool_grad_to_whole_window",
        misconceptions=("maxpool2d.gradient_to_whole_window",),
        items=("maxpool2d.backward",),
        patches=(
            (
                "MaxPool2d.backward",
                "dcols = max_mask * dY.reshape(N, C, 1, -1)",
                "dcols = np.repeat(dY.reshape(N, C, 1, -1), kH * kW, axis=2)",
            ),
        ),
        why="MaxPool2d backward sends each dY to every element of its window, not only to the max",
    ),
    Bug(
        name="pool_dx_not_cropped",
        misconceptions=("maxpool2d.dx_not_cropped",),
        items=("maxpool2d.backward",),
        patches=(
            (
                "MaxPool2d.backward",
                "dX_pad = col2im(dcols.reshape(N, C * kH * kW, -1), C, H_pad, W_pad, kH, kW, self.stride)\n"
                "        return crop(dX_pad, self.padding)",
                "dX_pad = col2im(dcols.reshape(N, C * kH * kW, -1), C, H_pad, W_pad, kH, kW, self.stride)\n"
                "        return dX_pad",
            ),
        ),
        why="MaxPool2d backward forgets to crop the padding: dX has the padded shape",
    ),
    # ---------------------------------------------------------------- Linear
    Bug(
        name="linear_missing_transpose",
        misconceptions=("linear.missing_transpose",),
        items=("linear.forward", "linear.backward", "lenet"),
        patches=(("Linear.forward", "y = x @ self.weight.T", "y = x @ self.weight"),),
        why="Linear forward computes x @ W instead of x @ W.T: runs only when in == out, and is wrong there",
    ),
    Bug(
        name="linear_weight_in_out",
        misconceptions=("linear.weight_in_out",),
        items=("init", "linear.forward", "linear.backward"),
        patches=(
            (
                "Linear.__init__",
                "he_normal((out_features, in_features), fan_in=in_features)",
                "he_normal((in_features, out_features), fan_in=in_features)",
            ),
            ("Linear.forward", "y = x @ self.weight.T", "y = x @ self.weight"),
            ("Linear.backward", "self.grad_weight += dY.T @ self.x", "self.grad_weight += self.x.T @ dY"),
            ("Linear.backward", "return dY @ self.weight\n", "return dY @ self.weight.T\n"),
        ),
        why="Linear stores its weight as (in, out), consistently (y = x @ W), against the lesson's (out, in)",
    ),
    Bug(
        name="linear_fan_out",
        misconceptions=("linear.fan_out",),
        items=("init",),
        patches=(
            (
                "Linear.__init__",
                "he_normal((out_features, in_features), fan_in=in_features)",
                "he_normal((out_features, in_features), fan_in=out_features)",
            ),
        ),
        why="Linear's He init uses fan_out (std sqrt(2/out_features)) instead of fan_in",
    ),
    Bug(
        name="linear_bias_init_ones",
        misconceptions=("linear.bias_init_ones",),
        items=("init",),
        patches=(
            (
                "Linear.__init__",
                "self.bias = np.zeros(out_features, dtype=np.float32) if bias else None",
                "self.bias = np.ones(out_features, dtype=np.float32) if bias else None",
            ),
        ),
        why="Linear's bias starts at one instead of zero",
    ),
    Bug(
        name="linear_grad_weight_transposed",
        misconceptions=("linear.grad_weight_transposed",),
        items=("linear.backward", "lenet"),
        patches=(("Linear.backward", "self.grad_weight += dY.T @ self.x", "self.grad_weight += self.x.T @ dY"),),
        why="Linear grad_weight computed as x.T @ dY, shaped (in, out): fits only when in == out, and is transposed there",
    ),
    Bug(
        name="linear_dx_transposed_weight",
        misconceptions=("linear.dx_transposed_weight",),
        items=("linear.backward", "lenet"),
        patches=(("Linear.backward", "return dY @ self.weight\n", "return dY @ self.weight.T\n"),),
        why="Linear backward returns dY @ W.T (copying the forward) instead of dY @ W",
    ),
    Bug(
        name="linear_grad_bias_mean",
        misconceptions=("linear.grad_bias_mean",),
        items=("linear.backward",),
        patches=(("Linear.backward", "self.grad_bias += dY.sum(axis=0)", "self.grad_bias += dY.mean(axis=0)"),),
        why="Linear grad_bias averages dY over the batch instead of summing it",
    ),
    Bug(
        name="linear_stale_cache",
        misconceptions=("linear.stale_cache",),
        items=("cache", "lenet"),
        patches=(
            (
                "Linear.forward",
                "        self.x = x\n        y = x @ self.weight.T",
                "        if self.x is None:\n            self.x = x\n        y = x @ self.weight.T",
            ),
        ),
        why="Linear caches only the first x it sees, so backward after a second forward uses a stale x",
    ),
    Bug(
        name="linear_grads_assigned",
        misconceptions=("linear.grads_assigned",),
        items=("accumulation",),
        patches=(
            ("Linear.backward", "self.grad_weight += dY.T @ self.x", "self.grad_weight = dY.T @ self.x"),
            ("Linear.backward", "self.grad_bias += dY.sum(axis=0)", "self.grad_bias = dY.sum(axis=0)"),
        ),
        why="Linear assigns its parameter gradients (=) instead of accumulating them (+=)",
    ),
    # ---------------------------------------------------------------- ReLU
    Bug(
        name="relu_in_place",
        misconceptions=("relu.in_place",),
        items=("relu",),
        patches=(
            (
                "ReLU.forward",
                "        self.mask = x > 0\n        return x * self.mask",
                "        x[x < 0] = 0\n        self.mask = x > 0\n        return x",
            ),
        ),
        why="ReLU forward zeroes the negative entries of its input in place and returns it",
    ),
    Bug(
        name="relu_grad_one_at_zero",
        misconceptions=("relu.grad_one_at_zero",),
        items=("relu",),
        patches=(("ReLU.forward", "self.mask = x > 0", "self.mask = x >= 0"),),
        why="ReLU caches the mask x >= 0, so ReLU'(0) = 1",
    ),
    Bug(
        name="relu_backward_ignores_mask",
        misconceptions=("relu.backward_ignores_mask",),
        items=("relu", "lenet"),
        patches=(("ReLU.backward", "return dY * self.mask", "return dY"),),
        why="ReLU backward passes dY through unchanged, also where the input was negative",
    ),
    # ---------------------------------------------------------------- Flatten
    Bug(
        name="flatten_collapses_batch",
        misconceptions=("flatten.collapses_batch",),
        items=("flatten", "lenet"),
        patches=(("Flatten.forward", "return x.reshape(x.shape[0], -1)", "return x.reshape(-1)"),),
        why="Flatten flattens the batch axis too: (N*C*H*W,) instead of (N, C*H*W)",
    ),
    Bug(
        name="flatten_batch_of_one",
        misconceptions=("flatten.batch_of_one",),
        items=("flatten", "lenet"),
        patches=(("Flatten.forward", "return x.reshape(x.shape[0], -1)", "return x.reshape(1, -1)"),),
        why="Flatten returns one row (1, N*C*H*W), correct only for batch size 1",
    ),
    Bug(
        name="flatten_fortran_order",
        misconceptions=("flatten.fortran_order",),
        items=("flatten",),
        patches=(
            ("Flatten.forward", "return x.reshape(x.shape[0], -1)", 'return x.reshape(x.shape[0], -1, order="F")'),
        ),
        why="Flatten forward reshapes in Fortran order while backward restores in C order",
    ),
    Bug(
        name="flatten_shape_first_call_only",
        misconceptions=("flatten.shape_first_call_only",),
        items=("flatten",),
        patches=(
            (
                "Flatten.forward",
                "        self.original_shape = x.shape\n",
                "        if self.original_shape is None:\n            self.original_shape = x.shape\n",
            ),
        ),
        why="Flatten caches the input shape on the first call only; a later batch of another size breaks backward",
    ),
    # ---------------------------------------------------------------- Sequential
    Bug(
        name="sequential_backward_in_order",
        misconceptions=("sequential.backward_in_order",),
        items=("sequential", "lenet"),
        patches=(("Sequential.backward", "for layer in reversed(self.layers):", "for layer in self.layers:"),),
        why="Sequential.backward walks the layers in forward order instead of reversed",
    ),
    Bug(
        name="parameters_copies",
        misconceptions=("sequential.parameters_copies",),
        items=("sequential", "lenet"),
        patches=(
            (
                "Sequential.parameters",
                "params.append((layer.weight, layer.grad_weight))",
                "params.append((layer.weight.copy(), layer.grad_weight.copy()))",
            ),
            (
                "Sequential.parameters",
                "params.append((layer.bias, layer.grad_bias))",
                "params.append((layer.bias.copy(), layer.grad_bias.copy()))",
            ),
        ),
        why="parameters() returns copies of the arrays, so SGD updates copies and the model never learns",
    ),
    Bug(
        name="parameters_without_biases",
        misconceptions=("sequential.parameters_without_biases",),
        items=("sequential",),
        patches=(
            (
                "Sequential.parameters",
                '            if getattr(layer, "bias", None) is not None:\n'
                "                params.append((layer.bias, layer.grad_bias))\n",
                "",
            ),
        ),
        why="parameters() collects the weights only and forgets the biases",
    ),
    Bug(
        name="parameters_bias_none",
        misconceptions=("sequential.parameters_bias_none",),
        items=("sequential",),
        patches=(
            (
                "Sequential.parameters",
                "                params.append((layer.weight, layer.grad_weight))\n"
                '            if getattr(layer, "bias", None) is not None:\n'
                "                params.append((layer.bias, layer.grad_bias))\n",
                "                params.append((layer.weight, layer.grad_weight))\n"
                "                params.append((layer.bias, layer.grad_bias))\n",
            ),
        ),
        why="parameters() adds (bias, grad_bias) for every layer with a weight, also (None, None) when bias=False",
    ),
    # ---------------------------------------------------------------- SoftmaxCrossEntropyLoss
    Bug(
        name="softmax_no_max_shift",
        misconceptions=("loss.no_max_shift",),
        items=("loss",),
        patches=(
            (
                "SoftmaxCrossEntropyLoss.forward",
                "shifted = logits - logits.max(axis=1, keepdims=True)",
                "shifted = logits",
            ),
        ),
        why="softmax without subtracting the row max: exp overflows for logits around 1e3",
    ),
    Bug(
        name="loss_sum_not_mean",
        misconceptions=("loss.sum_not_mean",),
        items=("loss", "lenet"),
        patches=(
            (
                "SoftmaxCrossEntropyLoss.forward",
                "return -log_probs[np.arange(logits.shape[0]), targets].mean()",
                "return -log_probs[np.arange(logits.shape[0]), targets].sum()",
            ),
            ("SoftmaxCrossEntropyLoss.backward", "        dLogits /= N\n", ""),
        ),
        why="the loss is the sum over the batch instead of the mean (value and dLogits)",
    ),
    Bug(
        name="dlogits_not_divided_by_n",
        misconceptions=("loss.dlogits_not_divided_by_n",),
        items=("loss", "lenet"),
        patches=(("SoftmaxCrossEntropyLoss.backward", "        dLogits /= N\n", ""),),
        why="the loss value is a mean, but backward forgets to divide dLogits by N",
    ),
    Bug(
        name="dlogits_without_one_hot",
        misconceptions=("loss.dlogits_without_one_hot",),
        items=("loss", "lenet"),
        patches=(("SoftmaxCrossEntropyLoss.backward", "        dLogits[np.arange(N), self.targets] -= 1\n", ""),),
        why="backward returns probs / N, forgetting to subtract the one-hot targets",
    ),
    Bug(
        name="loss_one_hot_targets",
        misconceptions=("loss.one_hot_targets",),
        items=("loss", "lenet"),
        patches=(
            (
                "SoftmaxCrossEntropyLoss.forward",
                "return -log_probs[np.arange(logits.shape[0]), targets].mean()",
                "return -(log_probs * targets).sum(axis=1).mean()",
            ),
            ("SoftmaxCrossEntropyLoss.backward", "dLogits[np.arange(N), self.targets] -= 1", "dLogits -= self.targets"),
        ),
        why="the loss expects one-hot targets (N, classes) where the lesson passes class indices (N,)",
    ),
    # ---------------------------------------------------------------- SGD
    Bug(
        name="sgd_rebinds_param",
        misconceptions=("sgd.rebinds_param",),
        items=("sgd", "lenet"),
        patches=(("SGD.step", "param -= self.lr * grad", "param = param - self.lr * grad"),),
        why="SGD.step rebinds the loop variable (param = param - lr * grad): the model's arrays never change",
    ),
    Bug(
        name="sgd_ignores_lr",
        misconceptions=("sgd.ignores_lr",),
        items=("sgd",),
        patches=(("SGD.step", "param -= self.lr * grad", "param -= 0.01 * grad"),),
        why="SGD.step hard-codes the slides' learning rate 0.01 instead of using self.lr",
    ),
    Bug(
        name="sgd_gradient_ascent",
        misconceptions=("sgd.gradient_ascent",),
        items=("sgd", "lenet"),
        patches=(("SGD.step", "param -= self.lr * grad", "param += self.lr * grad"),),
        why="SGD.step adds lr * grad: gradient ascent",
    ),
    Bug(
        name="zero_grad_rebinds",
        misconceptions=("sgd.zero_grad_rebinds",),
        items=("sgd", "lenet"),
        patches=(("SGD.zero_grad", "grad[...] = 0", "grad = grad * 0"),),
        why="zero_grad rebinds the loop variable (grad = grad * 0) instead of zeroing in place",
    ),
    # ---------------------------------------------------------------- API
    Bug(
        name="backward_requires_x",
        misconceptions=("linear.backward_requires_x",),
        items=("api", "linear.backward", "lenet"),
        patches=(
            (
                "Linear.backward",
                "    def backward(self, dY: np.ndarray) -> np.ndarray:\n"
                '        """dY: (N, out_features) -> dX: (N, in_features). Adds to grad_weight and grad_bias."""',
                "    def backward(self, dY: np.ndarray, x: np.ndarray) -> np.ndarray:\n"
                '        """dY: (N, out_features) -> dX: (N, in_features). Adds to grad_weight and grad_bias."""',
            ),
            ("Linear.backward", "self.grad_weight += dY.T @ self.x", "self.grad_weight += dY.T @ x"),
        ),
        why="Linear.backward(dY, x) expects the input again instead of using what forward cached",
    ),
    Bug(
        name="maxpool_stride_required",
        misconceptions=("maxpool2d.stride_required",),
        items=("api", "maxpool2d.forward", "maxpool2d.backward"),
        patches=(
            ("MaxPool2d.__init__", "stride: int | tuple[int, int] | None = None,", "stride: int | tuple[int, int],"),
        ),
        why="MaxPool2d's stride has no default: MaxPool2d(2) raises TypeError",
    ),
    Bug(
        name="linear_without_bias_parameter",
        misconceptions=("linear.without_bias_parameter",),
        items=("api", "linear.forward", "linear.backward"),
        patches=(
            (
                "Linear.__init__",
                "def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:",
                "def __init__(self, in_features: int, out_features: int) -> None:",
            ),
            (
                "Linear.__init__",
                "self.bias = np.zeros(out_features, dtype=np.float32) if bias else None",
                "self.bias = np.zeros(out_features, dtype=np.float32)",
            ),
            (
                "Linear.__init__",
                "self.grad_bias = np.zeros_like(self.bias) if bias else None",
                "self.grad_bias = np.zeros_like(self.bias)",
            ),
        ),
        why="Linear has no bias=True parameter: Linear(7, 3, bias=False) raises TypeError",
    ),
    Bug(
        name="sgd_learning_rate_keyword",
        misconceptions=("sgd.learning_rate_keyword",),
        items=("api", "sgd", "lenet"),
        patches=(
            (
                "SGD.__init__",
                "def __init__(self, model: Any, lr: float = 0.01) -> None:",
                "def __init__(self, model: Any, learning_rate: float = 0.01) -> None:",
            ),
            ("SGD.__init__", "self.lr = lr", "self.lr = learning_rate"),
        ),
        why="SGD's keyword is learning_rate instead of lr: SGD(model, lr=0.1) raises TypeError",
    ),
]

BY_NAME = {bug.name: bug for bug in BUGS}
assert len(BY_NAME) == len(BUGS), "bug names must be unique"


def bank_parameters() -> list:
    """The bank as pytest parameters, each marked with its shared grades' group
    (tests/helpers/shared_grades.py): test_grading and test_diagnosis judge the same grade of a bug."""
    return [pytest.param(bug, marks=shared(f"bug-{bug.name}"), id=str(bug)) for bug in BUGS]
