import pytest
import torch

from tests.newt.helpers import make_agent

# Learnable parameters (target Qs excluded), as quoted in the README and config.py.
PARAMS = {("cartpole-balance", "S"): 1_291_316, ("cartpole-balance", "B"): 5_033_342, ("soup", "S"): 1_930_292}


@pytest.mark.parametrize("task,size", list(PARAMS))
def test_parameter_counts_match_the_docs(task, size):
    agent, _ = make_agent(task=task, model_size=size)
    assert sum(p.numel() for p in agent.model.parameters() if p.requires_grad) == PARAMS[task, size]


@pytest.mark.parametrize("size,latent,num_q", [("S", 384, 3), ("B", 512, 5)])
def test_world_model_output_shapes(size, latent, num_q):
    agent, _d = make_agent(model_size=size)
    m = agent.model
    obs, task = torch.randn(7, 128), torch.zeros(7, dtype=torch.long)
    z = m.encode(obs, task)
    assert z.shape == (7, latent)
    a = m.pi(z, task).action
    assert a.shape == (7, 16)
    assert m.next(z, a, task).shape == (7, latent)
    assert m.reward(z, a, task).shape == (7, 101)
    assert m.q_logits(z, a, task).shape == (num_q, 7, 101)
    assert m.q(z, a, task).shape == (7, 1)


def test_multitask_conditioning_changes_outputs_and_masks():
    agent, d = make_agent(task="dmcontrol")
    m = agent.model
    assert d.task_dim == 384 and len(d.tasks) == 21
    obs = torch.randn(1, 128).expand(len(d.tasks), 128)
    task = torch.arange(len(d.tasks))
    z = m.encode(obs, task)
    assert not torch.allclose(z[0], z[8])  # same obs, different task embedding
    a = m.pi(z, task).action
    for i, dim in enumerate(d.action_dims):
        assert (a[i, dim:] == 0).all(), d.tasks[i]
        assert (a[i, :dim] != 0).any()


def test_target_qs_stay_in_eval_mode_under_train():
    """Dropout is active in the online Qs in train mode, never in the target Qs (TD targets)."""
    agent, _ = make_agent(dropout=0.5)
    m = agent.model
    with torch.no_grad():  # non-zero output heads, so that dropout shows in the outputs
        m.qs.out.weight.normal_()
        m.target_qs.load_state_dict(m.qs.state_dict())
    m.train()
    assert m.training and m.qs.training and not m.target_qs.training
    z, a, task = torch.rand(64, m.latent_dim), torch.rand(64, 16), torch.zeros(64, dtype=torch.long)
    target = [m.q_logits(z, a, task, target=True) for _ in range(2)]
    torch.testing.assert_close(target[0], target[1], rtol=0, atol=0)
    online = [m.q_logits(z, a, task) for _ in range(2)]
    assert not torch.equal(online[0], online[1])


@pytest.mark.parametrize("task", ["cartpole-balance", "dmcontrol"])
def test_init_truncated_normal_zero_biases_zero_heads(task):
    """As TD-MPC2/Newt: Linear weights ~ N(0, 0.02) truncated, zero biases, zero reward and Q heads."""
    from newt.layers import EnsembleLinear

    torch.manual_seed(0)
    m = make_agent(task=task, model_size="S")[0].model
    linears = [mod for mod in m.modules() if isinstance(mod, (torch.nn.Linear, EnsembleLinear))]
    assert len(linears) == 2 + 3 + 3 + 3 + 3 * 2  # encoder (S: 2 layers), dynamics, reward, pi, Q (target Qs too)
    heads = {id(m.reward_net[-1]), id(m.qs.out), id(m.target_qs.out)}
    for mod in linears:
        assert (mod.bias == 0).all()
        if id(mod) in heads:
            assert (mod.weight == 0).all()
        else:
            assert abs(mod.weight.std().item() - 0.02) < 0.002 and mod.weight.abs().max() < 0.15
