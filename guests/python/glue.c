/* airlock's Python guest: CPython, statically linked for WASI as a reactor, with these entry
 * points instead of `main`.
 *
 * At install, airlock calls `airlock_init` once: it starts the interpreter (isolated, UTF-8,
 * the standard library on the path given) and imports airlock's guest module
 * (guests/python/airlock_guest.py); wasmtime-wizer then snapshots the instance. Every sandbox is
 * a fresh instance of that snapshot: the host registers the run's mounts with the C library
 * (`airlock_preopen`; the snapshot's library knows only the standard library's and the root's),
 * then calls
 * `airlock_run` with the run's code, file name, arguments and environment. */
#include <Python.h>
#include <stdlib.h>
#include <wasi/libc.h>

static PyObject *run_func;

/* Starts the interpreter with the standard library at `home` and runs `module` (the source of
 * airlock's guest module, which defines `run`). Returns 0, or a negative step number. */
__attribute__((export_name("airlock_init"))) int airlock_init(const char *home, const char *module) {
    PyPreConfig pre;
    PyPreConfig_InitIsolatedConfig(&pre);
    pre.utf8_mode = 1;
    if (PyStatus_Exception(Py_PreInitialize(&pre))) return -1;

    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    config.write_bytecode = 0;
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    PyStatus status = PyConfig_SetBytesString(&config, &config.home, home);
    if (!PyStatus_Exception(status)) {
        config.module_search_paths_set = 1;
        status = PyWideStringList_Append(&config.module_search_paths, config.home);
    }
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) return -2;

    PyObject *code = Py_CompileString(module, "airlock_guest.py", Py_file_input);
    if (!code) { PyErr_Print(); return -3; }
    PyObject *m = PyImport_ExecCodeModule("airlock_guest", code);
    Py_DECREF(code);
    if (!m) { PyErr_Print(); return -4; }
    run_func = PyObject_GetAttrString(m, "run");
    Py_DECREF(m);
    if (!run_func) { PyErr_Print(); return -5; }
    return 0;
}

/* Memory for the host to write a run's data into. */
__attribute__((export_name("airlock_malloc"))) void *airlock_malloc(size_t n) { return malloc(n); }

/* Makes the preopened directory `fd` known to the C library as `path` (a NUL-terminated string
 * in memory from `airlock_malloc`; the library copies it). Returns 0 or -1. */
__attribute__((export_name("airlock_preopen"))) int airlock_preopen(int fd, const char *path) {
    return __wasilibc_register_preopened_fd(fd, path);
}

/* Runs the run's data (`len` bytes at `data`, from `airlock_malloc`; freed here): see `run` in
 * airlock_guest.py for its layout. The guest gets its own copy, so nothing can see the memory
 * once it is freed. Returns the exit status. */
__attribute__((export_name("airlock_run"))) int airlock_run(char *data, size_t len) {
    int status = 1;
    PyObject *bytes = len <= PY_SSIZE_T_MAX ? PyBytes_FromStringAndSize(data, (Py_ssize_t)len) : NULL;
    free(data);
    if (bytes) {
        PyObject *r = PyObject_CallOneArg(run_func, bytes);
        Py_DECREF(bytes);
        if (r) {
            long v = PyLong_AsLong(r);
            Py_DECREF(r);
            if (!(v == -1 && PyErr_Occurred())) status = (int)v;
        }
    }
    if (PyErr_Occurred()) PyErr_Print();
    return status;
}
