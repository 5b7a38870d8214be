//! A dense retriever: a model folder, the embeddings of every corpus document by that model
//! (computed once and kept beside the index with a manifest naming the model, its step and the
//! corpus; memory-mapped when read back), and exact top-k by dot product for each query the
//! model encodes.

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

impl Manifest {
    /// Whether embeddings made from `self` are the ones `wanted` asks for: the same model folder,
    /// weights, settings and documents (where the index lies does not matter: a copied index
    /// keeps its embeddings).
    fn same(&self, wanted: &Manifest) -> bool {
        self.model == wanted.model && self.differences(wanted).is_empty()
    }

    /// The key of the folder these embeddings are kept in.
    fn key(&self) -> Result<String> {
        let placeless = Manifest {
            corpus: String::new(),
            ..self.clone()
        };
        Ok(crate::text::stable_hash(&[&serde_json::to_string(
            &placeless,
        )?]))
    }

    /// What differs between embeddings made from `self` and the ones `wanted` (same model
    /// folder), in words; empty when nothing does.
    fn differences(&self, wanted: &Manifest) -> Vec<String> {
        let mut out = Vec::new();
        if self.weights != wanted.weights || self.step != wanted.step {
            out.push(format!(
                "the model's weights changed since (then {}{}, now {}{})",
                self.weights,
                self.step.map_or(String::new(), |s| format!(", step {s}")),
                wanted.weights,
                wanted.step.map_or(String::new(), |s| format!(", step {s}")),
            ));
        }
        if self.fingerprint != wanted.fingerprint || self.documents != wanted.documents {
            out.push(format!(
                "the corpus changed (then {} documents, now {})",
                self.documents, wanted.documents
            ));
        }
        if self.pooling != wanted.pooling
            || self.passage_max_len != wanted.passage_max_len
            || self.dim != wanted.dim
        {
            out.push(format!(
                "the model's settings changed (then {} pooling, {} passage tokens, dimension {}; now {}, {}, {})",
                self.pooling,
                self.passage_max_len,
                self.dim,
                wanted.pooling,
                wanted.passage_max_len,
                wanted.dim
            ));
        }
        out
    }
}

/// What to do when the cache holds embeddings by the same model folder that no longer match it
/// or the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnStale {
    /// Compute them again (and drop the stale ones once the new ones are written).
    Recompute,
    /// Fail, saying what changed and how to rebuild (a server must not quietly spend an hour).
    Refuse,
}

/// The floats of a set of embeddings: computed in memory, or the file on disk mapped.
enum Floats {
    Owned(Vec<f32>),
    Mapped(memmap2::Mmap),
}

impl Floats {
    fn as_slice(&self) -> &[f32] {
        match self {
            Floats::Owned(v) => v,
            // Checked castable when mapped (see `map_floats`).
            Floats::Mapped(m) => bytemuck::try_cast_slice(m).unwrap_or(&[]),
        }
    }
}

/// Every document's embedding, rows in `docids` order.
pub struct DocEmbeddings {
    pub docids: Vec<String>,
    data: Floats,
    pub dim: usize,
    pub manifest: Manifest,
}

impl std::fmt::Debug for DocEmbeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocEmbeddings")
            .field("documents", &self.docids.len())
            .field("dim", &self.dim)
            .field("mapped", &matches!(self.data, Floats::Mapped(_)))
            .field("manifest", &self.manifest)
            .finish()
    }
}

/// The file's floats, memory-mapped: the pages are read on demand and shared with the page
/// cache, so a served index costs no copy and a second server on the same index no more memory.
#[allow(unsafe_code)]
fn map_floats(path: &Path) -> Result<Option<Floats>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    if file.metadata().map_err(|e| Error::io(path, e))?.len() == 0 {
        // An empty corpus: nothing to map (and an empty mapping is an error).
        return Ok(Some(Floats::Owned(Vec::new())));
    }
    // SAFETY: lrat writes an embeddings file once, under a private name, and renames its folder
    // into place; it never writes to or truncates a file that is in place (a rebuild writes a
    // new folder and unlinks the old one, which leaves existing mappings intact). Another
    // program truncating it under us is outside what this guards against.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
    if cfg!(target_endian = "big") || bytemuck::try_cast_slice::<u8, f32>(&map).is_err() {
        return Ok(None);
    }
    Ok(Some(Floats::Mapped(map)))
}

