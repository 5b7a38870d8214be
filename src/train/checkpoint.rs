//! Checkpoints that never mix two steps. A checkpoint is written whole into `OUT/.partial`, then
//! renamed to `OUT/.commit`: from that rename on it is complete. Its files are then moved over
//! the previous ones (`trainer_state.json` last) and `.commit` is removed. A crash before the
//! rename leaves the previous checkpoint as it was (the next checkpoint discards the stale
//! `.partial`); a
//! crash after it is finished by the next reader ([`settle`]: resuming, `lrat eval --model`,
//! loading the folder anywhere), so what is read is always one step's checkpoint.

use std::path::Path;

use crate::error::{Error, Result};

pub const STATE: &str = "trainer_state.json";
const PARTIAL: &str = ".partial";
const COMMIT: &str = ".commit";

/// Where a checkpoint is written before it is committed (emptied first).
pub fn begin(out: &Path) -> Result<std::path::PathBuf> {
    settle(out)?;
    let tmp = out.join(PARTIAL);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    Ok(tmp)
}

/// Makes the checkpoint written by [`begin`] the folder's checkpoint.
pub fn commit(out: &Path) -> Result<()> {
    let (tmp, done) = (out.join(PARTIAL), out.join(COMMIT));
    std::fs::rename(&tmp, &done).map_err(|e| Error::io(&done, e))?;
    settle(out)
}

/// Finishes a committed checkpoint whose files were not all moved into place. Does nothing
/// (and writes nothing) otherwise; an uncommitted `.partial` is left to the writer, which may
/// still be writing it.
pub fn settle(out: &Path) -> Result<()> {
    let done = out.join(COMMIT);
    if done.is_dir() {
        move_into(&done, out, true)?;
        match std::fs::remove_dir_all(&done) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(&done, e));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A file another reader already moved is not an error.
fn gone(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound
}

/// Moves every file under `from` to the same place under `to`, replacing what is there; at the
/// top level the trainer state goes last.
fn move_into(from: &Path, to: &Path, top: bool) -> Result<()> {
    let listing = match std::fs::read_dir(from) {
        Ok(l) => l,
        Err(e) if gone(&e) => return Ok(()),
        Err(e) => return Err(Error::io(from, e)),
    };
    let mut entries: Vec<std::path::PathBuf> = listing
        .map(|e| e.map(|e| e.path()).map_err(|err| Error::io(from, err)))
        .collect::<Result<_>>()?;
    entries.sort_by_key(|p| top && p.file_name().is_some_and(|n| n == STATE));
    for path in entries {
        let Some(name) = path.file_name() else {
            continue;
        };
        let target = to.join(name);
        if path.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| Error::io(&target, e))?;
            move_into(&path, &target, false)?;
        } else {
            match std::fs::rename(&path, &target) {
                Err(e) if !gone(&e) => return Err(Error::io(&target, e)),
                _ => {}
            }
        }
    }
    Ok(())
}
