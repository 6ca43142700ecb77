//! Output files: written to a temporary file in the target folder and renamed into place only
//! when everything was written, so a failure never leaves a partial file and a reader never sees
//! a half-written one.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

/// Creates `path` (and its folder) from what `write` produces, atomically. On error nothing is
/// left behind and an existing file at `path` is untouched.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".customer-snapshot-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    {
        let mut out = BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut out)?;
        out.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // Temporary files are created private (0600); an output is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| anyhow!(e.error))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_or_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/out.md");
        write_atomically(&path, |out| Ok(out.write_all(b"first")?)).expect("writes");
        assert_eq!(fs::read(&path).expect("read"), b"first");
        let err = write_atomically(&path, |out| {
            out.write_all(b"partial")?;
            Err(anyhow!("the pipeline failed"))
        })
        .expect_err("fails");
        assert!(err.to_string().contains("the pipeline failed"));
        assert_eq!(
            fs::read(&path).expect("read"),
            b"first",
            "old file untouched"
        );
        let names: Vec<_> = fs::read_dir(dir.path().join("sub")).expect("dir").collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }
}
