"""Train a sentence-transformers retriever on lrat's mined pairs with the paper's weighted loss.

One process or many (``torchrun --nproc_per_node N``, or any launcher that sets WORLD_SIZE; CPU uses gloo,
GPUs NCCL). The input is ``lrat mine --format st`` output: ``anchor``, ``positive``,
``negative_1`` … ``negative_k`` and ``label`` (the row's relevance-intensity weight).

The loss (LRAT §5.2): every query is scored against every passage of the global batch (its
positive, its negatives and all other queries' passages, gathered from every process),
s = cos(q, d) / τ, ℓᵢ = −log softmax(sᵢ)[positive of i], and L = Σ wᵢ ℓᵢ / Σ wᵢ with the weights
gathered the same way. ``--no-weights`` sets every wᵢ to 1 (the naive loss).

Gradient caching (Gao et al. 2021): every text is embedded once without a graph, the loss's
gradient with respect to the embeddings is taken on the gathered batch, then the encoder is
re-run ``--mini-batch-size`` texts at a time with its graph and those gradients are
back-propagated. The gradient equals the full batch's, so the paper's batch shape fits in the
memory of a few texts. Dropout is off (the model stays in eval mode) so the two passes agree.

Each process computes the loss's gradient for the whole gathered batch and keeps its own slice;
parameter gradients are then summed across processes. Two processes with B rows each take
exactly the step one process takes with 2B rows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F


class InputError(Exception):
    """Bad input or settings: printed as one plain line, exit status 2."""


@dataclass
class Row:
    query: str
    passages: list[str]  # the positive, then the negatives
    weight: float


def read_rows(path: Path) -> list[Row]:
    """Rows of an ``lrat mine --format st`` file. Every row must have the same number of
    negatives (the file's fixed shape) and a ``label`` weight above 0."""
    rows: list[Row] = []
    group = None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{where}:{e.colno}: not JSON: {e.msg}") from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}: a row must be a JSON object")
        for key in ("anchor", "positive"):
            if not isinstance(obj.get(key), str) or not obj[key]:
                raise InputError(f"{where}: `{key}` must be a non-empty string")
        negatives = []
        i = 1
        while f"negative_{i}" in obj:
            neg = obj[f"negative_{i}"]
            if not isinstance(neg, str) or not neg:
                raise InputError(f"{where}: `negative_{i}` must be a non-empty string")
            negatives.append(neg)
            i += 1
        if group is None:
            group = len(negatives)
        elif len(negatives) != group:
            raise InputError(
                f"{where}: {len(negatives)} negatives where the first row has {group}; "
                "the st format has the same number in every row"
            )
        if "label" not in obj:
            raise InputError(
                f"{where}: no `label` (the row's weight); mine the file again with "
                "`lrat mine --format st`, or train the naive loss with --no-weights"
            )
        weight = obj["label"]
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight > 0 or not math.isfinite(weight):
            raise InputError(f"{where}: `label` must be a weight above 0, not {weight!r}")
        rows.append(Row(obj["anchor"], [obj["positive"], *negatives], float(weight)))
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def weighted_infonce(q: torch.Tensor, p: torch.Tensor, group: int, tau: float, weights: torch.Tensor) -> torch.Tensor:
    """``q`` [B, d] and ``p`` [B·group, d] L2-normalised, rows ``i·group`` … of ``p`` being query
    i's positive then its negatives; L = Σ wᵢ ℓᵢ / Σ wᵢ."""
    b = q.shape[0]
    if p.shape[0] != b * group or weights.shape[0] != b:
        raise ValueError(f"{b} queries, {p.shape[0]} passages, group {group}, {weights.shape[0]} weights do not fit")
    scores = q @ p.T / tau
    targets = torch.arange(b, device=q.device) * group
    per_query = F.cross_entropy(scores, targets, reduction="none")
    w = weights.to(per_query.dtype)
    return (per_query * w).sum() / w.sum()


def tokenize(model, texts: list[str], max_len: int) -> dict:
    model.max_seq_length = max_len
    if hasattr(model, "preprocess"):
        features = model.preprocess(texts)
    else:  # sentence-transformers before 5.x
        features = model.tokenize(texts)
    device = next(model.parameters()).device
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}


