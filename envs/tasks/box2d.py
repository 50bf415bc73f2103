"""Box2D: the bipedal walker on five terrains and the lunar lander with three goals (maker:
`envs.box2d`; params: `terrain` or `goal`).
"""

from __future__ import annotations

from envs.scoring import return_score
from envs.tasks import Row

DOMAIN = "box2d"
MAKER = "envs.box2d:make"
SCORE = return_score(125.0)  # walker; the original's 250 matched its doubled forward reward
STEP_COST_US = 450.0  # pool load balancing: typical agent-step cost, unless a row says otherwise

BIPEDAL_WALKER = "2D cartoonish bipedal walker with 4 controllable joints across 2 legs"
LUNARLANDER = "2D lunar lander with 2 controllable thrusters"

ROWS = (
    Row(name="bipedal-walker-flat", action_dim=4, episode_length=250, obs_dim=24, embodiment=BIPEDAL_WALKER,
        instruction="Walk forward quickly on flat terrain", discount=0.99, params=dict(terrain="flat")),
    Row(name="bipedal-walker-uneven", action_dim=4, episode_length=250, obs_dim=24, embodiment=BIPEDAL_WALKER,
        instruction="Walk forward as fast as possible on uneven terrain", discount=0.99,
        params=dict(terrain="uneven")),
    Row(name="bipedal-walker-rugged", action_dim=4, episode_length=250, obs_dim=24, embodiment=BIPEDAL_WALKER,
        instruction="Walk forward at high speed on rugged terrain", discount=0.99,
        params=dict(terrain="rugged")),
    Row(name="bipedal-walker-hills", action_dim=4, episode_length=250, obs_dim=24, embodiment=BIPEDAL_WALKER,
        instruction="Traverse the hills as fast as possible", discount=0.99, params=dict(terrain="hills")),
    Row(name="bipedal-walker-obstacles", action_dim=4, episode_length=250, obs_dim=24,
        embodiment=BIPEDAL_WALKER, instruction="Traverse the various obstacles quickly", discount=0.99,
        params=dict(terrain="obstacles")),
    Row(name="lunarlander-land", action_dim=2, episode_length=250, obs_dim=8, embodiment=LUNARLANDER,
        instruction="Land safely on the landing pad", score=return_score(500.0), discount=0.99,
        params=dict(goal="land")),
    Row(name="lunarlander-hover", action_dim=2, episode_length=250, obs_dim=10, embodiment=LUNARLANDER,
        instruction="Hover safely around the target position", score=return_score(500.0), discount=0.99,
        params=dict(goal="hover")),
    Row(name="lunarlander-takeoff", action_dim=2, episode_length=250, obs_dim=10, embodiment=LUNARLANDER,
        instruction="Take off and fly to the target position", score=return_score(500.0), discount=0.99,
        params=dict(goal="takeoff")),
)
