;; Does one of everything the trace records, in a fixed order, through the first preopened
;; directory (fd 3): reads in.txt, writes out.txt, lists the directory, reads the environment,
;; both clocks and 16 random bytes, tries a socket and a path outside the mount, then exits 0.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "in.txt")
  (data (i32.const 120) "out.txt")
  (data (i32.const 140) "../secret.txt")
  (data (i32.const 160) "hello")

  (func (export "_start")
    ;; read in.txt
    (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 6)
      (i32.const 0) (i64.const 0x2) (i64.const 0x2) (i32.const 0) (i32.const 0)))
    (i32.store (i32.const 8) (i32.const 1024))
    (i32.store (i32.const 12) (i32.const 64))
    (drop (call $fd_read (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 16)))
    (drop (call $fd_close (i32.load (i32.const 0))))
    ;; write out.txt
    (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 120) (i32.const 7)
      (i32.const 9) (i64.const 0x40) (i64.const 0x40) (i32.const 0) (i32.const 0)))
    (i32.store (i32.const 8) (i32.const 160))
    (i32.store (i32.const 12) (i32.const 5))
    (drop (call $fd_write (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 16)))
    (drop (call $fd_close (i32.load (i32.const 0))))
    ;; list the directory
    (drop (call $fd_readdir (i32.const 3) (i32.const 2048) (i32.const 1024) (i64.const 0) (i32.const 16)))
    ;; environment
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $environ_get (i32.const 4096) (i32.const 5000)))
    ;; clocks: realtime, monotonic
    (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 24)))
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 32)))
    ;; random
    (drop (call $random_get (i32.const 40) (i32.const 16)))
    ;; a socket, and a path outside the mount
    (drop (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 56)))
    (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 140) (i32.const 13)
      (i32.const 0) (i64.const 0x2) (i64.const 0x2) (i32.const 0) (i32.const 0)))
    (call $proc_exit (i32.const 0))))
