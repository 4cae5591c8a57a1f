;; A host prober. Usage (argv): probe r PATH | probe w PATH | probe e
;;   r: open PATH through every preopened directory (fds 3..7) and print its first 4 KiB.
;;   w: create PATH (through the first directory that allows it) and write "pwned\n" into it.
;;   e: print the environment, entries separated by NUL.
;; On failure prints "errno=N\n" (the most telling error seen) and exits 1.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 9000) "errno=")
  (data (i32.const 9200) "pwned\n")

  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $n))

  (func $write (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))

  (func $fail (param $e i32) (local $p i32)
    (drop (call $write (i32.const 1) (i32.const 9000) (i32.const 6)))
    (local.set $p (i32.const 9120))
    (i32.store8 (local.get $p) (i32.const 10))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $e) (i32.const 10))))
      (local.set $e (i32.div_u (local.get $e) (i32.const 10)))
      (br_if $l (local.get $e)))
    (drop (call $write (i32.const 1) (local.get $p) (i32.sub (i32.const 9121) (local.get $p))))
    (call $proc_exit (i32.const 1)))

  (func (export "_start")
    (local $mode i32) (local $path i32) (local $fd i32) (local $err i32) (local $best i32)
    (local $oflags i32) (local $opened i32) (local $rights i64)
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (if (i32.or (i32.lt_u (i32.load (i32.const 16)) (i32.const 2))
                (i32.or (i32.gt_u (i32.load (i32.const 16)) (i32.const 40))
                        (i32.gt_u (i32.load (i32.const 20)) (i32.const 1700))))
      (then (call $proc_exit (i32.const 2))))
    (drop (call $args_get (i32.const 64) (i32.const 256)))
    (local.set $mode (i32.load8_u (i32.load (i32.const 68))))

    ;; e: dump the environment
    (if (i32.eq (local.get $mode) (i32.const 101))
      (then
        (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
        (if (i32.gt_u (i32.load (i32.const 20)) (i32.const 4000)) (then (call $proc_exit (i32.const 2))))
        (drop (call $environ_get (i32.const 1024) (i32.const 2048)))
        (drop (call $write (i32.const 1) (i32.const 2048) (i32.load (i32.const 20))))
        (call $proc_exit (i32.const 0))))

    (if (i32.lt_u (i32.load (i32.const 16)) (i32.const 3)) (then (call $proc_exit (i32.const 2))))
    (local.set $path (i32.load (i32.const 72)))
    ;; w: O_CREAT | O_TRUNC
    (local.set $oflags (select (i32.const 9) (i32.const 0) (i32.eq (local.get $mode) (i32.const 119))))
    ;; rights: fd_read (0x2) to read, fd_write (0x40) to write
    (local.set $rights (select (i64.const 0x40) (i64.const 0x2) (i32.eq (local.get $mode) (i32.const 119))))
    (local.set $best (i32.const 8))
    (local.set $fd (i32.const 3))
    (block $found
      (loop $try
        (local.set $err
          (call $path_open (local.get $fd) (i32.const 1) (local.get $path) (call $strlen (local.get $path))
            (local.get $oflags) (local.get $rights) (local.get $rights) (i32.const 0) (i32.const 24)))
        (br_if $found (i32.eqz (local.get $err)))
        (if (i32.ne (local.get $err) (i32.const 8)) (then (local.set $best (local.get $err))))
        (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
        (br_if $try (i32.lt_u (local.get $fd) (i32.const 8))))
      (call $fail (local.get $best)))
    (local.set $opened (i32.load (i32.const 24)))
    (if (i32.eq (local.get $mode) (i32.const 119))
      (then
        (local.set $err (call $write (local.get $opened) (i32.const 9200) (i32.const 6)))
        (if (local.get $err) (then (call $fail (local.get $err))))
        (call $proc_exit (i32.const 0))))
    (i32.store (i32.const 32) (i32.const 4096))
    (i32.store (i32.const 36) (i32.const 4096))
    (local.set $err (call $fd_read (local.get $opened) (i32.const 32) (i32.const 1) (i32.const 40)))
    (if (local.get $err) (then (call $fail (local.get $err))))
    (drop (call $write (i32.const 1) (i32.const 4096) (i32.load (i32.const 40))))
    (call $proc_exit (i32.const 0))))
