import copy

import pytest
import torch

from newt.checkpoint import save_atomic
from tests.newt.helpers import make_agent, random_batch

SMALL_PLAN = dict(num_samples=64, num_elites=8, num_pi_trajs=8, iterations=2)


@pytest.mark.parametrize("eval_mode", [False, True])
def test_planner_actions_masked_and_bounded(eval_mode):
    agent, d = make_agent(task="dmcontrol", **SMALL_PLAN)
    task = torch.arange(len(d.tasks))
    obs = torch.randn(len(d.tasks), 128) * 3
    for _ in range(3):  # includes warm-started steps
        action = agent.act(obs, task, eval_mode=eval_mode)
        assert action.shape == (len(d.tasks), 16)
        assert action.abs().max() <= 1.0
        for i, dim in enumerate(d.action_dims):
            assert (action[i, dim:] == 0).all(), d.tasks[i]
        assert (agent.planner(len(d.tasks)).prev_mean[:, :, 15] == 0).all()


def test_policy_samples_masked_and_bounded():
    agent, d = make_agent(task="dmcontrol")
    z = agent.model.encode(torch.randn(len(d.tasks), 128) * 5, torch.arange(len(d.tasks)))
    for _ in range(5):
        policy = agent.model.pi(z, torch.arange(len(d.tasks)))
        a, mean = policy.action, policy.mean
        assert a.abs().max() <= 1.0 and mean.abs().max() <= 1.0
        for i, dim in enumerate(d.action_dims):
            assert (a[i, dim:] == 0).all() and (mean[i, dim:] == 0).all()
            assert policy.num_valid[i, 0] == dim


def test_model_loss_decreases_on_fixed_batch():
    """200 updates on one small batch must cut the model loss at least 5-fold (it memorises it)."""
    torch.manual_seed(0)
    agent, d = make_agent(batch_size=16)
    batch = random_batch(d, batch_size=16)
    first = agent.update(batch)["total_loss"]
    for _ in range(200):
        last = agent.update(batch)["total_loss"]
    assert last < first / 5, (first, last)


def test_update_metrics_finite_and_targets_move_slowly():
    agent, d = make_agent()
    target_before = copy.deepcopy(agent.model.target_qs.state_dict())
    q_before = copy.deepcopy(agent.model.qs.state_dict())
    metrics = agent.update(random_batch(d))
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())
    # Polyak: the target moved tau of the way towards the online weights.
    k = "out.weight"  # the zero-initialised output layer is what the first step changes
    online = agent.model.qs.state_dict()[k]
    expected = target_before[k] + agent.cfg.tau * (online - target_before[k])
    torch.testing.assert_close(agent.model.target_qs.state_dict()[k], expected)
    assert not torch.equal(online, q_before[k])


def test_pretrain_update_trains_policy_towards_actions():
    torch.manual_seed(0)
    agent, d = make_agent(batch_size=32)
    batch = random_batch(d, batch_size=32)
    batch = batch._replace(action=batch.action.clamp(-0.6, 0.6))
    first = agent.update(batch, pretrain=True)["prior_loss"]
    for _ in range(150):
        last = agent.update(batch, pretrain=True)["prior_loss"]
    assert last < first / 3, (first, last)
    assert not agent.pi_optim.state  # no max-Q policy step in pretraining


def test_pretrain_prior_term_is_in_the_model_loss_and_reaches_encoder_and_dynamics():
    """Newt's `_loss_fn` with max-Q off: prior_coef x mean over (H, B) of w[:H] x (BC on the sampled
    action + entropy term), on the live latent rollout."""
    agent, d = make_agent(batch_size=16, prior_coef=2.0, entropy_coef=0.01)
    b = random_batch(d, batch_size=16)
    m = agent.model
    torch.manual_seed(5)
    online = agent.model_loss(b.obs, b.action, b.reward, b.task)
    torch.manual_seed(5)
    pre = agent.model_loss(b.obs, b.action, b.reward, b.task, pretrain=True)
    assert float(online.prior) == 0
    torch.testing.assert_close(pre.total - online.total, 2.0 * pre.prior)
    # The term by hand, from the same rollout and noise.
    torch.manual_seed(5)
    agent.model_loss(b.obs, b.action, b.reward, b.task)  # the same random draws before the policy's
    policy = m.pi(pre.zs[:-1].detach(), b.task)
    mask = m.mask(b.task)
    bc = (((policy.action - b.action) ** 2) * mask).sum(-1) / mask.sum(-1)
    w = torch.tensor([8, 4, 2]) / 15
    expected = ((bc - 0.01 * policy.scaled_entropy.squeeze(-1)) * w[:, None]).mean()
    torch.testing.assert_close(pre.prior.detach(), expected)
    grads = torch.autograd.grad(pre.prior, [m.encoder[0][0].weight, m.dynamics_net[0][0].weight, m.pi_net[0][0].weight])
    assert all(g.abs().sum() > 0 for g in grads)


