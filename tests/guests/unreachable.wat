;; Traps at once.
(module (func $boom (export "_start") unreachable))
