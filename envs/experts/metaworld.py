"""Meta-World experts: the library's scripted policies (`metaworld.policies`), all 49 tasks.

The stock policies reach success and then often lose it (they keep pushing, pull back or let go),
while MMBench scores success at the *last* step. So once the task reports success the expert holds
still: zero end-effector motion, the last gripper command kept (`HOLD`). Tasks where holding does
worse than carrying on are listed in `NO_HOLD`.
"""

from __future__ import annotations

import numpy as np

from envs.experts import Expert
from envs.metaworld import env_name

# Tasks whose stock policy keeps success better than holding still (measured; see docs/demos.md).
NO_HOLD: frozenset[str] = frozenset()


class MetaWorldExpert(Expert):
    def __init__(self, task: str, env, hold: bool | None = None):
        super().__init__(env)
        from metaworld.policies import ENV_POLICY_MAP

        self.policy = ENV_POLICY_MAP[env_name(task)]()
        self.hold = task not in NO_HOLD if hold is None else hold
        self._holding = False
        self._gripper = -1.0

    def begin(self, obs, info):
        self._holding = False
        self._gripper = -1.0

    def act(self, obs, info):
        if self.hold and (self._holding or info.get("success", 0.0) == 1.0):
            self._holding = True
            return np.array([0.0, 0.0, 0.0, self._gripper], np.float32)
        action = np.clip(self.policy.get_action(obs), -1, 1).astype(np.float32)
        self._gripper = float(action[3])
        return action


def make(task: str, env) -> Expert:
    return MetaWorldExpert(task, env)
