"""Loads lrat's exports with the consumers' own readers (run by tests/it/consumers.rs).

usage: check_exports.py DIR   where DIR holds pairs.parquet, pairs.jsonl (lrat schema) and st.jsonl
"""
import json
import sys
from pathlib import Path

import pandas as pd
from datasets import load_dataset

d = Path(sys.argv[1])

# pandas, default settings: the Parquet file has the JSON lines' rows and shapes.
frame = pd.read_parquet(d / "pairs.parquet")
rows = [json.loads(line) for line in (d / "pairs.jsonl").read_text().splitlines()]
assert len(frame) == len(rows), (len(frame), len(rows))
for column in ["pos_id", "pos", "neg_id", "neg"]:
    got = [list(x) for x in frame[column]]
    want = [r[column] for r in rows]
    assert got == want, column
assert list(frame["satisfied"]) == [r["satisfied"] for r in rows]
assert list(frame["reweight_rate"]) == [r["reweight_rate"] for r in rows]

# datasets (what sentence-transformers trains from): every row has every column, no None.
st = load_dataset("json", data_files=str(d / "st.jsonl"), split="train")
assert st.column_names[:2] == ["anchor", "positive"], st.column_names
negatives = [c for c in st.column_names if c.startswith("negative_")]
assert negatives, st.column_names
assert st.column_names[-1] == "label", st.column_names
for row in st:
    assert all(isinstance(row[c], str) and row[c] for c in st.column_names[:-1]), row
    assert isinstance(row["label"], float) and row["label"] > 0, row

# sentence-transformers' own collator, when installed: the weight is the label it hands the loss.
try:
    from sentence_transformers.sentence_transformer.data_collator import SentenceTransformerDataCollator
except ImportError:
    SentenceTransformerDataCollator = None
if SentenceTransformerDataCollator is not None:
    collate = SentenceTransformerDataCollator(preprocess_fn=lambda texts, **_: {"n": len(texts)})
    batch = collate([dict(row) for row in st.select(range(min(4, len(st))))])
    want = [float(r) for r in st["label"][: len(batch["label"])]]
    assert all(abs(g - w) <= 1e-6 * w for g, w in zip(batch["label"].tolist(), want)), batch

print(f"consumers read {len(frame)} parquet rows and {len(st)} st rows ({len(negatives)} negatives each)")