/// The weights file's size and a SHA-256 of its start, its end and eight slices between (a
/// model retrained in place changes them; copying or touching it does not), without reading
/// gigabytes at every start.
fn weights_stamp(dir: &Path) -> String {
    use sha2::Digest as _;
    use std::io::{Read as _, Seek as _, SeekFrom};
    const SLICE: u64 = 1 << 20;
    let p = dir.join("model.safetensors");
    let Ok(mut f) = std::fs::File::open(&p) else {
        return "unknown".into();
    };
    let Ok(len) = f.metadata().map(|m| m.len()) else {
        return "unknown".into();
    };
    let mut h = sha2::Sha256::new();
    // A small file is read whole; a large one as ten slices, first and last included.
    let (starts, size): (Vec<u64>, u64) = match len <= 10 * SLICE {
        true => (vec![0], len),
        false => ((0..10).map(|i| i * (len - SLICE) / 9).collect(), SLICE),
    };
    let mut buf = vec![0u8; size as usize];
    for at in starts {
        if f.seek(SeekFrom::Start(at)).is_err() || f.read_exact(&mut buf).is_err() {
            return "unknown".into();
        }
        h.update(&buf);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{len} bytes, sampled sha256 {hex}")
}

impl DocEmbeddings {
    /// Row-major floats, `dim` a row.
    pub fn data(&self) -> &[f32] {
        self.data.as_slice()
    }

    /// Whether the floats are the file on disk mapped (rather than computed in this process).
    pub fn is_mapped(&self) -> bool {
        matches!(self.data, Floats::Mapped(_))
    }

    /// The manifest embeddings of `corpus` by `enc` (loaded from `dir`) would have.
    fn wanted(
        dir: &Path,
        enc: &Encoder,
        corpus: &DocIndex,
        step: Option<usize>,
        fingerprint: String,
    ) -> Manifest {
        let place = |p: &Path| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.to_path_buf())
                .display()
                .to_string()
        };
        Manifest {
            fingerprint,
            model: place(dir),
            step,
            weights: weights_stamp(dir),
            pooling: format!("{:?}", enc.pooling).to_lowercase(),
            passage_max_len: enc.max.passage,
            corpus: place(corpus.path()),
            documents: corpus.num_docs() as usize,
            dim: enc.dim(),
        }
    }

    /// The embeddings from `cache` when its manifest matches, else computed (`progress` hears
    /// documents done and the total) and written there. Embeddings in `cache` by the same model
    /// folder that no longer match are computed again or refused, as `on_stale` says.
    pub fn load_or_compute(
        dir: &Path,
        enc: &Encoder,
        corpus: &DocIndex,
        step: Option<usize>,
        cache: Option<&Path>,
        on_stale: OnStale,
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
        let key = manifest.key()?;
        let folder = cache.map(|c| c.join(key));
        if let Some(f) = &folder
            && let Some(e) = Self::read(f, &manifest)?
        {
            return Ok(e);
        }
        let stale = cache.map(|c| Self::stale(c, &manifest)).unwrap_or_default();
        if on_stale == OnStale::Refuse
            && let Some((folder, old)) = stale.first()
        {
            return Err(Error::Folder {
                path: folder.clone(),
                message: format!(
                    "these embeddings by {} are stale: {}. Rebuild them with `lrat index {} --model {}`",
                    manifest.model,
                    old.differences(&manifest).join("; "),
                    corpus.path().display(),
                    manifest.model
                ),
            });
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
            data: Floats::Owned(data),
            dim,
            manifest,
        };
        if let Some(f) = &folder {
            out.write(f)?;
            for (old, _) in stale {
                std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
            }
        }
        Ok(out)
    }

    /// Embeddings in `cache` by the same model folder as `wanted` whose manifest differs.
    fn stale(cache: &Path, wanted: &Manifest) -> Vec<(PathBuf, Manifest)> {
        let Ok(entries) = std::fs::read_dir(cache) else {
            return Vec::new();
        };
        let mut out: Vec<(PathBuf, Manifest)> = entries
            .flatten()
            .map(|e| e.path())
            .filter_map(|p| {
                let text = std::fs::read_to_string(p.join("manifest.json")).ok()?;
                let m: Manifest = serde_json::from_str(&text).ok()?;
                (m.model == wanted.model && !m.same(wanted)).then_some((p, m))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn read(folder: &Path, wanted: &Manifest) -> Result<Option<DocEmbeddings>> {
        let m = folder.join("manifest.json");
        let Ok(text) = std::fs::read_to_string(&m) else {
            return Ok(None);
        };
        let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
            return Ok(None);
        };
        if !manifest.same(wanted) {
            return Ok(None);
        }
        let ids = folder.join("docids.txt");
        let vecs = folder.join("embeddings.f32");
        let docids: Vec<String> = std::fs::read_to_string(&ids)
            .map_err(|e| Error::io(&ids, e))?
            .lines()
            .map(str::to_string)
            .collect();
        let data = match map_floats(&vecs)? {
            Some(mapped) => mapped,
            None => {
                let bytes = std::fs::read(&vecs).map_err(|e| Error::io(&vecs, e))?;
                Floats::Owned(
                    bytes
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                )
            }
        };
        if data.as_slice().len() != docids.len() * manifest.dim {
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
        put("embeddings.f32", &le_bytes(self.data()))?;
        put(
            "manifest.json",
            (serde_json::to_string_pretty(&self.manifest)? + "\n").as_bytes(),
        )?;
        if folder.exists() {
            std::fs::remove_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        std::fs::rename(&tmp, folder).map_err(|e| Error::io(folder, e))
    }

    /// Writes the embeddings where other engines read them: `embeddings.npy` (float32, one row a
    /// document), `docids.txt` (row order, one a line) and `manifest.json`.
    pub fn export(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let put = |name: &str, bytes: &[u8]| {
            let p = out.join(name);
            std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))
        };
        let mut npy = npy_header(self.docids.len(), self.dim);
        npy.extend(le_bytes(self.data()));
        put("embeddings.npy", &npy)?;
        put("docids.txt", (self.docids.join("\n") + "\n").as_bytes())?;
        put(
            "manifest.json",
            (serde_json::to_string_pretty(&self.manifest)? + "\n").as_bytes(),
        )
    }
}

fn le_bytes(floats: &[f32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(floats.len() * 4);
    for x in floats {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes
}

/// The header of a version 1.0 `.npy` file holding a C-order little-endian float32 matrix
/// (numpy's format: magic, version, header length, a Python dict literal padded so the data
/// starts at a multiple of 64 bytes).
fn npy_header(rows: usize, cols: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    let unpadded = 10 + dict.len() + 1;
    let len = unpadded.div_ceil(64) * 64;
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend(((len - 10) as u16).to_le_bytes());
    h.extend(dict.as_bytes());
    h.extend(std::iter::repeat_n(b' ', len - unpadded));
    h.push(b'\n');
    h
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
        on_stale: OnStale,
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
        let embeddings =
            DocEmbeddings::load_or_compute(dir, &enc, corpus, step, cache, on_stale, progress)?;
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
        exact::top_k(
            q,
            self.embeddings.data(),
            self.embeddings.dim,
            &self.embeddings.docids,
            k,
        )
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

    fn dimension(&self) -> Option<usize> {
        Some(self.embeddings.dim)
    }

    /// Cut by the model's own tokenizer: the text up to the end of its `max_tokens`-th token.
    fn snippet<'t>(&self, text: &'t str, max_tokens: usize) -> &'t str {
        let Ok(enc) = self.enc.tokenizer().encode(text, false) else {
            return super::first_words(text, max_tokens);
        };
        match enc.get_offsets().get(max_tokens) {
            Some(&(start, _)) => text.get(..start).map_or(text, str::trim_end),
            None => text,
        }
    }
}

/// The folder embeddings are kept in for a corpus index on disk (`None` for one in memory).
pub fn cache_for(corpus: &DocIndex) -> Option<PathBuf> {
    let p = corpus.path();
    p.is_dir().then(|| super::embeddings_dir(corpus))
}