def test_save_load_round_trip(tmp_path):
    agent, d = make_agent(**SMALL_PLAN)
    for seed in range(3):
        agent.update(random_batch(d, seed=seed))
    path = tmp_path / "agent.pt"
    save_atomic(agent.state_dict(), str(path))
    assert not list(tmp_path.glob("*.tmp"))
    other, _ = make_agent(**SMALL_PLAN)
    other.load_state_dict(torch.load(path, weights_only=False))
    obs, task = torch.randn(4, 128), torch.zeros(4, dtype=torch.long)
    for m in (agent.model, other.model):
        m.eval()
    z1, z2 = agent.model.encode(obs, task), other.model.encode(obs, task)
    torch.testing.assert_close(z1, z2, rtol=0, atol=0)
    torch.testing.assert_close(agent.model.q_logits(z1, torch.zeros(4, 16), task),
                               other.model.q_logits(z2, torch.zeros(4, 16), task), rtol=0, atol=0)
    s1, s2 = agent.optim.state_dict(), other.optim.state_dict()
    for key in s1["state"]:
        for name, value in s1["state"][key].items():
            torch.testing.assert_close(value, s2["state"][key][name], rtol=0, atol=0)
    assert float(agent.scale.value) == float(other.scale.value)
    # Identical further training from both.
    batch = random_batch(d, seed=7)
    torch.manual_seed(1)
    m1 = agent.update(batch)
    torch.manual_seed(1)
    m2 = other.update(batch)
    assert m1 == m2


def test_atomic_save_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_atomic({"a": torch.ones(2)}, str(path))

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        save_atomic({"a": Unpicklable()}, str(path))
    assert torch.equal(torch.load(path)["a"], torch.ones(2))
    assert not list(tmp_path.glob("*.tmp"))


def test_model_losses_use_the_first_h_of_h_plus_1_normalised_weights():
    """Newt normalises rho^t over t = 0..H; the H model-loss steps weigh [8/15, 4/15, 2/15]."""
    torch.manual_seed(0)
    agent, d = make_agent(batch_size=8)
    torch.testing.assert_close(agent.horizon_weights, torch.tensor([8, 4, 2, 1]) / 15)
    b = random_batch(d, batch_size=8)
    m = agent.model
    loss = agent.model_loss(b.obs, b.action, b.reward, b.task)
    with torch.no_grad():
        next_z = m.encode(b.obs[1:], b.task)
        z, expected = m.encode(b.obs[0], b.task), 0.0
        for t, w in enumerate([8 / 15, 4 / 15, 2 / 15]):
            z = m.next(z, b.action[t], b.task)
            expected += w * torch.nn.functional.mse_loss(z, next_z[t])
    torch.testing.assert_close(loss.consistency.detach(), expected)


def test_running_scale_starts_at_1_lerps_to_clamped_spread():
    from newt.agent import RunningScale

    scale = RunningScale(0.01, "cpu")
    assert float(scale.value) == 1.0
    scale.update(torch.linspace(0, 0.5, 101))  # spread 0.45 < 1: toward 1, no change
    assert float(scale.value) == 1.0
    scale.update(torch.linspace(0, 100, 101))  # spread 90
    torch.testing.assert_close(scale.value, torch.tensor([1 + 0.01 * 89]))
    torch.testing.assert_close(scale(torch.tensor([1.89])), torch.tensor([1.0]))


