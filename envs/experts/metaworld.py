"""Meta-World experts: the library's scripted policies (`metaworld.policies`), all 49 tasks.

The stock policies reach success and then often lose it (they keep pushing, pull back or let go),
while MMBench scores success at the *last* step. So once the task reports success the expert
switches to an after-success rule: by default it holds still at once (zero end-effector motion, the
last gripper command kept). `AFTER_SUCCESS` lists the tasks where another rule, measured on seeds
0-7 against the others (hold after 0/1/2/3/5/8 steps, repeat the last action, open the gripper,
move up or down, or carry on with the stock policy), keeps success more often.
"""

from __future__ import annotations

import numpy as np

from envs.experts import Expert
from envs.metaworld import env_name

# (rule, delay): after success, carry on with the stock policy for `delay` steps, then apply the rule:
# "hold" (no motion, last gripper command), "repeat" (the last action), "open" (no motion, gripper
# open), "up" (move up), "stock" (never stop the stock policy).
DEFAULT_RULE = ("hold", 0)
AFTER_SUCCESS: dict[str, tuple[str, int]] = {
    "mw-button-press-topdown": ("stock", 0),  # holding on the button lets it rise back (1.0 vs 0.5)
    "mw-handle-press-side": ("repeat", 0),  # keep pressing (1.0 vs 0.5)
    "mw-handle-press": ("up", 0),  # lift off so the hand does not rest on the handle (1.0 vs 0.0)
    "mw-handle-pull-side": ("hold", 3),
    "mw-lever-pull": ("hold", 3),
    "mw-sweep-into": ("open", 0),  # let go of the puck over the hole
}


class MetaWorldExpert(Expert):
    """`hold=False` gives the stock policy alone (for measuring what the after-success rules add)."""

    def __init__(self, task: str, env, hold: bool = True):
        super().__init__(env)
        from metaworld.policies import ENV_POLICY_MAP

        self.policy = ENV_POLICY_MAP[env_name(task)]()
        self.rule, self.delay = AFTER_SUCCESS.get(task, DEFAULT_RULE) if hold else ("stock", 0)
        self.begin(None, {})

    def begin(self, obs, info):
        self._since: int | None = None  # steps since the first success
        self._last = np.array([0.0, 0.0, 0.0, -1.0], np.float32)

    def act(self, obs, info):
        if self._since is None and info.get("success", 0.0) == 1.0:
            self._since = 0
        if self._since is not None and self.rule != "stock":
            self._since += 1
            if self._since > self.delay:
                grip = float(self._last[3])
                return {"hold": np.array([0.0, 0.0, 0.0, grip], np.float32),
                        "repeat": self._last,
                        "open": np.array([0.0, 0.0, 0.0, -1.0], np.float32),
                        "up": np.array([0.0, 0.0, 1.0, grip], np.float32)}[self.rule]
        # A copy: some stock policies edit the observation in place (door-open's `pos_door[0] -= 0.05`,
        # door-close's `pos_door += ...`), which corrupted the demo rows that hold the same array.
        action = np.clip(self.policy.get_action(obs.copy()), -1, 1).astype(np.float32)
        self._last = action
        return action


def make(task: str, env) -> Expert:
    return MetaWorldExpert(task, env)
