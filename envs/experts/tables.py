"""Which tasks of the domains with partial coverage have an expert (kept apart from the expert code,
so that listing experts imports no simulator)."""

# ManiSkill: the library's motion-planning solutions (envs.maniskill_expert.SOLUTIONS), and the
# reach tasks (a proportional controller toward the goal), and the cartpoles (balance / swing-up).
MANISKILL = ("ms-pick-cube", "ms-pick-cube-eepose", "ms-push-cube", "ms-pull-cube", "ms-stack-cube",
             "ms-place-sphere", "ms-pull-cube-tool", "ms-lift-peg", "ms-reach", "ms-reach-eepose", "ms-reach-xarm6",
             "ms-cartpole-balance", "ms-cartpole-swingup", "ms-cartpole-balance-sparse", "ms-cartpole-swingup-sparse")
# MuJoCo: the inverted pendulum (linear balance controller).
MUJOCO = ("mujoco-inverted-pendulum",)
# Box2D: lunar-lander heuristics.
BOX2D = ("lunarlander-land", "lunarlander-hover", "lunarlander-takeoff")
# OGBench: the point mazes (grid shortest path + waypoints), soup and held-out.
OGBENCH = ("og-point-arena", "og-point-maze", "og-point-bottleneck", "og-point-circle", "og-point-spiral",
           "og-point-var1", "og-point-var2")
# RoboDesk: IK waypoint scripts for the three buttons.
ROBODESK = ("rd-push-red", "rd-push-green", "rd-push-blue")
