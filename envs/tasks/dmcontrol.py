"""DeepMind Control Suite: the 21 stock tasks (maker: `envs.dmcontrol`)."""

from __future__ import annotations

from envs.scoring import return_score
from envs.tasks import Row

DOMAIN = "dmcontrol"
MAKER = "envs.dmcontrol:make"
SCORE = return_score(1000.0)  # unless a row says otherwise
STEP_COST_US = 500.0  # pool load balancing: typical agent-step cost, unless a row says otherwise

WALKER = "2D walker with 6 controllable joints across 2 legs"
REACHER = "2D reacher with 2 controllable joints"
CARTPOLE = "2D cartpole with 1 controllable joint (the cart) and a pole"
FINGER = "2D finger with 2 controllable joints"
HOPPER = "2D hopper with 4 controllable joints, 1 leg"
QUADRUPED = '3D quadruped ("ant") with 12 controllable joints across 4 legs'

ROWS = (
    Row(name="walker-stand", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Stand upright and maintain balance", step_cost_us=650.0),
    Row(name="walker-walk", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Walk forward at moderate speed", step_cost_us=600.0),
    Row(name="walker-run", action_dim=6, episode_length=500, obs_dim=24, embodiment=WALKER,
        instruction="Run forward as fast as possible", step_cost_us=600.0),
    Row(name="cheetah-run", action_dim=6, episode_length=500, obs_dim=17,
        embodiment="2D cheetah with 6 controllable joints across 2 legs", instruction="Run forward quickly",
        step_cost_us=300.0),
    Row(name="reacher-easy", action_dim=2, episode_length=500, obs_dim=6, embodiment=REACHER,
        instruction="Reach for the large red target", step_cost_us=300.0),
    Row(name="reacher-hard", action_dim=2, episode_length=500, obs_dim=6, embodiment=REACHER,
        instruction="Reach for the small red target", step_cost_us=300.0),
    Row(name="acrobot-swingup", action_dim=1, episode_length=500, obs_dim=6,
        embodiment="2D acrobot with 1 controllable joint, 2 links total",
        instruction="Swing up to a vertical position", step_cost_us=300.0),
    Row(name="pendulum-swingup", action_dim=1, episode_length=500, obs_dim=3,
        embodiment="2D pendulum with 1 controllable joint", instruction="Swing up to an upright position",
        step_cost_us=200.0),
    Row(name="cartpole-balance", action_dim=1, episode_length=500, obs_dim=5, embodiment=CARTPOLE,
        instruction="Balance the pole upright", step_cost_us=500.0),
    Row(name="cartpole-balance-sparse", action_dim=1, episode_length=500, obs_dim=5, embodiment=CARTPOLE,
        instruction="Balance the pole upright", step_cost_us=400.0),
    Row(name="cartpole-swingup", action_dim=1, episode_length=500, obs_dim=5, embodiment=CARTPOLE,
        instruction="Swing the pole up to a vertical position", step_cost_us=500.0),
    Row(name="cartpole-swingup-sparse", action_dim=1, episode_length=500, obs_dim=5, embodiment=CARTPOLE,
        instruction="Swing the pole up to a vertical position", step_cost_us=300.0),
    Row(name="cup-catch", action_dim=2, episode_length=500, obs_dim=8,
        embodiment="2D cup that moves in any 2D direction and has a ball attached by string",
        instruction="Swing the ball into the cup", step_cost_us=450.0),
    Row(name="finger-spin", action_dim=2, episode_length=500, obs_dim=9, embodiment=FINGER,
        instruction="Spin the cylindrical object quickly", step_cost_us=300.0),
    Row(name="finger-turn-easy", action_dim=2, episode_length=500, obs_dim=12, embodiment=FINGER,
        instruction="Turn the cylindrical object to the target position", step_cost_us=400.0),
    Row(name="finger-turn-hard", action_dim=2, episode_length=500, obs_dim=12, embodiment=FINGER,
        instruction="Turn the cylindrical object to the target position", step_cost_us=400.0),
    Row(name="fish-swim", action_dim=5, episode_length=500, obs_dim=24,
        embodiment="3D fish with 5 controllable joints", instruction="Swim to the target location",
        step_cost_us=600.0),
    Row(name="hopper-stand", action_dim=4, episode_length=500, obs_dim=15, embodiment=HOPPER,
        instruction="Stand upright and balance on its leg", step_cost_us=450.0),
    Row(name="hopper-hop", action_dim=4, episode_length=500, obs_dim=15, embodiment=HOPPER,
        instruction="Hop forward as fast as possible", step_cost_us=400.0),
    Row(name="quadruped-walk", action_dim=12, episode_length=500, obs_dim=78, embodiment=QUADRUPED,
        instruction="Walk at a steady pace using all 4 legs", step_cost_us=800.0),
    Row(name="quadruped-run", action_dim=12, episode_length=500, obs_dim=78, embodiment=QUADRUPED,
        instruction="Run as fast as possible using all 4 legs", step_cost_us=850.0),
)
