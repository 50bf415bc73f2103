"""RoboDesk: six desk tasks for a Franka arm (maker: `envs.robodesk`; params: RoboDesk's task name)."""

from __future__ import annotations

from envs.scoring import SUCCESS_SCORE
from envs.tasks import Row

DOMAIN = "robodesk"
MAKER = "envs.robodesk:make"
SCORE = SUCCESS_SCORE  # unless a row says otherwise
STEP_COST_US = 18000.0  # pool load balancing: typical agent-step cost, unless a row says otherwise

FRANKA = "Franka robot with a 2-finger gripper and delta joint position control"

ROWS = (
    Row(name="rd-push-red", action_dim=5, episode_length=100, obs_dim=73, embodiment=FRANKA,
        instruction="Push the red button", params=dict(task="push_red")),
    Row(name="rd-push-green", action_dim=5, episode_length=100, obs_dim=73, embodiment=FRANKA,
        instruction="Please push the green button", params=dict(task="push_green")),
    Row(name="rd-push-blue", action_dim=5, episode_length=100, obs_dim=73, embodiment=FRANKA,
        instruction="Push the blue button", params=dict(task="push_blue")),
    Row(name="rd-open-slide", action_dim=5, episode_length=100, obs_dim=73, embodiment=FRANKA,
        instruction="Open the sliding door", params=dict(task="open_slide")),
    Row(name="rd-open-drawer", action_dim=5, episode_length=100, obs_dim=73, embodiment=FRANKA,
        instruction="Open the drawer", params=dict(task="open_drawer")),
    Row(name="rd-flat-block-in-bin", action_dim=5, episode_length=100, obs_dim=73, embodiment=FRANKA,
        instruction="Put the flat block into the bin", params=dict(task="flat_block_in_bin")),
)
