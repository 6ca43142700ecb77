//! Shared helpers: the binary under test, a temp-dir builder, paths to examples and test data.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `customer-snapshot` binary.
pub fn bin() -> Command {
    Command::cargo_bin("customer-snapshot").expect("binary built")
}

/// The repo's `examples/` folder.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A temporary folder with helpers to write files into it.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    /// A new empty folder.
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().expect("temp dir"))
    }

    /// Path of `name` inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Writes `bytes` to `name` (creating sub-folders) and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, bytes).expect("write");
        path
    }

    /// Copies an example transcript into the folder.
    pub fn example(&self, name: &str) -> PathBuf {
        let bytes = std::fs::read(examples().join(name)).expect("example exists");
        self.write(name, bytes)
    }

    /// Names of the files directly in the folder, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}