def embed(model, texts: list[str], max_len: int) -> torch.Tensor:
    out = model(tokenize(model, texts, max_len))["sentence_embedding"]
    return F.normalize(out, p=2, dim=-1)


def chunks(n: int, size: int):
    for start in range(0, n, size):
        yield start, min(n, start + size)


def gather(t: torch.Tensor) -> torch.Tensor:
    """Every process's tensor, in rank order (no graph)."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return t
    parts = [torch.empty_like(t) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, t.contiguous())
    return torch.cat(parts, dim=0)


@dataclass
class Settings:
    tau: float = 0.02
    query_max_len: int = 64
    passage_max_len: int = 256
    mini_batch: int = 32
    weighted: bool = True


def accumulate_gradients(model, rows: list[Row], s: Settings) -> float:
    """Adds the gradient of the global batch's loss (this process's ``rows`` beside the other
    processes' rows) to this process's parameters' ``.grad``, by gradient caching. Returns the
    global loss. Parameter gradients still have to be summed across processes."""
    group = len(rows[0].passages)
    queries = [r.query for r in rows]
    passages = [t for r in rows for t in r.passages]
    device = next(model.parameters()).device
    weights = torch.tensor([r.weight if s.weighted else 1.0 for r in rows], dtype=torch.float32, device=device)

    # 1. Embed everything once, without a graph.
    with torch.no_grad():
        q = torch.cat([embed(model, queries[a:b], s.query_max_len) for a, b in chunks(len(queries), s.mini_batch)])
        p = torch.cat([embed(model, passages[a:b], s.passage_max_len) for a, b in chunks(len(passages), s.mini_batch)])

    # 2. The loss on the gathered batch and its gradient with respect to the embeddings.
    rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
    all_q = gather(q).detach().requires_grad_(True)
    all_p = gather(p).detach().requires_grad_(True)
    all_w = gather(weights)
    loss = weighted_infonce(all_q, all_p, group, s.tau, all_w)
    loss.backward()
    grad_q = all_q.grad[rank * len(queries) : (rank + 1) * len(queries)]
    grad_p = all_p.grad[rank * len(passages) : (rank + 1) * len(passages)]

    # 3. Re-run the encoder chunk by chunk with its graph and back-propagate the cached gradients.
    for texts, grads, max_len in ((queries, grad_q, s.query_max_len), (passages, grad_p, s.passage_max_len)):
        for a, b in chunks(len(texts), s.mini_batch):
            e = embed(model, texts[a:b], max_len)
            (e * grads[a:b]).sum().backward()
    return float(loss.detach())


def sum_gradients(model) -> None:
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return
    for param in model.parameters():
        if param.grad is None:
            param.grad = torch.zeros_like(param)
        dist.all_reduce(param.grad, op=dist.ReduceOp.SUM)


def schedule(step: int, total: int, warmup: int) -> float:
    """Linear warm-up to the peak rate, then linear decay to 0."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="lrat_train.py",
        description="Weighted InfoNCE fine-tuning of a sentence-transformers model on `lrat mine --format st` pairs.",
    )
    ap.add_argument("--data", required=True, type=Path, help="an `lrat mine --format st` file")
    ap.add_argument("--model", required=True, help="a sentence-transformers folder or model name")
    ap.add_argument("--out", required=True, type=Path, help="where the trained model folder goes")
    ap.add_argument("--batch-size", type=int, default=32, help="queries a process takes each step (global batch: this x processes)")
    ap.add_argument("--mini-batch-size", type=int, default=32, help="texts embedded at once with a graph (memory, not the result)")
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    ap.add_argument("--temperature", type=float, default=0.02)
    ap.add_argument("--warmup", type=float, default=0.1, help="fraction of steps warming up")
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (0: none)")
    ap.add_argument("--query-max-len", type=int, default=64)
    ap.add_argument("--passage-max-len", type=int, default=256)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-weights", action="store_true", help="every weight 1: the naive loss")
    a = ap.parse_args(argv)
    for name in ("batch_size", "mini_batch_size", "epochs", "query_max_len", "passage_max_len"):
        if getattr(a, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1")
    if a.max_steps is not None and a.max_steps < 1:
        raise InputError("--max-steps must be at least 1")
    if not a.temperature > 0:
        raise InputError("--temperature must be above 0")
    if not 0 <= a.warmup < 1:
        raise InputError("--warmup must be in [0, 1)")
    return a


def setup_distributed() -> tuple[int, int, torch.device]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    rank = dist.get_rank() if dist.is_initialized() else 0
    world = dist.get_world_size() if dist.is_initialized() else 1
    if torch.cuda.is_available():
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")
    return rank, world, device


def train(a: argparse.Namespace) -> None:
    from sentence_transformers import SentenceTransformer

    if a.out.exists() and any(a.out.iterdir()) and not (a.out / "lrat_train.json").is_file():
        raise InputError(f"{a.out}: exists and is not an earlier lrat_train.py output; give another --out")
    rows = read_rows(a.data)
    rank, world, device = setup_distributed()
    global_batch = a.batch_size * world
    per_epoch = len(rows) // global_batch
    if per_epoch == 0:
        raise InputError(
            f"{a.data}: {len(rows)} rows are fewer than one global batch "
            f"({a.batch_size} a process x {world} processes)"
        )
    total = per_epoch * a.epochs
    if a.max_steps is not None:
        total = min(total, a.max_steps)
    warmup = int(a.warmup * total)

    torch.manual_seed(a.seed)
    model = SentenceTransformer(a.model, device=str(device))
    model.eval()  # dropout off: gradient caching's two passes must agree
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=a.lr,
    )
    settings = Settings(a.temperature, a.query_max_len, a.passage_max_len, a.mini_batch_size, not a.no_weights)
    if rank == 0:
        print(
            f"lrat_train: {len(rows)} rows of 1 positive + {len(rows[0].passages) - 1} negatives; "
            f"{world} process(es) x {a.batch_size} = {global_batch} queries a step; {total} steps; "
            f"{'weighted' if settings.weighted else 'unweighted'} loss, tau {a.temperature}, lr {a.lr}",
            file=sys.stderr,
        )

    losses = []
    step = 0
    started = time.time()
    for epoch in range(a.epochs):
        order = list(range(len(rows)))
        random.Random(a.seed + epoch).shuffle(order)
        for k in range(per_epoch):
            if step >= total:
                break
            ids = order[k * global_batch : (k + 1) * global_batch][rank * a.batch_size : (rank + 1) * a.batch_size]
            for group in optim.param_groups:
                group["lr"] = a.lr * schedule(step, total, warmup)
            optim.zero_grad(set_to_none=True)
            loss = accumulate_gradients(model, [rows[i] for i in ids], settings)
            sum_gradients(model)
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            optim.step()
            step += 1
            losses.append(loss)
            if rank == 0:
                print(json.dumps({"step": step, "epoch": epoch + 1, "loss": loss, "lr": optim.param_groups[0]["lr"]}), flush=True)

    if rank == 0:
        out = a.out
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        model.save(str(tmp), create_model_card=False)
        (tmp / "lrat_train.json").write_text(
            json.dumps(
                {
                    "data": str(a.data),
                    "model": a.model,
                    "processes": world,
                    "batch_per_process": a.batch_size,
                    "global_batch": global_batch,
                    "group": len(rows[0].passages),
                    "weighted": settings.weighted,
                    "temperature": a.temperature,
                    "lr": a.lr,
                    "warmup": a.warmup,
                    "weight_decay": a.weight_decay,
                    "clip": a.clip,
                    "query_max_len": a.query_max_len,
                    "passage_max_len": a.passage_max_len,
                    "mini_batch_size": a.mini_batch_size,
                    "seed": a.seed,
                    "steps": step,
                    "losses": losses,
                    "seconds": round(time.time() - started, 3),
                },
                indent=2,
            )
        )
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
        print(f"lrat_train: {step} steps; model written to {out}", file=sys.stderr)
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    try:
        train(parse_args(sys.argv[1:] if argv is None else argv))
    except InputError as e:
        print(f"lrat_train: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
