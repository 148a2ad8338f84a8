#!/usr/bin/env python3
"""DPASGD in PyTorch over a plan exported by dflsim.

Each round, every silo that is up takes its local Adam steps on its own data, then mixes
models with the round's mixing rows from the plan (row i: silo i's new model is the sum of
weight x model[col]; a term marked stale takes silo col's model from the start of the round).
The plan also says when each round ends on dflsim's clock, so losses can be plotted against
simulated time.

Two ways to run it:

  # replay a dflsim run exactly (its shards, test set, initial weights and batches):
  dflsim export-run experiments/plan-linear.json -o run-export
  python3 examples/python/dpasgd_plan.py run-export [--plan run-export/plan.npz]

  # any exported plan (JSON Lines or .npz), on a small synthetic regression of its own:
  dflsim plan -n gaia-cities -t multigraph-ring --rounds 50 -o mg.jsonl
  python3 examples/python/dpasgd_plan.py mg.jsonl

It prints one JSON line per round: round, simulated end (ms), mean train loss over the silos
that trained, and, on evaluated rounds, the averaged model's test loss.

Replaying dflsim exactly: weights are float32; Adam (beta1 0.9, beta2 0.999) runs in float64
on float32 state with epsilon added to sqrt(v) and the bias correction folded into the
learning rate, as Keras and TensorFlow.js do; each silo keeps its own optimiser state, never
mixed; mixing sums in float64 in the row's order; the test loss is that of the silos' average.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch


def read_plan(path):
    """The plan's header and its rounds, each {"mixing": rows of (col, weight, stale), "down", "roundEndMs"}."""
    if path.endswith(".npz"):
        z = np.load(path)
        header = json.loads(str(z["header_json"]))
        R, n = header["rounds"], len(header["silos"])
        stale = {}
        for k, i, j, w in zip(z["stale_rounds"], z["stale_rows"], z["stale_cols"], z["stale_weights"]):
            stale.setdefault((int(k), int(i)), []).append((int(j), float(w)))
        if "mixing" in z:
            dense = z["mixing"]
        else:  # --sparse: COO
            dense = np.zeros((R, n, n))
            np.add.at(dense, (z["rounds"], z["rows"], z["cols"]), z["weights"])
        rounds = []
        for k in range(R):
            rows = []
            for i in range(n):
                fresh = dense[k, i].copy()
                terms = []
                for j, w in stale.get((k, i), []):
                    fresh[j] -= w
                    terms.append((j, w, True))
                terms = [(int(j), float(fresh[j]), False) for j in np.nonzero(fresh)[0]] + terms
                rows.append(terms)
            rounds.append({"mixing": rows, "down": [int(i) for i in np.nonzero(z["down"][k])[0]],
                           "roundEndMs": float(z["round_end_ms"][k].max())})
        return header, rounds
    with open(path) as f:
        header = json.loads(f.readline())
        rounds = []
        for line in f:
            r = json.loads(line)
            r["mixing"] = [[(t[0], t[1], len(t) == 3) for t in row] for row in r["mixing"]]
            rounds.append(r)
    return header, rounds


class LinearModel:
    """dflsim's linear model: (optionally) x * float32(1/127.5) - 1, then one dense layer."""

    def __init__(self, features, pixel_input):
        self.features, self.pixel_input = features, pixel_input

    def loss(self, w, x, y):
        kernel = w[: self.features].view(self.features, 1)
        bias = w[self.features:]
        if self.pixel_input:
            x = x * torch.tensor(1 / 127.5, dtype=torch.float32) - 1
        out = (x @ kernel + bias).view(-1)
        return torch.mean((out - y) ** 2)


def adam_steps(model, w, m, v, step, batches, lr, adam):
    """Local Adam steps on one silo's flat float32 state; returns the new state and the mean loss."""
    b1, b2, eps = adam["beta1"], adam["beta2"], adam["epsilon"]
    losses = []
    for x, y in batches:
        step += 1
        lr_t = lr * math.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        wt = w.clone().requires_grad_(True)
        loss = model.loss(wt, x, y)
        loss.backward()
        g = wt.grad.double()
        m64 = b1 * m.double() + (1 - b1) * g
        v64 = b2 * v.double() + (1 - b2) * g * g
        w = (w.double() - lr_t * m64 / (torch.sqrt(v64) + eps)).float()
        m, v = m64.float(), v64.float()
        losses.append(float(loss))
    return w, m, v, step, sum(losses) / len(losses)


