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
    /// Linear memory the guest has now, all its memories together.
    total_memory: usize,
    /// The most it had at once.
    pub peak_memory: usize,
    /// The first memory growth refused, if any.
    pub memory_refused: Option<String>,
    /// The first table growth refused, if any.
    pub table_refused: Option<String>,
}

impl Limiter {
    pub fn new(l: &Limits) -> Self {
        Limiter {
            memory_bytes: usize::try_from(l.memory_bytes).unwrap_or(usize::MAX),
            table_elements: usize::try_from(l.table_elements).unwrap_or(usize::MAX),
            instances: l.max_instances as usize,
            memories: l.max_memories as usize,
            tables: l.max_tables as usize,
            total_memory: 0,
            peak_memory: 0,
            memory_refused: None,
            table_refused: None,
        }
    }
}

impl ResourceLimiter for Limiter {
    /// The memory limit is for all the guest's memories together: a module may define several.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = (self.total_memory - current.min(self.total_memory)).saturating_add(desired);
        if total > self.memory_bytes {
            if self.memory_refused.is_none() {
                let others = total - desired;
                let with = if others > 0 {
                    format!(" (with {others} bytes in its other memories)")
                } else {
                    String::new()
                };
                self.memory_refused = Some(if current == 0 {
                    format!("the guest's initial memory of {desired} bytes{with} is over the limit")
                } else {
                    format!("growing memory from {current} to {desired} bytes{with} was refused")
                });
            }
            return Ok(false);
        }
        self.total_memory = total;
        self.peak_memory = self.peak_memory.max(total);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            if self.table_refused.is_none() {
                self.table_refused = Some(if current == 0 {
                    format!("the guest's initial table of {desired} elements is over the limit")
                } else {
                    format!("growing a table from {current} to {desired} elements was refused")
                });
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
