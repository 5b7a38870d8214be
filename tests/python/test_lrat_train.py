"""assets/python/lrat_train.py: the weights reach the loss, gradient caching is exact, and two processes
take the step one process takes on the same global batch. CPU only, a tiny BERT built here.

Run by tests/it/scaleout.rs (`cargo test`) with the venv `.ci/run` makes.
"""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "assets" / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lrat_train  # noqa: E402
import tiny_model  # noqa: E402

TOPICS = ["lighthouse keeper island", "river bridge built", "king queen war", "song album film", "capital city museum"]


def write_rows(path: Path, n: int, negatives: int = 2, weights=None) -> Path:
    rows = []
    for i in range(n):
        t = TOPICS[i % len(TOPICS)]
        row = {"anchor": f"who was the {t} {i}", "positive": f"the {t} {i} was born in the north"}
        for k in range(negatives):
            row[f"negative_{k + 1}"] = f"the {TOPICS[(i + k + 1) % len(TOPICS)]} {i + k} died in the south"
        row["label"] = weights[i] if weights is not None else 0.5 + (i % 4) * 0.75
        rows.append(row)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tiny_model.build(tmp_path_factory.mktemp("tiny") / "model")


def by_hand(q, p, group, tau, weights):
    """The paper's loss with Python floats: no torch function between the scores and the sum."""
    total = 0.0
    for i in range(len(q)):
        scores = [sum(a * b for a, b in zip(q[i], d)) / tau for d in p]
        top = max(scores)
        log_z = top + math.log(sum(math.exp(s - top) for s in scores))
        total += weights[i] * (log_z - scores[i * group])
    return total / sum(weights)


def unit(rows):
    return [[x / math.sqrt(sum(y * y for y in r)) for x in r] for r in rows]


def test_the_loss_is_the_weighted_mean_of_each_querys_loss():
    g = torch.Generator().manual_seed(1)
    q = torch.nn.functional.normalize(torch.randn(3, 8, generator=g), dim=-1)
    p = torch.nn.functional.normalize(torch.randn(9, 8, generator=g), dim=-1)
    w = [0.2, 1.0, 3.5]
    got = lrat_train.weighted_infonce(q.double(), p.double(), 3, 0.05, torch.tensor(w, dtype=torch.float64))
    want = by_hand(q.tolist(), p.tolist(), 3, 0.05, w)
    assert abs(float(got) - want) < 1e-9, (float(got), want)
    # Weights of 1 are the plain mean of the per-query losses, and other weights move it.
    ones = lrat_train.weighted_infonce(q, p, 3, 0.05, torch.ones(3))
    plain = torch.nn.functional.cross_entropy(q @ p.T / 0.05, torch.tensor([0, 3, 6]))
    assert torch.allclose(ones, plain)
    assert abs(float(got) - float(plain)) > 1e-3
    # Scaling every weight by the same factor changes nothing.
    scaled = lrat_train.weighted_infonce(q, p, 3, 0.05, torch.tensor(w) * 7)
    assert torch.allclose(scaled, lrat_train.weighted_infonce(q, p, 3, 0.05, torch.tensor(w)))


def test_rows_are_read_with_their_weights_and_bad_ones_named(tmp_path):
    rows = lrat_train.read_rows(write_rows(tmp_path / "st.jsonl", 3, weights=[0.25, 1.0, 2.0]))
    assert [r.weight for r in rows] == [0.25, 1.0, 2.0]
    assert len(rows[0].passages) == 3 and rows[0].passages[0].startswith("the lighthouse")
    bad = tmp_path / "bad.jsonl"
    lines = (tmp_path / "st.jsonl").read_text().splitlines()
    for broken, message in [
        ('{"anchor": "x", "positive": ', ":2:"),
        (json.dumps({"anchor": "x", "positive": "y", "negative_1": "z", "negative_2": "w"}), "no `label`"),
        (json.dumps({"anchor": "x", "positive": "y", "negative_1": "z", "label": 1.0}), "1 negatives where the first row has 2"),
        (json.dumps({"anchor": "x", "positive": "y", "negative_1": "z", "negative_2": "w", "label": -1}), "above 0"),
    ]:
        bad.write_text("\n".join([lines[0], broken]) + "\n")
        with pytest.raises(lrat_train.InputError, match=message) as e:
            lrat_train.read_rows(bad)
        assert f"{bad}:2" in str(e.value)


