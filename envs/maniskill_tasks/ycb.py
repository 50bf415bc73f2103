"""Single-object YCB tasks: pick (PickSingleYCB with one model) and push (PushCube with a YCB model).

Both need ManiSkill's YCB asset pack (``python -m mani_skill.utils.download_asset ycb``);
`envs.maniskill` checks for it before creating an env, so ManiSkill never prompts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sapien
import torch
from mani_skill.envs.tasks.tabletop.pick_single_ycb import PickSingleYCBEnv
from mani_skill.envs.tasks.tabletop.push_cube import PushCubeEnv
from mani_skill.utils.building import actors
from mani_skill.utils.registration import register_env
from mani_skill.utils.scene_builder.table import TableSceneBuilder
from mani_skill.utils.structs.pose import Pose
from transforms3d.euler import euler2quat

ON_TABLE_TOLERANCE = 0.01  # m above its resting height below which a pushed object counts as on the table
PUSH_CLEARANCE = 0.005  # m between the object's back face and the point the TCP should push from


@register_env("MMBench-PickSingleYCB-v1", max_episode_steps=50, asset_download_ids=["ycb"])
class PickSingleYCBModelEnv(PickSingleYCBEnv):
    """ManiSkill's PickSingleYCB-v1 restricted to one YCB model, chosen by ``model_id``.

    Everything else (randomisation, observation, reward, success) is PickSingleYCB's. With a single
    model there is nothing to re-sample, so the scene is not rebuilt on reset by default
    (``reconfiguration_freq=0``).
    """

    def __init__(self, *args, model_id: str, reconfiguration_freq: int = 0, **kwargs):
        self.single_model_id = model_id
        super().__init__(*args, reconfiguration_freq=reconfiguration_freq, **kwargs)

    def _load_scene(self, options: dict) -> None:
        if self.single_model_id not in self.all_model_ids:
            raise ValueError(f"YCB model {self.single_model_id!r} is not pickable in ManiSkill's YCB set; "
                             f"accepted: {sorted(self.all_model_ids)}")
        self.all_model_ids = np.array([self.single_model_id])  # the parent samples from this list
        super()._load_scene(options)


@register_env("MMBench-PushSingleYCB-v1", max_episode_steps=50, asset_download_ids=["ycb"])
class PushSingleYCBEnv(PushCubeEnv):
    """PushCube-v1 with the cube replaced by one YCB model (``model_id``).

    Observation (state): as PushCube: robot qpos, qvel, TCP pose, goal position, object pose.
    Randomisation: as PushCube; the object starts upright (identity rotation) resting on the table
        at a random xy in [-0.1, 0.1]^2, the goal disk is 0.1 + goal_radius ahead of it along +x.
    Success: the object's xy is within goal_radius of the goal and it is still on the table (no
        higher than its resting height + 1 cm).
    Reward (dense, normalised by 4): PushCube's shaping with the cube's half size replaced by the
        object's measured extents: reach the point just behind the object (along -x), then
        1 - tanh(5 * object-to-goal xy distance), twice once reached (the second time weighted by
        staying at resting height); 4 on success.
    """

    def __init__(self, *args, model_id: str, **kwargs):
        self.single_model_id = model_id
        super().__init__(*args, **kwargs)

    def _load_scene(self, options: dict) -> None:
        self.table_scene = TableSceneBuilder(env=self, robot_init_qpos_noise=self.robot_init_qpos_noise)
        self.table_scene.build()
        builder = actors.get_actor_builder(self.scene, id=f"ycb:{self.single_model_id}")
        builder.initial_pose = sapien.Pose(p=[0, 0, 0])
        self.obj = builder.build(name=self.single_model_id)
        self.goal_region = actors.build_red_white_target(
            self.scene, radius=self.goal_radius, thickness=1e-5, name="goal_region",
            add_collision=False, body_type="kinematic", initial_pose=sapien.Pose(p=[0, 0, 1e-3]),
        )

    def _after_reconfigure(self, options: dict) -> None:
        # Bounds of the collision mesh in the object's own frame: the resting height of its origin
        # (bottom at z=0) and how far its back face lies behind the origin.
        bounds = self.obj.get_first_collision_mesh(to_world_frame=False).bounding_box.bounds
        self.rest_height = float(-bounds[0, 2])
        self.back_extent = float(-bounds[0, 0])

    def _initialize_episode(self, env_idx: torch.Tensor, options: dict) -> None:
        with torch.device(self.device):
            b = len(env_idx)
            self.table_scene.initialize(env_idx)
            xyz = torch.zeros((b, 3))
            xyz[:, :2] = torch.rand((b, 2)) * 0.2 - 0.1
            xyz[:, 2] = self.rest_height
            self.obj.set_pose(Pose.create_from_pq(p=xyz, q=[1, 0, 0, 0]))
            goal = xyz + torch.tensor([0.1 + self.goal_radius, 0, 0])
            goal[:, 2] = 1e-3
            self.goal_region.set_pose(Pose.create_from_pq(p=goal, q=euler2quat(0, np.pi / 2, 0)))

    def _goal_xy_distance(self) -> torch.Tensor:
        return torch.linalg.norm(self.obj.pose.p[:, :2] - self.goal_region.pose.p[:, :2], axis=1)

    def evaluate(self) -> dict:
        on_table = self.obj.pose.p[:, 2] < self.rest_height + ON_TABLE_TOLERANCE
        return {"success": (self._goal_xy_distance() < self.goal_radius) & on_table}

    def compute_dense_reward(self, obs: Any, action: torch.Tensor, info: dict) -> torch.Tensor:
        offset = torch.tensor([-self.back_extent - PUSH_CLEARANCE, 0, 0], device=self.device)
        push_from = self.obj.pose.p + offset
        reach_distance = torch.linalg.norm(push_from - self.agent.tcp.pose.p, axis=1)
        reward = 1 - torch.tanh(5 * reach_distance)
        reached = reach_distance < 0.01
        place = 1 - torch.tanh(5 * self._goal_xy_distance())
        height_kept = 1 - torch.tanh(5 * torch.abs(self.obj.pose.p[:, 2] - self.rest_height))
        reward = reward + place * reached + place * height_kept * reached
        reward[info["success"]] = 4
        return reward
