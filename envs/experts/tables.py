"""Which tasks of the domains with partial coverage have an expert (kept apart from the expert code,
so that listing experts imports no simulator)."""

# ManiSkill: the library's motion-planning solutions (envs.maniskill_expert.SOLUTIONS).
MANISKILL = ("ms-pick-cube", "ms-pick-cube-eepose", "ms-push-cube", "ms-pull-cube", "ms-stack-cube",
             "ms-place-sphere", "ms-pull-cube-tool", "ms-lift-peg")
BOX2D = ()
OGBENCH = ()
ROBODESK = ()
