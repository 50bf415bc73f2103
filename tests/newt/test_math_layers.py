import pytest
import torch

from newt.layers import QEnsemble, SimNorm
from newt.math import TwoHot, squashed_gaussian, symexp, symlog


def test_symlog_symexp_inverse():
    x = torch.linspace(-1e4, 1e4, 1001)
    torch.testing.assert_close(symexp(symlog(x)), x, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("num_bins", [101, 51])
def test_two_hot_round_trip(num_bins):
    two_hot = TwoHot(num_bins, -10.0, 10.0)
    x = torch.cat([torch.linspace(-500, 500, 257), torch.tensor([0.0, 1e-3, -3.7, 20000.0])]).unsqueeze(-1)
    enc = two_hot.encode(x)
    assert enc.shape == (x.shape[0], num_bins)
    torch.testing.assert_close(enc.sum(-1), torch.ones(x.shape[0]))
    assert (enc > 0).sum(-1).max() <= 2  # two-hot: at most two neighbouring bins
    # Decoding the (log of the) two-hot target recovers the value, clamped to the support.
    decoded = two_hot.decode(torch.log(enc.clamp_min(1e-30)))
    expected = symexp(symlog(x).clamp(-10, 10))
    torch.testing.assert_close(decoded, expected, rtol=1e-4, atol=1e-3)


def test_simnorm_groups_sum_to_one():
    x = torch.randn(5, 7, 64) * 10
    y = SimNorm(8)(x)
    groups = y.view(5, 7, 8, 8)
    torch.testing.assert_close(groups.sum(-1), torch.ones(5, 7, 8))
    assert (y >= 0).all()
    with pytest.raises(ValueError, match="multiple of the group size"):
        SimNorm(8)(torch.randn(3, 12))


def test_squashed_gaussian_masks_and_bounds():
    mean, log_std = torch.randn(1000, 16) * 3, torch.randn(1000, 16)
    mask = torch.zeros(1000, 16)
    mask[:, :5] = 1
    action, mean_action, _log_prob, _ = squashed_gaussian(mean, log_std, mask)
    assert (action[:, 5:] == 0).all() and (mean_action[:, 5:] == 0).all()
    assert action.abs().max() <= 1
    # log_prob ignores masked dims: changing their log_std must not change it.
    torch.manual_seed(0)
    _, _, lp1, g1 = squashed_gaussian(mean, log_std, mask)
    log_std2 = log_std.clone()
    log_std2[:, 5:] += 5
    torch.manual_seed(0)
    _, _, lp2, g2 = squashed_gaussian(mean, log_std2, mask)
    torch.testing.assert_close(lp1, lp2)
    torch.testing.assert_close(g1, g2)  # masked dims count as standard normals at 0: log-std masked too


def test_gaussian_log_prob_is_newts_pre_tanh_sum_over_all_dims():
    """Newt: Gaussian log-prob of eps (masked to 0) with log-std (masked to 0), summed over all 16 dims."""
    mean, log_std = torch.randn(50, 16), torch.randn(50, 16) * 0.5
    mask = torch.zeros(50, 16)
    mask[:, :6] = 1
    torch.manual_seed(1)
    action, _, _, g = squashed_gaussian(mean, log_std, mask)
    torch.manual_seed(1)
    eps = torch.randn(50, 16) * mask
    expected = (-0.5 * eps.pow(2) - log_std * mask - 0.9189385175704956).sum(-1, keepdim=True)
    torch.testing.assert_close(g, expected)
    torch.testing.assert_close(action, torch.tanh(mean * mask + eps * (log_std * mask).exp()) * mask)


def test_q_ensemble_members_match_full_evaluation():
    q = QEnsemble(5, 20, [32, 32], 11).eval()
    x = torch.randn(4, 6, 20)
    full = q(x)
    assert full.shape == (5, 4, 6, 11)
    members = torch.tensor([4, 1])
    torch.testing.assert_close(q(x, members), full[members])
    # Members are independent networks: outputs differ.
    assert not torch.allclose(full[0], full[1])


@pytest.mark.parametrize("train", [False, True])
def test_q_ensemble_gradient_for_some_columns_only(train):
    """The policy step's path (grad_columns): same output as the plain call, and the same gradient
    for the chosen input columns, with the Q parameters frozen."""
    torch.manual_seed(0)
    q = QEnsemble(3, 20, [32, 32], 11, dropout=0.0).train(train).requires_grad_(False)
    for p in q.parameters():
        p.add_(torch.randn_like(p) * 0.1)  # away from the init's zero biases and unit norms
    fixed, varying = torch.randn(4, 6, 16), torch.randn(4, 6, 4, requires_grad=True)
    members, cols = torch.tensor([2, 0]), slice(16, 20)
    outs, grads = [], []
    for split in (None, cols):
        x = torch.cat([fixed, varying], -1)
        out = q(x, members, grad_columns=split)
        (grad,) = torch.autograd.grad((out * torch.linspace(-1, 1, 11)).sum(), varying)
        outs.append(out)
        grads.append(grad)
    torch.testing.assert_close(outs[1], outs[0], rtol=0, atol=0)
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-5, atol=1e-6)
    assert grads[0].abs().max() > 1e-3  # a real gradient reached the columns
