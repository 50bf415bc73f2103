"""Sparse-reward variants of ManiSkill's cartpole tasks."""

from __future__ import annotations

from typing import Any

import torch
from mani_skill.envs.tasks.control.cartpole import CartpoleBalanceEnv, CartpoleSwingUpEnv
from mani_skill.utils.registration import register_env

UPRIGHT_THRESHOLD = 0.85  # on (cos(angle) + 1) / 2: the pole is within about 46 degrees of upright


class SparseUprightReward:
    """Reward 1 while (cos(pole angle) + 1) / 2 > 0.85, else 0 (max reward 1: normalised = dense)."""

    def compute_dense_reward(self, obs: Any, action: torch.Tensor, info: dict) -> torch.Tensor:
        upright = (self.pole_angle_cosine + 1) / 2
        return (upright > UPRIGHT_THRESHOLD).float()


@register_env("MMBench-CartpoleBalanceSparse-v1", max_episode_steps=1000)
class CartpoleBalanceSparseEnv(SparseUprightReward, CartpoleBalanceEnv):
    """MS-CartpoleBalance-v1 (pole starts near upright) with the sparse upright reward."""


@register_env("MMBench-CartpoleSwingUpSparse-v1", max_episode_steps=1000)
class CartpoleSwingUpSparseEnv(SparseUprightReward, CartpoleSwingUpEnv):
    """MS-CartpoleSwingUp-v1 (pole starts hanging down) with the sparse upright reward."""
