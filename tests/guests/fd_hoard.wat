;; Opens the directory mounted at fd 3 again and again without closing it, up to a million
;; times. If an open fails, exits with its errno (a host that answered with an error instead of
;; stopping the guest); if all succeed, exits 0.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) ".")
  (func (export "_start") (local $i i32) (local $errno i32)
    (loop $l
      ;; oflags 2 = O_DIRECTORY; rights: fd_readdir.
      (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 1)
        (i32.const 2) (i64.const 0x4000) (i64.const 0x4000) (i32.const 0) (i32.const 0)))
      (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000000))))))
