"""ManiSkill3 tasks (36 soup + 11 held-out): one parameterised maker over ManiSkill's own envs.

Each task's row (`envs/tasks/maniskill.py`, read as `spec.params`) names the ManiSkill env id, its
control mode, the robot and (for the YCB tasks) the object model; the custom envs (Reach, sparse
cartpoles, single YCB model pick/push) live in `envs.maniskill_tasks`, registered with ManiSkill's
`register_env`.

Observation: ManiSkill's flattened ``state`` observation (robot qpos and qvel plus the task's
    extra terms; e.g. PickCube 42, Reach 31), unbatched float32.
Action: ManiSkill's normalised controller space in [-1, 1]: 4-D for ``pd_ee_delta_pos`` (xyz +
    gripper), 7-D for ``pd_ee_delta_pose`` (xyz, axis-angle, gripper), one entry per joint for
    ``pd_joint_delta_pos``. The control mode is chosen so the size equals the task's action_dim.
Reward: ManiSkill's ``normalized_dense`` reward (at most 1 per simulator step) summed over an
    action repeat of 2.
Episode end: never terminates (ManiSkill's terminations, e.g. the cartpole's fall, are ignored
    and the simulation goes on); ManiSkill's own time limit is set to the registered length x 2
    so it never cuts an episode short. The MMBench wrapper ends the episode.
Seeding: ``reset(seed=s)`` seeds the episode; an unseeded reset draws the next episode's seed from
    the env's own RNG (ManiSkill's ``enhanced_determinism=True``), so the episodes after a seeded
    reset are determined by that seed. ManiSkill's default would draw the initial state of an
    unseeded reset from torch's global RNG, which whatever else runs in the process also uses.
    A seeded reset after steps rebuilds the scene (ManiSkill's ``reconfigure``, about 0.2 s):
    PhysX keeps contact caches through a plain reset, so the episode would otherwise depend, in the
    last float32 bits, on the one before. ``reset(seed=s)`` thus gives the same episode as a new env.
Success: ManiSkill's ``success`` at the last simulator step, 0 for tasks that define none
    (locomotion and cartpole).
Score: success, except the return-scored cartpole (R/1000), hopper (R/500) and ant (R/1000)
    tasks; see `envs/tasks/maniskill.py`.

Physics runs on the CPU backend (``physx_cpu``) with one env; unless ``render_mode="rgb_array"``
the env is built without a render system (``render_backend="none"``), though SAPIEN still needs a
Vulkan device to build scenes (see setup.sh). Tasks whose assets
are not shipped with the package (YCB objects, the xArm6 and ANYmal-C robots) check for them first
and raise `MissingAssetsError` naming the download command, rather than let ManiSkill prompt.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from envs.errors import MissingAssetsError
from envs.registry import TaskSpec

ACTION_REPEAT = 2
RENDER_SIZE = 224
REWARD_MODE = "normalized_dense"
SIM_BACKEND = "physx_cpu"
DOWNLOAD_COMMAND = "python -m mani_skill.utils.download_asset {}"
# ManiSkill's notices about how its own envs are built (scene builders without an initial pose, MJCF
# planes it skips), logged as warnings whenever a scene is built; nothing a user of a task can act on.
BUILD_NOTICES = ("No initial pose set for ", "Currently ManiSkill does not support loading plane geometries")
# ...and gymnasium's warning about the float64 bounds of ManiSkill's passive-joint controllers.
BOX_PRECISION_WARNING = r".*Box (low|high)'s precision lowered by casting to float32"


class _DropBuildNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(BUILD_NOTICES)


@contextlib.contextmanager
def _quiet_build() -> Iterator[None]:
    """Drop ManiSkill's scene-build notices (only those) while a scene is built or reset."""
    from mani_skill.utils.logging_utils import logger

    notices = _DropBuildNotices()
    logger.addFilter(notices)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=BOX_PRECISION_WARNING, category=UserWarning)
            yield
    finally:
        logger.removeFilter(notices)


def _register_envs() -> None:
    """Import ManiSkill's envs and ours, which registers them with ManiSkill (and gymnasium)."""
    import mani_skill.envs  # noqa: F401

    import envs.maniskill_tasks  # noqa: F401


def _data_source_ids(asset_id: str) -> list[str]:
    """A ManiSkill asset id (a data source or a group of them) as individual data-source ids."""
    from mani_skill.utils import assets

    if asset_id in assets.DATA_SOURCES:
        return [asset_id]
    return list(assets.expand_data_group_into_individual_data_source_ids(asset_id))


