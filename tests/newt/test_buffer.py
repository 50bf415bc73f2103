import pytest
import torch

from newt.buffer import EpisodeBuffer


def episode(ep_id: int, length: int):
    """Rows tagged with their episode id and step, so slices can be checked."""
    obs = torch.zeros(length + 1, 4)
    obs[:, 0] = ep_id
    obs[:, 1] = torch.arange(length + 1)
    action = torch.zeros(length, 2)
    action[:, 0] = ep_id
    action[:, 1] = torch.arange(1, length + 1)
    reward = torch.arange(1, length + 1, dtype=torch.float32) + 1000 * ep_id
    return obs, action, reward


@pytest.mark.parametrize("sampling", ["episode", "transition"])
@pytest.mark.parametrize("capacity", [10_000, 97])
def test_slices_never_cross_episode_boundaries(capacity, sampling):
    buf = EpisodeBuffer(capacity, obs_dim=4, action_dim=2, horizon=3, sampling=sampling)
    lengths = [25, 10, 50, 7, 25, 31, 12, 40, 9, 25] * 3
    for ep_id, length in enumerate(lengths):
        buf.add(*episode(ep_id, length), task=ep_id % 3)
        b = buf.sample(512)
        ep = b.obs[:, :, 0]
        assert (ep == ep[:1]).all(), "a slice mixes episodes"
        steps = b.obs[:, :, 1]
        assert ((steps[1:] - steps[:-1]) == 1).all()
        # action t+1 and reward t+1 belong to the transition into obs t+1 of the same episode
        assert (b.action[:, :, 0] == ep[1:]).all()
        assert (b.action[:, :, 1] == steps[1:]).all()
        assert (b.reward[:, :, 0] == steps[1:] + 1000 * ep[1:]).all()
        assert (b.task == ep[0].long() % 3).all()
    assert len(buf) <= capacity


def test_ring_buffer_evicts_oldest_and_counts():
    buf = EpisodeBuffer(100, obs_dim=4, action_dim=2, horizon=3)
    for ep_id in range(10):
        buf.add(*episode(ep_id, 24), task=0)  # 25 rows each: 4 fit
    assert buf.num_episodes == 4 and len(buf) == 4 * 24 and buf.total_added == 240
    seen = set(buf.sample(2000).obs[0, :, 0].long().tolist())
    assert seen == {6, 7, 8, 9}


def test_transition_sampling_is_uniform_over_transitions():
    buf = EpisodeBuffer(10_000, obs_dim=4, action_dim=2, horizon=3, sampling="transition")
    buf.add(*episode(0, 100), task=0)
    buf.add(*episode(1, 10), task=0)
    ep = buf.sample(20_000).obs[0, :, 0]
    frac = (ep == 1).float().mean().item()
    assert abs(frac - 8 / (98 + 8)) < 0.02  # valid starts: L - H + 1


def test_episode_sampling_weighs_episodes_equally_and_starts_uniformly():
    buf = EpisodeBuffer(10_000, obs_dim=4, action_dim=2, horizon=3, sampling="episode")
    buf.add(*episode(0, 100), task=0)
    buf.add(*episode(1, 10), task=1)
    b = buf.sample(40_000, generator=torch.Generator().manual_seed(0))
    ep, start = b.obs[0, :, 0], b.obs[0, :, 1]
    assert abs((ep == 1).float().mean().item() - 0.5) < 0.01  # as the original's SliceSampler
    starts = torch.bincount(start[ep == 1].long(), minlength=8)
    assert starts.numel() == 8 and (starts > 0).all()  # every valid start 0..7 of the short episode
    assert (starts.float() / starts.sum() - 1 / 8).abs().max() < 0.02


def test_unknown_sampling_is_refused():
    with pytest.raises(ValueError, match="sampling 'task' not accepted; accepted: episode, transition"):
        EpisodeBuffer(100, obs_dim=4, action_dim=2, horizon=3, sampling="task")


def test_bad_episodes_rejected():
    buf = EpisodeBuffer(50, obs_dim=4, action_dim=2, horizon=3)
    with pytest.raises(ValueError, match="shorter than the horizon"):
        buf.add(*episode(0, 2), task=0)
    with pytest.raises(ValueError, match="does not fit"):
        buf.add(*episode(0, 60), task=0)
    obs, action, reward = episode(0, 10)
    with pytest.raises(ValueError, match="shapes disagree"):
        buf.add(obs, action[:-1], reward, task=0)
    with pytest.raises(RuntimeError, match="empty"):
        buf.sample(4)
