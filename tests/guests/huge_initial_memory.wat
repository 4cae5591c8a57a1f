;; Asks for 1 GiB of memory up front.
(module (memory 16384) (func (export "_start")))
