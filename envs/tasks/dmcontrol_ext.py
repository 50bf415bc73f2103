"""Custom DeepMind Control tasks and their held-out variants (maker: `envs.dmcontrol`, recipes in
`envs.dmcontrol_ext`).
"""

from __future__ import annotations

from envs.scoring import return_score
from envs.tasks import Row

DOMAIN = "dmcontrol-ext"
MAKER = "envs.dmcontrol:make"
SCORE = return_score(1000.0)  # unless a row says otherwise
STEP_COST_US = 400.0  # pool load balancing: typical agent-step cost, unless a row says otherwise

WALKER = "2D walker with 6 controllable joints across 2 legs"
CHEETAH = "2D cheetah with 6 controllable joints across 2 legs"
REACHER_THREE = "2D reacher with 3 controllable joints"
SPINNER = "2D spinner with 5 controllable joints across 5 arms"
SPINNER_FOUR = "2D spinner with 4 controllable joints across 4 arms"

ROWS = (
    Row(name="walker-walk-backward", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Walk backward"),
    Row(name="walker-run-backward", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Run backward quickly"),
    Row(name="cheetah-run-backward", action_dim=6, episode_length=500, obs_dim=17, embodiment=CHEETAH,
        instruction="Run backward as fast as possible"),
    Row(name="cheetah-run-front", action_dim=6, episode_length=500, obs_dim=17, embodiment=CHEETAH,
        instruction="Run forward quickly only on its front leg"),
    Row(name="cheetah-run-back", action_dim=6, episode_length=500, obs_dim=17, embodiment=CHEETAH,
        instruction="Run forward only on its hind leg"),
    Row(name="cheetah-jump", action_dim=6, episode_length=500, obs_dim=17, embodiment=CHEETAH,
        instruction="Jump as high as possible"),
    Row(name="hopper-hop-backward", action_dim=4, episode_length=500, obs_dim=15,
        embodiment="2D hopper with 4 controllable joints, 1 leg", instruction="Hop backward on its leg"),
    Row(name="reacher-three-easy", action_dim=3, episode_length=500, obs_dim=8, embodiment=REACHER_THREE,
        instruction="Reach for the large red target"),
    Row(name="reacher-three-hard", action_dim=3, episode_length=500, obs_dim=8, embodiment=REACHER_THREE,
        instruction="Reach for the small red target"),
    Row(name="cup-spin", action_dim=2, episode_length=500, obs_dim=8,
        embodiment="2D cup that moves in any 2D direction and has a ball attached by string",
        instruction="Spin the ball around the cup"),
    Row(name="pendulum-spin", action_dim=1, episode_length=500, obs_dim=3,
        embodiment="2D pendulum with 1 controllable joint", instruction="Spin the pendulum quickly"),
    Row(name="jumper-jump", action_dim=2, episode_length=500, obs_dim=9,
        embodiment="2D jumper with 2 controllable joints across 2 legs",
        instruction="Jump as high as possible"),
    Row(name="spinner-spin", action_dim=5, episode_length=500, obs_dim=15, embodiment=SPINNER,
        instruction="Spin forward"),
    Row(name="spinner-spin-backward", action_dim=5, episode_length=500, obs_dim=15, embodiment=SPINNER,
        instruction="Spin backward"),
    Row(name="spinner-jump", action_dim=5, episode_length=500, obs_dim=15, embodiment=SPINNER,
        instruction="Jump as high as possible"),
    Row(name="giraffe-run", action_dim=7, episode_length=500, obs_dim=19,
        embodiment="2D giraffe with 7 controllable joints across 2 legs and the neck",
        instruction="Run forward at high speed"),
    Row(name="cartpole-balance-two-poles-sparse", action_dim=1, episode_length=500, obs_dim=8,
        embodiment="2D cartpole with 1 controllable joint (the cart) and two poles",
        instruction="Balance the pole upright", soup=False),
    Row(name="cartpole-balance-long-sparse", action_dim=1, episode_length=500, obs_dim=5,
        embodiment="2D cartpole with 1 controllable joint (the cart) and a pole",
        instruction="Balance the pole upright", soup=False),
    Row(name="walker-stand-incline", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Stand upright and maintain balance", soup=False),
    Row(name="walker-walk-incline", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Walk forward at moderate speed", soup=False),
    Row(name="walker-run-incline", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Run forward as fast as possible", soup=False),
    Row(name="walker-arabesque", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Stand on one leg with the other leg extended backward", soup=False),
    Row(name="walker-lie-down", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Lie down on the ground", soup=False),
    Row(name="walker-legs-up", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Lie down with legs up", soup=False),
    Row(name="walker-headstand", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Stand on your head", soup=False),
    Row(name="spinner-spin-four", action_dim=4, episode_length=500, obs_dim=13, embodiment=SPINNER_FOUR,
        instruction="Spin forward", soup=False),
    Row(name="spinner-spin-backward-four", action_dim=4, episode_length=500, obs_dim=13,
        embodiment=SPINNER_FOUR, instruction="Spin backward", soup=False),
    Row(name="spinner-jump-four", action_dim=4, episode_length=500, obs_dim=13, embodiment=SPINNER_FOUR,
        instruction="Jump as high as possible", soup=False),
)
