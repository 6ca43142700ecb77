//! A reader that hands out its bytes a few at a time, shared by the fuzz targets.

use std::io::Read;

/// Returns at most 7 bytes per read, to cross buffer boundaries in odd places.
pub struct Dribble<'a>(pub &'a [u8]);

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(7);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}
