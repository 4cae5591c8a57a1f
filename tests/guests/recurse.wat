;; Recurses without end.
(module (func $down (export "_start") (call $down)))
