"""`python -m envs play|record`: play a MiniArcade game with the keyboard, or record an episode.

    python -m envs play pygame-pong [--fps 30] [--scale 3] [--seed 0]
    python -m envs record pygame-pong --out pong.gif [--policy random|scripted] [--steps N]

`play` needs a display (a pygame window); `record` is headless and works for every task whose
env can `render()` (all pygame games; the simulator domains where their renderer is available).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from envs.registry import get_task

VIDEO_SUFFIXES = (".gif", ".mp4")
POLICIES = ("random", "scripted")
KEYS = {"left": "K_LEFT", "right": "K_RIGHT", "up": "K_UP", "down": "K_DOWN", "space": "K_SPACE"}


def _open_window(size: int):
    """A pygame window, or a RuntimeError saying why none can be opened here."""
    if os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen"):
        raise RuntimeError(f"SDL_VIDEODRIVER={os.environ['SDL_VIDEODRIVER']} cannot show a window")
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        raise RuntimeError("no DISPLAY or WAYLAND_DISPLAY is set (headless machine)")
    import pygame

    try:
        pygame.display.init()
        return pygame.display.set_mode((size, size))
    except pygame.error as e:
        raise RuntimeError(f"SDL could not open a window: {e}") from e


def cmd_play(args: argparse.Namespace) -> int:
    spec = get_task(args.task)
    if spec.domain != "pygame":
        raise ValueError(f"play takes a pygame task (keyboard mappings live in the games), got {args.task!r}")
    try:
        window = _open_window(224 * args.scale)
    except RuntimeError as e:
        print(
            f"error: cannot play {args.task}: {e}. Use `python -m envs record {args.task} --out "
            f"{args.task}.gif` on a headless machine.",
            file=sys.stderr,
        )
        return 1
    import pygame

    import envs

    env = envs.make(spec, seed=args.seed, render_mode="rgb_array")
    game = env.unwrapped
    key_codes = {name: getattr(pygame, code) for name, code in KEYS.items()}
    pygame.display.set_caption(f"{args.task}: {spec.instruction} (Esc quits)")
    clock = pygame.time.Clock()
    _, info = env.reset(seed=args.seed)
    episode_return, steps, truncated, quit_early = 0.0, 0, False, False
    while not truncated:
        if any(
            e.type == pygame.QUIT or (e.type == pygame.KEYDOWN and e.key == pygame.K_ESCAPE)
            for e in pygame.event.get()
        ):
            quit_early = True
            break
        pressed = pygame.key.get_pressed()
        keys = {name for name, code in key_codes.items() if pressed[code]}
        action = np.asarray(game.keyboard_action(keys), np.float32)[: spec.action_dim]
        _, reward, _, truncated, info = env.step(action)
        episode_return += reward
        steps += 1
        frame = pygame.surfarray.make_surface(env.render().transpose(1, 0, 2))
        window.blit(pygame.transform.scale(frame, window.get_size()), (0, 0))
        pygame.display.flip()
        clock.tick(args.fps)
    env.close()
    pygame.display.quit()
    status = "quit early" if quit_early else "episode over"
    print(
        f"{args.task}: {status} after {steps} steps, return {episode_return:.2f}, score {info['score']:.3f}"
    )
    return 0


def _policy(env, spec, name: str, seed: int):
    if name == "random":
        rng = np.random.default_rng(seed)
        return lambda obs: rng.uniform(-1, 1, spec.action_dim).astype(np.float32)
    scripted = getattr(env.unwrapped, "scripted_action", None)
    if scripted is None:
        raise ValueError(f"{spec.name} has no scripted_action(obs); accepted policies for it: 'random'")
    return lambda obs: np.asarray(scripted(obs), np.float32)[: spec.action_dim]


def record_episode(
    task: str, out: Path, policy: str = "random", seed: int = 0, steps: int | None = None, fps: int = 30
) -> dict:
    """Run one episode (or its first `steps` steps) and write its frames to a GIF or MP4."""
    import imageio.v2 as imageio

    import envs

    if out.suffix not in VIDEO_SUFFIXES:
        raise ValueError(f"--out must end in one of {VIDEO_SUFFIXES}, got {str(out)!r}")
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; accepted: {POLICIES}")
    spec = get_task(task)
    env = envs.make(spec, seed=seed, render_mode="rgb_array")
    try:
        act = _policy(env, spec, policy, seed)
        obs, info = env.reset(seed=seed)
        frames = [env.render()]
        if frames[0] is None:
            raise ValueError(f"{task}: render() returned no frame; this task cannot be recorded")
        limit = spec.episode_length if steps is None else min(steps, spec.episode_length)
        episode_return = 0.0
        for _ in range(limit):
            obs, reward, _, _, info = env.step(act(obs))
            episode_return += reward
            frames.append(env.render())
    finally:
        env.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".gif":
        imageio.mimsave(out, frames, duration=1000 / fps, loop=0)
    else:
        imageio.mimsave(out, frames, fps=fps, macro_block_size=16)  # needs imageio-ffmpeg
    return {"frames": len(frames), "steps": limit, "return": episode_return, "score": float(info["score"])}


def cmd_record(args: argparse.Namespace) -> int:
    row = record_episode(args.task, Path(args.out), args.policy, args.seed, args.steps, args.fps)
    print(
        f"{args.task}: wrote {row['frames']} frames to {args.out} ({args.policy} policy, {row['steps']} steps, "
        f"return {row['return']:.2f}, score {row['score']:.3f})"
    )
    return 0


def add_parsers(sub) -> None:
    """Register the `play` and `record` subcommands on the CLI's subparsers."""
    p = sub.add_parser("play", help="play a pygame task with the keyboard (arrows, space; needs a display)")
    p.add_argument("task")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fps", type=int, default=30)
    p.add_argument("--scale", type=int, default=3, help="window size as a multiple of 224")
    p.set_defaults(fn=cmd_play)
    p = sub.add_parser("record", help="record one episode to a GIF or MP4 (headless)")
    p.add_argument("task")
    p.add_argument("--out", required=True, help="output file, .gif or .mp4")
    p.add_argument(
        "--policy",
        default="random",
        choices=POLICIES,
        help="scripted: the game's own scripted_action(obs), where it has one",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="record only the first N steps")
    p.add_argument("--fps", type=int, default=30)
    p.set_defaults(fn=cmd_record)
