//! A dense retriever: a model folder, the embeddings of every corpus document by that model
//! (computed once and kept beside the index with a manifest naming the model, its step and the
//! corpus), and exact top-k by dot product for each query the model encodes.

use std::path::{Path, PathBuf};

use candle_core::Device;
use serde::{Deserialize, Serialize};

use super::{Hit, Retriever, Served, exact};
use crate::corpus::{DocIndex, Document};
use crate::error::{Error, Result};
use crate::train::bert::Bert;
use crate::train::encoder::{Encoder, MaxLengths, Side};
use crate::train::worker::{Preset, TrainConfig, TrainerState};

/// What a set of document embeddings was computed from; a cache whose manifest differs from
/// what is asked is computed again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub model: String,
    pub step: Option<usize>,
    /// Size and modification time of the weights, so a model retrained in place is noticed.
    pub weights: String,
    pub pooling: String,
    pub passage_max_len: usize,
    pub corpus: String,
    /// A hash of every document's id and passage, so another corpus at the same place is noticed.
    pub fingerprint: String,
    pub documents: usize,
    pub dim: usize,
}

/// Every document's embedding, rows in `docids` order.
#[derive(Debug, Clone)]
pub struct DocEmbeddings {
    pub docids: Vec<String>,
    pub data: Vec<f32>,
    pub dim: usize,
    pub manifest: Manifest,
}

fn weights_stamp(dir: &Path) -> String {
    let p = dir.join("model.safetensors");
    match std::fs::metadata(&p) {
        Ok(m) => {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} bytes, modified {t}", m.len())
        }
        Err(_) => "unknown".into(),
    }
}

impl DocEmbeddings {
    /// The manifest embeddings of `corpus` by `enc` (loaded from `dir`) would have.
    fn wanted(
        dir: &Path,
        enc: &Encoder,
        corpus: &DocIndex,
        step: Option<usize>,
        fingerprint: String,
    ) -> Manifest {
        Manifest {
            fingerprint,
            model: dir.display().to_string(),
            step,
            weights: weights_stamp(dir),
            pooling: format!("{:?}", enc.pooling).to_lowercase(),
            passage_max_len: enc.max.passage,
            corpus: corpus.path().display().to_string(),
            documents: corpus.num_docs() as usize,
            dim: enc.dim(),
        }
    }

    /// The embeddings from `cache` when its manifest matches, else computed (`progress` hears
    /// documents done and the total) and written there.
    pub fn load_or_compute(
        dir: &Path,
        enc: &Encoder,
        corpus: &DocIndex,
        step: Option<usize>,
        cache: Option<&Path>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<DocEmbeddings> {
        let mut docs: Vec<Document> = corpus.documents()?;
        docs.sort_by(|a, b| a.docid.cmp(&b.docid));
        let texts: Vec<String> = docs
            .iter()
            .map(|d| crate::text::passage(d.title.as_deref(), &d.text))
            .collect();
        let mut parts: Vec<&str> = Vec::with_capacity(2 * docs.len());
        for (d, t) in docs.iter().zip(&texts) {
            parts.push(&d.docid);
            parts.push(t);
        }
        let fingerprint = crate::text::stable_hash(&parts);
        let manifest = Self::wanted(dir, enc, corpus, step, fingerprint);
        let key = crate::text::stable_hash(&[&serde_json::to_string(&manifest)?]);
        let folder = cache.map(|c| c.join(key));
        if let Some(f) = &folder
            && let Some(e) = Self::read(f, &manifest)?
        {
            return Ok(e);
        }
        let bert = enc.frozen()?;
        let dim = enc.dim();
        let mut data = Vec::with_capacity(texts.len() * dim);
        const BATCH: usize = 32;
        for (i, chunk) in texts.chunks(BATCH).enumerate() {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let e = enc.embed_frozen(&bert, &refs, Side::Passage)?;
            data.extend(e.flatten_all()?.to_vec1::<f32>()?);
            progress((i * BATCH + chunk.len()).min(texts.len()), texts.len());
        }
        let out = DocEmbeddings {
            docids: docs.into_iter().map(|d| d.docid).collect(),
            data,
            dim,
            manifest,
        };
        if let Some(f) = &folder {
            out.write(f)?;
        }
        Ok(out)
    }

    fn read(folder: &Path, wanted: &Manifest) -> Result<Option<DocEmbeddings>> {
        let m = folder.join("manifest.json");
        let Ok(text) = std::fs::read_to_string(&m) else {
            return Ok(None);
        };
        let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
            return Ok(None);
        };
        if &manifest != wanted {
            return Ok(None);
        }
        let ids = folder.join("docids.txt");
        let vecs = folder.join("embeddings.f32");
        let docids: Vec<String> = std::fs::read_to_string(&ids)
            .map_err(|e| Error::io(&ids, e))?
            .lines()
            .map(str::to_string)
            .collect();
        let bytes = std::fs::read(&vecs).map_err(|e| Error::io(&vecs, e))?;
        let data: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if data.len() != docids.len() * manifest.dim {
            return Ok(None);
        }
        Ok(Some(DocEmbeddings {
            docids,
            data,
            dim: manifest.dim,
            manifest,
        }))
    }