def full_batch_gradients(model, rows, s):
    """The reference: one graph through every text, the loss, backward."""
    model.zero_grad(set_to_none=True)
    q = lrat_train.embed(model, [r.query for r in rows], s.query_max_len)
    p = lrat_train.embed(model, [t for r in rows for t in r.passages], s.passage_max_len)
    w = torch.tensor([r.weight if s.weighted else 1.0 for r in rows])
    loss = lrat_train.weighted_infonce(q, p, len(rows[0].passages), s.tau, w)
    loss.backward()
    return float(loss.detach()), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_gradient_caching_gives_the_full_batchs_gradient(model_dir, tmp_path):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    model.eval()
    rows = lrat_train.read_rows(write_rows(tmp_path / "st.jsonl", 6))
    s = lrat_train.Settings(tau=0.05, query_max_len=16, passage_max_len=24, mini_batch=4, weighted=True)
    want_loss, want = full_batch_gradients(model, rows, s)
    model.zero_grad(set_to_none=True)
    got_loss = lrat_train.accumulate_gradients(model, rows, s)
    got = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    assert abs(got_loss - want_loss) < 1e-5
    assert got.keys() == want.keys() and len(got) > 10
    for name in want:
        err = float((got[name] - want[name]).abs().max())
        assert err <= 1e-4 * float(want[name].abs().max()) + 1e-6, (name, err)
    assert any(float(g.abs().sum()) > 0 for g in got.values())


def train(model_dir, data, out, processes, batch, *extra):
    if processes == 1:
        cmd = [sys.executable, str(ROOT / "assets/python/lrat_train.py")]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}", str(ROOT / "assets/python/lrat_train.py")]
    cmd += ["--data", str(data), "--model", str(model_dir), "--out", str(out), "--batch-size", str(batch),
            "--mini-batch-size", "3", "--query-max-len", "16", "--passage-max-len", "24", "--lr", "1e-3", *extra]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((out / "lrat_train.json").read_text())


def test_two_processes_take_the_step_one_process_takes(model_dir, tmp_path):
    from safetensors.torch import load_file

    data = write_rows(tmp_path / "st.jsonl", 8)
    one = train(model_dir, data, tmp_path / "one", 1, 4, "--max-steps", "2")
    two = train(model_dir, data, tmp_path / "two", 2, 2, "--max-steps", "2")
    assert one["global_batch"] == two["global_batch"] == 4 and two["processes"] == 2
    assert one["steps"] == two["steps"] == 2
    for a, b in zip(one["losses"], two["losses"]):
        assert abs(a - b) < 1e-5, (one["losses"], two["losses"])
    w1 = load_file(tmp_path / "one/model.safetensors")
    w2 = load_file(tmp_path / "two/model.safetensors")
    w0 = load_file(Path(model_dir) / "model.safetensors")
    assert w1.keys() == w2.keys()
    moved = 0
    for k in w1:
        assert torch.allclose(w1[k], w2[k], atol=1e-5), k
        moved += int(not torch.equal(w1[k], w0[k]))
    assert moved > 10, "training changed the weights"


def test_weights_change_the_loss_and_no_weights_is_the_unit_file(model_dir, tmp_path):
    weighted = write_rows(tmp_path / "w.jsonl", 8)
    units = write_rows(tmp_path / "u.jsonl", 8, weights=[1.0] * 8)
    a = train(model_dir, weighted, tmp_path / "a", 1, 4, "--max-steps", "1")["losses"][0]
    b = train(model_dir, units, tmp_path / "b", 1, 4, "--max-steps", "1")["losses"][0]
    c = train(model_dir, weighted, tmp_path / "c", 1, 4, "--max-steps", "1", "--no-weights")["losses"][0]
    assert abs(a - b) > 1e-4, (a, b)
    assert abs(b - c) < 1e-6, (b, c)


def test_bad_input_is_one_plain_line(model_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"anchor": "x", "positive": "y", "label": 1}\nnot json\n')
    done = subprocess.run(
        [sys.executable, str(ROOT / "assets/python/lrat_train.py"), "--data", str(bad), "--model", str(model_dir), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{bad}:2:1: not JSON" in done.stderr, done.stderr
    assert not (tmp_path / "o").exists()
