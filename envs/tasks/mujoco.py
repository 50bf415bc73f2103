"""Gymnasium MuJoCo locomotion, v5 envs (maker: `envs.mujoco`).

params: env_id, the gymnasium id; action_repeat, inner steps per agent step; reward, "native",
"healthy" (hopper/walker clamp) or "sticky_fall" (pendulum); env_kwargs, passed to the env class.
"""

from __future__ import annotations

from envs.scoring import return_score
from envs.tasks import Row

DOMAIN = "mujoco"
MAKER = "envs.mujoco:make"
SCORE = return_score(5000.0)  # unless a row says otherwise
STEP_COST_US = 300.0  # pool load balancing: typical agent-step cost, unless a row says otherwise


ROWS = (
    Row(name="mujoco-ant", action_dim=8, episode_length=500, obs_dim=27,
        embodiment="3D MuJoCo ant (quadruped) with 8 controllable joints across 4 legs",
        instruction="Run as fast as possible", discount=0.99,
        params=dict(env_id="Ant-v5", action_repeat=2, reward="native", env_kwargs=dict(
            # Ant-v4 (the original's) observed no contact forces and charged no contact cost.
            terminate_when_unhealthy=False, include_cfrc_ext_in_observation=False, contact_cost_weight=0.0))),
    Row(name="mujoco-halfcheetah", action_dim=6, episode_length=1000, obs_dim=17,
        embodiment="2D MuJoCo half-cheetah with 6 controllable joints",
        instruction="Run forward as fast as possible", score=return_score(15000.0), discount=0.99,
        params=dict(env_id="HalfCheetah-v5", action_repeat=1, reward="native")),
    Row(name="mujoco-hopper", action_dim=3, episode_length=500, obs_dim=11,
        embodiment="2D MuJoCo hopper with 3 controllable joints",
        instruction="Hopper hops forward at high speed", discount=0.99,
        params=dict(env_id="Hopper-v5", action_repeat=2, reward="healthy",
                    env_kwargs=dict(terminate_when_unhealthy=False))),
    Row(name="mujoco-inverted-pendulum", action_dim=1, episode_length=500, obs_dim=4,
        embodiment="2D inverted pendulum problem with a controllable cart",
        instruction="Balance the inverted pendulum upright", score=return_score(1000.0), discount=0.99,
        params=dict(env_id="InvertedPendulum-v5", action_repeat=2, reward="sticky_fall")),
    Row(name="mujoco-reacher", action_dim=2, episode_length=50, obs_dim=10,  # v5: 10 (v4: 11)
        embodiment="2D MuJoCo reacher with 2 controllable joints",
        instruction="Reach the target position with the end-effector", score=return_score(0.0, low=-50.0),
        params=dict(env_id="Reacher-v5", action_repeat=1, reward="native")),
    Row(name="mujoco-walker", action_dim=6, episode_length=500, obs_dim=17,
        embodiment="2D MuJoCo walker with 6 controllable joints across its 2 legs",
        instruction="Walk forward at high speed", discount=0.99,
        params=dict(env_id="Walker2d-v5", action_repeat=2, reward="healthy",
                    env_kwargs=dict(terminate_when_unhealthy=False))),
)
