/* The entry points of a CPython built as a WASI reactor for airlock's guest comparison
 * (scripts/compare-python-guests): the host pre-initializes the interpreter once with
 * `airlock_init` (wasmtime-wizer snapshots it), and every fresh instance of the snapshot runs
 * code with `airlock_run`, which calls the `__airlock_run` the bootstrap defined. */
#include <Python.h>
#include <stdlib.h>

static PyObject *run_func;

__attribute__((export_name("airlock_init"))) int airlock_init(const char *boot) {
    Py_InitializeEx(0);
    if (PyRun_SimpleString(boot) != 0) return -1;
    PyObject *m = PyImport_AddModule("__main__");
    run_func = PyObject_GetAttrString(m, "__airlock_run");
    return run_func ? 0 : -2;
}

__attribute__((export_name("airlock_malloc"))) void *airlock_malloc(size_t n) { return malloc(n); }

__attribute__((export_name("airlock_run"))) int airlock_run(char *blob, size_t len) {
    PyObject *b = PyBytes_FromStringAndSize(blob, len);
    free(blob);
    if (!b) return 1;
    PyObject *r = PyObject_CallOneArg(run_func, b);
    Py_DECREF(b);
    if (!r) { PyErr_Print(); return 1; }
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    return (int)v;
}
