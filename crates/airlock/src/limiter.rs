//! Per-run resource limiter: enforces memory, table and instance limits and remembers what
//! was refused, so that the outcome can say why the guest failed.

use wasmtime::ResourceLimiter;

use crate::limits::Limits;

pub(crate) struct Limiter {
    memory_bytes: usize,
    table_elements: usize,
    instances: usize,
    memories: usize,
    tables: usize,
    pub peak_memory: usize,
    /// The first growth refused.
    pub refused: Option<Refused>,
}

/// A growth the limiter refused, and what was asked.
pub(crate) enum Refused {
    Memory(String),
    Table(String),
}

impl Limiter {
    pub fn new(l: &Limits) -> Self {
        Limiter {
            memory_bytes: usize::try_from(l.memory_bytes).unwrap_or(usize::MAX),
            table_elements: usize::try_from(l.table_elements).unwrap_or(usize::MAX),
            instances: l.max_instances as usize,
            memories: l.max_memories as usize,
            tables: l.max_tables as usize,
            peak_memory: 0,
            refused: None,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            if self.refused.is_none() {
                self.refused = Some(Refused::Memory(if current == 0 {
                    format!("the guest's initial memory of {desired} bytes is over the limit")
                } else {
                    format!("growing memory from {current} to {desired} bytes was refused")
                }));
            }
            return Ok(false);
        }
        self.peak_memory = self.peak_memory.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            if self.refused.is_none() {
                self.refused = Some(Refused::Table(if current == 0 {
                    format!("the guest's initial table of {desired} elements is over the limit")
                } else {
                    format!("growing a table from {current} to {desired} elements was refused")
                }));
            }
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}
