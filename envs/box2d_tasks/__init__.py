"""MMBench's Box2D variants as small subclasses of gymnasium's BipedalWalker and LunarLander.

`walker.TerrainWalker` runs the stock walker on one of five terrains (flat, uneven, rugged, hills,
obstacles); `lander.TaskLander` runs the continuous lander on MMBench's square scene with one of
three goals (land, hover, takeoff). `envs.box2d` turns them into MMBench tasks.
"""
