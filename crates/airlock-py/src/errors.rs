//! airlock's errors as Python exceptions.
//!
//! The exception classes live in Python (`airlock/exceptions.py`), where the hierarchy, the
//! seed guide's names and the multiple bases (`ConfigError` is also a `ValueError`, ...) are
//! plain to read. Here each [`airlock::ErrorKind`] is mapped to its class once.

use airlock::{Error, ErrorKind};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;

/// The exception class raised for each kind of library error.
fn class_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Io => "InputReadError",
        ErrorKind::TooLarge => "InputTooLargeError",
        ErrorKind::InvalidModule => "InvalidModuleError",
        ErrorKind::MissingEntry => "MissingEntryError",
        ErrorKind::UnknownImport => "UnknownImportError",
        ErrorKind::IncompatibleImport => "IncompatibleImportError",
        ErrorKind::Config => "ConfigError",
        ErrorKind::GuestUnavailable => "GuestUnavailableError",
        ErrorKind::Cache => "CacheError",
        ErrorKind::Write => "OutputWriteError",
        ErrorKind::SessionEnded => "SessionEndedError",
        ErrorKind::Busy => "SandboxBusyError",
        _ => "InternalError",
    }
}

/// An instance of `airlock.exceptions.<class>(message)` with `attrs` set on it. If the Python
/// package cannot be imported (the extension used on its own), a `RuntimeError`.
pub(crate) fn raise(
    py: Python<'_>,
    class: &str,
    message: &str,
    attrs: &[(&str, Py<PyAny>)],
) -> PyErr {
    let made = (|| -> PyResult<Bound<'_, PyAny>> {
        let exc = py
            .import("airlock.exceptions")?
            .getattr(class)?
            .call1((message,))?;
        for (k, v) in attrs {
            exc.setattr(*k, v.bind(py))?;
        }
        Ok(exc)
    })();
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message.to_string()),
    }
}

fn obj<'py>(py: Python<'py>, v: impl IntoPyObject<'py>) -> Py<PyAny> {
    v.into_py_any(py).unwrap_or_else(|_| py.None())
}

/// The Python exception for a library error: its class by kind, its message, `kind` (the
/// stable snake_case name) and the error's fields as attributes.
pub(crate) fn to_py_err(py: Python<'_>, e: Error) -> PyErr {
    let kind = e.kind();
    let mut attrs = vec![("kind", obj(py, kind.as_str()))];
    match &e {
        Error::TooLarge { size, limit } => {
            attrs.push(("size", obj(py, size)));
            attrs.push(("limit", obj(py, limit)));
        }
        Error::InvalidModule(m) => {
            attrs.push(("offset", obj(py, m.offset)));
            attrs.push(("section", obj(py, m.section.as_deref())));
        }
        Error::MissingEntry {
            expected, found, ..
        } => {
            attrs.push(("expected", obj(py, expected)));
            attrs.push(("found", obj(py, found)));
        }
        Error::UnknownImport { module, field } => {
            attrs.push(("module", obj(py, module)));
            attrs.push(("field", obj(py, field)));
        }
        Error::GuestUnavailable { guest, .. } => {
            attrs.push(("guest", obj(py, guest)));
            attrs.push(("hint", obj(py, python_hint(guest))));
        }
        Error::Io { path, .. } | Error::Cache { path, .. } | Error::Write { path, .. } => {
            attrs.push(("path", obj(py, path.display().to_string())));
        }
        _ => {}
    }
    let mut message = e.to_string();
    if let Error::GuestUnavailable { guest, .. } = &e {
        // The library's hint names the CLI; a pip user may only have the package.
        message.push_str(&format!(" (from Python: {})", python_hint(guest)));
    }
    raise(py, class_of(kind), &message, &attrs)
}

/// How to install a guest from Python.
fn python_hint(guest: &str) -> String {
    let name = if guest == "python" { "python" } else { "js" };
    format!("python -m airlock install {name}")
}

/// A `ConfigError` (also a `ValueError`) for a bad argument.
pub(crate) fn config_error(message: String) -> PyErr {
    Python::attach(|py| raise(py, "ConfigError", &message, &[("kind", obj(py, "config"))]))
}
