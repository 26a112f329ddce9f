"""The conventions the grader relies on: tie rule, ReLU'(0), caches, accumulation, in-place updates,
dtypes, and the helpers' contracts."""

import copy

import numpy as np
import pytest

import reference
from grader.cases import LAYER_CASES
from tests.helpers.support import backward_gradients, parameter_names

case_ids = lambda case: case.id  # noqa: E731


def test_maxpool_routes_a_tie_to_the_first_maximum_in_row_major_order():
    x = np.array([[[[1.0, 5.0], [5.0, 2.0]]]])  # the max 5 appears at (0, 1) and (1, 0)
    pool = reference.MaxPool2d(2)
    assert pool.forward(x).item() == 5.0
    np.testing.assert_array_equal(pool.backward(np.array([[[[3.0]]]])), [[[[0.0, 3.0], [0.0, 0.0]]]])


def test_maxpool_overlapping_windows_add_up_at_a_shared_maximum():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 9.0  # the max of all four 2x2 windows (stride 1)
    pool = reference.MaxPool2d(2, 1)
    pool.forward(x)
    dX = pool.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    assert dX[0, 0, 1, 1] == 10.0 and dX.sum() == 10.0


def test_maxpool_pads_with_minus_infinity():
    x = -np.ones((1, 1, 2, 2)) - np.arange(4).reshape(1, 1, 2, 2)  # all negative
    out = reference.MaxPool2d(2, 2, padding=1).forward(x)
    np.testing.assert_array_equal(out, x)  # each window holds one real value and padding


def test_maxpool_stride_none_means_stride_equals_kernel():
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 9))
    np.testing.assert_array_equal(reference.MaxPool2d(3).forward(x), reference.MaxPool2d(3, 3).forward(x))
    np.testing.assert_array_equal(
        reference.MaxPool2d((2, 3)).forward(x), reference.MaxPool2d((2, 3), (2, 3)).forward(x)
    )


def test_relu_derivative_at_zero_is_zero_and_input_is_untouched():
    x = np.array([[-1.0, 0.0, 2.0, 0.0]])
    kept = x.copy()
    relu = reference.ReLU()
    np.testing.assert_array_equal(relu.forward(x), [[0.0, 0.0, 2.0, 0.0]])
    np.testing.assert_array_equal(relu.backward(np.ones_like(x)), [[0.0, 0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(x, kept)


@pytest.mark.parametrize("case", LAYER_CASES, ids=case_ids)
def test_backward_uses_the_cache_of_the_last_forward(case):
    rng = np.random.default_rng(4)
    np.random.seed(4)
    layer = case.build(reference)
    fresh = copy.deepcopy(layer)
    x1, x2 = case.input(rng), case.input(rng)
    layer.forward(x1)
    out = layer.forward(x2)
    dY = rng.standard_normal(out.shape)
    fresh.forward(x2)
    expected = backward_gradients(fresh, dY)
    got = backward_gradients(layer, dY)
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


@pytest.mark.parametrize("case", [c for c in LAYER_CASES if c.layer in ("Conv2d", "Linear")], ids=case_ids)
def test_parameter_gradients_accumulate_until_zeroed(case):
    rng = np.random.default_rng(5)
    layer = case.build(reference)
    out = layer.forward(case.input(rng, np.float32))
    dY = rng.standard_normal(out.shape).astype(np.float32)
    once = backward_gradients(layer, dY)
    buffers = [getattr(layer, f"grad_{name}") for name in parameter_names(layer)]
    twice = backward_gradients(layer, dY)
    for name in parameter_names(layer):
        np.testing.assert_allclose(twice[name], 2 * once[name], rtol=1e-5, atol=1e-6)
    layer.zero_grad()
    for name, buffer in zip(parameter_names(layer), buffers, strict=False):
        assert getattr(layer, f"grad_{name}") is buffer and not buffer.any()


@pytest.mark.parametrize("case", LAYER_CASES, ids=case_ids)
def test_float32_in_gives_float32_out(case):
    rng = np.random.default_rng(6)
    layer = case.build(reference)
    out = layer.forward(case.input(rng, np.float32))
    grads = backward_gradients(layer, np.ones_like(out))
    assert out.dtype == np.float32
    assert {name: grad.dtype for name, grad in grads.items()} == dict.fromkeys(grads, np.float32)


def tiny_model():
    np.random.seed(7)
    return reference.Sequential(reference.Linear(4, 3), reference.ReLU(), reference.Linear(3, 2, bias=False))


def test_sequential_parameters_are_the_layers_own_arrays():
    model = tiny_model()
    first, _, last = model.layers
    expected = [(first.weight, first.grad_weight), (first.bias, first.grad_bias), (last.weight, last.grad_weight)]
    got = model.parameters()
    assert len(got) == len(expected)
    for (param, grad), (want_param, want_grad) in zip(got, expected, strict=False):
        assert param is want_param and grad is want_grad


def test_sequential_runs_forward_in_order_and_backward_in_reverse():
    rng = np.random.default_rng(8)
    model = tiny_model()
    x = rng.standard_normal((5, 4))
    first, relu, last = model.layers
    np.testing.assert_array_equal(model(x), last.forward(relu.forward(first.forward(x))))
    dY = rng.standard_normal((5, 2))
    expected = first.backward(relu.backward(last.backward(dY)))
    np.testing.assert_array_equal(model.backward(dY), expected)


def test_sgd_updates_and_zeroes_the_same_arrays_in_place():
    rng = np.random.default_rng(9)
    model = tiny_model()
    optimizer = reference.SGD(model, lr=0.05)
    arrays = [(param, grad) for param, grad in model.parameters()]
    for _ in range(3):
        optimizer.zero_grad()
        assert all(not grad.any() for _, grad in arrays)
        model(rng.standard_normal((5, 4)).astype(np.float32))
        model.backward(rng.standard_normal((5, 2)).astype(np.float32))
        before = [param.copy() for param, _ in arrays]
        optimizer.step()
        for (param, grad), old in zip(arrays, before, strict=False):
            np.testing.assert_allclose(param, old - 0.05 * grad, rtol=1e-6, atol=1e-7)
    for (param, grad), (now_param, now_grad) in zip(arrays, model.parameters(), strict=False):
        assert param is now_param and grad is now_grad


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e4])
def test_loss_is_the_batch_mean_and_stays_finite_for_large_logits(scale):
    rng = np.random.default_rng(10)
    logits = (rng.standard_normal((4, 10)) * scale).astype(np.float32)
    targets = rng.integers(0, 10, size=4)
    loss_fn = reference.SoftmaxCrossEntropyLoss()
    per_sample = [float(loss_fn(logits[i : i + 1], targets[i : i + 1])) for i in range(4)]
    loss = float(loss_fn(logits, targets))
    dLogits = loss_fn.backward()
    assert np.isfinite(loss) and np.isfinite(dLogits).all()
    assert loss == pytest.approx(np.mean(per_sample), rel=1e-5)
    np.testing.assert_allclose(dLogits.sum(axis=1), 0.0, atol=1e-6)  # softmax rows sum to 1
    exact = np.logaddexp.reduce(logits.astype(np.float64), axis=1) - logits[np.arange(4), targets]
    assert loss == pytest.approx(exact.mean(), rel=1e-5)


def test_im2col_and_col2im_are_adjoint_and_batch_like_single_images():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 7, 8))
    cols = reference.im2col(x, 3, 2, stride=2)
    assert cols.shape == (2, 3 * 3 * 2, 3 * 4)
    np.testing.assert_array_equal(cols[1], reference.im2col(x[1], 3, 2, stride=2))
    c = rng.standard_normal(cols.shape)
    folded = reference.col2im(c, 3, 7, 8, 3, 2, stride=2)
    assert np.vdot(cols, c) == pytest.approx(np.vdot(x, folded))
    np.testing.assert_array_equal(folded[0], reference.col2im(c[0], 3, 7, 8, 3, 2, stride=2))


