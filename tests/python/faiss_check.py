"""FAISS over `lrat index --export`: loads embeddings.npy and docids.txt into an exact
inner-product index (IndexFlatIP), encodes each query with sentence-transformers from the same
model folder, and prints each query's top k as JSON ({query: [[docid, score], ...]}).

usage: faiss_check.py EXPORT_DIR MODEL_DIR K QUERY...
"""
import json
import sys
from pathlib import Path

import faiss
import numpy as np
from sentence_transformers import SentenceTransformer

export, model, k, queries = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
vectors = np.load(export / "embeddings.npy")
docids = (export / "docids.txt").read_text(encoding="utf-8").splitlines()
assert vectors.dtype == np.float32 and vectors.ndim == 2, (vectors.dtype, vectors.shape)
assert vectors.shape[0] == len(docids), (vectors.shape, len(docids))
index = faiss.IndexFlatIP(vectors.shape[1])
index.add(vectors)
encoder = SentenceTransformer(model, device="cpu")
q = encoder.encode(queries, convert_to_numpy=True).astype(np.float32)
scores, rows = index.search(q, k)
out = {
    query: [[docids[r], float(s)] for r, s in zip(rows[i], scores[i]) if r >= 0]
    for i, query in enumerate(queries)
}
json.dump(out, sys.stdout)
