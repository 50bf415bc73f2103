"""precision=bf16 (newt/precision.py) and the fused LayerNorm + Mish inference kernel (newt/kernels.py):
bf16 matmul inputs with fp32 outputs and fp32 gradients, results within bf16 rounding of fp32, and
the fused kernel equal to the unfused ops."""

import pytest
import torch
import torch.nn.functional as F

import config as C
import newt.kernels as K
from newt import precision
from newt.layers import Linear, NormedLinear
from tests.newt.helpers import make_agent, random_batch, randomise_heads

needs_kernels = pytest.mark.skipif(not K.compiled_mish_kernels(), reason="no C++ compiler for torch.compile")


def _reference_ln_mish(h, bias, weight, shift, eps=1e-5):
    x = h.float() + bias
    return F.mish(F.layer_norm(x, x.shape[-1:], eps=eps) * weight + shift)


@needs_kernels
@pytest.mark.parametrize("shapes", [
    ((64, 32), (32,), (32,)),  # a NormedLinear: per-feature bias and affine
    ((4, 1, 2, 32), (4, 16, 2, 32), (2, 32)),  # reward|dynamics: shared latent part, per-sample bias, per-group affine
    ((2, 3, 16, 32), (2, 3, 1, 32), (2, 1, 1, 32)),  # Q members: per-member, per-env bias
])
def test_fused_layernorm_mish_matches_the_unfused_ops(shapes):
    h_shape, b_shape, w_shape = shapes
    gen = torch.Generator().manual_seed(0)
    h, bias = torch.randn(h_shape, generator=gen) * 3, torch.randn(b_shape, generator=gen)
    weight, shift = torch.rand(w_shape, generator=gen) + 0.5, torch.randn(w_shape, generator=gen)
    ref = _reference_ln_mish(h, bias, weight, shift)
    with torch.no_grad():
        out = K.layernorm_mish(h, bias, weight, shift, 1e-5)
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
        low = K.layernorm_mish(h.bfloat16(), bias, weight, shift, 1e-5, torch.bfloat16)
    assert low.dtype == torch.bfloat16
    # bf16 in and out: the fp32 maths on the bf16-rounded input, rounded once at the end
    torch.testing.assert_close(low.float(), _reference_ln_mish(h.bfloat16(), bias, weight, shift).bfloat16().float(),
                               rtol=2**-7, atol=1e-5)  # within one bf16 rounding step


def test_linear_under_bf16_multiplies_bf16_inputs_and_returns_fp32():
    torch.manual_seed(0)
    layer, x = Linear(96, 64), torch.randn(32, 96)
    fp32 = layer(x)
    with precision.matmuls(torch.bfloat16):
        low = layer(x)
    expected = F.linear(x.bfloat16(), layer.weight.bfloat16()).float() + layer.bias
    assert low.dtype == torch.float32
    torch.testing.assert_close(low, expected, rtol=0, atol=0)
    assert not torch.equal(low, fp32)  # the matmul did run in bf16
    torch.testing.assert_close(low, fp32, rtol=2e-2, atol=2e-2)
    assert precision.current() is None  # the context restores fp32


def test_bf16_gradients_are_fp32_and_close_to_fp32_ones():
    torch.manual_seed(0)
    layer = NormedLinear(48, 32)
    x = torch.randn(64, 48)
    grads = []
    for dtype in (None, torch.bfloat16):
        layer.zero_grad()
        with precision.matmuls(dtype):
            layer(x).pow(2).sum().backward()
        grads.append(layer[0].weight.grad.clone())
    assert grads[1].dtype == torch.float32
    assert not torch.equal(grads[0], grads[1])
    assert (grads[1] - grads[0]).norm() / grads[0].norm() < 2e-2


@pytest.mark.parametrize("task", ["cartpole-balance", "dmcontrol"])
def test_agent_at_bf16_plans_and_updates_close_to_fp32(task):
    torch.manual_seed(0)
    fp32, d = make_agent(task=task, num_samples=64, num_elites=8, num_pi_trajs=8, iterations=2)
    torch.manual_seed(0)
    bf16, _ = make_agent(task=task, num_samples=64, num_elites=8, num_pi_trajs=8, iterations=2, precision="bf16")
    randomise_heads(fp32)
    randomise_heads(bf16)
    assert bf16.matmul_dtype == torch.bfloat16 and fp32.matmul_dtype is None
    n = len(d.tasks)
    obs, idx = torch.randn(n, 128), torch.arange(n)
    values = []
    for agent in (fp32, bf16):
        agent.model.eval()
        with torch.no_grad(), precision.matmuls(agent.matmul_dtype):
            z = agent.model.encode(obs, idx)
            actions = torch.rand(n, 64, 3, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
            torch.manual_seed(5)
            values.append(agent.planner(n).estimate_value(z, actions * agent.model.mask(idx.view(n, 1)).unsqueeze(2),
                                                          idx.view(n, 1)))
    assert not torch.equal(values[0], values[1])
    torch.testing.assert_close(values[1], values[0], rtol=5e-2, atol=5e-2)
    batch = random_batch(d, batch_size=32)
    metrics = []
    for agent in (fp32, bf16):
        torch.manual_seed(3)
        metrics.append(agent.update(batch))
        assert torch.isfinite(agent.act(obs, idx)).all()
    for key in ("consistency_loss", "reward_loss", "value_loss"):
        assert metrics[1][key] == pytest.approx(metrics[0][key], rel=5e-2), key


def test_unknown_precision_is_rejected_naming_the_accepted_values():
    with pytest.raises(C.ConfigError, match=r"precision 'fp16'.*fp32, bf16"):
        C.derive(C.Config(task="cartpole-balance", precision="fp16"))
