;; Checks that its memory is as the module defines it (the data segment intact, the other bytes
;; zero, over 12 MiB after growing), prints "clean" or "dirty", then scribbles over it: all of the
;; first 4 MiB, then every other 4 KiB page (1024 separate written regions, more than one reset pass
;; of wasmtime's dirty-page scan covers). A later run in a sandbox that reuses the memory slot must
;; find it clean again.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 512) "clean\n\00\00dirty\n")
  (data (i32.const 1024) "IMAGE-DATA")
  (func (export "_start")
    (local $i i32)
    (local $bad i32)
    ;; 2 pages -> 192 pages (12 MiB)
    (drop (memory.grow (i32.const 190)))
    ;; "IMAGE-DA", little-endian
    (if (i64.ne (i64.load (i32.const 1024)) (i64.const 0x41442d4547414d49))
      (then (local.set $bad (i32.const 1))))
    (local.set $i (i32.const 2048))
    (block $done
      (loop $words
        (br_if $done (i32.ge_u (local.get $i) (i32.const 12582912)))
        (if (i64.ne (i64.load (local.get $i)) (i64.const 0))
          (then (local.set $bad (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $words)))
    ;; the iovec: "clean\n" at 512 or "dirty\n" at 520
    (i32.store (i32.const 0) (i32.add (i32.const 512) (i32.mul (local.get $bad) (i32.const 8))))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
    (memory.fill (i32.const 16) (i32.const 0xab) (i32.sub (i32.const 4194304) (i32.const 16)))
    (local.set $i (i32.const 4194304))
    (block $end
      (loop $pages
        (br_if $end (i32.ge_u (local.get $i) (i32.const 12582912)))
        (memory.fill (local.get $i) (i32.const 0xab) (i32.const 4096))
        (local.set $i (i32.add (local.get $i) (i32.const 8192)))
        (br $pages)))))
