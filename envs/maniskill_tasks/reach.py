"""Reach: the PickCube table scene without the cube; the gripper must reach a goal point."""

from __future__ import annotations

from typing import Any

import sapien
import torch
from mani_skill.envs.tasks.tabletop.pick_cube import PickCubeEnv
from mani_skill.utils.building import actors
from mani_skill.utils.registration import register_env
from mani_skill.utils.scene_builder.table import TableSceneBuilder
from mani_skill.utils.structs.pose import Pose


@register_env("MMBench-Reach-v1", max_episode_steps=50)
class ReachEnv(PickCubeEnv):
    """Move the tool centre point (TCP) into a green goal sphere.

    Uses PickCube's per-robot configuration (spawn square, goal radius `goal_thresh`, maximum goal
    height), so it works for every robot PickCube supports (``robot_uids``: panda, xarm6_robotiq, ...).

    Observation (state): robot qpos, qvel; TCP pose (7); goal position (3); TCP-to-goal vector (3).
    Reward (dense): 5 * (1 + success - tanh(5 d)) for the TCP-to-goal distance d; the normalised
        reward divides by 5 (PickCube's normaliser).
    Success: d <= goal_thresh.
    Randomisation: goal xy uniform in PickCube's cube-spawn square; goal z uniform in
        [0, max_goal_height].
    """

    def _load_scene(self, options: dict) -> None:
        self.table_scene = TableSceneBuilder(self, robot_init_qpos_noise=self.robot_init_qpos_noise)
        self.table_scene.build()
        self.goal_site = actors.build_sphere(
            self.scene, radius=self.goal_thresh, color=[0, 1, 0, 1], name="goal_site",
            body_type="kinematic", add_collision=False, initial_pose=sapien.Pose(),
        )
        self._hidden_objects.append(self.goal_site)  # visual only: hidden from sensor cameras

    def _initialize_episode(self, env_idx: torch.Tensor, options: dict) -> None:
        with torch.device(self.device):
            b = len(env_idx)
            self.table_scene.initialize(env_idx)
            goal = torch.zeros((b, 3))
            half = self.cube_spawn_half_size
            goal[:, 0] = torch.rand(b) * 2 * half - half + self.cube_spawn_center[0]
            goal[:, 1] = torch.rand(b) * 2 * half - half + self.cube_spawn_center[1]
            goal[:, 2] = torch.rand(b) * self.max_goal_height
            self.goal_site.set_pose(Pose.create_from_pq(goal))

    def _tcp_to_goal(self) -> torch.Tensor:
        return self.goal_site.pose.p - self.agent.tcp_pose.p

    def _get_obs_extra(self, info: dict) -> dict:
        obs = {"tcp_pose": self.agent.tcp_pose.raw_pose, "goal_pos": self.goal_site.pose.p}
        if "state" in self.obs_mode:
            obs.update(tcp_to_goal_pos=self._tcp_to_goal())
        return obs

    def evaluate(self) -> dict:
        return {"success": torch.linalg.norm(self._tcp_to_goal(), axis=1) <= self.goal_thresh}

    def compute_dense_reward(self, obs: Any, action: torch.Tensor, info: dict) -> torch.Tensor:
        distance = torch.linalg.norm(self._tcp_to_goal(), axis=1)
        return 5.0 * (1.0 + info["success"].float() - torch.tanh(5.0 * distance))
