;; Grows memory by 16 MiB until refused, then aborts.
(module
  (memory 1)
  (func (export "_start")
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 256)) (i32.const -1))))
    unreachable))
