"""Exact equivalence with the public Newt code: our weights copied into the original agent, the same
batch, dropout off; every head, the TD targets, the losses and their gradients, and MPPI's value
estimate must agree to 1e-5 (absolute; relative to the largest value where that exceeds 1).

    python -m bench.parity DIR [--cases S,B,S-soup] [--batch 256] [--json]

DIR holds the original's `tdmpc2/` folder and `tasks.json` (github: nicklashansen/newt, extracted
and patched for CPU as in shared/anchors/README.md: its two hard-coded cuda device lines point to
the CPU; it needs `termcolor`). Without DIR the script says so and exits 0.

How: our agent is built at the case's size (single task: walker-walk, 6 of 16 action dims valid;
soup: the 200 tasks with our 384-D task embeddings, so the original is configured with task_dim 384
and given the same embeddings). The zero-initialised reward and Q output layers get random weights
(and the target Qs other weights than the online ones) so that those outputs are not trivially
equal. The weights are copied by a name mapping; the first layers of dynamics, reward and Q take
[z, a, task] in ours and [z, task, a] in the original, so those weight columns are reordered. Each
comparison seeds torch's RNG the same way for both sides (both draw the policy noise and the random
Q pair in the same order). The original imports its own `common` and `config` modules, which share
names with ours; they are loaded from their files under those names and then moved aside.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-5
CASES = ("S", "B", "S-soup")


def load_original(root: str):
    """Import the original's Config, WorldModel, TDMPC2 and MODEL_SIZE without shadowing ours: its
    `common`, `config` and `tdmpc2` are loaded from their files under those names (its own imports
    need them), then our modules of the same names are put back."""
    import importlib
    import importlib.util

    import common as _ours_common  # noqa: F401  (ours are imported first, then restored)
    import config as _ours_config  # noqa: F401

    src = os.path.join(root, "tdmpc2")
    clash = ("config", "common", "tdmpc2")
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] in clash}
    for k in saved:
        del sys.modules[k]

    def load(name: str, path: str, package: bool = False):
        spec = importlib.util.spec_from_file_location(
            name, path, submodule_search_locations=[os.path.dirname(path)] if package else None)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    try:
        common = load("common", os.path.join(src, "common", "__init__.py"), package=True)
        cfg_mod = load("config", os.path.join(src, "config.py"))
        wm_mod = importlib.import_module("common.world_model")
        agent_mod = load("tdmpc2", os.path.join(src, "tdmpc2.py"))
    finally:
        for k in [k for k in sys.modules if k.split(".")[0] in clash]:
            del sys.modules[k]
        sys.modules.update(saved)
    return cfg_mod.Config, wm_mod.WorldModel, agent_mod.TDMPC2, common.MODEL_SIZE


# --- building both agents ------------------------------------------------------------------------
def build_ours(case: str, batch: int):
    import torch

    import config as C
    from newt.agent import Agent

    size, soup = case.split("-")[0], case.endswith("soup")
    cfg = C.Config(task="soup" if soup else "walker-walk", model_size=size, device="cpu", dropout=0.0,
                   batch_size=batch)
    d = C.derive(cfg)
    emb = None
    if d.task_dim:
        from envs.embeddings import load_task_embeddings

        emb = torch.as_tensor(load_task_embeddings(d.tasks))
    torch.manual_seed(0)
    agent = Agent(cfg, d, emb)
    m = agent.model
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():  # random output heads, and target Qs that differ from the online ones
        for p in (m.reward_net[-1].weight, m.reward_net[-1].bias, m.qs.out.weight, m.qs.out.bias):
            p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
        for p, tp in zip(m.qs.parameters(), m.target_qs.parameters()):
            tp.copy_(p + torch.randn(p.shape, generator=gen) * 0.01)
    return agent, d


def build_original(orig, ours, d, root: str):
    from omegaconf import OmegaConf

    Config, WorldModel, TDMPC2, sizes = orig
    cfg = OmegaConf.structured(Config)
    cfg.compile, cfg.enable_wandb = False, False
    cfg.batch_size = ours.cfg.batch_size
    cfg.model_size = d.size.name
    for k, v in sizes[d.size.name].items():
        cfg[k] = v
    cfg.bin_size = (cfg.vmax - cfg.vmin) / (cfg.num_bins - 1)
    cfg.task = "soup" if d.multitask else d.tasks[0]
    cfg.tasks = list(d.tasks)
    cfg.num_envs = len(d.tasks)
    cfg.num_tasks = cfg.num_global_tasks = len(d.tasks)
    cfg.global_tasks = list(d.tasks)
    cfg.task_dim = d.task_dim  # 384: our task embeddings (the original's CLIP ones are 512-D)
    emb = ours.model.task_embeddings
    cfg.task_embeddings = emb.tolist() if emb is not None else [[0.0]]
    cfg.action_dims = list(d.action_dims)
    cfg.discounts = list(d.discounts)
    cfg.episode_lengths = [1000] * len(d.tasks)
    cfg.episode_length = 1000
    cfg.obs_shape = {"state": (d.obs_dim,)}
    cfg.action_dim = d.action_dim
    cfg.prior_coef = ours.cfg.prior_coef  # Newt's trainer sets 1.0 for pretraining (cfg's 10 is unused online)
    cfg = OmegaConf.to_object(cfg)
    with contextlib.redirect_stdout(io.StringIO()):  # the original prints its settings
        model = WorldModel(cfg)
        agent = TDMPC2(model, cfg)
    return agent


def _mlp_names(ours: str, theirs: str, n_layers: int, plain_last: bool) -> list[tuple[str, str]]:
    """(our name, their name) of an mlp's parameters: NormedLinears [Linear, LayerNorm, act] are
    Sequentials in ours, Linear subclasses with `.ln` in theirs; a plain last Linear is the same."""
    out = []
    for i in range(n_layers):
        for p in ("weight", "bias"):
            if plain_last and i == n_layers - 1:
                out.append((f"{ours}.{i}.{p}", f"{theirs}.{i}.{p}"))
            else:
                out += [(f"{ours}.{i}.0.{p}", f"{theirs}.{i}.{p}"), (f"{ours}.{i}.1.{p}", f"{theirs}.{i}.ln.{p}")]
    return out


def name_mapping(d, num_enc_layers: int, num_q: int) -> list[tuple[str, Callable]]:
    """(their parameter name, function of our named tensors -> their tensor): weights and, applied
    to our gradients, gradients."""
    z, a, t = d.size.latent_dim, d.action_dim, d.task_dim

    def reorder(w):  # ours [z, a, task] -> theirs [z, task, a] (first layers of dynamics, reward, Q)
        import torch

        return torch.cat([w[:, :z], w[:, z + a:], w[:, z:z + a]], 1) if t else w

    first = {"dynamics_net.0.0.weight", "reward_net.0.0.weight"}
    out = []
    for ours, theirs, n, plain in (("encoder", "_encoder.state", num_enc_layers, False),
                                   ("dynamics_net", "_dynamics", 3, False),
                                   ("reward_net", "_reward", 3, True), ("pi_net", "_pi", 3, True)):
        for o, th in _mlp_names(ours, theirs, n, plain):
            out.append((th, (lambda s, o=o: reorder(s[o])) if o in first else (lambda s, o=o: s[o])))
    for ours, theirs in (("qs", "_Qs.online"), ("target_qs", "_Qs.target")):
        for e in range(num_q):
            for j in range(2):
                fn = (lambda s, k, e=e: reorder(s[k][e].t())) if j == 0 else (lambda s, k, e=e: s[k][e].t())
                p = f"{ours}.linears.{j}"
                n = f"{ours}.norms.{j}"
                out += [(f"{theirs}._Qs.{e}.{j}.weight", lambda s, p=p, fn=fn: fn(s, f"{p}.weight")),
                        (f"{theirs}._Qs.{e}.{j}.bias", lambda s, p=p, e=e: s[f"{p}.bias"][e, 0]),
                        (f"{theirs}._Qs.{e}.{j}.ln.weight", lambda s, n=n, e=e: s[f"{n}.weight"][e, 0]),
                        (f"{theirs}._Qs.{e}.{j}.ln.bias", lambda s, n=n, e=e: s[f"{n}.bias"][e, 0])]
            p = f"{ours}.out"
            out += [(f"{theirs}._Qs.{e}.2.weight", lambda s, p=p, e=e: s[f"{p}.weight"][e].t()),
                    (f"{theirs}._Qs.{e}.2.bias", lambda s, p=p, e=e: s[f"{p}.bias"][e, 0])]
    return out


def copy_weights(ours, theirs, mapping) -> None:
    import torch

    src = dict(ours.model.state_dict())
    state = {name: fn(src).clone() for name, fn in mapping}
    missing, unexpected = theirs.model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    left = set(missing) - {"_task_emb.weight", "_action_masks", "log_std_min", "log_std_dif"}
    assert not left, f"parameters of the original not mapped: {sorted(left)}"
    ref = theirs.model.state_dict()
    assert torch.equal(ref["_action_masks"], ours.model.action_masks)
    if ours.model.task_embeddings is not None:
        assert torch.equal(ref["_task_emb.weight"], ours.model.task_embeddings)


# --- comparisons -------------------------------------------------------------------------------
class Table:
    def __init__(self, case: str):
        self.case, self.rows = case, []

    def add(self, what: str, ours, theirs) -> None:
        import torch

        ours, theirs = ours.detach().float(), theirs.detach().float()
        assert ours.shape == theirs.shape, (what, tuple(ours.shape), tuple(theirs.shape))
        diff = float((ours - theirs).abs().max())
        scale = float(theirs.abs().max())
        self.rows.append({"case": self.case, "what": what, "max_abs_diff": diff, "max_abs_value": scale,
                          "ok": bool(diff <= TOL * max(1.0, scale) and torch.isfinite(ours).all())})

    def grads(self, what: str, ours_model, theirs_model, mapping, names: tuple[str, ...]) -> None:
        """Every gradient of the mapped parameters whose original name starts with one of `names`,
        compared as one table row (the largest difference over all of them)."""
        import torch

        g = {n: (p.grad if p.grad is not None else torch.zeros_like(p)) for n, p in ours_model.named_parameters()}
        theirs = dict(theirs_model.named_parameters())
        o, t = [], []
        for name, fn in mapping:
            if name.startswith(names) and theirs[name].grad is not None:
                o.append(fn(g).flatten())
                t.append(theirs[name].grad.flatten())
        assert o, f"no gradients for {what}"
        self.add(f"{what} ({len(o)} tensors)", torch.cat(o), torch.cat(t))


def compare(case: str, orig, root: str, batch: int) -> list[dict]:
    import torch

    ours, d = build_ours(case, batch)
    theirs = build_original(orig, ours, d, root)
    mapping = name_mapping(d, d.size.num_enc_layers, d.size.num_q)
    copy_weights(ours, theirs, mapping)
    om, tm = ours.model, theirs.model
    tab = Table(case)
    H, B, n_tasks = ours.cfg.horizon, batch, len(d.tasks)

    gen = torch.Generator().manual_seed(2)
    task = torch.randint(0, n_tasks, (B,), generator=gen)
    action = (torch.rand(H, B, 16, generator=gen) * 2 - 1) * om.action_masks[task]
    obs = torch.randn(H + 1, B, 128, generator=gen)
    reward = torch.rand(H, B, 1, generator=gen)
    task_hb = task.expand(H, B)  # the original's batches carry the task per step

    def seeded(fn, seed=7):
        torch.manual_seed(seed)
        return fn()

    om.train(), tm.train()
    with torch.no_grad():
        # Heads along a latent rollout.
        z_o, z_t = om.encode(obs, task), tm.encode(obs, task.expand(H + 1, B))
        tab.add("encoder latents [H+1,B,Z]", z_o, z_t)
        zo, zt = [z_o[0]], [z_t[0]]
        for k in range(H):
            zo.append(om.next(zo[-1], action[k], task))
            zt.append(tm.next(zt[-1], action[k], task))
        tab.add("dynamics rollout latents", torch.stack(zo), torch.stack(zt))
        zs = torch.stack(zo)
        tab.add("reward logits", om.reward(zs[:-1], action, task), tm.reward(zs[:-1], action, task_hb))
        tab.add("Q logits, all members", om.q_logits(zs[:-1], action, task), tm._Qs(torch.cat(
            [tm.task_emb(zs[:-1], task_hb), action], -1)))
        tab.add("target Q logits, all members", om.q_logits(zs[:-1], action, task, target=True),
                tm._Qs(torch.cat([tm.task_emb(zs[:-1], task_hb), action], -1), target=True))
        po = seeded(lambda: om.pi(zs, task))
        pt, info = seeded(lambda: tm.pi(zs, task.expand(H + 1, B)))
        tab.add("policy sampled actions", po.action, pt)
        tab.add("policy mean actions", po.mean, info["mean"])
        tab.add("policy scaled entropy", po.scaled_entropy, info["scaled_entropy"])
        for red, kind in (("min", "min"), ("mean", "avg")):
            tab.add(f"Q {kind} of 2 random members", seeded(lambda red=red: om.q(zs, po.action, task, reduce=red)),
                    seeded(lambda kind=kind: tm.Q(zs, po.action, task.expand(H + 1, B), return_type=kind)))
        next_z = om.encode(obs[1:], task)
        tab.add("TD targets", seeded(lambda: ours.td_target(next_z, reward, task)),
                seeded(lambda: theirs._td_target(next_z, reward, task_hb)))

    # Model loss (online) and its gradients.
    for pretrain in (False, True):
        tag = "pretrain model loss (BC + entropy prior)" if pretrain else "model loss"
        ours.optim.zero_grad(set_to_none=True)
        theirs.optim.zero_grad(set_to_none=True)
        theirs.maxq_pi = not pretrain
        lo = seeded(lambda pretrain=pretrain: ours.model_loss(obs, action, reward, task, pretrain=pretrain))
        total_t, zs_t, info = seeded(lambda: theirs._loss_fn(obs, action, reward, task_hb))
        tab.add(f"{tag}: total", lo.total, total_t)
        if not pretrain:
            tab.add("model loss: consistency", lo.consistency, info["consistency_loss"])
            tab.add("model loss: reward", lo.reward, info["reward_loss"])
            tab.add("model loss: value", lo.value, info["value_loss"])
            tab.add("model loss: rollout latents", lo.zs, zs_t)
        else:
            tab.add(f"{tag}: prior term", lo.prior, info["pi_prior_loss"])
        lo.total.backward()
        total_t.backward()
        for part in ("_encoder", "_dynamics", "_reward", "_Qs.online") + (("_pi",) if pretrain else ()):
            tab.grads(f"{tag}: grads {part}", om, tm, mapping, (part,))
    theirs.maxq_pi = True

    # Policy loss and its gradients, with a running scale above 1; then the scale's update.
    zs = lo.zs.detach()
    with torch.no_grad():
        ours.scale.value.fill_(1.7)
        theirs.scale.value.fill_(1.7)
    ours.pi_optim.zero_grad(set_to_none=True)
    theirs.pi_optim.zero_grad(set_to_none=True)
    policy_loss = seeded(lambda: ours.pi_loss(zs, action, task))
    loss_o, q_o = policy_loss.total, policy_loss.q
    loss_t, q_t, _ = seeded(lambda: theirs._pi_loss(zs, action, task_hb[:1]))
    tab.add("policy loss", loss_o, loss_t)
    loss_o.backward()
    loss_t.backward()
    tab.grads("policy loss: grads _pi", om, tm, mapping, ("_pi",))
    ours.scale.update(q_o[0])
    theirs.scale.update(q_t)
    tab.add("running Q scale after update", ours.scale.value, theirs.scale.value)

    # MPPI: value estimate of given action sequences (the fast path and the plain one).
    n_envs = min(4, n_tasks)
    env_task = torch.arange(n_envs) * (n_tasks // n_envs) if n_tasks > 1 else torch.zeros(n_envs, dtype=torch.long)
    samples = 128
    gen = torch.Generator().manual_seed(3)
    acts = (torch.rand(n_envs, samples, H, 16, generator=gen) * 2 - 1) * om.action_masks[env_task][:, None, None]
    om.eval(), tm.eval()
    with torch.no_grad():
        z0 = om.encode(torch.randn(n_envs, 128, generator=gen), env_task)
        theirs.cfg.num_envs, theirs.cfg.num_samples = n_envs, samples
        v_t = seeded(lambda: theirs._estimate_value(z0[:, None].expand(-1, samples, -1), acts.transpose(1, 2),
                                                    env_task)).squeeze(-1)
        planner = ours.planner(n_envs)
        for fast in (True, False):
            om.set_fast(fast)
            v_o = seeded(lambda: planner.estimate_value(z0, acts, env_task.view(-1, 1)))
            tab.add(f"MPPI value estimate ({'fast path' if fast else 'plain path'})", v_o, v_t)
        om.set_fast(True)
    n_params = sum(p.numel() for p in om.parameters() if p.requires_grad)
    n_theirs = sum(p.numel() for p in tm.parameters() if p.requires_grad)
    tab.rows.append({"case": case, "what": "learnable parameters (ours / original)", "ours": n_params,
                     "original": n_theirs, "ok": n_params == n_theirs})
    return tab.rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", help="folder with the original's tdmpc2/ and tasks.json")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args(argv)
    if not os.path.isfile(os.path.join(args.dir, "tdmpc2", "tdmpc2.py")):
        print(f"parity: skipped, no original Newt code at {args.dir!r} (expected {args.dir}/tdmpc2/tdmpc2.py; "
              "see shared/anchors/README.md for fetching and patching it)")
        return 0
    cases = [c for c in args.cases.split(",") if c]
    bad = [c for c in cases if c not in CASES]
    if bad:
        parser.error(f"unknown case(s) {bad}; accepted: {', '.join(CASES)}")

    import torch

    torch.set_num_threads(max(1, torch.get_num_threads()))
    orig = load_original(args.dir)
    rows = []
    for case in cases:
        rows += compare(case, orig, args.dir, args.batch)
    width = max(len(r["what"]) for r in rows)
    print(f"{'case':7s} {'what':{width}s} {'max |ours-orig|':>15s} {'max |orig|':>11s}  "
          f"ok (tolerance {TOL:g} x max(1, max |orig|))")
    for r in rows:
        if "max_abs_diff" in r:
            print(f"{r['case']:7s} {r['what']:{width}s} {r['max_abs_diff']:15.2e} {r['max_abs_value']:11.3g}  "
                  f"{'ok' if r['ok'] else 'DIFFERS'}")
        else:
            print(f"{r['case']:7s} {r['what']:{width}s} {r['ours']:>15,} {r['original']:>11,}  "
                  f"{'ok' if r['ok'] else 'DIFFERS'}")
    compared = [r for r in rows if "max_abs_diff" in r]
    worst = max(r["max_abs_diff"] for r in compared)
    n_ok = sum(r["ok"] for r in rows)
    worst_rel = max(r["max_abs_diff"] / max(1.0, r["max_abs_value"]) for r in compared)
    print(f"{n_ok}/{len(rows)} within tolerance; {len(compared)} comparisons, largest difference {worst:.2e}, "
          f"largest relative to max(1, max |orig|) {worst_rel:.2e}")
    if args.json:
        print(json.dumps({"tolerance": TOL, "rows": rows, "all_ok": n_ok == len(rows), "max_abs_diff": worst,
                          "max_rel_diff": worst_rel}))
    return 0 if n_ok == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
