"""MMBench's own ManiSkill3 tasks, registered with ManiSkill's `register_env` on import.

- ``MMBench-Reach-v1``: move the gripper to a goal point (any robot PickCube supports).
- ``MMBench-CartpoleBalanceSparse-v1`` / ``MMBench-CartpoleSwingUpSparse-v1``: 0/1 upright reward.
- ``MMBench-PickSingleYCB-v1``: PickSingleYCB with one fixed YCB model (``model_id``).
- ``MMBench-PushSingleYCB-v1``: PushCube with the cube replaced by one YCB model (``model_id``).

Importing this package imports ManiSkill; `envs.maniskill` does so lazily.
"""

from envs.maniskill_tasks import cartpole_sparse, reach, ycb  # noqa: F401  (registers the envs)