def test_im2col_rows_follow_the_weight_layout():
    x = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)  # (C, H, W)
    cols = reference.im2col(x, 2, 2)
    # row c*kH*kW + i*kW + j, column oh*W_out + ow  ->  x[c, oh + i, ow + j]
    assert cols[1 * 4 + 1 * 2 + 0, 0 * 2 + 1] == x[1, 0 + 1, 1 + 0]


@pytest.mark.parametrize("shape, fan_in", [((64, 3, 5, 5), 75), ((500, 400), 400)])
def test_he_normal_has_the_right_scale(shape, fan_in):
    np.random.seed(12)
    w = reference.he_normal(shape, fan_in)
    assert w.shape == shape and w.dtype == np.float32
    std_error = np.sqrt(2 / fan_in) / np.sqrt(2 * w.size)  # standard error of the sample std
    assert abs(w.std() - np.sqrt(2 / fan_in)) < 5 * std_error
    assert abs(w.mean()) < 5 * np.sqrt(2 / fan_in) / np.sqrt(w.size)


def test_layers_start_with_the_lessons_shapes_and_zero_biases():
    conv, linear = reference.Conv2d(3, 8, 5), reference.Linear(20, 7, bias=False)
    assert conv.weight.shape == (8, 3, 5, 5) and conv.bias.shape == (8,) and not conv.bias.any()
    assert conv.grad_weight.shape == conv.weight.shape and conv.grad_bias.shape == (8,)
    assert linear.weight.shape == (7, 20) and linear.bias is None and linear.grad_bias is None


def test_normalize_fit_and_apply_standardise_with_training_statistics():
    rng = np.random.default_rng(13)
    X_train, X_test = rng.uniform(0, 255, (50, 784)), rng.uniform(0, 255, (10, 784))
    mean, std = reference.normalize_fit(X_train)
    Z = reference.normalize_apply(X_train, mean, std)
    assert abs(Z.mean()) < 1e-4 and abs(Z.std() - 1) < 1e-4
    np.testing.assert_allclose(reference.normalize_apply(X_test, mean, std), (X_test - mean) / std, rtol=1e-6)
