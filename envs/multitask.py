"""The vectorised multitask env: many tasks behind one padded 128-D / 16-D interface.

Each env slot i runs task `tasks[i]`. Observations are right-padded with zeros to 128 entries,
actions are 16-D and slot i passes only its task's first `action_dim` entries on. Episodes have
fixed per-task lengths; a slot that finishes is reset in the same `step` call (auto-reset), and
the step returns the new episode's first observation while the finished episode's last
observation, success and score are reported in `StepResult.final_obs`, `.success`, `.score`.

The slots are stepped either in this process (`num_workers=0`) or by a pool of worker processes,
each holding a group of slots and stepping them in turn (see `docs/envs-pool.md`). Both paths run
the same `_SlotGroup` code over the same array layout, so they give identical results: in the pool
the arrays live in shared memory, and one message per worker per step says "step now" / "done".

Worker faults. In the pool, a worker that dies (crash, OOM kill, SIGKILL), raises from one of its
envs, or gives no answer within `timeout` during `step` or `reset` is replaced by a fresh worker
with the same slots, specs and seeds, and its slots are reset. Their running episodes are dropped
(each such slot starts its next episode, seeded as every episode is, see `episode_seed`):
`StepResult.restarted` marks those slots, which return the new episode's first observation with
reward 0 and done False (see `StepResult`). More than
`max_restarts` restarts of one worker within `restart_window` steps stop the run with a
RuntimeError naming its tasks and the last error. In-process (`num_workers=0`) there is nothing to
restart: an env's exception propagates as raised.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import pickle
import select
import signal
import sys
import time
import traceback
import weakref
from collections.abc import Mapping, Sequence
from typing import NamedTuple, NoReturn

import numpy as np

import envs
from envs.errors import MissingAssetsError
from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM, TaskSpec, get_task, task_id

FRAME_SHAPE = (3, 224, 224)  # each slot's frame with render_frames=True: channels-first uint8
START_METHODS = ("forkserver", "spawn", "fork")
CLOSE_GRACE_S = 5.0  # how long close() lets workers close their envs before terminating them

def step_cost(spec: TaskSpec, task_costs: Mapping[str, float] | None = None) -> float:
    """Relative cost of one step of a task: the caller's measurement, else its row's `step_cost_us`."""
    if task_costs and spec.name in task_costs:
        return float(task_costs[spec.name])
    return spec.step_cost_us


class _StepFields(NamedTuple):
    obs: np.ndarray  # [N, 128] float32: next observation (the new episode's first where done or restarted)
    reward: np.ndarray  # [N] float32 (0 where restarted)
    done: np.ndarray  # [N] bool: the slot's episode ended at this step (time limit; never termination)
    final_obs: np.ndarray  # [N, 128] float32: the last observation of ended episodes, else equal to obs
    success: np.ndarray  # [N] float32: success at the last step of ended episodes, NaN elsewhere
    score: np.ndarray  # [N] float32: score at the last step of ended episodes, NaN elsewhere
    restarted: np.ndarray  # [N] bool: the slot's worker was restarted during this step (see StepResult)
    frames: np.ndarray | None  # [N, 3, 224, 224] uint8: the frame of obs (render_frames=True), else None
    final_frames: np.ndarray | None  # [N, 3, 224, 224] uint8: the frame of final_obs (render_frames=True), else None


class StepResult(_StepFields):
    """One vector step. `restarted` defaults to all False (for callers that build a StepResult);
    `frames` and `final_frames` default to None (a pool without `render_frames`).

    With `render_frames=True`, `frames[i]` is the frame of `obs[i]` (where done: the new episode's
    first frame, after the auto-reset) and `final_frames[i]` the frame of `final_obs[i]` (where done:
    the ended episode's last frame; elsewhere equal to `frames[i]`).

    A restarted slot's worker faulted during this step and was replaced; the episode the slot was
    running is dropped (it neither ended nor continues: discard its partial transitions). In that
    slot `obs` is the first observation of the slot's next episode (see `episode_seed`), `final_obs`
    equals `obs`, `reward` is 0, `done` is False, and `success` and `score` are NaN.
    """

    __slots__ = ()

    def __new__(cls, obs, reward, done, final_obs, success, score, restarted=None, frames=None, final_frames=None):
        if restarted is None:
            restarted = np.zeros(np.shape(reward), dtype=np.bool_)
        return super().__new__(cls, obs, reward, done, final_obs, success, score, restarted, frames, final_frames)


def pad_obs(obs: np.ndarray) -> np.ndarray:
    out = np.zeros(MAX_OBS_DIM, dtype=np.float32)
    out[: obs.shape[0]] = obs
    return out


# --- the arrays one step exchanges, as views over one flat byte buffer -----------------------

def _fields(n: int, frames: bool = False) -> list[tuple[str, np.dtype, tuple[int, ...]]]:
    """The shared arrays of `n` slots; the two frame arrays only with `frames` (render_frames=True)."""
    return [
        ("actions", np.dtype(np.float32), (n, MAX_ACTION_DIM)),
        ("obs", np.dtype(np.float32), (n, MAX_OBS_DIM)),
        ("final_obs", np.dtype(np.float32), (n, MAX_OBS_DIM)),
        ("reward", np.dtype(np.float32), (n,)),
        ("done", np.dtype(np.bool_), (n,)),
        ("success", np.dtype(np.float32), (n,)),
        ("score", np.dtype(np.float32), (n,)),
        ("busy", np.dtype(np.float64), (n,)),  # seconds spent stepping each slot, summed
        ("episode", np.dtype(np.int64), (n,)),  # index of each slot's current episode (its reset seed)
    ] + ([
        ("frames", np.dtype(np.uint8), (n, *FRAME_SHAPE)),  # the frame of obs
        ("final_frames", np.dtype(np.uint8), (n, *FRAME_SHAPE)),  # the frame of final_obs
    ] if frames else [])


def episode_seed(seed: int, slot: int, episode: int) -> int:
    """The reset seed of episode `episode` of slot `slot` in a pool seeded with `seed`: every episode
    is a function of these three numbers alone, so a run can resume (or a worker restart) at any
    episode without replaying the ones before it."""
    return int(np.random.SeedSequence([seed & 0xFFFFFFFFFFFFFFFF, slot, episode]).generate_state(1)[0])


def _layout(n: int, frames: bool = False) -> tuple[dict[str, tuple[int, np.dtype, tuple[int, ...]]], int]:
    """Byte offset, dtype and shape of each field; fields start on 64-byte cache lines."""
    layout, offset = {}, 0
    for name, dtype, shape in _fields(n, frames):
        layout[name] = (offset, dtype, shape)
        offset += -(-int(np.prod(shape)) * dtype.itemsize // 64) * 64
    return layout, offset


def _views(buffer, n: int, frames: bool = False) -> dict[str, np.ndarray]:
    base = np.frombuffer(buffer, dtype=np.uint8)
    layout, _ = _layout(n, frames)
    return {
        name: base[off: off + int(np.prod(shape)) * dtype.itemsize].view(dtype).reshape(shape)
        for name, (off, dtype, shape) in layout.items()
    }


def _local_buffers(n: int, frames: bool = False) -> dict[str, np.ndarray]:
    return _views(bytearray(_layout(n, frames)[1]), n, frames)


class FrameShapeError(ValueError):
    """A task rendered a frame that is not 224x224x3 uint8 (render_frames=True). Never restarted:
    the pool is closed and it is raised with its type kept, like a MissingAssetsError."""


def render_frame(env, task: str) -> np.ndarray:
    """The env's current frame, channels-first [3, 224, 224] uint8 (what obs=rgb encodes); the env
    renders HWC. Raises FrameShapeError, naming the task, for any other shape or dtype."""
    frame = env.render()
    shape = FRAME_SHAPE[1:] + FRAME_SHAPE[:1]
    if not isinstance(frame, np.ndarray) or frame.shape != shape or frame.dtype != np.uint8:
        got = f"{frame.shape} {frame.dtype}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise FrameShapeError(f"task {task} rendered a frame of {got}; render_frames needs {shape} uint8")
    return frame.transpose(2, 0, 1)


def frame_render_mode(render_mode: str | None, render_frames: bool) -> str | None:
    """The render mode the envs are made with: rgb_array whenever frames are rendered."""
    if render_frames and render_mode not in (None, "rgb_array"):
        raise ValueError(f"render_frames=True needs render_mode None or 'rgb_array', got {render_mode!r}")
    return "rgb_array" if render_frames else render_mode


def _note(e: BaseException, text: str) -> None:
    """Say which slot failed without changing the exception's type (callers may catch it)."""
    if hasattr(e, "add_note"):  # Python >= 3.11
        e.add_note(text)


class _SlotGroup:
    """The envs of some slots, stepped in turn; reads `actions`, writes the other arrays."""

    def __init__(self, specs: Sequence[TaskSpec], slots: Sequence[int], seed: int, bufs: dict[str, np.ndarray],
                 render_mode: str | None = None, render_frames: bool = False):
        self.specs, self.slots, self.seed, self.bufs = tuple(specs), tuple(slots), seed, bufs
        # With render_frames, every reset and step renders each slot's frame into bufs["frames"] /
        # bufs["final_frames"] (which exist only then).
        self.render_frames = render_frames
        render_mode = frame_render_mode(render_mode, render_frames)
        self.action_dims = [specs[i].action_dim for i in self.slots]
        self._envs: list = []
        self.failed_slot: int | None = None  # the slot whose env raised last (set only on a failure)
        for i in self.slots:
            try:
                self._envs.append(envs.make(specs[i], seed=seed + i, render_mode=render_mode))
            except Exception as e:  # any failure is sent to the parent, which raises it
                self.close()
                _note(e, f"while making slot {i} ({specs[i].name})")
                raise

    def _reset_slot(self, k: int, row: np.ndarray) -> None:
        # Every episode's reset is seeded from (pool seed, slot, episode index): see episode_seed.
        i = self.slots[k]
        obs, _ = self._envs[k].reset(seed=episode_seed(self.seed, i, int(self.bufs["episode"][i])))
        row[:] = 0.0
        row[: obs.shape[0]] = obs
        if self.render_frames:
            self._render_frame(k, self.bufs["frames"][i])

    def _render_frame(self, k: int, out: np.ndarray) -> None:
        """Slot k's current frame written into `out` ([3, 224, 224] uint8)."""
        out[:] = render_frame(self._envs[k], self.specs[self.slots[k]].name)

    def reset(self) -> None:
        for k, i in enumerate(self.slots):
            try:
                self._reset_slot(k, self.bufs["obs"][i])
            except Exception as e:
                self.failed_slot = i
                _note(e, f"while resetting slot {i} ({self.specs[i].name})")
                raise

    def step(self) -> None:
        b = self.bufs
        for k, i in enumerate(self.slots):
            start = time.perf_counter()
            # A copy: an env must never hold a view into the (shared) action array.
            action = b["actions"][i, : self.action_dims[k]].copy()
            try:
                o, r, _, truncated, info = self._envs[k].step(action)
                b["reward"][i] = r
                b["final_obs"][i] = 0.0
                b["final_obs"][i, : o.shape[0]] = o
                b["done"][i] = truncated
                if self.render_frames:
                    self._render_frame(k, b["final_frames"][i])
                if truncated:
                    b["success"][i], b["score"][i] = info["success"], info["score"]
                    b["episode"][i] += 1
                    self._reset_slot(k, b["obs"][i])  # renders the new episode's first frame
                else:
                    b["success"][i] = b["score"][i] = np.nan
                    b["obs"][i] = b["final_obs"][i]
                    if self.render_frames:
                        b["frames"][i] = b["final_frames"][i]
            except Exception as e:  # the step or the auto-reset
                self.failed_slot = i
                _note(e, f"while stepping slot {i} ({self.specs[i].name})")
                raise
            b["busy"][i] += time.perf_counter() - start

    def render(self, i: int):
        return self._envs[self.slots.index(i)].render()

    def close(self) -> None:
        for env in self._envs:
            env.close()
        self._envs = []


# --- worker processes ------------------------------------------------------------------------

def _limit_threads() -> None:
    """One thread per worker: the pool already uses every core, and the parent's __main__ (with
    its imports) is loaded before this runs, so env variables alone come too late."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        import threadpoolctl
    except ImportError:  # optional: without it only libraries loaded from now on are limited
        pass
    else:
        threadpoolctl.threadpool_limits(1)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


# Messages are raw bytes, one per worker per command: a command byte from the parent; an empty
# answer for "done", or a pickled ("ok", payload) / ("error", (one-line summary, traceback text,
# exception or None, the failing slot or None)).
_STEP, _RESET, _RENDER, _CLOSE = b"s", b"r", b"R", b"c"
_COMMAND_NAMES = {_STEP: "step", _RESET: "reset", _RENDER: "render", _CLOSE: "close"}


def _send_error(conn, e: BaseException, slot: int | None = None) -> None:
    summary, text = f"{type(e).__name__}: {e}", "".join(traceback.format_exception(e))
    try:
        conn.send(("error", (summary, text, e, slot)))
    except Exception:  # an exception that does not pickle goes as text only
        conn.send(("error", (summary, text, None, slot)))


def _worker_main(specs: tuple[TaskSpec, ...], slots: tuple[int, ...], seed: int, shared, conn,
                 render_mode: str | None = None, render_frames: bool = False) -> None:
    """Serve one group of slots until told to close or the parent dies."""
    # Ctrl-C reaches the whole process group: the parent handles it and closes the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_threads()
    try:
        group = _SlotGroup(specs, slots, seed, _views(shared, len(specs), render_frames), render_mode, render_frames)
    except Exception as e:  # any failure is sent to the parent, which raises it
        _send_error(conn, e)
        return
    conn.send_bytes(b"")
    # One poll object for the whole life of the worker: cheaper per step than connection.wait.
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    parent = mp.parent_process()
    if parent is not None:
        poller.register(parent.sentinel, select.POLLIN)
    try:
        while True:
            if not any(fd == conn.fileno() for fd, _ in poller.poll()):
                return  # the parent died: nobody is left to answer
            try:
                msg = conn.recv_bytes()
            except EOFError:
                return
            cmd = msg[:1]
            if cmd == _CLOSE:
                return
            try:
                if cmd == _STEP:
                    group.step()
                    conn.send_bytes(b"")
                elif cmd == _RESET:
                    group.reset()
                    conn.send_bytes(b"")
                elif cmd == _RENDER:
                    conn.send(("ok", group.render(int(msg[1:]))))
                else:
                    conn.send(("error", (f"unknown command {msg!r}", "", None, None)))
            except Exception as e:  # any failure is sent to the parent, which restarts this worker or raises
                _send_error(conn, e, group.failed_slot)
                group.failed_slot = None
    finally:
        group.close()


def available_cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _check_count(name: str, value, low: int, accepted: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name}={value!r} not accepted; accepted: {accepted}")
    return int(value)


def resolve_num_workers(num_workers: int | None, num_envs: int) -> int:
    """The pool size for `num_workers`: None -> one per core; 0 -> in-process; values above
    `num_envs` are capped at `num_envs` (a worker without a slot would only idle)."""
    if num_workers is None:
        return min(available_cores(), num_envs)
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)):
        raise TypeError(
            f"num_workers={num_workers!r} ({type(num_workers).__name__}) not accepted; accepted: None "
            f"(one worker per core), 0 (step in this process) or an int >= 1 (capped at num_envs={num_envs})"
        )
    if num_workers < 0:
        raise ValueError(
            f"num_workers={num_workers} not accepted; accepted: None (one worker per core), "
            f"0 (step in this process) or an int >= 1 (capped at num_envs={num_envs})"
        )
    return min(int(num_workers), num_envs)


def assign_slots(costs: Sequence[float], num_workers: int) -> list[tuple[int, ...]]:
    """Greedy longest-processing-time assignment: the costliest slot goes to the least loaded
    worker, ties broken by index (deterministic). Returns each worker's slots, sorted."""
    groups: list[list[int]] = [[] for _ in range(num_workers)]
    loads = [0.0] * num_workers
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        k = min(range(num_workers), key=lambda k: (loads[k], k))
        groups[k].append(i)
        loads[k] += costs[i]
    return [tuple(sorted(g)) for g in groups]


class _Fault(NamedTuple):
    """What went wrong with one worker: it died, hung or raised."""

    worker: int
    what: str  # one line, read after "env worker k ": "gave no answer to step within 1.0 s", ...
    detail: str  # the worker's traceback ("" for a death or a hang)
    cause: BaseException | None  # the worker's exception, when it raised one that pickles
    slot: int | None  # the slot whose env raised, when known


# Worker exceptions that are raised at once (never restarted) with their type kept.
_KEEP_TYPE = (MissingAssetsError, FrameShapeError)


class _WorkerPool:
    """`num_workers` processes, each stepping a group of slots over shared arrays.

    With `max_restarts` > 0, a worker that faults during step or reset is replaced by a fresh one
    with the same slots, specs and seed, its slots are reset (`_recover`), and `last_restarted`
    lists them; at most `max_restarts` restarts of one worker within `restart_window` step
    commands (None: in the pool's life). Without restarts, or for start-up and render, a fault
    closes the pool and raises, naming the worker's tasks.
    """

    def __init__(self, specs: tuple[TaskSpec, ...], seed: int, groups: list[tuple[int, ...]], start_method: str,
                 timeout: float | None, render_mode: str | None = None, max_restarts: int = 0,
                 restart_window: int | None = None, render_frames: bool = False):
        self._ctx = mp.get_context(start_method)
        n = len(specs)
        self.specs, self.groups, self.timeout = specs, groups, timeout
        self.seed, self.render_mode, self.render_frames = seed, render_mode, render_frames
        self.max_restarts, self.restart_window = max_restarts, restart_window
        # An anonymous shared mapping (its file is unlinked at creation): freed with the last
        # process that maps it, so nothing can leak even if every process is killed.
        self._shared = self._ctx.RawArray(ctypes.c_uint8, _layout(n, render_frames)[1])
        self.bufs = _views(self._shared, n, render_frames)
        self._owner = {i: k for k, g in enumerate(groups) for i in g}
        self.steps = 0  # step commands so far: the clock of the restart window
        self.restarts = 0  # workers replaced after a fault, in total
        self.episodes_dropped = 0  # slots whose running episode a restart during step dropped
        self.last_restarted: tuple[int, ...] = ()  # the slots restarted during the last command
        self._restart_steps: list[list[int]] = [[] for _ in groups]  # per worker: `steps` at each restart
        self._procs: list = []
        self._conns: list = []
        self._closed = False
        # One poll object for the pool's life: answers and deaths (process sentinels).
        self._poller = select.poll()
        self._fds: dict[int, tuple[str, int]] = {}
        # Stops the workers on close(), or when the pool is garbage-collected without it. It holds
        # the two lists themselves: a restart replaces their entries in place.
        self._finalizer = weakref.finalize(self, _stop_workers, self._procs, self._conns)
        try:
            for k in range(len(groups)):
                proc, conn = self._spawn(k)
                self._procs.append(proc)
                self._conns.append(conn)
                self._watch(k)
            self._gather(range(len(groups)), "start", timeout=None)
        except BaseException:
            self.close()
            raise

    def _spawn(self, k: int):
        parent_end, child_end = self._ctx.Pipe()
        args = (self.specs, self.groups[k], self.seed, self._shared, child_end, self.render_mode, self.render_frames)
        proc = self._ctx.Process(target=_worker_main, args=args, name=f"mmbench-worker-{k}", daemon=True)
        proc.start()
        child_end.close()  # so the parent sees EOF when the worker dies
        return proc, parent_end

    def _watch(self, k: int) -> None:
        for kind, fd in (("conn", self._conns[k].fileno()), ("sentinel", self._procs[k].sentinel)):
            self._poller.register(fd, select.POLLIN)
            self._fds[fd] = (kind, k)

    def _unwatch(self, k: int) -> None:
        """Stop polling a faulted worker (a dead one's sentinel would wake every poll)."""
        for fd in [fd for fd, (_, j) in self._fds.items() if j == k]:
            self._poller.unregister(fd)
            del self._fds[fd]

    def _held(self, k: int) -> str:
        return ", ".join(f"{self.specs[i].name} (slot {i})" for i in self.groups[k])

    def _death(self, k: int, cmd: str) -> _Fault:
        proc = self._procs[k]
        proc.join(1.0)
        code = proc.exitcode
        how = f"was killed by {signal.Signals(-code).name}" if code is not None and code < 0 else \
            f"exited with code {code}"
        return _Fault(k, f"(pid {proc.pid}) {how} during {cmd}", "", None, None)

    def _raise(self, fault: _Fault, why: str = "") -> NoReturn:
        """Close the pool and raise `fault` (a MissingAssetsError keeps its type, so a caller can
        skip those tasks), the worker's exception chained."""
        self.close()
        cls = next((c for c in _KEEP_TYPE if isinstance(fault.cause, c)), RuntimeError)
        text = f"env worker {fault.worker} {fault.what}; it held: {self._held(fault.worker)}.{why} " \
            "The pool has been closed."
        if fault.detail:
            text += f" Worker traceback:\n{fault.detail}"
        raise cls(text) from fault.cause

    def _gather(self, workers, cmd: str, timeout: float | None,
                restart: bool = False) -> tuple[dict[int, object], dict[int, _Fault]]:
        """Wait for one answer from each of `workers`; returns the answers and the faults (a death,
        an error or no answer within `timeout`). With `restart`, a faulted worker is no longer
        waited for or watched and its fault is returned (a worker outside `workers` that dies
        meanwhile too); without it, or for a MissingAssetsError, the pool is closed and the fault
        raised, naming the worker's tasks."""
        pending = set(workers)
        answers: dict[int, object] = {}
        faults: dict[int, _Fault] = {}

        def fault(f: _Fault) -> None:
            if not restart or isinstance(f.cause, _KEEP_TYPE):
                self._raise(f)
            faults[f.worker] = f
            pending.discard(f.worker)
            answers.pop(f.worker, None)
            self._unwatch(f.worker)

        deadline = None if timeout is None else time.monotonic() + timeout
        while pending:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0) * 1000
            events = self._poller.poll(left)
            if not events:
                ks = sorted(pending)
                for k in ks:  # hung: it would not close gracefully either
                    self._procs[k].kill()
                if not restart:
                    self.close()
                    raise RuntimeError(
                        f"env workers {ks} gave no answer to {cmd} within {timeout} s; they held: "
                        f"{'; '.join(self._held(k) for k in ks)}. The pool has been closed."
                    )
                for k in ks:
                    fault(_Fault(k, f"gave no answer to {cmd} within {timeout} s", "", None, None))
                continue
            # Answers first: a worker may answer and then die; read what it sent before calling it dead.
            for fd, _ in sorted(events, key=lambda e: self._fds[e[0]][0] != "conn"):
                if fd not in self._fds:
                    continue  # its worker faulted earlier in this round
                kind, k = self._fds[fd]
                if kind == "sentinel":
                    if k in pending and self._conns[k].poll():
                        continue  # its answer is read on the next round
                    fault(self._death(k, cmd))
                    continue
                if k not in pending:
                    continue
                try:
                    msg = self._conns[k].recv_bytes()
                except (EOFError, OSError):
                    fault(self._death(k, cmd))
                    continue
                if msg:
                    status, payload = pickle.loads(msg)
                    if status != "ok":
                        summary, text, cause, slot = payload
                        where = "" if slot is None else f" in {self.specs[slot].name} (slot {slot})"
                        fault(_Fault(k, f"failed during {cmd}{where}: {summary}", text, cause, slot))
                        continue
                    answers[k] = payload
                else:
                    answers[k] = None
                pending.discard(k)
        return answers, faults

    def _send(self, workers, msg: bytes, cmd: str, restart: bool) -> dict[int, _Fault]:
        """Send `msg` to each of `workers`; returns the faults of those already dead (with `restart`)."""
        faults: dict[int, _Fault] = {}
        for k in workers:
            try:
                self._conns[k].send_bytes(msg)
            except (BrokenPipeError, ConnectionResetError):
                fault = self._death(k, cmd)
                if not restart:
                    self._raise(fault)
                faults[k] = fault
                self._unwatch(k)
        return faults

    def run(self, msg: bytes, workers=None) -> dict[int, object]:
        """Send `msg` to the workers and collect their answers. A step or reset fault restarts the
        worker when restarts are on (`last_restarted` lists its slots); otherwise it raises."""
        cmd = _COMMAND_NAMES[msg[:1]]
        if self._closed:
            raise RuntimeError(f"{cmd} on a closed MultitaskEnv")
        if msg[:1] == _STEP:
            self.steps += 1
        restart = self.max_restarts > 0 and msg[:1] in (_STEP, _RESET)
        workers = range(len(self._procs)) if workers is None else workers
        faults = self._send(workers, msg, cmd, restart)
        answers, more = self._gather([k for k in workers if k not in faults] if faults else workers, cmd,
                                     self.timeout, restart)
        faults.update(more)
        self.last_restarted = self._recover(faults, cmd) if faults else ()
        return answers

    def _recover(self, faults: dict[int, _Fault], cmd: str) -> tuple[int, ...]:
        """Replace each faulted worker by a fresh one with the same slots, specs and seed, reset its
        slots (the dropped episodes skipped: each starts its next one) and write their step outputs
        as `StepResult` documents for restarted slots; returns those slots. Raises when a worker has
        used up its restarts, or when a fresh worker cannot make its envs (not restarted: a config
        problem, not a fault)."""
        replaced: set[int] = set()
        if cmd == "step":  # the dropped episodes are skipped: the restarted slots start their next one
            for k in faults:
                for i in self.groups[k]:
                    self.bufs["episode"][i] += 1
        while faults:
            for k, fault in sorted(faults.items()):
                window = self.restart_window
                recent = [s for s in self._restart_steps[k] if window is None or s > self.steps - window]
                if len(recent) >= self.max_restarts:
                    span = f"within the last {window} steps" if window is not None else "in this run"
                    self._raise(fault, f" It was restarted {len(recent)} times {span} already "
                                       f"(max_restarts={self.max_restarts}), so the run stops.")
                self._restart_steps[k] = [*recent, self.steps]
                _stop_workers([self._procs[k]], [self._conns[k]])
                self._procs[k], self._conns[k] = self._spawn(k)
                self._watch(k)
                self.restarts += 1
            ks = sorted(faults)
            replaced.update(ks)
            self._gather(ks, "restart", timeout=None)
            faults = self._send(ks, _RESET, "reset", restart=True)
            faults.update(self._gather([k for k in ks if k not in faults], "reset", self.timeout, restart=True)[1])
        slots = tuple(sorted(i for k in replaced for i in self.groups[k]))
        b = self.bufs
        for i in slots:  # the fresh episode's first step, as StepResult documents for restarted slots
            b["reward"][i] = 0.0
            b["done"][i] = False
            b["final_obs"][i] = b["obs"][i]
            b["success"][i] = b["score"][i] = np.nan
            if self.render_frames:  # the fresh worker's reset rendered the new episode's first frame
                b["final_frames"][i] = b["frames"][i]
        if cmd == "step":
            self.episodes_dropped += len(slots)
        return slots

    def render(self, i: int):
        k = self._owner[i]
        return self.run(_RENDER + str(i).encode(), workers=[k])[k]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._finalizer()
        self.bufs = {}
        self._shared = None


