;; Grows each of its two memories by 20 MiB; aborts if a growth is refused.
(module
  (memory $a (export "memory") 1)
  (memory $b 1)
  (func (export "_start")
    (if (i32.eq (memory.grow $a (i32.const 320)) (i32.const -1)) (then unreachable))
    (if (i32.eq (memory.grow $b (i32.const 320)) (i32.const -1)) (then unreachable))))
