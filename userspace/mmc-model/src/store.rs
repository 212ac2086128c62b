//! Where a disc's blocks live: a trait, and a sparse in-memory store for
//! tests.  The TCMU adapter stores them in an image file.

use std::collections::HashMap;
use std::io;

/// Size of one logical block (frame) in bytes.
pub const BLOCK: usize = 2048;

/// The medium's recorded blocks.  Blocks never written read as zeros.
pub trait Store {
    /// Reads `buf.len() / BLOCK` blocks starting at `lba`.
    fn read(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()>;
    /// Writes `data.len() / BLOCK` blocks starting at `lba`.
    fn write(&mut self, lba: u32, data: &[u8]) -> io::Result<()>;
    /// Erases the first `blocks` blocks (the whole medium, for BLANK and
    /// FORMAT UNIT): they read as zeros afterwards.
    fn erase(&mut self, blocks: u32) -> io::Result<()>;
}

/// A sparse store in memory.
#[derive(Default)]
pub struct MemStore {
    blocks: HashMap<u32, Box<[u8]>>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemStore {
    fn read(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        for (i, chunk) in buf.chunks_mut(BLOCK).enumerate() {
            match self.blocks.get(&(lba + i as u32)) {
                Some(b) => chunk.copy_from_slice(b),
                None => chunk.fill(0),
            }
        }
        Ok(())
    }

    fn write(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        for (i, chunk) in data.chunks(BLOCK).enumerate() {
            self.blocks.insert(lba + i as u32, chunk.into());
        }
        Ok(())
    }

    fn erase(&mut self, blocks: u32) -> io::Result<()> {
        self.blocks.retain(|&lba, _| lba >= blocks);
        Ok(())
    }
}
