"""PyTorch side of `cargo bench --bench train`: one LRAT training step of all-MiniLM-L6-v2 on the
same batch (16 queries, G = 4: 64 passages; query 32 / passage 128 tokens), the same loss
(weighted InfoNCE, tau 0.02, in-batch negatives), AdamW, on the same number of CPU threads.

    python3 benches/train_step.py MODEL_DIR THREADS STEPS
"""
import json, os, resource, sys, time

import torch
from transformers import AutoModel, AutoTokenizer

model_dir, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
batch = json.load(open(os.path.join(os.path.dirname(__file__), "..", "target", "train_batch.json")))
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir)
model.train()
for m in model.modules():  # no dropout, as in lrat's encoder
    if isinstance(m, torch.nn.Dropout):
        m.p = 0.0
opt = torch.optim.AdamW(model.parameters(), lr=1e-6, weight_decay=0.01)


def embed(texts, max_len):
    t = tok(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
    h = model(**t).last_hidden_state
    m = t["attention_mask"].unsqueeze(-1).float()
    e = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(e, dim=-1)


def step():
    t0 = time.perf_counter()
    q = embed(batch["queries"], 32)
    p = embed(batch["passages"], 128)
    s = q @ p.T / 0.02
    target = torch.arange(len(batch["queries"])) * batch["group"]
    w = torch.tensor(batch["weights"])
    loss = (torch.nn.functional.cross_entropy(s, target, reduction="none") * w).sum() / w.sum()
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad()
    t3 = time.perf_counter()
    return loss.item(), t1 - t0, t2 - t1, t3 - t2


step()  # warm-up
rows = [step() for _ in range(steps)]
n = len(rows)
fw, bw, op = (sum(r[i] for r in rows) / n for i in (1, 2, 3))
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(f"{'pytorch ' + torch.__version__:<16} {'16 x G 4, q32/p128':<22} {fw + bw + op:>8.2f} {peak:>12.0f}  forward {fw:.2f} s, backward {bw:.2f} s, optimiser {op:.2f} s; loss {rows[-1][0]:.4f}")
