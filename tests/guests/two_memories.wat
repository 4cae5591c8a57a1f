;; Two memories and two tables (multi-memory, reference types): stores 7 in the second memory,
;; and exits with what it loads back from there plus the size of the second table (7 + 2).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory $a (export "memory") 1)
  (memory $b 1)
  (table $t 1 funcref)
  (table $u 2 funcref)
  (func (export "_start")
    (i32.store $b (i32.const 64) (i32.const 7))
    (call $proc_exit (i32.add (i32.load $b (i32.const 64)) (table.size $u)))))