def missing_assets(env_id: str, robot: str | None = None, model: str | None = None) -> list[tuple[str, Path]]:
    """(download id, expected path) of every asset the env needs that is not on disk.

    Covers the env's own download ids, the robot's, and for YCB tasks the model's own folder.
    Looks only at ManiSkill's standard asset directory (``$MS_ASSET_DIR`` or ``~/.maniskill``).
    """
    import mani_skill
    from mani_skill.agents.registration import REGISTERED_AGENTS
    from mani_skill.utils import assets
    from mani_skill.utils.registration import REGISTERED_ENVS

    _register_envs()
    if env_id not in REGISTERED_ENVS:
        raise ValueError(f"unknown ManiSkill env id {env_id!r}; registered: {sorted(REGISTERED_ENVS)}")
    ids = list(REGISTERED_ENVS[env_id].asset_download_ids or [])
    if robot is not None and robot in REGISTERED_AGENTS:
        ids += REGISTERED_AGENTS[robot].asset_download_ids or []
    missing = []
    for asset_id in ids:
        for source_id in _data_source_ids(asset_id):
            source = assets.DATA_SOURCES[source_id]
            if not assets.is_data_source_downloaded(source_id):
                missing.append((source_id, Path(source.output_dir) / source.target_path))
    if model is not None and not missing:  # the pack is there; is this object in it?
        model_dir = Path(mani_skill.ASSET_DIR) / "assets" / "mani_skill2_ycb" / "models" / model
        if not model_dir.is_dir():
            missing.append(("ycb", model_dir))
    return missing


def check_assets(spec: TaskSpec) -> None:
    params = spec.params
    missing = missing_assets(params["env_id"], params.get("robot"), params.get("model"))
    if missing:
        ids = sorted({asset_id for asset_id, _ in missing})
        files = ", ".join(f"{asset_id} ({path})" for asset_id, path in missing)
        commands = "; ".join(DOWNLOAD_COMMAND.format(asset_id) for asset_id in ids)
        raise MissingAssetsError(f"{spec.name} needs ManiSkill assets that are not installed: {files}. "
                                 f"Download them with: {commands}")


class ManiSkillEnv(gym.Env):
    """One ManiSkill3 task with action repeat 2, unbatched float32 observations and no termination."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, spec: TaskSpec, seed: int | None = None, render_mode: str | None = None):
        from mani_skill.utils.wrappers.gymnasium import CPUGymWrapper

        _register_envs()
        if "env_id" not in spec.params:
            raise ValueError(f"{spec.name}: no ManiSkill env id in its registry parameters {dict(spec.params)}")
        check_assets(spec)
        self.task_spec = spec
        self.render_mode = render_mode
        self._seed = seed  # applied at the first reset; ManiSkill then draws episode seeds from it
        self._stepped = False  # the scene has been simulated since it was built
        params = spec.params
        kwargs: dict[str, Any] = {}
        if params.get("control") is not None:
            kwargs["control_mode"] = params["control"]
        if params.get("robot") is not None:
            kwargs["robot_uids"] = params["robot"]
        if params.get("model") is not None:
            kwargs["model_id"] = params["model"]
        if render_mode is not None:
            kwargs["human_render_camera_configs"] = {"width": RENDER_SIZE, "height": RENDER_SIZE}
        else:  # no render system: about half the memory per env and faster steps (Vulkan is still needed)
            kwargs["render_backend"] = "none"
        with _quiet_build():
            env = gym.make(
                params["env_id"], obs_mode="state", reward_mode=REWARD_MODE, num_envs=1,
                sim_backend=SIM_BACKEND, render_mode=render_mode, enhanced_determinism=True,
                max_episode_steps=ACTION_REPEAT * spec.episode_length, **kwargs,
            )
        self._env = CPUGymWrapper(env, ignore_terminations=True)
        native = self._env.action_space
        if native.shape != (spec.action_dim,) or not (np.all(native.low == -1) and np.all(native.high == 1)):
            self._env.close()
            raise ValueError(f"{spec.name}: {params['env_id']} with control mode {params.get('control')!r} has "
                             f"action space {native}; the task needs {spec.action_dim} entries in [-1, 1]")
        obs_dim = int(np.prod(self._env.observation_space.shape))
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (obs_dim,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (spec.action_dim,), np.float32)

    @property
    def unwrapped_maniskill(self):
        """The ManiSkill env itself (for experts and tests that read the simulator state)."""
        return self._env.unwrapped

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is None:
            seed, self._seed = self._seed, None
        if seed is not None and self._stepped:
            # PhysX keeps its contact caches through a reset, so the first steps after reset(seed=s)
            # would differ (in the last float32 bits) with what ran before; a rebuilt scene does not.
            options = {"reconfigure": True, **(options or {})}
        self._stepped = False
        with _quiet_build():  # a reset may rebuild the scene
            obs, info = self._env.reset(seed=seed, options=options)
        return np.asarray(obs, dtype=np.float32), {"success": self._success(info)}

    def step(self, action):
        self._stepped = True
        reward = 0.0
        for _ in range(ACTION_REPEAT):
            obs, r, _, _, info = self._env.step(np.asarray(action, dtype=np.float32))
            reward += float(r)
        return np.asarray(obs, dtype=np.float32), reward, False, False, {"success": self._success(info)}

    @staticmethod
    def _success(info: dict) -> float:
        return float(info["success"]) if "success" in info else 0.0

    def render(self) -> np.ndarray:
        if self.render_mode != "rgb_array":
            raise RuntimeError(f"{self.task_spec.name}: render() needs render_mode='rgb_array', "
                               f"got {self.render_mode!r}")
        return np.asarray(self._env.render(), dtype=np.uint8)

    def close(self) -> None:
        self._env.close()


def make(spec: TaskSpec, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
    return ManiSkillEnv(spec, seed=seed, render_mode=render_mode)
