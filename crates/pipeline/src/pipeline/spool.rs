//! The cleaned transcript kept between the two passes, so pass 2 needs no parsing, rebuilding
//! utterances or cleaning again.
//!
//! The entries are kept already rendered in the output format, which pass 2 only copies. Bytes
//! sit in memory up to [`MEMORY_LIMIT`]; past that they spill to an anonymous temporary file
//! (deleted by the OS when closed), so memory stays flat however long the meeting is.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Bytes held in memory before the spool moves to a temporary file.
pub(crate) const MEMORY_LIMIT: usize = 4 << 20;
/// Bytes gathered in memory between writes once the spool is a file.
const FILE_CHUNK: usize = 256 << 10;

/// Write side of the spool (pass 1).
#[derive(Debug, Default)]
pub(crate) struct Spool {
    buf: Vec<u8>,
    file: Option<File>,
}

impl Spool {
    /// Appends whatever `fill` appends (a rendered entry), to be read back as bytes by
    /// [`Spool::into_bytes`].
    pub(crate) fn push_with(&mut self, fill: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        fill(&mut self.buf);
        self.spill()
    }

    /// Moves the buffered bytes to the temporary file once there are enough of them.
    fn spill(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) if self.buf.len() >= FILE_CHUNK => {
                f.write_all(&self.buf)?;
                self.buf.clear();
            }
            None if self.buf.len() >= MEMORY_LIMIT => {
                let mut f = tempfile::tempfile()?;
                f.write_all(&self.buf)?;
                self.buf = Vec::with_capacity(FILE_CHUNK);
                self.file = Some(f);
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends writing; the bytes appended by [`Spool::push_with`], in order.
    pub(crate) fn into_bytes(self) -> io::Result<SpooledBytes> {
        Ok(match self.file {
            Some(mut f) => {
                f.write_all(&self.buf)?;
                f.seek(SeekFrom::Start(0))?;
                let mut buf = self.buf;
                buf.clear();
                buf.resize(FILE_CHUNK, 0);
                SpooledBytes::File(f, buf)
            }
            None => SpooledBytes::Memory(self.buf, false),
        })
    }
}

/// Read side of a spool of rendered bytes (pass 2).
#[derive(Debug)]
pub(crate) enum SpooledBytes {
    /// Everything, handed out once.
    Memory(Vec<u8>, bool),
    /// The temporary file, and a buffer to read it through.
    File(File, Vec<u8>),
}

impl SpooledBytes {
    /// The next stretch of bytes; `None` at the end.
    pub(crate) fn next_chunk(&mut self) -> io::Result<Option<&[u8]>> {
        match self {
            SpooledBytes::Memory(bytes, taken) => {
                let first = !std::mem::replace(taken, true);
                Ok((first && !bytes.is_empty()).then_some(&bytes[..]))
            }
            SpooledBytes::File(f, buf) => loop {
                match f.read(buf) {
                    Ok(0) => return Ok(None),
                    Ok(n) => return Ok(Some(&buf[..n])),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_round_trip(n: usize, spills: bool) {
        let mut spool = Spool::default();
        let mut want = Vec::new();
        for i in 0..n {
            let line = format!("entry {i} – {}\n", "y".repeat(i % 70));
            want.extend_from_slice(line.as_bytes());
            spool
                .push_with(|buf| buf.extend_from_slice(line.as_bytes()))
                .expect("spool write");
        }
        assert_eq!(
            spool.file.is_some(),
            spills,
            "spills only past the memory limit"
        );
        let mut bytes = spool.into_bytes().expect("spool rewind");
        let mut got = Vec::new();
        while let Some(chunk) = bytes.next_chunk().expect("spool read") {
            got.extend_from_slice(chunk);
        }
        assert!(got == want, "bytes read back as written");
    }

    #[test]
    fn rendered_bytes_read_back_in_order_from_memory_or_a_file() {
        bytes_round_trip(0, false);
        bytes_round_trip(1_000, false);
        bytes_round_trip(100_000, true);
    }
}