def _stop_workers(procs: list, conns: list) -> None:
    """Ask the workers to close, then escalate on one shared deadline each (a stopped or hung
    worker must not hold this up): SIGTERM, then SIGKILL. Also runs if a pool is never closed."""
    for conn, proc in zip(conns, procs):
        if proc.is_alive():
            try:
                conn.send_bytes(_CLOSE)
            except OSError:
                pass
    for stop, grace in ((None, CLOSE_GRACE_S), ("terminate", 1.0), ("kill", None)):
        alive = [p for p in procs if p.is_alive()]
        if stop is not None:
            for proc in alive:
                getattr(proc, stop)()
        deadline = None if grace is None else time.monotonic() + grace
        for proc in alive:
            proc.join(None if deadline is None else max(deadline - time.monotonic(), 0.0))
    for conn in conns:
        conn.close()


class MultitaskEnv:
    """`len(tasks)` task envs stepped together, in this process or by a pool of workers.

    seed: the reset of episode k of slot i is seeded with `episode_seed(seed, i, k)`, so copies of
    one task see different episodes, a run is reproducible for the domains whose libraries take a
    seed (pool and in-process give the same results), and any episode can be started again without
    replaying the ones before it. `episode_index` is each slot's current episode: `reset()` (re)starts
    those episodes, and an episode that ends starts the next index. Set it before `reset()` to resume.
    num_workers: worker processes. None (default) -> one per core, at most one per env; 0 -> step
    every env in this process; k >= 1 -> k workers, capped at the number of envs (a worker without
    a slot would only idle). `self.num_workers` is the number used. Slots are assigned to workers
    by greedy longest-processing-time over `task_costs` (task name -> relative cost of one step;
    default: each task row's `step_cost_us`).
    start_method: how workers start. 'forkserver' (default) is safe when the parent already runs
    torch/OpenMP threads, which a plain 'fork' is not; 'spawn' also works.
    render_mode: "rgb_array" lets `render(i)` return slot i's frame (videos); None renders nothing.
    render_frames: render every slot's frame after every reset and step, in the process that steps
    it (a worker, or this one with num_workers=0), into two [N, 3, 224, 224] uint8 arrays beside the
    others (2 x 150,528 bytes per slot; none at all without it, and no render calls): `step` returns
    them in `StepResult.frames` (the frame of `obs`: where done, the new episode's first frame) and
    `StepResult.final_frames` (the frame of `final_obs`: where done, the ended episode's last frame,
    elsewhere equal to `frames`); `frames` gives the current ones after `reset()`. The envs are made
    with render_mode "rgb_array" (render_mode must be None or that). A frame that is not 224x224x3
    uint8 raises `FrameShapeError` (a ValueError naming the task and the shape; never restarted).
    timeout: seconds to wait for a worker's answer to reset/step/render before declaring it hung
    and killing it (None, the default: wait as long as it lives, so a hang is never detected;
    start-up, which makes the envs, always waits). Waiting costs nothing per step: it is the
    timeout of the poll that collects the answers.
    max_restarts, restart_window: fault handling in the pool. A worker that dies, hangs (see
    `timeout`) or raises from an env during `step` or `reset` is replaced by a fresh worker with
    the same slots, specs and seeds, and its slots are reset (after a fault in `step`, each starts
    its next episode index, as a fresh env set to that index would): `step` marks them in
    `StepResult.restarted` and returns the fresh episode's first observation there, with reward 0,
    done False, final_obs equal to obs, success and score NaN. The episode each such slot was
    running is dropped (the caller should discard its partial transitions); `env_restarts` and
    `episodes_dropped` count restarts and dropped episodes. A worker may be restarted at most
    `max_restarts` times (default 3) within any `restart_window` consecutive `step` calls (default
    1000; None: within the whole run); the next fault closes the pool and raises a RuntimeError
    naming the worker's tasks (and the failing slot's task, when an env raised) and the last error.
    `max_restarts=0` or None turns restarts off: any fault closes the pool and raises at once,
    naming the worker's tasks. Never restarted, always raised (pool closed first): a failure while
    making the envs, at construction or in a fresh worker (a config problem, not a fault), an env
    raising MissingAssetsError (it keeps its type, so a caller can skip those tasks), and a fault
    during `render`. In-process (`num_workers=0`)
    there are no workers: an env's exception propagates from `step`/`reset` as raised.
    """

    def __init__(self, tasks: Sequence[str | TaskSpec], seed: int = 0, num_workers: int | None = None,
                 start_method: str = "forkserver", task_costs: Mapping[str, float] | None = None,
                 timeout: float | None = None, render_mode: str | None = None, max_restarts: int | None = 3,
                 restart_window: int | None = 1000, render_frames: bool = False):
        if len(tasks) == 0:
            raise ValueError("MultitaskEnv needs at least one task")
        if start_method not in START_METHODS:
            raise ValueError(f"start_method {start_method!r} not accepted; accepted: {START_METHODS}")
        # Looked up once here; the slots and workers get the specs themselves.
        self.specs = tuple(t if isinstance(t, TaskSpec) else get_task(t) for t in tasks)
        self.tasks = tuple(s.name for s in self.specs)
        self.num_envs = len(self.tasks)
        self.task_ids = np.array([task_id(t) for t in self.tasks], dtype=np.int64)
        self.action_dims = np.array([s.action_dim for s in self.specs], dtype=np.int64)
        self.episode_lengths = np.array([s.episode_length for s in self.specs], dtype=np.int64)
        self.seed = seed
        self.max_restarts = _check_count("max_restarts", 0 if max_restarts is None else max_restarts, 0,
                                         "None or 0 (no restarts) or an int >= 1")
        self.restart_window = None if restart_window is None else _check_count(
            "restart_window", restart_window, 1, "None (the whole run) or an int >= 1 (step calls)")
        self.num_workers = resolve_num_workers(num_workers, self.num_envs)
        self.render_frames = bool(render_frames)
        render_mode = frame_render_mode(render_mode, self.render_frames)
        self._pool: _WorkerPool | None = None
        self._local: _SlotGroup | None = None
        if self.num_workers == 0:
            self.worker_slots: list[tuple[int, ...]] = []
            self._bufs = _local_buffers(self.num_envs, self.render_frames)
            self._local = _SlotGroup(self.specs, range(self.num_envs), seed, self._bufs, render_mode,
                                     self.render_frames)
        else:
            self.worker_slots = assign_slots([step_cost(s, task_costs) for s in self.specs], self.num_workers)
            self._pool = _WorkerPool(self.specs, seed, self.worker_slots, start_method, timeout, render_mode,
                                     self.max_restarts, self.restart_window, self.render_frames)
            self._bufs = self._pool.bufs

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the workers (empty in-process), in `worker_slots` order."""
        return self._pool.pids if self._pool is not None else []

    @property
    def env_restarts(self) -> int:
        """Workers restarted after a fault so far (0 in-process)."""
        return self._pool.restarts if self._pool is not None else 0

    @property
    def episodes_dropped(self) -> int:
        """Running episodes dropped by restarts during `step` so far: one per restarted slot."""
        return self._pool.episodes_dropped if self._pool is not None else 0

    @property
    def busy_time(self) -> np.ndarray:
        """[N] seconds spent inside each slot's env step so far (for load balancing)."""
        return self._bufs["busy"].copy()

    @property
    def episode_index(self) -> np.ndarray:
        """[N] int64: the index of each slot's current episode (the next `reset()` restarts it)."""
        return self._bufs["episode"].copy()

    @episode_index.setter
    def episode_index(self, value) -> None:
        value = np.asarray(value)
        if value.shape != (self.num_envs,) or not np.issubdtype(value.dtype, np.integer) or (value < 0).any():
            raise ValueError(f"episode_index must be {self.num_envs} non-negative integers, got {value!r}")
        self._bufs["episode"][:] = value

    @property
    def frames(self) -> np.ndarray:
        """[N, 3, 224, 224] uint8: a copy of each slot's current frame (the frame of the last `obs`
        returned by `reset` or `step`). Needs render_frames=True."""
        if not self.render_frames:
            raise RuntimeError("MultitaskEnv.frames needs render_frames=True")
        return self._bufs["frames"].copy()

    def reset(self) -> np.ndarray:
        """(Re)start each slot's current episode (`episode_index`); returns the [N, 128] first
        observations. A worker that faults is restarted as in `step` (its slots restart the same
        episodes: a reset drops nothing)."""
        if self._pool is not None:
            self._pool.run(_RESET)
        else:
            self._local.reset()
        return self._bufs["obs"].copy()

    def rand_act(self, rng: np.random.Generator) -> np.ndarray:
        """Uniform random actions in [-1, 1], zero beyond each slot's action dim."""
        act = rng.uniform(-1, 1, (self.num_envs, MAX_ACTION_DIM)).astype(np.float32)
        act[np.arange(MAX_ACTION_DIM)[None, :] >= self.action_dims[:, None]] = 0.0
        return act

    def step(self, actions: np.ndarray) -> StepResult:
        """Step every slot with its row of `actions` ([N, 16]); finished episodes auto-reset, and
        the slots of a worker restarted after a fault are marked in `restarted` (see StepResult)."""
        actions = np.asarray(actions, dtype=np.float32)
        if actions.shape != (self.num_envs, MAX_ACTION_DIM):
            raise ValueError(f"actions shape {actions.shape}, expected ({self.num_envs}, {MAX_ACTION_DIM})")
        b = self._bufs
        b["actions"][:] = actions
        restarted = np.zeros(self.num_envs, dtype=np.bool_)
        if self._pool is not None:
            self._pool.run(_STEP)
            if self._pool.last_restarted:
                restarted[list(self._pool.last_restarted)] = True
        else:
            self._local.step()
        # Copies: the next step overwrites the (shared) arrays in place.
        frames = (b["frames"].copy(), b["final_frames"].copy()) if self.render_frames else (None, None)
        return StepResult(b["obs"].copy(), b["reward"].copy(), b["done"].copy(), b["final_obs"].copy(),
                          b["success"].copy(), b["score"].copy(), restarted, *frames)

    def render(self, i: int = 0):
        if not 0 <= i < self.num_envs:
            raise ValueError(f"slot {i} out of range; accepted: 0..{self.num_envs - 1}")
        return self._pool.render(i) if self._pool is not None else self._local.render(i)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._local is not None:
            self._local.close()
            self._local = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
