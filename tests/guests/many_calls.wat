;; Reads the monotonic clock N times (N = 1,000,000 unless the first byte of argv[1] says
;; otherwise: "k" = 10,000), then exits 0.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32) (local $n i32)
    (local.set $n (i32.const 1000000))
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (if (i32.and (i32.eq (i32.load (i32.const 0)) (i32.const 2)) (i32.lt_u (i32.load (i32.const 4)) (i32.const 512)))
      (then
        (drop (call $args_get (i32.const 16) (i32.const 64)))
        (if (i32.eq (i32.load8_u (i32.load (i32.const 20))) (i32.const 107))
          (then (local.set $n (i32.const 10000))))))
    (loop $l
      (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))