def _newt_policy_loss(agent, zs, action, task):
    """Newt's `_pi_loss` written out from the policy network's raw output: BC on the sampled action
    over rho[:-1] (weight 1); max-Q and entropy over all H+1 latents with rho normalised over 0..H;
    scaled entropy = -(valid dims) x pre-tanh Gaussian log-prob over all 16 dims; Q divided by the
    running scale from before its update."""
    m, cfg = agent.model, agent.cfg
    rho = cfg.rho ** torch.arange(zs.shape[0], dtype=torch.float32)
    rho = rho / rho.sum()
    mean, log_std = m.pi_net(m.with_task(zs, task)).chunk(2, -1)
    log_std = cfg.log_std_min + 0.5 * (cfg.log_std_max - cfg.log_std_min) * (torch.tanh(log_std) + 1)
    mask = m.mask(task).expand_as(mean)
    eps = torch.randn_like(mean) * mask
    log_std = log_std * mask
    sampled = torch.tanh(mean * mask + eps * log_std.exp())
    log_prob = (-0.5 * eps ** 2 - log_std - 0.9189385175704956).sum(-1, keepdim=True)
    scaled_entropy = -log_prob * mask.sum(-1, keepdim=True)
    bc = (((sampled[:-1] - action) ** 2) * mask[:-1]).sum(-1) / mask[:-1].sum(-1)
    prior = (bc * rho[:-1, None]).sum(0)
    q = m.q(zs, sampled, task, reduce="mean")
    max_q = ((-cfg.entropy_coef * scaled_entropy - q / agent.scale.value) * rho[:, None, None]).sum((0, 2))
    return (prior + max_q).mean()


def test_policy_loss_is_newts(monkeypatch):
    from newt.agent import RunningScale

    torch.manual_seed(0)
    agent, d = make_agent(task="dmcontrol", batch_size=16, entropy_coef=0.05)
    m = agent.model
    with torch.no_grad():  # non-zero Q heads and a scale above 1
        m.qs.out.weight.normal_(std=0.05)
        agent.scale.value.fill_(1.7)
    b = random_batch(d, batch_size=16)
    zs = torch.randn(4, 16, m.latent_dim).softmax(-1)
    torch.manual_seed(3)
    with torch.no_grad():
        expected = float(_newt_policy_loss(agent, zs, b.action, b.task))
    seen, call = [], RunningScale.__call__
    monkeypatch.setattr(RunningScale, "__call__", lambda self, q: seen.append(float(self.value)) or call(self, q))
    torch.manual_seed(3)
    metrics = agent.update_pi(zs, b.action, b.task)
    assert abs(metrics["pi_loss"] - expected) < 1e-5, (metrics["pi_loss"], expected)
    assert seen == [pytest.approx(1.7)] and float(agent.scale.value) != pytest.approx(1.7)  # used, then updated


def test_checkpoint_of_an_older_format_is_refused(tmp_path):
    import numpy as np

    from newt.buffer import EpisodeBuffer
    from newt.checkpoint import CHECKPOINT_VERSION, CheckpointError
    from newt.trainer import Trainer

    agent, d = make_agent()
    trainer = Trainer(agent.cfg, d, agent, EpisodeBuffer(1000, 128, 16, 3, "cpu"), np.random.default_rng(0))
    path = str(tmp_path / "ckpt.pt")
    trainer.save(path)
    trainer.load(path)  # the current format loads
    state = torch.load(path, weights_only=False)
    state["version"] = CHECKPOINT_VERSION - 1
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=f"format version {CHECKPOINT_VERSION - 1}; this Newt reads version"):
        trainer.load(path)


@pytest.mark.parametrize("saved_flags", [{"fused": None}, {"fused": True, "capturable": True}],
                         ids=["older-cpu-checkpoint", "gpu-checkpoint"])
def test_optimiser_state_resumes_with_this_devices_implementation(saved_flags):
    # A checkpoint keeps its Adam moments and step counts, but not the implementation of the machine
    # that wrote it: a GPU run's capturable optimiser must step on CPU, an older one must be fused here.
    source, d = make_agent(batch_size=16)
    batch = random_batch(d, batch_size=16)
    source.update(batch)
    state = copy.deepcopy(source.state_dict())
    for key in ("optim", "pi_optim"):
        for group in state[key]["param_groups"]:
            group.update(saved_flags)
    agent, _ = make_agent(batch_size=16)
    agent.load_state_dict(state)
    for opt, saved in ((agent.optim, source.optim), (agent.pi_optim, source.pi_optim)):
        assert all(g["fused"] and not g["capturable"] for g in opt.param_groups)
        for p, q in zip((p for g in opt.param_groups for p in g["params"]),
                        (q for g in saved.param_groups for q in g["params"])):
            if q in saved.state:
                torch.testing.assert_close(opt.state[p]["exp_avg"], saved.state[q]["exp_avg"], rtol=0, atol=0)
                assert float(opt.state[p]["step"]) == float(saved.state[q]["step"]) == 1.0
    torch.manual_seed(0)
    agent.update(batch)  # steps with the loaded state
    assert all(float(agent.optim.state[p]["step"]) == 2.0 for p in agent.model.encoder.parameters())
