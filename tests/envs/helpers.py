"""Shared by the envs tests: the cheap task of each domain, random rollouts, the library env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

import envs  # first: it picks the headless MuJoCo GL backend before anything imports mujoco
from envs.registry import TASKS

# One cheap task per domain: the contract's default (fast) run, the quiet-import check.
FAST_TASKS = {
    "dmcontrol": "cartpole-balance", "dmcontrol-ext": "cheetah-jump", "metaworld": "mw-reach",
    "maniskill": "ms-pick-cube", "mujoco": "mujoco-hopper", "box2d": "lunarlander-land",
    "robodesk": "rd-push-red", "ogbench": "og-point-arena", "pygame": "pygame-pong", "atari": "atari-pong",
}


def domain_tasks(domain: str) -> tuple[str, ...]:
    """Every registered task of a domain, soup and held-out, in registry order."""
    return tuple(n for n, t in TASKS.items() if t.domain == domain)


def random_steps(name: str, steps: int = 3, seed: int = 0) -> list[tuple[np.ndarray, float, dict]]:
    """(obs, reward, info) of `steps` uniform random actions after a seeded reset of `envs.make(name)`."""
    spec = TASKS[name]
    env = envs.make(spec, seed=seed)
    try:
        env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        out = []
        for _ in range(steps):
            obs, reward, _, _, info = env.step(rng.uniform(-1, 1, spec.action_dim).astype(np.float32))
            out.append((obs, reward, info))
        return out
    finally:
        env.close()


def library_env(env: gym.Env) -> gym.Env:
    """The simulator library's own env that a maker drives (`_env` of the domain env under `envs.make`)."""
    return env.unwrapped._env
