"""OGBench locomotion: directional ant, ant soccer, point/ant mazes (maker: `envs.ogbench`).

params: env, the family ("maze", "ant" or "antball"); loco, the body of a maze task ("point" or "ant");
layout, its wall map and task list ("medium" is OGBench's medium maze).
"""

from __future__ import annotations

from envs.scoring import SUCCESS_SCORE, return_score
from envs.tasks import Row

DOMAIN = "ogbench"
MAKER = "envs.ogbench:make"
SCORE = SUCCESS_SCORE  # unless a row says otherwise
STEP_COST_US = 900.0  # pool load balancing: typical agent-step cost, unless a row says otherwise

ANT = "3D ant (quadruped) with 8 controllable joints across 4 legs"
POINT = "Simple 2D point mass with 2 controllable actions: x and y velocity"

ROWS = (
    Row(name="og-ant", action_dim=8, episode_length=1000, obs_dim=29, embodiment=ANT,
        instruction="Run at high speed", score=return_score(250.0), discount=0.99, params=dict(env="ant")),
    Row(name="og-antball", action_dim=8, episode_length=200, obs_dim=42, embodiment=ANT,
        instruction="Push the soccer ball to the goal location", params=dict(env="antball")),
    Row(name="og-point-arena", action_dim=2, episode_length=100, obs_dim=9, embodiment=POINT,
        instruction="Move the point mass to the red goal location",
        params=dict(env="maze", loco="point", layout="arena")),
    Row(name="og-point-maze", action_dim=2, episode_length=100, obs_dim=9, embodiment=POINT,
        instruction="Navigate through a maze to reach the red goal",
        params=dict(env="maze", loco="point", layout="medium")),
    Row(name="og-point-bottleneck", action_dim=2, episode_length=100, obs_dim=9, embodiment=POINT,
        instruction="Navigate the point mass to the red goal, avoiding obstacles",
        params=dict(env="maze", loco="point", layout="bottleneck")),
    Row(name="og-point-circle", action_dim=2, episode_length=100, obs_dim=9, embodiment=POINT,
        instruction="Navigate the point mass around a circular maze to reach a red goal",
        params=dict(env="maze", loco="point", layout="circle")),
    Row(name="og-point-spiral", action_dim=2, episode_length=100, obs_dim=9, embodiment=POINT,
        instruction="Move to the red goal location by navigating through a spiral maze",
        params=dict(env="maze", loco="point", layout="spiral")),
    Row(name="og-ant-arena", action_dim=8, episode_length=200, obs_dim=36, embodiment=ANT,
        instruction="Move the ant to the red goal", params=dict(env="maze", loco="ant", layout="arena")),
    Row(name="og-ant-maze", action_dim=8, episode_length=200, obs_dim=36, embodiment=ANT,
        instruction="Navigate through a maze to reach the red goal",
        params=dict(env="maze", loco="ant", layout="medium")),
    Row(name="og-ant-bottleneck", action_dim=8, episode_length=200, obs_dim=36, embodiment=ANT,
        instruction="Navigate to the red goal location, avoiding obstacles",
        params=dict(env="maze", loco="ant", layout="bottleneck")),
    Row(name="og-ant-circle", action_dim=8, episode_length=200, obs_dim=36, embodiment=ANT,
        instruction="Reach the red goal location by navigating through the circular maze",
        params=dict(env="maze", loco="ant", layout="circle")),
    Row(name="og-ant-spiral", action_dim=8, episode_length=200, obs_dim=36, embodiment=ANT,
        instruction="The ant must traverse a spiral maze to reach a goal marked in red",
        params=dict(env="maze", loco="ant", layout="spiral")),
    Row(name="og-point-var1", action_dim=2, episode_length=100, obs_dim=9, embodiment=POINT,
        instruction="Navigate the point mass to the goal, avoiding obstacles", soup=False,
        params=dict(env="maze", loco="point", layout="var1")),
    Row(name="og-point-var2", action_dim=2, episode_length=100, obs_dim=9, embodiment=POINT,
        instruction="Navigate the point mass around a maze to reach a red goal", soup=False,
        params=dict(env="maze", loco="point", layout="var2")),
)
