;; Grows a table by 1M elements at a time until refused, then aborts.
(module
  (table 1 funcref)
  (func (export "_start")
    (loop $l (br_if $l (i32.ne (table.grow (ref.null func) (i32.const 1000000)) (i32.const -1))))
    unreachable))
