"""python -m newt.demos {generate,check,list,features}: make, validate, survey demo files, add image features.

    python -m newt.demos generate metaworld --source scripted --episodes 10 [--out demos] [--jobs 2]
    python -m newt.demos generate mw-reach --source checkpoint=logs/mw-reach/1/default/checkpoint_100000.pt
    python -m newt.demos check [demos] [--tasks metaworld]
    python -m newt.demos list [demos]
    python -m newt.demos features [demos] [--tasks SET] [--vision-model PATH] [--replay-only]

SET is a task, a task set (soup, metaworld, ...) or a comma-separated list of tasks. Files go to
`<out>/<task>.pt` (default `demos/`, the config's `demo_dir`). See docs/demos.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

DEFAULT_DIR = "demos"  # config.Config.demo_dir's default


def _tasks(spec: str) -> list[str]:
    from envs.registry import resolve_tasks

    out: list[str] = []
    for part in spec.split(","):
        for t in resolve_tasks(part.strip()):
            if t not in out:
                out.append(t)
    return out


def cmd_generate(args) -> int:
    from newt.demos.generate import format_report, generate, report_dicts
    from newt.demos.sources import has_source

    tasks = _tasks(args.tasks)
    without = [t for t in tasks if not has_source(args.source, t)]
    tasks = [t for t in tasks if t not in without]
    if without and not args.json:
        print(f"{len(without)} task(s) have no scripted expert and are left out: {', '.join(without)}")
    if not tasks:
        print("no task to generate", file=sys.stderr)
        return 1
    reports = generate(tasks, args.source, args.episodes, args.out, args.jobs, seed=args.seed,
                       max_tries=args.max_tries, force=args.force, progress=not args.json)
    if args.json:
        print(json.dumps({"reports": report_dicts(reports), "no_source": without}, indent=1))
    else:
        print(format_report(reports))
    return 1 if any(r.error for r in reports) else 0


def _demo_files(directory: str, tasks_spec: str | None = None) -> list[str] | None:
    """The demo files of `directory` (only those of `tasks_spec`'s tasks when given), or None after
    printing why the folder cannot be read."""
    from newt.demos.check import demo_files

    try:
        return demo_files(directory, tuple(_tasks(tasks_spec)) if tasks_spec else None)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return None


def cmd_check(args) -> int:
    from newt.demos.check import check_file

    files = _demo_files(args.dir, args.tasks)
    if files is None:
        return 1
    bad = 0
    for path in files:
        problems = check_file(path)
        if problems:
            bad += 1
            for p in problems:
                print(p)
    print(f"{len(files) - bad} of {len(files)} file(s) valid in {args.dir}" + (f" ({bad} rejected)" if bad else ""))
    return 1 if bad else 0


def cmd_list(args) -> int:
    import torch

    from envs.registry import TASK_SETS, TASKS
    from newt.demos import episodes
    from newt.demos.check import check_file
    from newt.demos.format import read_file, task_of

    files = _demo_files(args.dir)
    if files is None:
        return 1
    have: dict[str, str] = {}
    print(f"{'task':34s} {'episodes':>8s} {'rows':>8s} {'mean return':>12s}  keys")
    for path in files:
        task = task_of(path)
        problems = check_file(path)
        if problems:
            print(f"{task:34s} INVALID: {problems[0]}")
            continue
        rows = read_file(path)
        n_ep = len(episodes(rows))
        ret = float(torch.nansum(rows["reward"])) / max(n_ep, 1)
        print(f"{task:34s} {n_ep:8d} {rows['obs'].shape[0]:8d} {ret:12.2f}  {','.join(sorted(rows))}")
        have[task] = path
    print("\ncoverage of the soup by domain:")
    soup = TASK_SETS["soup"]
    for domain in dict.fromkeys(TASKS[t].domain for t in soup):
        ts = TASK_SETS[domain]
        print(f"  {domain:14s} {sum(t in have for t in ts):3d} / {len(ts)}")
    print(f"  {'soup':14s} {sum(t in have for t in soup):3d} / {len(soup)}")
    held = [t for t in have if not TASKS[t].soup]
    if held:
        print(f"  held-out tasks with files: {len(held)}")
    return 0


def cmd_features(args) -> int:
    from tqdm import tqdm

    from newt.demos.features import add_features, format_reports

    files = _demo_files(args.dir, args.tasks)
    if files is None:
        return 1
    if not files:
        which = f" for --tasks {args.tasks}" if args.tasks else ""
        print(f"error: no demo files in {args.dir}{which}", file=sys.stderr)
        return 1
    encoder = None
    if not args.replay_only:
        from newt.vision import FrameEncoder, VisionWeightsMissing

        try:  # before any replay: a missing model stops the command at once
            encoder = FrameEncoder(args.vision_model, device=args.device)
        except VisionWeightsMissing as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    reports = []
    for path in files:
        with tqdm(desc=os.path.basename(path), unit="row", leave=False) as bar:
            reports.append(add_features(path, encoder, out=args.out, atol=args.atol, force=args.force,
                                        replay_only=args.replay_only, progress=bar.update))
    print(format_reports(reports, replay_only=args.replay_only))
    return 1 if any(r.error for r in reports) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newt.demos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="make demo files")
    g.add_argument("tasks", metavar="SET", help="a task, a task set or a comma-separated list of tasks")
    g.add_argument("--source", default="scripted", help="scripted (default) or checkpoint=PATH")
    g.add_argument("--episodes", type=int, default=10, help="accepted episodes per file (default 10)")
    g.add_argument("--out", default=DEFAULT_DIR, help=f"output folder (default {DEFAULT_DIR}/)")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="tasks run in parallel (default: cores)")
    g.add_argument("--seed", type=int, default=0, help="reset seed of the first episode; the next ones count up")
    g.add_argument("--max-tries", type=int, default=None, help="episodes tried per task at most (default 6 x episodes)")
    g.add_argument("--force", action="store_true", help="remake files that exist already")
    g.add_argument("--json", action="store_true", help="print the coverage report as JSON (no progress bar)")
    c = sub.add_parser("check", help="validate the demo files of a folder (exit code 1 if any is bad)")
    c.add_argument("dir", nargs="?", default=DEFAULT_DIR)
    c.add_argument("--tasks", default=None, help="check only these tasks' files (a task, set or list)")
    ls = sub.add_parser("list", help="what a folder covers")
    ls.add_argument("dir", nargs="?", default=DEFAULT_DIR)
    f = sub.add_parser("features", help="add image features (feat, for obs=rgb) by replaying each episode")
    f.add_argument("dir", nargs="?", default=DEFAULT_DIR)
    f.add_argument("--tasks", default=None, help="only these tasks' files (a task, set or list)")
    f.add_argument("--vision-model", default="facebook/dinov2-base",
                   help="DINOv2 weights: a hub id in the local cache, a save_pretrained directory, or random (tests)")
    f.add_argument("--device", default="cpu", help="where the encoder runs (cpu or cuda)")
    f.add_argument("--out", default=None, help="write the files here (default: in place)")
    f.add_argument("--atol", type=float, default=None, help="largest state drift accepted in a replay (default 1e-3)")
    f.add_argument("--force", action="store_true", help="re-encode files that have feat already")
    f.add_argument("--replay-only", action="store_true",
                   help="only replay the episodes and report how far they drift from the stored states")
    args = parser.parse_args(argv)
    if args.command == "features":
        from newt.demos.features import DEFAULT_ATOL

        args.atol = DEFAULT_ATOL if args.atol is None else args.atol
        if not (args.atol >= 0):
            parser.error(f"--atol must be >= 0, got {args.atol}")
    if getattr(args, "episodes", 1) < 1:
        parser.error("--episodes must be >= 1")
    return {"generate": cmd_generate, "check": cmd_check, "list": cmd_list,
            "features": cmd_features}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
