;; A WASI preview 2 command component that asks the host for its arguments
;; (wasi:cli/environment.get-arguments), then returns ok.
(component
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-arguments" (func (result (list string))))))
  (core module $mem
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    ;; A bump allocator: realloc(old, old_size, align, new_size)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $at i32)
      (local.set $at (i32.and (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
                              (i32.sub (i32.const 0) (local.get 2))))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (local.get $at)))
  (core instance $m (instantiate $mem))
  (core func $get_args (canon lower (func $env "get-arguments") (memory (core memory $m "memory")) (realloc (core func $m "realloc"))))
  (core module $main
    (import "host" "get-arguments" (func $get_args (param i32)))
    (func (export "run") (result i32) (call $get_args (i32.const 0)) (i32.const 0)))
  (core instance $i (instantiate $main (with "host" (instance (export "get-arguments" (func $get_args))))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $cli)))
