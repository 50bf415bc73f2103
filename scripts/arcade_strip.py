"""Render one frame of each MiniArcade soup game into a PNG strip for the README.

    python scripts/arcade_strip.py                       # writes assets/miniarcade.png
    python scripts/arcade_strip.py --steps 80 --columns 5 --out /tmp/arcade.png

Each game is reset with a fixed seed and played for `--steps` steps (with the game's own
`scripted_action` where it has one, else seeded random actions) before its frame is taken, so
the picture shows the game in motion. Games whose module does not exist yet are skipped and named.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np

import envs

ROOT = Path(__file__).resolve().parents[1]

LABEL_HEIGHT = 18  # pixels of caption under each frame


def game_available(task: str) -> bool:
    module = envs.get_task(task).params["game"].split(":")[0]
    return importlib.util.find_spec(f"envs.miniarcade.{module}") is not None


def frame_of(task: str, steps: int, seed: int) -> np.ndarray:
    """Play `steps` steps of a task and return its (224, 224, 3) frame."""
    env = envs.make(task, seed=seed, render_mode="rgb_array")
    game = env.unwrapped
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        if hasattr(game, "scripted_action"):
            action = np.asarray(game.scripted_action(obs), dtype=np.float32)
        else:
            action = rng.uniform(-1, 1, env.action_space.shape).astype(np.float32)
        obs, *_ = env.step(action)
    frame = env.render()
    env.close()
    return frame


def compose(frames: list[tuple[str, np.ndarray]], columns: int):
    """Tile captioned frames on a pygame surface, `columns` per row."""
    import pygame

    pygame.font.init()
    font = pygame.font.Font(None, 18)
    size = frames[0][1].shape[0]
    rows = -(-len(frames) // columns)
    sheet = pygame.Surface((columns * size, rows * (size + LABEL_HEIGHT)))
    sheet.fill((255, 255, 255))
    for i, (task, frame) in enumerate(frames):
        x, y = (i % columns) * size, (i // columns) * (size + LABEL_HEIGHT)
        sheet.blit(pygame.surfarray.make_surface(frame.transpose(1, 0, 2)), (x, y))
        label = font.render(task.removeprefix("pygame-"), True, (20, 20, 20))
        sheet.blit(label, (x + (size - label.get_width()) // 2, y + size + 2))
    return sheet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "miniarcade.png")
    parser.add_argument("--steps", type=int, default=60, help="steps played before each frame")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--columns", type=int, default=10, help="frames per row")
    args = parser.parse_args(argv)
    if args.steps < 0 or args.columns < 1:
        parser.error(f"--steps must be >= 0 and --columns >= 1, got {args.steps} and {args.columns}")

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    tasks = envs.TASK_SETS["pygame"]
    missing = [t for t in tasks if not game_available(t)]
    frames = [(t, frame_of(t, args.steps, args.seed)) for t in tasks if t not in missing]
    if not frames:
        print("no MiniArcade game is implemented yet; nothing written", file=sys.stderr)
        return 1
    import pygame

    args.out.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(compose(frames, args.columns), str(args.out))
    print(f"wrote {args.out} with {len(frames)}/{len(tasks)} games")
    if missing:
        print(f"missing (not implemented yet): {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
