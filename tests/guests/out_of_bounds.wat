;; Loads past the end of its one page of memory.
(module (memory 1) (func $peek (export "_start") (drop (i32.load (i32.const 70000)))))
