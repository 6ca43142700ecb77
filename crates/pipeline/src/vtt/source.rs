//! Where the parser's bytes come from: a chunked buffer over any `Read`, or a borrowed slice.
//!
//! Both expose the unconsumed bytes as one contiguous window that starts at the next unread
//! line, so the parser can hand out `&str` lines without copying them.

use std::io::{self, Read};

/// Initial read buffer size; the buffer grows only when a single line is longer than it.
/// Bytes read per call by [`ReadSource::new`] (the original tool's `CHUNK_SIZE` default).
pub const DEFAULT_READ_CHUNK: usize = 256 * 1024;

/// A window of bytes the parser reads lines from.
pub trait Source {
    /// The unconsumed bytes read so far.
    fn window(&self) -> &[u8];
    /// Drops the first `n` bytes of the window.
    fn consume(&mut self, n: usize);
    /// Makes more bytes available at the end of the window (may move the window in memory).
    /// Does nothing once the input is exhausted.
    fn fill(&mut self) -> io::Result<()>;
    /// True when no more bytes will come: the window is all that is left.
    fn at_eof(&self) -> bool;
}

/// A [`Source`] over any reader, through one reusable buffer (memory independent of input size).
#[derive(Debug)]
pub struct ReadSource<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> ReadSource<R> {
    /// Wraps a reader with a 256 KiB buffer; nothing is read until the parser asks.
    pub fn new(reader: R) -> Self {
        ReadSource::with_capacity(reader, DEFAULT_READ_CHUNK)
    }

    /// Wraps a reader with a buffer of `capacity` bytes (at least 1). The buffer still grows
    /// to hold the longest line; a small one suits many tiny inputs (tests, fuzzing).
    pub fn with_capacity(reader: R, capacity: usize) -> Self {
        ReadSource {
            reader,
            buf: vec![0; capacity.max(1)],
            start: 0,
            end: 0,
            eof: false,
        }
    }
}

impl<R: Read> Source for ReadSource<R> {
    fn window(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.eof {
            return Ok(());
        }
        if self.start > 0 {
            // Keep the unread tail at the front so the window stays contiguous.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // One line longer than the buffer: grow (the only case memory follows the input).
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn at_eof(&self) -> bool {
        self.eof
    }
}

/// A [`Source`] over bytes already in memory (e.g. a memory-mapped file): zero-copy.
#[derive(Debug, Clone, Copy)]
pub struct SliceSource<'a> {
    rest: &'a [u8],
}

impl<'a> SliceSource<'a> {
    /// Wraps the bytes.
    pub fn new(bytes: &'a [u8]) -> Self {
        SliceSource { rest: bytes }
    }
}

impl Source for SliceSource<'_> {
    fn window(&self) -> &[u8] {
        self.rest
    }

    fn consume(&mut self, n: usize) {
        self.rest = &self.rest[n.min(self.rest.len())..];
    }

    fn fill(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn at_eof(&self) -> bool {
        true
    }
}
