import pytest
import torch

from tests.newt.helpers import make_agent


@pytest.mark.parametrize("size,latent,num_q", [("S", 384, 3), ("B", 512, 5)])
def test_world_model_output_shapes(size, latent, num_q):
    agent, d = make_agent(model_size=size)
    m = agent.model
    n_params = sum(p.numel() for p in m.parameters() if p.requires_grad)
    assert {"S": 0.8e6, "B": 3e6}[size] < n_params < {"S": 3e6, "B": 8e6}[size]
    obs, task = torch.randn(7, 128), torch.zeros(7, dtype=torch.long)
    z = m.encode(obs, task)
    assert z.shape == (7, latent)
    a = m.pi(z, task)[0]
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
    a = m.pi(z, task)[0]
    for i, dim in enumerate(d.action_dims):
        assert (a[i, dim:] == 0).all(), d.tasks[i]
        assert (a[i, :dim] != 0).any()