def mix(rows, fresh, start):
    """New models: row i's terms summed in float64 in order (stale terms read the start-of-round models)."""
    out = []
    for i, row in enumerate(rows):
        if len(row) == 1 and row[0][0] == i and row[0][1] == 1 and not row[0][2]:
            out.append(fresh[i])
            continue
        acc = torch.zeros_like(fresh[i], dtype=torch.float64)
        for j, w, stale in row:
            acc += w * (start[j] if stale else fresh[j]).double()
        out.append(acc.float())
    return out


def test_loss(model, ws, x, y, batch):
    """The silos' average (float64 mean, stored float32), its loss over the test set in batches."""
    avg = torch.stack([w.double() for w in ws]).sum(0) / len(ws)
    avg = avg.float()
    total = 0.0
    with torch.no_grad():
        for s in range(0, len(y), batch):
            k = min(batch, len(y) - s)
            total += float(model.loss(avg, x[s:s + k], y[s:s + k])) * k
    return total / len(y)


def dpasgd(header, rounds, model, shards, test, init, batch_of, lr, adam, eval_every, eval_batch):
    """Run DPASGD over the plan's rounds; yield one metrics dict per round."""
    n = len(header["silos"])
    ws = [init.clone() for _ in range(n)]
    opt = [(torch.zeros_like(init), torch.zeros_like(init), 0) for _ in range(n)]  # per silo, never mixed
    for k, r in enumerate(rounds):
        down = set(r["down"])
        start = [w.clone() for w in ws]
        losses = []
        for i in range(n):
            if i in down:
                continue
            m, v, step = opt[i]
            ws[i], m, v, step, loss = adam_steps(model, ws[i], m, v, step, batch_of(k, i), lr, adam)
            opt[i] = (m, v, step)
            losses.append(loss)
        ws = mix(r["mixing"], ws, start)
        row = {"round": k, "simulatedMs": r["roundEndMs"], "trainLoss": sum(losses) / len(losses) if losses else None}
        if (k + 1) % eval_every == 0 or k == len(rounds) - 1:
            row["testLoss"] = test_loss(model, ws, test[0], test[1], eval_batch)
        yield row


def replay(export_dir, plan_file):
    """Replay `dflsim run` from what `dflsim export-run` wrote."""
    with open(os.path.join(export_dir, "run.json")) as f:
        run = json.load(f)
    header, rounds = read_plan(plan_file or os.path.join(export_dir, run["files"]["plan"]))
    data = np.load(os.path.join(export_dir, run["files"]["data"]))
    shards = [(torch.from_numpy(data[f"x_{i}"]), torch.from_numpy(data[f"y_{i}"])) for i in range(len(header["silos"]))]
    test = (torch.from_numpy(data["test_x"]), torch.from_numpy(data["test_y"]))
    init = torch.from_numpy(np.load(os.path.join(export_dir, run["files"]["init"]))["weights"])
    batches = np.load(os.path.join(export_dir, run["files"]["batches"]))["batches"]

    def batch_of(k, i):
        x, y = shards[i]
        out = []
        for idx in batches[k, i]:
            idx = torch.from_numpy(idx[idx >= 0].astype(np.int64))
            out.append((x[idx], y[idx]))
        return out

    model = LinearModel(run["model"]["features"], run["model"]["pixelInput"])
    return dpasgd(header, rounds, model, shards, test, init, batch_of, run["lr"], run["adam"],
                  run["evalEvery"], run["evalBatchSize"])


def toy(plan_file, seed=0, features=8, per_silo=64, batch=16, steps=2, lr=0.05):
    """Any plan on a synthetic linear regression: silo i's targets are x . (w* + a shift of its own)."""
    header, rounds = read_plan(plan_file)
    n = len(header["silos"])
    g = torch.Generator().manual_seed(seed)
    w_star = torch.randn(features, generator=g)
    shards = []
    for _ in range(n):
        x = torch.randn(per_silo, features, generator=g)
        shards.append((x, x @ (w_star + 0.3 * torch.randn(features, generator=g)) + 0.1 * torch.randn(per_silo, generator=g)))
    xt = torch.randn(256, features, generator=g)
    test = (xt, xt @ w_star)

    def batch_of(k, i):
        x, y = shards[i]
        return [(x[idx], y[idx]) for idx in (torch.randperm(per_silo, generator=g)[:batch] for _ in range(steps))]

    model = LinearModel(features, False)
    adam = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}
    return dpasgd(header, rounds, model, shards, test, torch.zeros(features + 1), batch_of, lr, adam, 10, 64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="a directory written by dflsim export-run, or a plan file (.jsonl or .npz) from dflsim plan")
    ap.add_argument("--plan", help="replay: the plan to train over (default: the export's plan.jsonl)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    rows = replay(a.source, a.plan) if os.path.isdir(a.source) else toy(a.source)
    for row in rows:
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
