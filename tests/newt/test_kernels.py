"""newt.kernels: the compiled Mish equals F.mish (values and gradients), the fused training
LayerNorm + Mish equals the unfused ops (values and all three gradients), and the geometric-gap
dropout has F.dropout's distribution (rate, independence, scaling, gradient)."""

import shutil
import sys

import pytest
import torch
import torch.nn.functional as F

import newt.kernels as K

TOL = {"rtol": 1e-5, "atol": 1e-6}


@pytest.mark.skipif(sys.platform != "linux" or (shutil.which("gcc") is None and shutil.which("cc") is None),
                    reason="torch.compile's CPU backend needs a C++ compiler")
def test_compiled_mish_kernels_are_built_where_a_compiler_exists():
    assert len(K.compiled_mish_kernels()) == 2


@pytest.mark.parametrize("shape", [(7,), (300, 129), (3, 64, 256)])
def test_mish_matches_torch_in_value_and_gradient(shape):
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(shape, generator=gen) * 12).requires_grad_()
    x_ref = x.detach().clone().requires_grad_()
    y, y_ref = K.mish(x), F.mish(x_ref)
    torch.testing.assert_close(y, y_ref, **TOL)
    g = torch.randn(shape, generator=gen)
    y.backward(g)
    y_ref.backward(g)
    torch.testing.assert_close(x.grad, x_ref.grad, **TOL)
    with torch.no_grad():
        torch.testing.assert_close(K.mish(x), y_ref, **TOL)


def test_mish_on_a_non_contiguous_input():
    x = torch.randn(64, 40).t().requires_grad_()  # a transposed view
    x_ref = x.detach().clone().requires_grad_()
    K.mish(x).sum().backward()
    F.mish(x_ref).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad, **TOL)


needs_kernels = pytest.mark.skipif(not K.compiled_mish_kernels(), reason="no C++ compiler for torch.compile")


@needs_kernels
@pytest.mark.parametrize("x_shape,affine_shape", [
    ((96, 64), (64,)),  # a NormedLinear: one affine for all rows
    ((3, 40, 64), (3, 1, 64)),  # the Q-ensemble: per-member affine
], ids=["shared", "per-member"])
@pytest.mark.parametrize("affine_grads", [True, False], ids=["affine-trained", "affine-frozen"])
def test_fused_training_layernorm_mish_matches_the_unfused_ops(x_shape, affine_shape, affine_grads):
    gen = torch.Generator().manual_seed(0)
    x0 = torch.randn(x_shape, generator=gen) * 3 + 1
    w0, b0 = torch.rand(affine_shape, generator=gen) + 0.5, torch.randn(affine_shape, generator=gen)
    g = torch.randn(x_shape, generator=gen)
    results = []
    for fused in (True, False):
        x = x0.clone().requires_grad_()
        w, b = w0.clone().requires_grad_(affine_grads), b0.clone().requires_grad_(affine_grads)
        if fused:
            assert K.train_fusable(x)
            y = K.layernorm_mish_train(x, w, b, 1e-5)
        else:
            y = F.mish(F.layer_norm(x, x_shape[-1:], eps=1e-5) * w + b)
        y.backward(g)
        results.append((y.detach(), x.grad, w.grad, b.grad))
    (y, dx, dw, db), (y_ref, dx_ref, dw_ref, db_ref) = results
    torch.testing.assert_close(y, y_ref, **TOL)
    torch.testing.assert_close(dx, dx_ref, rtol=1e-5, atol=1e-5)
    if affine_grads:  # sums over the rows: float32 summation order differs
        torch.testing.assert_close(dw, dw_ref, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(db, db_ref, rtol=1e-4, atol=1e-4)
    else:
        assert dw is None and db is None


def test_fused_training_layernorm_mish_only_under_autograd_on_cpu_float32():
    x = torch.randn(4, 8)
    with torch.no_grad():
        assert not K.train_fusable(x)  # inference has its own fused kernel
    assert not K.train_fusable(x.double())


def test_compiled_kernels_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("NEWT_COMPILED_KERNELS", "0")
    monkeypatch.setattr(K, "_compiled", None)
    assert K.compiled_mish_kernels() == ()
    calls = []
    monkeypatch.setattr(K.F, "mish", lambda x: calls.append(1) or torch.zeros_like(x))
    K.mish(torch.randn(4))
    assert calls == [1]  # the fallback path ran


@pytest.mark.parametrize("p", [0.01, 0.08])
def test_drop_positions_are_iid_bernoulli(p):
    torch.manual_seed(0)
    n, trials = 200_000, 20
    counts = torch.zeros(n)
    pairs = 0
    for _ in range(trials):
        pos = K.bernoulli_drop_positions(n, p)
        assert pos.min() >= 0 and pos.max() < n
        assert torch.all(pos[1:] > pos[:-1])  # sorted, no index twice
        counts[pos] += 1
        dropped = torch.zeros(n, dtype=torch.bool)
        dropped[pos] = True
        pairs += int((dropped[1:] & dropped[:-1]).sum())
    total = n * trials
    sd = (total * p * (1 - p)) ** 0.5
    assert abs(counts.sum() - total * p) < 5 * sd  # the rate
    # No region favoured: 20 equal blocks, each within 5 sd of its expected count.
    blocks = counts.view(20, -1).sum(1)
    assert torch.all((blocks - total * p / 20).abs() < 5 * (total / 20 * p * (1 - p)) ** 0.5)
    # Independence of neighbours: adjacent pairs both dropped at rate p^2.
    expected_pairs = (n - 1) * trials * p * p
    assert abs(pairs - expected_pairs) < 5 * expected_pairs ** 0.5 + 5


def test_drop_positions_of_tiny_tensors():
    torch.manual_seed(1)
    n, p, trials = 3, 0.05, 20_000
    counts = torch.zeros(n)
    for _ in range(trials):
        counts[K.bernoulli_drop_positions(n, p)] += 1
    sd = (trials * p * (1 - p)) ** 0.5
    assert torch.all((counts - trials * p).abs() < 5 * sd)


def test_dropout_scales_kept_elements_and_masks_the_gradient():
    torch.manual_seed(2)
    x = (torch.rand(4, 500, 64) + 0.5).requires_grad_()
    y = K.dropout(x, 0.01, True)
    kept = y != 0
    assert 0.005 < 1 - kept.float().mean() < 0.015
    torch.testing.assert_close(y[kept], x[kept] / 0.99)
    y.sum().backward()
    torch.testing.assert_close(x.grad, kept.float() / 0.99)
    assert K.dropout(x, 0.01, False) is x  # eval mode: identity
    torch.manual_seed(5)
    a = K.dropout(x, 0.01, True)
    torch.manual_seed(5)
    torch.testing.assert_close(K.dropout(x, 0.01, True), a)  # reproducible from torch's seed
