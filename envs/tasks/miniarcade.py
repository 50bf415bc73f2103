"""MiniArcade: 19 arcade-style games plus held-out variants (maker: `envs.miniarcade`).

params: game, the game class as `module:Class` inside `envs.miniarcade`; the other entries are
the class's keyword arguments (variants of one game are parameters of one class).
"""

from __future__ import annotations

from envs.scoring import SUCCESS_SCORE, return_score
from envs.tasks import Row

DOMAIN = "pygame"
MAKER = "envs.miniarcade:make"
SCORE = return_score(500.0)  # unless a row says otherwise
STEP_COST_US = 40.0  # pool load balancing: typical agent-step cost, unless a row says otherwise

JUMP_RUNNER = "2D side-scroller game with 1 controllable action: jump"
CARTPOLE = "2D cartpole with 1 controllable joint (the cart), implemented in python"
POINT_MAZE = "2D point mass with 2 controllable actions: x and y velocity"
REACHER = "2D reacher with 2 controllable joints, implemented in python"

ROWS = (
    Row(name="pygame-cowboy", action_dim=1, episode_length=500, obs_dim=3, embodiment=JUMP_RUNNER,
        instruction="Jump to avoid obstacles", params=dict(game="cowboy:Cowboy")),
    Row(name="pygame-coinrun", action_dim=1, episode_length=500, obs_dim=12, embodiment=JUMP_RUNNER,
        instruction="Collect as many coins as possible", score=return_score(50.0),
        params=dict(game="coinrun:CoinRun")),
    Row(name="pygame-spaceship", action_dim=2, episode_length=500, obs_dim=14,
        embodiment="2D side-scroller controlling a spaceship that moves in X and Y directions",
        instruction="Collect coins while avoiding asteroids", score=return_score(60.0),
        params=dict(game="spaceship:Spaceship")),
    Row(name="pygame-pong", action_dim=1, episode_length=500, obs_dim=6,
        embodiment="2D pong game with 1 controllable action: paddle movement",
        instruction="Score against an AI opponent", score=return_score(3.0, low=-3.0),
        params=dict(game="pong:Pong")),
    Row(name="pygame-bird-attack", action_dim=2, episode_length=500, obs_dim=55,
        embodiment="2D shooter game with 2 controllable actions: move and fire",
        instruction="Eliminate all enemies in a space-invaders style game", score=return_score(16.0),
        params=dict(game="bird_attack:BirdAttack")),
    Row(name="pygame-highway", action_dim=2, episode_length=500, obs_dim=24,
        embodiment="2D side-scroller controlling a vehicle that moves in X and Y directions",
        instruction="Avoid collision with other vehicles", score=return_score(10.0),
        params=dict(game="highway:Highway")),
    Row(name="pygame-landing", action_dim=2, episode_length=200, obs_dim=7,
        embodiment="2D helicopter that moves in X and Y directions",
        instruction="Land the helicopter on the moving ship", score=return_score(200.0),
        params=dict(game="landing:Landing")),
    Row(name="pygame-air-hockey", action_dim=2, episode_length=500, obs_dim=12,
        embodiment="2D air hockey game with 2 controllable actions: paddle X and Y movement",
        instruction="Score points against the opponent", score=return_score(10.0),
        params=dict(game="air_hockey:AirHockey")),
    Row(name="pygame-rocket-collect", action_dim=2, episode_length=500, obs_dim=21,
        embodiment="2D space rocket with 2 controllable actions: main engine and side thruster",
        instruction="Collect coins while avoiding asteroids", score=return_score(25.0),
        params=dict(game="rocket_collect:RocketCollect")),
    Row(name="pygame-chase-evade", action_dim=2, episode_length=500, obs_dim=15,
        embodiment="2D chase and evade game with X and Y movement",
        instruction="Take turns being the chaser or evader", score=return_score(50.0, low=-50.0),
        params=dict(game="chase_evade:ChaseEvade")),
    Row(name="pygame-coconut-dodge", action_dim=1, episode_length=500, obs_dim=29,
        embodiment="2D minigame with a character that moves laterally", instruction="Dodge falling coconuts",
        score=return_score(0.0, low=-15.0), params=dict(game="coconut_dodge:CoconutDodge")),
    Row(name="pygame-cartpole-balance", action_dim=1, episode_length=500, obs_dim=4, embodiment=CARTPOLE,
        instruction="Balance the pole", params=dict(game="cartpole:CartPole", swingup=False, sparse=False)),
    Row(name="pygame-cartpole-swingup", action_dim=1, episode_length=500, obs_dim=4, embodiment=CARTPOLE,
        instruction="Swing up the pole and balance it",
        params=dict(game="cartpole:CartPole", swingup=True, sparse=False)),
    Row(name="pygame-cartpole-balance-sparse", action_dim=1, episode_length=500, obs_dim=4,
        embodiment=CARTPOLE, instruction="Balance the pole",
        params=dict(game="cartpole:CartPole", swingup=False, sparse=True)),
    Row(name="pygame-cartpole-swingup-sparse", action_dim=1, episode_length=500, obs_dim=4,
        embodiment=CARTPOLE, instruction="Swing up the pole and balance it",
        params=dict(game="cartpole:CartPole", swingup=True, sparse=True)),
    Row(name="pygame-cartpole-tremor", action_dim=1, episode_length=500, obs_dim=4, embodiment=CARTPOLE,
        instruction="Balance the pole amidst disturbances",
        params=dict(game="cartpole:CartPole", swingup=False, sparse=False, tremor=True)),
    Row(name="pygame-point-maze-var1", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Navigate to the target location", score=SUCCESS_SCORE,
        params=dict(game="point_maze:PointMaze", layout=1)),
    Row(name="pygame-point-maze-var2", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Navigate to the green target", score=SUCCESS_SCORE,
        params=dict(game="point_maze:PointMaze", layout=2)),
    Row(name="pygame-point-maze-var3", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Go to the green target location", score=SUCCESS_SCORE,
        params=dict(game="point_maze:PointMaze", layout=3)),
    Row(name="pygame-point-maze-var4", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Navigate to the target location", score=SUCCESS_SCORE, soup=False,
        params=dict(game="point_maze:PointMaze", layout=4)),
    Row(name="pygame-point-maze-var5", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Go to the target location", score=SUCCESS_SCORE, soup=False,
        params=dict(game="point_maze:PointMaze", layout=5)),
    Row(name="pygame-point-maze-var6", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Navigate to the target", score=SUCCESS_SCORE, soup=False,
        params=dict(game="point_maze:PointMaze", layout=6)),
    Row(name="pygame-point-maze-var7", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Go to the green target", score=SUCCESS_SCORE, soup=False,
        params=dict(game="point_maze:PointMaze", layout=7)),
    Row(name="pygame-point-maze-var8", action_dim=2, episode_length=200, obs_dim=44, embodiment=POINT_MAZE,
        instruction="Go to the target", score=SUCCESS_SCORE, soup=False,
        params=dict(game="point_maze:PointMaze", layout=8)),
    Row(name="pygame-reacher-easy", action_dim=2, episode_length=200, obs_dim=6, embodiment=REACHER,
        instruction="Reach for the red target", score=return_score(200.0), soup=False,
        params=dict(game="reacher:Reacher", variant="easy")),
    Row(name="pygame-reacher-hard", action_dim=2, episode_length=200, obs_dim=6, embodiment=REACHER,
        instruction="Reach for the small red target", score=return_score(200.0), soup=False,
        params=dict(game="reacher:Reacher", variant="hard")),
    # pygame-reacher-var1: a moving target, so two more observation entries (its velocity).
    Row(name="pygame-reacher-var1", action_dim=2, episode_length=200, obs_dim=8, embodiment=REACHER,
        instruction="Reach for the red target", score=return_score(200.0), soup=False,
        params=dict(game="reacher:Reacher", variant="var1")),
    Row(name="pygame-reacher-var2", action_dim=2, episode_length=200, obs_dim=6, embodiment=REACHER,
        instruction="Reach for the red target", score=return_score(200.0), soup=False,
        params=dict(game="reacher:Reacher", variant="var2")),
)
