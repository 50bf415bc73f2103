"""MiniArcade control games: coconut-dodge, cartpole, point-maze and reacher.

Contract checks run through `envs.make` (registered length, obs dim, score range), plus game
behaviour: seeded determinism, rendering never changes a trajectory, the fixed cartpole angle
wrap, maze walls and wind, and small scripted policies (written here) that must clearly beat
random actions on every soup game.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import envs
from envs.experts.miniarcade import POLICIES as EXPERT_POLICIES
from envs.miniarcade import game_class
from envs.miniarcade.cartpole import CartPole
from envs.miniarcade.point_maze import PointMaze
from envs.miniarcade.reacher import Reacher
from envs.registry import get_task

CARTPOLES = [f"pygame-cartpole-{v}"
             for v in ("balance", "swingup", "balance-sparse", "swingup-sparse", "tremor")]
SOUP = ["pygame-coconut-dodge", *CARTPOLES, *(f"pygame-point-maze-var{i}" for i in (1, 2, 3))]
HELD_OUT = [*(f"pygame-point-maze-var{i}" for i in range(4, 9)),
            *(f"pygame-reacher-{v}" for v in ("easy", "hard", "var1", "var2"))]
CONTROL_TASKS = SOUP + HELD_OUT


def rollout(env, seed: int, policy, steps: int | None = None, render: bool = False):
    """Run one episode (or `steps` steps); return observations, rewards and the last info."""
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed + 1000)
    observations, rewards = [obs], []
    n = steps if steps is not None else env.max_episode_steps
    for _ in range(n):
        obs, reward, terminated, _, info = env.step(policy(obs, rng))
        assert not terminated
        if render:
            frame = env.render()
            assert frame.shape == (224, 224, 3) and frame.dtype == np.uint8
        observations.append(obs)
        rewards.append(reward)
    return np.array(observations), np.array(rewards), info


def random_policy(dim: int):
    return lambda obs, rng: rng.uniform(-1, 1, dim).astype(np.float32)


# -- contract ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CONTROL_TASKS)
def test_episode_contract(name):
    spec = envs.get_task(name)
    assert spec.domain == "pygame" and "game" in spec.params
    env = envs.make(name, seed=0)
    obs, rewards, info = rollout(env, 0, random_policy(spec.action_dim))
    assert obs.shape == (spec.episode_length + 1, spec.obs_dim) and obs.dtype == np.float32
    assert np.all(np.isfinite(obs))
    assert len(rewards) == spec.episode_length and info["truncated"]
    assert 0.0 <= info["score"] <= 1.0
    is_maze = "point-maze" in name
    assert info["success"] in (0.0, 1.0) and (is_maze or info["success"] == 0.0)
    with pytest.raises(RuntimeError, match="episode ended"):
        env.step(np.zeros(spec.action_dim, np.float32))


@pytest.mark.parametrize("name", CONTROL_TASKS)
def test_seeded_determinism_and_render_invariance(name):
    spec = envs.get_task(name)
    policy = random_policy(spec.action_dim)
    steps = 150  # past the first tremor shake (40-80 steps in) and several coconut respawns
    obs_a, rew_a, _ = rollout(envs.make(name), 3, policy, steps)
    obs_b, rew_b, _ = rollout(envs.make(name, render_mode="rgb_array"), 3, policy, steps, render=True)
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(rew_a, rew_b)
    obs_c, _, _ = rollout(envs.make(name), 4, policy, steps)
    assert not np.array_equal(obs_a, obs_c), "a different seed should give a different episode"


def test_bad_parameters_name_the_accepted_values():
    with pytest.raises(ValueError, match=r"layout 9.*\[1, 2, 3, 4, 5, 6, 7, 8\]"):
        PointMaze(layout=9)
    with pytest.raises(ValueError, match=r"'var3'.*'easy'"):
        Reacher(variant="var3")
    cls, params = game_class(get_task("pygame-cartpole-tremor"))
    assert cls is CartPole and params["tremor"]


# -- game behaviour ------------------------------------------------------------------------------
def test_cartpole_angle_is_wrapped():
    """The original left theta unwrapped; here a full turn back to upright counts as upright."""
    env = CartPole()
    env.reset(seed=0)
    env.state = [0.0, 0.0, math.pi - 0.01, 30.0]  # spinning fast through the bottom
    for _ in range(100):
        obs, *_ = env.step(np.zeros(1))
        assert -math.pi < obs[2] <= math.pi
    env.state = [0.0, 0.0, 2 * math.pi - 1e-3, 0.0]  # a full turn: upright again
    _, reward, *_ = env.step(np.zeros(1))
    assert reward > 0.99


def test_cartpole_tremor_shakes_the_pole():
    """With zero force from exact upright the pole stays up, unless a tremor knocks it."""
    quiet, shaken = CartPole(), CartPole(tremor=True)
    for env in (quiet, shaken):
        env.reset(seed=0)
        env.state = [0.0, 0.0, 0.0, 0.0]
    for _ in range(100):  # the first shake comes 40-80 steps after reset
        quiet.step(np.zeros(1))
        shaken.step(np.zeros(1))
    assert quiet.state[2] == 0.0 and abs(shaken.state[2]) > 0.01


def test_point_maze_walls_wind_and_success():
    env = PointMaze(layout=3)
    rng = np.random.default_rng(0)
    for seed in range(3):
        env.reset(seed=seed)
        for _ in range(200):
            env.step(rng.uniform(-1, 1, 2))
            assert not env._collides(*env.agent), "the agent entered a wall"
    # Wind: standing still in the middle of the wind cell drifts 2 px per step downwind.
    env.reset(seed=0)
    row, col = env.wind_cell
    env.agent = [20 + (col + 0.5) * 36.8, 20 + (row + 0.5) * 36.8]
    start = list(env.agent)
    obs, *_ = env.step(np.zeros(2))
    moved = np.subtract(env.agent, start)
    assert np.isclose(np.abs(moved).sum(), 2.0) and obs[39] == 1.0  # in-wind flag
    assert obs[6 + row * 5 + col] == -1.0 and obs[31 + env.wind_dir] == 1.0
    # Success only within 12 px of the goal (wind moves the agent at most 2 px per step).
    env.agent = [env.goal[0] + 20.0, env.goal[1]]
    _, _, _, _, info = env.step(np.zeros(2))
    assert info["success"] == 0.0
    env.agent = list(env.goal)
    _, reward, _, _, info = env.step(np.zeros(2))
    assert info["success"] == 1.0 and reward > 0.9


# -- scripted policies beat random ---------------------------------------------------------------
SCRIPTED = {name: EXPERT_POLICIES[name] for name in SOUP}  # the experts, in envs/experts/miniarcade.py


@pytest.mark.parametrize("name", SOUP)
def test_scripted_policy_beats_random(name):
    spec = envs.get_task(name)
    env = envs.make(name)

    def mean_score(policy) -> float:
        return float(np.mean([rollout(env, seed, policy)[2]["score"] for seed in range(3)]))

    scripted, random = mean_score(SCRIPTED[name]), mean_score(random_policy(spec.action_dim))
    assert scripted >= random + 0.3 and scripted >= 0.6, f"scripted {scripted:.3f} vs random {random:.3f}"


@pytest.mark.parametrize("name", HELD_OUT)
def test_held_out_variants_are_solvable(name):
    """The games' own scripted controllers solve every held-out layout and reacher variant."""
    env = envs.make(name)
    game = env.unwrapped
    scores = [rollout(env, seed, lambda obs, rng: game.scripted_action(obs))[2]["score"] for seed in range(2)]
    assert min(scores) >= 0.6, f"scripted scores {scores}"


def test_arcade_strip_script(tmp_path):
    import importlib.util
    from pathlib import Path

    import pygame

    path = Path(__file__).resolve().parents[2] / "scripts" / "arcade_strip.py"
    spec = importlib.util.spec_from_file_location("arcade_strip", path)
    strip = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(strip)
    out = tmp_path / "strip.png"
    assert strip.main(["--steps", "2", "--columns", "4", "--out", str(out)]) == 0
    image = pygame.image.load(str(out))
    shown = sum(strip.game_available(t) for t in envs.TASK_SETS["pygame"])
    assert shown >= 9  # at least this part's games
    assert image.get_size() == (4 * 224, -(-shown // 4) * (224 + strip.LABEL_HEIGHT))
