//! The cleaned transcript kept between the two passes, so pass 2 needs no parsing, rebuilding
//! utterances or cleaning again.
//!
//! Either compact records (speaker index, start and end milliseconds, text length, text) that
//! read back as [`TranscriptEntry`]s, or entries already rendered in the output format, which
//! pass 2 only copies. Bytes sit in memory up to [`MEMORY_LIMIT`]; past that they spill to an
//! anonymous temporary file (deleted by the OS when closed), so memory stays flat however long
//! the meeting is.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};

use crate::snapshot::TranscriptEntry;

/// Bytes of records held in memory before the spool moves to a temporary file.
pub(crate) const MEMORY_LIMIT: usize = 4 << 20;
/// Bytes gathered in memory between writes once the spool is a file.
const FILE_CHUNK: usize = 256 << 10;
/// speaker (u32) + start (u64) + end (u64) + text length (u32).
const HEADER: usize = 24;
/// Speaker field of an utterance without a speaker.
const NO_SPEAKER: u32 = u32::MAX;

/// Write side of the spool (pass 1).
#[derive(Debug, Default)]
pub(crate) struct Spool {
    buf: Vec<u8>,
    file: Option<File>,
}

impl Spool {
    /// Appends one utterance.
    pub(crate) fn push(
        &mut self,
        speaker: Option<u32>,
        start_ms: u64,
        end_ms: u64,
        text: &str,
    ) -> io::Result<()> {
        let len = u32::try_from(text.len())
            .map_err(|_| io::Error::other("an utterance longer than 4 GiB cannot be spooled"))?;
        self.buf
            .extend_from_slice(&speaker.unwrap_or(NO_SPEAKER).to_le_bytes());
        self.buf.extend_from_slice(&start_ms.to_le_bytes());
        self.buf.extend_from_slice(&end_ms.to_le_bytes());
        self.buf.extend_from_slice(&len.to_le_bytes());
        self.buf.extend_from_slice(text.as_bytes());
        self.spill()
    }

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
                self.buf = Vec::with_capacity(FILE_CHUNK + HEADER);
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

    /// Ends writing; the reader yields the records in the order they were pushed.
    pub(crate) fn into_reader(self) -> io::Result<SpoolReader> {
        let source = match self.file {
            Some(mut f) => {
                f.write_all(&self.buf)?;
                f.seek(SeekFrom::Start(0))?;
                Source::File(BufReader::with_capacity(1 << 16, f))
            }
            None => Source::Memory(io::Cursor::new(self.buf)),
        };
        Ok(SpoolReader { source })
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

#[derive(Debug)]
enum Source {
    Memory(io::Cursor<Vec<u8>>),
    File(BufReader<File>),
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Memory(c) => c.read(buf),
            Source::File(f) => f.read(buf),
        }
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        match self {
            Source::Memory(c) => c.read_exact(buf),
            Source::File(f) => f.read_exact(buf),
        }
    }
}

/// Read side of the spool (pass 2).
#[derive(Debug)]
pub(crate) struct SpoolReader {
    source: Source,
}

impl SpoolReader {
    /// Overwrites `entry` with the next record, reusing its buffers; false at the end.
    pub(crate) fn next_into(
        &mut self,
        entry: &mut TranscriptEntry,
        speakers: &[String],
    ) -> io::Result<bool> {
        let mut head = [0u8; HEADER];
        match self.source.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        }
        let field = |a: usize, b: usize| -> [u8; 8] {
            let mut out = [0u8; 8];
            out[..b - a].copy_from_slice(&head[a..b]);
            out
        };
        let speaker = u64::from_le_bytes(field(0, 4)) as u32;
        let start_ms = u64::from_le_bytes(field(4, 12));
        let end_ms = u64::from_le_bytes(field(12, 20));
        let len = u64::from_le_bytes(field(20, 24)) as usize;
        // Read straight into the entry's buffer (checked as UTF-8 before it becomes text again).
        let mut bytes = std::mem::take(&mut entry.text).into_bytes();
        bytes.clear();
        bytes.resize(len, 0);
        self.source.read_exact(&mut bytes)?;
        entry.text =
            String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        match speakers.get(speaker as usize) {
            Some(name) => match &mut entry.speaker {
                Some(s) => s.clone_from(name),
                None => entry.speaker = Some(name.clone()),
            },
            None => entry.speaker = None,
        }
        entry.start = start_ms as f64 / 1000.0;
        entry.end = end_ms as f64 / 1000.0;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> TranscriptEntry {
        TranscriptEntry {
            speaker: None,
            start: 0.0,
            end: 0.0,
            text: String::new(),
        }
    }

    fn round_trip(n: usize, spills: bool) {
        let speakers = vec!["Ann Lee".to_owned(), "Bo".to_owned()];
        let mut spool = Spool::default();
        for i in 0..n {
            let speaker = match i % 3 {
                0 => None,
                k => Some(k as u32 - 1),
            };
            let text = format!("utterance {i} – naïve text {}", "x".repeat(i % 50));
            spool
                .push(speaker, i as u64 * 1000, i as u64 * 1000 + 999, &text)
                .expect("spool write");
        }
        let spilled = spool.file.is_some();
        assert_eq!(spilled, spills, "spills only past the memory limit");
        let mut reader = spool.into_reader().expect("spool rewind");
        let mut e = entry();
        let mut i = 0;
        while reader.next_into(&mut e, &speakers).expect("spool read") {
            let want_speaker = match i % 3 {
                0 => None,
                k => Some(speakers[k - 1].as_str()),
            };
            assert_eq!(e.speaker.as_deref(), want_speaker);
            assert_eq!(e.start, i as f64);
            assert_eq!(e.end, i as f64 + 0.999);
            assert_eq!(
                e.text,
                format!("utterance {i} – naïve text {}", "x".repeat(i % 50))
            );
            i += 1;
        }
        assert_eq!(i, n);
    }

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

    #[test]
    fn small_spool_stays_in_memory_and_reads_back_in_order() {
        round_trip(1_000, false);
    }

    #[test]
    fn large_spool_spills_to_a_file_and_reads_back_in_order() {
        round_trip(100_000, true);
    }
}