    /// Writes the folder whole under a private name, then renames it into place.
    fn write(&self, folder: &Path) -> Result<()> {
        let tmp = folder.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let put = |name: &str, bytes: &[u8]| {
            let p = tmp.join(name);
            std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))
        };
        put("docids.txt", (self.docids.join("\n") + "\n").as_bytes())?;
        let mut bytes = Vec::with_capacity(self.data.len() * 4);
        for x in &self.data {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        put("embeddings.f32", &bytes)?;
        put(
            "manifest.json",
            (serde_json::to_string_pretty(&self.manifest)? + "\n").as_bytes(),
        )?;
        if folder.exists() {
            std::fs::remove_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        std::fs::rename(&tmp, folder).map_err(|e| Error::io(folder, e))
    }
}

/// A model and its document embeddings over one corpus.
pub struct Dense {
    corpus: DocIndex,
    enc: Encoder,
    bert: Bert,
    embeddings: DocEmbeddings,
    served: Served,
}

impl Dense {
    /// The model in `dir` over `corpus`; the token budgets are the ones the model was trained
    /// with (its `trainer_state.json`), else the quick preset's.
    pub fn open(
        dir: &Path,
        corpus: &DocIndex,
        cache: Option<&Path>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Dense> {
        let state = TrainerState::read(dir)?;
        let config = state
            .as_ref()
            .map(|s| s.config.clone())
            .unwrap_or_else(|| TrainConfig::preset(Preset::Quick));
        let max = MaxLengths {
            query: config.query_max_len,
            passage: config.passage_max_len,
        };
        let enc = Encoder::load(dir, max, &Device::Cpu)?;
        let step = state.as_ref().map(|s| s.step);
        let embeddings = DocEmbeddings::load_or_compute(dir, &enc, corpus, step, cache, progress)?;
        let bert = enc.frozen()?;
        Ok(Dense {
            corpus: corpus.clone(),
            bert,
            served: Served {
                searcher_type: "dense".into(),
                model: Some(dir.display().to_string()),
                step,
            },
            enc,
            embeddings,
        })
    }

    pub fn embeddings(&self) -> &DocEmbeddings {
        &self.embeddings
    }

    fn rank(&self, q: &[f32], k: usize) -> Result<Vec<Hit>> {
        let ids: Vec<&String> = self.embeddings.docids.iter().collect();
        exact::top_k(q, &self.embeddings.data, self.embeddings.dim, &ids, k)
            .into_iter()
            .map(|(docid, score)| {
                let doc = self.corpus.get(&docid)?.ok_or_else(|| Error::Index {
                    path: self.corpus.path().to_path_buf(),
                    message: format!("document {docid} has an embedding but is not in the index"),
                })?;
                Ok(Hit { score, doc })
            })
            .collect()
    }
}

impl Retriever for Dense {
    fn search(&self, query: &str, k: usize) -> Result<Vec<Hit>> {
        Ok(self.search_many(&[query], k)?.pop().unwrap_or_default())
    }

    fn search_many(&self, queries: &[&str], k: usize) -> Result<Vec<Vec<Hit>>> {
        let dim = self.embeddings.dim;
        let mut out = Vec::with_capacity(queries.len());
        for chunk in queries.chunks(64) {
            let e = self.enc.embed_frozen(&self.bert, chunk, Side::Query)?;
            let flat = e.flatten_all()?.to_vec1::<f32>()?;
            for q in flat.chunks_exact(dim) {
                out.push(self.rank(q, k)?);
            }
        }
        Ok(out)
    }

    fn document(&self, docid: &str) -> Result<Option<Document>> {
        self.corpus.get(docid)
    }

    fn served(&self) -> Served {
        self.served.clone()
    }
}

/// The folder embeddings are kept in for a corpus index on disk (`None` for one in memory).
pub fn cache_for(corpus: &DocIndex) -> Option<PathBuf> {
    let p = corpus.path();
    p.is_dir().then(|| super::embeddings_dir(corpus))
}
