;; Opens, reads and closes in.txt (through fd 3) 3,334 times: 10,002 WASI calls.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "in.txt")
  (func (export "_start") (local $i i32)
    (i32.store (i32.const 8) (i32.const 1024))
    (i32.store (i32.const 12) (i32.const 64))
    (loop $l
      (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 6)
        (i32.const 0) (i64.const 0x2) (i64.const 0x2) (i32.const 0) (i32.const 0)))
      (drop (call $fd_read (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 16)))
      (drop (call $fd_close (i32.load (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3334))))))
