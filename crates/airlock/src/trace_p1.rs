//! Tracing of WASI preview 1 calls.
//!
//! [`TracedP1`] wraps Wasmtime's [`WasiP1Ctx`] and implements the same wiggle-generated
//! `WasiSnapshotPreview1` trait by delegating every call to it, unchanged, and recording one
//! [`Event`](crate::trace::Event) per call through a [`Recorder`]. [`add_to_linker`] links
//! the async versions of all the functions, like `wasmtime_wasi::p1::add_to_linker_async`.
//!
//! Costs: with a disabled recorder a call costs one branch more than the bare context; no
//! string is built and no guest memory is read for a summary. With an enabled one, arguments
//! that live in guest memory (paths, iovecs, subscriptions) are summarised *before* the call,
//! so a call that writes over its own arguments cannot make the trace lie; everything else is
//! summarised after it. Summaries are bounded: strings are capped ([`quote`]) and at most
//! [`MAX_SCAN`] iovecs or subscriptions are read.

use std::fmt::Debug;

use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p1::types;
use wasmtime_wasi::p1::wasi_snapshot_preview1::{self, WasiSnapshotPreview1};
use wiggle::bitflags::Flags;
use wiggle::{GuestMemory, GuestPtr, GuestType};

use crate::trace::{Category, Recorder, quote};

/// The longest guest string (in bytes) read for a summary.
const MAX_STRING: u32 = 256;
/// The most iovecs or subscriptions read for a summary.
const MAX_SCAN: u32 = 4096;
/// The most subscriptions described one by one in a `poll_oneoff` summary.
const MAX_LISTED: usize = 4;

/// A WASI preview 1 context whose calls are recorded.
pub(crate) struct TracedP1 {
    /// The context every call is delegated to.
    pub ctx: WasiP1Ctx,
    /// Where the events go.
    pub recorder: Recorder,
    /// The emulated environment's event channel, if the guest has one: writes to its descriptor
    /// go to it, not to the context.
    pub channel: Option<Box<crate::emulation::Channel>>,
}

/// Adds all WASI preview 1 functions (async versions) to the linker, implemented by delegating to
/// `TracedP1::ctx` and recording one event per call through `TracedP1::recorder`.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::Linker<T>,
    f: impl Fn(&mut T) -> &mut TracedP1 + Copy + Send + Sync + 'static,
) -> wasmtime::Result<()> {
    wasi_snapshot_preview1::add_to_linker(linker, f)
}

impl TracedP1 {
    /// Records a finished call: `args` are built, and `ok` turns a success into its summary,
    /// only if the recorder is enabled.
    fn finish<V>(
        &self,
        call: &str,
        category: Category,
        args: impl FnOnce() -> String,
        result: &Result<V, types::Error>,
        ok: impl FnOnce(&V) -> String,
    ) {
        self.finish_as(call, category, args, result, ok, false);
    }

    /// [`finish`](Self::finish) for a call that is refused whatever it returns (sockets).
    fn finish_denied<V>(
        &self,
        call: &str,
        category: Category,
        args: impl FnOnce() -> String,
        result: &Result<V, types::Error>,
        ok: impl FnOnce(&V) -> String,
    ) {
        self.finish_as(call, category, args, result, ok, true);
    }

    /// The body of [`finish`](Self::finish) and [`finish_denied`](Self::finish_denied).
    fn finish_as<V>(
        &self,
        call: &str,
        category: Category,
        args: impl FnOnce() -> String,
        result: &Result<V, types::Error>,
        ok: impl FnOnce(&V) -> String,
        always_denied: bool,
    ) {
        if !self.recorder.enabled() {
            return;
        }
        let denied = always_denied || result.as_ref().err().is_some_and(is_denial);
        let summary = || match result {
            Ok(value) => ok(value),
            Err(e) => error_summary(e),
        };
        self.recorder.record(call, category, args, summary, denied);
    }
}

/// `ok` for calls whose success carries nothing worth showing.
fn ok<V>(_: &V) -> String {
    "ok".to_string()
}

/// `ok: N bytes`, for calls returning a byte count.
fn ok_bytes(n: &types::Size) -> String {
    format!("ok: {n} bytes")
}

/// `ok: fd=N`, for calls returning a new descriptor.
fn ok_fd(fd: &types::Fd) -> String {
    format!("ok: fd={}", u32::from(*fd))
}

/// `ok: N ns`, for clock readings.
fn ok_ns(ns: &types::Timestamp) -> String {
    format!("ok: {ns} ns")
}

/// `ok: offset=N`, for file offsets.
fn ok_offset(offset: &types::Filesize) -> String {
    format!("ok: offset={offset}")
}

/// `ok: <type>, N bytes`, for stat calls.
fn ok_filestat(stat: &types::Filestat) -> String {
    format!("ok: {}, {} bytes", wasi_name(&stat.filetype), stat.size)
}

/// The error's WASI errno name (`noent`, `notcapable`, ...), or `trap: <message>`.
fn error_summary(e: &types::Error) -> String {
    match e.downcast_ref() {
        Some(errno) => errno_name(errno),
        None => format!("trap: {e}"),
    }
}

/// True if the error says the sandbox refused the call.
fn is_denial(e: &types::Error) -> bool {
    matches!(
        e.downcast_ref(),
        Some(types::Errno::Notcapable | types::Errno::Perm | types::Errno::Acces)
    )
}

/// An errno's name as WASI spells it.
fn errno_name(errno: &types::Errno) -> String {
    match errno {
        // The only name that is not a valid Rust identifier.
        types::Errno::TooBig => "2big".to_string(),
        other => wasi_name(other),
    }
}

/// The WASI name of a clock, without formatting (clock reads are the most frequent calls).
fn clock_name(id: &types::Clockid) -> &'static str {
    match id {
        types::Clockid::Realtime => "realtime",
        types::Clockid::Monotonic => "monotonic",
        types::Clockid::ProcessCputimeId => "process_cputime_id",
        types::Clockid::ThreadCputimeId => "thread_cputime_id",
    }
}

/// The WASI name of a generated enum value: its Rust variant name (`ProcessCputimeId`), in
/// `snake_case` (`process_cputime_id`).
fn wasi_name(value: &impl Debug) -> String {
    let camel = format!("{value:?}");
    let mut name = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

/// Set flags as `A|B`, or `0` if none is set.
fn flag_names<F: Flags + Copy>(flags: F) -> String {
    let names: Vec<&str> = flags.iter_names().map(|(name, _)| name).collect();
    if names.is_empty() {
        "0".to_string()
    } else {
        names.join("|")
    }
}

/// `, name=A|B`, or nothing if no flag is set.
fn flag_arg<F: Flags + Copy>(name: &str, flags: F) -> String {
    if flags.is_empty() {
        String::new()
    } else {
        format!(", {name}={}", flag_names(flags))
    }
}

/// The descriptor's number.
fn num(fd: types::Fd) -> u32 {
    u32::from(fd)
}

/// The arguments of calls that only take a descriptor: `fd=N`.
fn fd_only(fd: types::Fd) -> impl FnOnce() -> String {
    move || format!("fd={}", num(fd))
}

/// `category` for a descriptor above stdio, [`Category::Other`] for stdin/stdout/stderr.
fn unless_stdio(fd: types::Fd, category: Category) -> Category {
    if num(fd) > 2 {
        category
    } else {
        Category::Other
    }
}

/// `n thing` or `n things`.
fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// A guest string, quoted and capped; invalid UTF-8 is shown lossily.
fn guest_str(mem: &GuestMemory<'_>, s: GuestPtr<str>) -> String {
    guest_text(mem, s.as_bytes())
}

/// Guest bytes as a quoted, capped, lossy string: `"abc"`, or `"ab..."...(N bytes)` if long.
fn guest_text(mem: &GuestMemory<'_>, bytes: GuestPtr<[u8]>) -> String {
    let len = bytes.len();
    let head = GuestPtr::<[u8]>::new((bytes.offset_base(), len.min(MAX_STRING)));
    let Ok(head) = mem.as_cow(head) else {
        return format!("<{len} bytes out of bounds>");
    };
    let mut text = String::from_utf8_lossy(&head).into_owned();
    // Replacement characters can make the text longer than the bytes it came from.
    let mut end = text.len().min(MAX_STRING as usize);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    if len > MAX_STRING {
        format!("{}...({len} bytes)", quote(&text))
    } else {
        quote(&text)
    }
}

/// The total length of an iovec array: `N bytes`, `N+ bytes in M iovecs` if it is too long to
/// read whole, or a note that it could not be read.
fn iovecs_len<T: GuestType>(
    mem: &GuestMemory<'_>,
    iovs: GuestPtr<[T]>,
    buf_len: fn(&T) -> types::Size,
) -> String {
    let mut total: u64 = 0;
    for iov in iovs.iter().take(MAX_SCAN as usize) {
        match iov.and_then(|p| mem.read(p)) {
            Ok(iov) => total += u64::from(buf_len(&iov)),
            Err(_) => return format!("{} (unreadable)", plural(u64::from(iovs.len()), "iovec")),
        }
    }
    if iovs.len() > MAX_SCAN {
        format!("{total}+ bytes in {} iovecs", iovs.len())
    } else {
        format!("{total} bytes")
    }
}

/// Total requested length of read buffers.
fn iovec_len(mem: &GuestMemory<'_>, iovs: types::IovecArray) -> String {
    iovecs_len(mem, iovs, |iov: &types::Iovec| iov.buf_len)
}

/// Total length of write buffers.
fn ciovec_len(mem: &GuestMemory<'_>, iovs: types::CiovecArray) -> String {
    iovecs_len(mem, iovs, |iov: &types::Ciovec| iov.buf_len)
}

/// `fd=N, path="..."`, the arguments of most `path_*` calls.
fn fd_path(mem: &GuestMemory<'_>, fd: types::Fd, path: GuestPtr<str>) -> String {
    format!("fd={}, path={}", num(fd), guest_str(mem, path))
}

/// The summary and category of a `poll_oneoff`: [`Category::Clock`] if it only waits for
/// clocks, [`Category::Other`] if it (or a part not read) may wait for descriptors.
fn poll_summary(
    mem: &GuestMemory<'_>,
    subs: GuestPtr<types::Subscription>,
    n: types::Size,
) -> (String, Category) {
    let mut summary = plural(u64::from(n), "subscription");
    let mut only_clocks = n <= MAX_SCAN;
    let subs = subs.as_array(n);
    for (i, sub) in subs.iter().take(MAX_SCAN as usize).enumerate() {
        let Ok(sub) = sub.and_then(|p| mem.read(p)) else {
            summary.push_str(", unreadable");
            only_clocks = false;
            break;
        };
        let is_clock = matches!(sub.u, types::SubscriptionU::Clock(_));
        only_clocks &= is_clock;
        if i < MAX_LISTED {
            summary.push_str(if i == 0 { ": " } else { ", " });
            summary.push_str(&subscription(&sub.u));
        } else if i == MAX_LISTED {
            summary.push_str(", ...");
        }
        if !only_clocks && i >= MAX_LISTED {
            break;
        }
    }
    (
        summary,
        if only_clocks {
            Category::Clock
        } else {
            Category::Other
        },
    )
}

/// One subscription: `clock(monotonic, timeout=1000 ns)`, `fd_read(fd=3)`, ...
fn subscription(u: &types::SubscriptionU) -> String {
    match u {
        types::SubscriptionU::Clock(clock) => {
            let absolute = clock
                .flags
                .contains(types::Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME);
            let kind = if absolute { "until" } else { "timeout" };
            format!(
                "clock({}, {kind}={} ns)",
                clock_name(&clock.id),
                clock.timeout
            )
        }
        types::SubscriptionU::FdRead(rw) => format!("fd_read(fd={})", num(rw.file_descriptor)),
        types::SubscriptionU::FdWrite(rw) => format!("fd_write(fd={})", num(rw.file_descriptor)),
    }
}

impl WasiSnapshotPreview1 for TracedP1 {
    fn set_hostcall_fuel(&mut self, fuel: usize) {
        // Not a guest call: wiggle's glue sets the copy budget before each call.
        self.ctx.set_hostcall_fuel(fuel);
    }

    fn args_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        argv: GuestPtr<GuestPtr<u8>>,
        argv_buf: GuestPtr<u8>,
    ) -> Result<(), types::Error> {
        let r = self.ctx.args_get(mem, argv, argv_buf);
        self.finish("args_get", Category::Environment, String::new, &r, ok);
        r
    }

    fn args_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
    ) -> Result<(types::Size, types::Size), types::Error> {
        let r = self.ctx.args_sizes_get(mem);
        self.finish(
            "args_sizes_get",
            Category::Environment,
            String::new,
            &r,
            |(n, size)| format!("ok: {}, {size} bytes", plural(u64::from(*n), "arg")),
        );
        r
    }

    fn environ_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        environ: GuestPtr<GuestPtr<u8>>,
        environ_buf: GuestPtr<u8>,
    ) -> Result<(), types::Error> {
        let r = self.ctx.environ_get(mem, environ, environ_buf);
        self.finish("environ_get", Category::Environment, String::new, &r, ok);
        r
    }

    fn environ_sizes_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
    ) -> Result<(types::Size, types::Size), types::Error> {
        let r = self.ctx.environ_sizes_get(mem);
        self.finish(
            "environ_sizes_get",
            Category::Environment,
            String::new,
            &r,
            |(n, size)| format!("ok: {}, {size} bytes", plural(u64::from(*n), "var")),
        );
        r
    }

    fn clock_res_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: types::Clockid,
    ) -> Result<types::Timestamp, types::Error> {
        let r = self.ctx.clock_res_get(mem, id);
        let args = || format!("id={}", clock_name(&id));
        self.finish("clock_res_get", Category::Clock, args, &r, ok_ns);
        r
    }

    fn clock_time_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        id: types::Clockid,
        precision: types::Timestamp,
    ) -> Result<types::Timestamp, types::Error> {
        let r = self.ctx.clock_time_get(mem, id, precision);
        let args = || format!("id={}, precision={precision} ns", clock_name(&id));
        self.finish("clock_time_get", Category::Clock, args, &r, ok_ns);
        r
    }

    async fn fd_advise(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        offset: types::Filesize,
        len: types::Filesize,
        advice: types::Advice,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_advise(mem, fd, offset, len, advice).await;
        let args = || {
            let advice = wasi_name(&advice);
            format!(
                "fd={}, offset={offset}, len={len}, advice={advice}",
                num(fd)
            )
        };
        self.finish("fd_advise", Category::Other, args, &r, ok);
        r
    }

    fn fd_allocate(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        offset: types::Filesize,
        len: types::Filesize,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_allocate(mem, fd, offset, len);
        let args = || format!("fd={}, offset={offset}, len={len}", num(fd));
        self.finish("fd_allocate", Category::FilesystemWrite, args, &r, ok);
        r
    }

    async fn fd_close(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_close(mem, fd).await;
        self.finish("fd_close", Category::Other, fd_only(fd), &r, ok);
        r
    }

    async fn fd_datasync(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_datasync(mem, fd).await;
        self.finish("fd_datasync", Category::Other, fd_only(fd), &r, ok);
        r
    }

    async fn fd_fdstat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<types::Fdstat, types::Error> {
        let r = self.ctx.fd_fdstat_get(mem, fd).await;
        let args = fd_only(fd);
        self.finish("fd_fdstat_get", Category::Other, args, &r, |stat| {
            let filetype = wasi_name(&stat.fs_filetype);
            if stat.fs_flags.is_empty() {
                format!("ok: {filetype}")
            } else {
                format!("ok: {filetype}, flags={}", flag_names(stat.fs_flags))
            }
        });
        r
    }

    fn fd_fdstat_set_flags(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        flags: types::Fdflags,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_fdstat_set_flags(mem, fd, flags);
        let args = || format!("fd={}, flags={}", num(fd), flag_names(flags));
        self.finish("fd_fdstat_set_flags", Category::Other, args, &r, ok);
        r
    }

    fn fd_fdstat_set_rights(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        fs_rights_base: types::Rights,
        fs_rights_inheriting: types::Rights,
    ) -> Result<(), types::Error> {
        let r = self
            .ctx
            .fd_fdstat_set_rights(mem, fd, fs_rights_base, fs_rights_inheriting);
        let args = || {
            let (base, inheriting) = (fs_rights_base.bits(), fs_rights_inheriting.bits());
            format!("fd={}, base={base:#x}, inheriting={inheriting:#x}", num(fd))
        };
        self.finish("fd_fdstat_set_rights", Category::Other, args, &r, ok);
        r
    }

    async fn fd_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<types::Filestat, types::Error> {
        let r = self.ctx.fd_filestat_get(mem, fd).await;
        let args = fd_only(fd);
        self.finish(
            "fd_filestat_get",
            Category::FilesystemRead,
            args,
            &r,
            ok_filestat,
        );
        r
    }

    async fn fd_filestat_set_size(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        size: types::Filesize,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_filestat_set_size(mem, fd, size).await;
        let args = || format!("fd={}, size={size}", num(fd));
        self.finish(
            "fd_filestat_set_size",
            Category::FilesystemWrite,
            args,
            &r,
            ok,
        );
        r
    }

    async fn fd_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        atim: types::Timestamp,
        mtim: types::Timestamp,
        fst_flags: types::Fstflags,
    ) -> Result<(), types::Error> {
        let r = self
            .ctx
            .fd_filestat_set_times(mem, fd, atim, mtim, fst_flags)
            .await;
        let args = || format!("fd={}, flags={}", num(fd), flag_names(fst_flags));
        self.finish(
            "fd_filestat_set_times",
            Category::FilesystemWrite,
            args,
            &r,
            ok,
        );
        r
    }

    async fn fd_read(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        iovs: types::IovecArray,
    ) -> Result<types::Size, types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.fd_read(mem, fd, iovs).await;
        }
        let args = format!("fd={}, {}", num(fd), iovec_len(mem, iovs));
        let r = self.ctx.fd_read(mem, fd, iovs).await;
        let category = unless_stdio(fd, Category::FilesystemRead);
        self.finish("fd_read", category, || args, &r, ok_bytes);
        r
    }

    async fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        iovs: types::IovecArray,
        offset: types::Filesize,
    ) -> Result<types::Size, types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.fd_pread(mem, fd, iovs, offset).await;
        }
        let args = format!("fd={}, {}, offset={offset}", num(fd), iovec_len(mem, iovs));
        let r = self.ctx.fd_pread(mem, fd, iovs, offset).await;
        let category = unless_stdio(fd, Category::FilesystemRead);
        self.finish("fd_pread", category, || args, &r, ok_bytes);
        r
    }

    async fn fd_write(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        ciovs: types::CiovecArray,
    ) -> Result<types::Size, types::Error> {
        if let Some(channel) = self.channel.as_mut()
            && u32::from(fd) == channel.fd()
        {
            let mut total: u32 = 0;
            for iov in ciovs.iter() {
                let iov = mem.read(iov?)?;
                let bytes = mem.as_cow(iov.buf.as_array(iov.buf_len))?;
                channel.write(&bytes, &self.recorder);
                total = total.saturating_add(iov.buf_len);
            }
            return Ok(total);
        }
        if !self.recorder.enabled() {
            return self.ctx.fd_write(mem, fd, ciovs).await;
        }
        let args = format!("fd={}, {}", num(fd), ciovec_len(mem, ciovs));
        let r = self.ctx.fd_write(mem, fd, ciovs).await;
        let category = unless_stdio(fd, Category::FilesystemWrite);
        self.finish("fd_write", category, || args, &r, ok_bytes);
        r
    }

    async fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        ciovs: types::CiovecArray,
        offset: types::Filesize,
    ) -> Result<types::Size, types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.fd_pwrite(mem, fd, ciovs, offset).await;
        }
        let args = format!(
            "fd={}, {}, offset={offset}",
            num(fd),
            ciovec_len(mem, ciovs)
        );
        let r = self.ctx.fd_pwrite(mem, fd, ciovs, offset).await;
        let category = unless_stdio(fd, Category::FilesystemWrite);
        self.finish("fd_pwrite", category, || args, &r, ok_bytes);
        r
    }

    fn fd_prestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<types::Prestat, types::Error> {
        let r = self.ctx.fd_prestat_get(mem, fd);
        let args = fd_only(fd);
        self.finish(
            "fd_prestat_get",
            Category::Other,
            args,
            &r,
            |prestat| match prestat {
                types::Prestat::Dir(dir) => format!("ok: dir, name_len={}", dir.pr_name_len),
            },
        );
        r
    }

    fn fd_prestat_dir_name(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        path: GuestPtr<u8>,
        path_max_len: types::Size,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_prestat_dir_name(mem, fd, path, path_max_len);
        let args = || format!("fd={}, max_len={path_max_len}", num(fd));
        self.finish("fd_prestat_dir_name", Category::Other, args, &r, ok);
        r
    }

    async fn fd_renumber(
        &mut self,
        mem: &mut GuestMemory<'_>,
        from: types::Fd,
        to: types::Fd,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_renumber(mem, from, to).await;
        let args = || format!("from={}, to={}", num(from), num(to));
        self.finish("fd_renumber", Category::Other, args, &r, ok);
        r
    }

    async fn fd_seek(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        offset: types::Filedelta,
        whence: types::Whence,
    ) -> Result<types::Filesize, types::Error> {
        let r = self.ctx.fd_seek(mem, fd, offset, whence).await;
        let args = || {
            format!(
                "fd={}, offset={offset}, whence={}",
                num(fd),
                wasi_name(&whence)
            )
        };
        self.finish("fd_seek", Category::Other, args, &r, ok_offset);
        r
    }

    async fn fd_sync(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<(), types::Error> {
        let r = self.ctx.fd_sync(mem, fd).await;
        self.finish("fd_sync", Category::Other, fd_only(fd), &r, ok);
        r
    }

    fn fd_tell(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<types::Filesize, types::Error> {
        let r = self.ctx.fd_tell(mem, fd);
        self.finish("fd_tell", Category::Other, fd_only(fd), &r, ok_offset);
        r
    }

    async fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        buf: GuestPtr<u8>,
        buf_len: types::Size,
        cookie: types::Dircookie,
    ) -> Result<types::Size, types::Error> {
        let r = self.ctx.fd_readdir(mem, fd, buf, buf_len, cookie).await;
        let args = || format!("fd={}, {buf_len} bytes, cookie={cookie}", num(fd));
        self.finish("fd_readdir", Category::DirectoryListing, args, &r, ok_bytes);
        r
    }

    async fn path_create_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.path_create_directory(mem, dirfd, path).await;
        }
        let args = fd_path(mem, dirfd, path);
        let r = self.ctx.path_create_directory(mem, dirfd, path).await;
        self.finish(
            "path_create_directory",
            Category::FilesystemWrite,
            || args,
            &r,
            ok,
        );
        r
    }

    async fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        flags: types::Lookupflags,
        path: GuestPtr<str>,
    ) -> Result<types::Filestat, types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.path_filestat_get(mem, dirfd, flags, path).await;
        }
        let args = fd_path(mem, dirfd, path);
        let r = self.ctx.path_filestat_get(mem, dirfd, flags, path).await;
        self.finish(
            "path_filestat_get",
            Category::FilesystemRead,
            || args,
            &r,
            ok_filestat,
        );
        r
    }

    async fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        flags: types::Lookupflags,
        path: GuestPtr<str>,
        atim: types::Timestamp,
        mtim: types::Timestamp,
        fst_flags: types::Fstflags,
    ) -> Result<(), types::Error> {
        if !self.recorder.enabled() {
            return self
                .ctx
                .path_filestat_set_times(mem, dirfd, flags, path, atim, mtim, fst_flags)
                .await;
        }
        let args = format!(
            "{}, flags={}",
            fd_path(mem, dirfd, path),
            flag_names(fst_flags)
        );
        let r = self
            .ctx
            .path_filestat_set_times(mem, dirfd, flags, path, atim, mtim, fst_flags)
            .await;
        self.finish(
            "path_filestat_set_times",
            Category::FilesystemWrite,
            || args,
            &r,
            ok,
        );
        r
    }

    async fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        src_fd: types::Fd,
        src_flags: types::Lookupflags,
        src_path: GuestPtr<str>,
        target_fd: types::Fd,
        target_path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        if !self.recorder.enabled() {
            return self
                .ctx
                .path_link(mem, src_fd, src_flags, src_path, target_fd, target_path)
                .await;
        }
        let args = format!(
            "old_fd={}, old={}, new_fd={}, new={}",
            num(src_fd),
            guest_str(mem, src_path),
            num(target_fd),
            guest_str(mem, target_path)
        );
        let r = self
            .ctx
            .path_link(mem, src_fd, src_flags, src_path, target_fd, target_path)
            .await;
        self.finish("path_link", Category::FilesystemWrite, || args, &r, ok);
        r
    }

    async fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        dirflags: types::Lookupflags,
        path: GuestPtr<str>,
        oflags: types::Oflags,
        fs_rights_base: types::Rights,
        fs_rights_inheriting: types::Rights,
        fdflags: types::Fdflags,
    ) -> Result<types::Fd, types::Error> {
        if !self.recorder.enabled() {
            return self
                .ctx
                .path_open(
                    mem,
                    dirfd,
                    dirflags,
                    path,
                    oflags,
                    fs_rights_base,
                    fs_rights_inheriting,
                    fdflags,
                )
                .await;
        }
        let writes = fs_rights_base.contains(types::Rights::FD_WRITE);
        let args = format!(
            "{}{}{}, {}",
            fd_path(mem, dirfd, path),
            flag_arg("oflags", oflags),
            flag_arg("fdflags", fdflags),
            if writes { "write" } else { "read" }
        );
        let r = self
            .ctx
            .path_open(
                mem,
                dirfd,
                dirflags,
                path,
                oflags,
                fs_rights_base,
                fs_rights_inheriting,
                fdflags,
            )
            .await;
        let category = if writes || oflags.intersects(types::Oflags::CREAT | types::Oflags::TRUNC) {
            Category::FilesystemWrite
        } else {
            Category::FilesystemRead
        };
        self.finish("path_open", category, || args, &r, ok_fd);
        r
    }

    async fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
        buf: GuestPtr<u8>,
        buf_len: types::Size,
    ) -> Result<types::Size, types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.path_readlink(mem, dirfd, path, buf, buf_len).await;
        }
        let args = format!("{}, {buf_len} bytes", fd_path(mem, dirfd, path));
        let r = self.ctx.path_readlink(mem, dirfd, path, buf, buf_len).await;
        let mem: &GuestMemory<'_> = mem;
        self.finish(
            "path_readlink",
            Category::FilesystemRead,
            || args,
            &r,
            |n| format!("ok: {}", guest_text(mem, buf.as_array(*n))),
        );
        r
    }

    async fn path_remove_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.path_remove_directory(mem, dirfd, path).await;
        }
        let args = fd_path(mem, dirfd, path);
        let r = self.ctx.path_remove_directory(mem, dirfd, path).await;
        self.finish(
            "path_remove_directory",
            Category::FilesystemWrite,
            || args,
            &r,
            ok,
        );
        r
    }

    async fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        src_fd: types::Fd,
        src_path: GuestPtr<str>,
        dest_fd: types::Fd,
        dest_path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        if !self.recorder.enabled() {
            return self
                .ctx
                .path_rename(mem, src_fd, src_path, dest_fd, dest_path)
                .await;
        }
        let args = format!(
            "old_fd={}, old={}, new_fd={}, new={}",
            num(src_fd),
            guest_str(mem, src_path),
            num(dest_fd),
            guest_str(mem, dest_path)
        );
        let r = self
            .ctx
            .path_rename(mem, src_fd, src_path, dest_fd, dest_path)
            .await;
        self.finish("path_rename", Category::FilesystemWrite, || args, &r, ok);
        r
    }

    async fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        src_path: GuestPtr<str>,
        dirfd: types::Fd,
        dest_path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.path_symlink(mem, src_path, dirfd, dest_path).await;
        }
        let args = format!(
            "old={}, fd={}, new={}",
            guest_str(mem, src_path),
            num(dirfd),
            guest_str(mem, dest_path)
        );
        let r = self.ctx.path_symlink(mem, src_path, dirfd, dest_path).await;
        self.finish("path_symlink", Category::FilesystemWrite, || args, &r, ok);
        r
    }

    async fn path_unlink_file(
        &mut self,
        mem: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.path_unlink_file(mem, dirfd, path).await;
        }
        let args = fd_path(mem, dirfd, path);
        let r = self.ctx.path_unlink_file(mem, dirfd, path).await;
        self.finish(
            "path_unlink_file",
            Category::FilesystemWrite,
            || args,
            &r,
            ok,
        );
        r
    }

    async fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        subs: GuestPtr<types::Subscription>,
        events: GuestPtr<types::Event>,
        nsubscriptions: types::Size,
    ) -> Result<types::Size, types::Error> {
        if !self.recorder.enabled() {
            return self
                .ctx
                .poll_oneoff(mem, subs, events, nsubscriptions)
                .await;
        }
        let (args, category) = poll_summary(mem, subs, nsubscriptions);
        let r = self
            .ctx
            .poll_oneoff(mem, subs, events, nsubscriptions)
            .await;
        self.finish(
            "poll_oneoff",
            category,
            || args,
            &r,
            |n| format!("ok: {}", plural(u64::from(*n), "event")),
        );
        r
    }

    fn proc_exit(&mut self, mem: &mut GuestMemory<'_>, status: types::Exitcode) -> wasmtime::Error {
        // Recorded first: the call does not return to the guest.
        let args = || format!("code={status}");
        self.recorder.record(
            "proc_exit",
            Category::ProcessExit,
            args,
            || "exit".to_string(),
            false,
        );
        self.ctx.proc_exit(mem, status)
    }

    fn proc_raise(
        &mut self,
        mem: &mut GuestMemory<'_>,
        sig: types::Signal,
    ) -> Result<(), types::Error> {
        let r = self.ctx.proc_raise(mem, sig);
        self.finish(
            "proc_raise",
            Category::Other,
            || format!("sig={}", wasi_name(&sig)),
            &r,
            ok,
        );
        r
    }

    fn sched_yield(&mut self, mem: &mut GuestMemory<'_>) -> Result<(), types::Error> {
        let r = self.ctx.sched_yield(mem);
        self.finish("sched_yield", Category::Other, String::new, &r, ok);
        r
    }

    fn random_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        buf: GuestPtr<u8>,
        buf_len: types::Size,
    ) -> Result<(), types::Error> {
        let r = self.ctx.random_get(mem, buf, buf_len);
        self.finish(
            "random_get",
            Category::Random,
            || format!("{buf_len} bytes"),
            &r,
            ok,
        );
        r
    }

    fn sock_accept(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        flags: types::Fdflags,
    ) -> Result<types::Fd, types::Error> {
        let r = self.ctx.sock_accept(mem, fd, flags);
        let args = || format!("fd={}, flags={}", num(fd), flag_names(flags));
        self.finish_denied("sock_accept", Category::NetworkAttempt, args, &r, ok_fd);
        r
    }

    fn sock_recv(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        ri_data: types::IovecArray,
        ri_flags: types::Riflags,
    ) -> Result<(types::Size, types::Roflags), types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.sock_recv(mem, fd, ri_data, ri_flags);
        }
        let args = format!("fd={}, {}", num(fd), iovec_len(mem, ri_data));
        let r = self.ctx.sock_recv(mem, fd, ri_data, ri_flags);
        self.finish_denied(
            "sock_recv",
            Category::NetworkAttempt,
            || args,
            &r,
            |(n, _)| ok_bytes(n),
        );
        r
    }

    fn sock_send(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        si_data: types::CiovecArray,
        si_flags: types::Siflags,
    ) -> Result<types::Size, types::Error> {
        if !self.recorder.enabled() {
            return self.ctx.sock_send(mem, fd, si_data, si_flags);
        }
        let args = format!("fd={}, {}", num(fd), ciovec_len(mem, si_data));
        let r = self.ctx.sock_send(mem, fd, si_data, si_flags);
        self.finish_denied("sock_send", Category::NetworkAttempt, || args, &r, ok_bytes);
        r
    }

    fn sock_shutdown(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: types::Fd,
        how: types::Sdflags,
    ) -> Result<(), types::Error> {
        let r = self.ctx.sock_shutdown(mem, fd, how);
        let args = || format!("fd={}, how={}", num(fd), flag_names(how));
        self.finish_denied("sock_shutdown", Category::NetworkAttempt, args, &r, ok);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Event, TraceConfig};

    /// Calls a few functions, then exits with 42.
    const GUEST: &str = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_open"
        (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 8) "hello\n")
      (data (i32.const 32) "data/in.txt")
      (data (i32.const 48) "\ff")
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 8))
        (i32.store (i32.const 4) (i32.const 6))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
        (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 11)
          (i32.const 9) (i64.const 0x40) (i64.const 0) (i32.const 0) (i32.const 20)))
        (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 48) (i32.const 1)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 20)))
        (drop (call $random_get (i32.const 256) (i32.const 64)))
        (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 24)))
        ;; One relative clock subscription: tag 0, monotonic, 1000 ns.
        (i32.store8 (i32.const 520) (i32.const 0))
        (i32.store (i32.const 528) (i32.const 1))
        (i64.store (i32.const 536) (i64.const 1000))
        (drop (call $poll_oneoff (i32.const 512) (i32.const 1024) (i32.const 1) (i32.const 24)))
        (drop (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 24)))
        (call $proc_exit (i32.const 42))))"#;

    /// Runs `guest`; returns its exit code and trace.
    fn run(
        guest: &str,
        wasi: wasmtime_wasi::WasiCtxBuilder,
        config: TraceConfig,
    ) -> (i32, Option<Vec<Event>>) {
        let mut wasi = wasi;
        let engine = wasmtime::Engine::default();
        let mut linker = wasmtime::Linker::new(&engine);
        assert!(add_to_linker(&mut linker, |s: &mut TracedP1| s).is_ok());
        let module = wasmtime::Module::new(&engine, guest).expect("valid module");
        let recorder = Recorder::new(config, None);
        let state = TracedP1 {
            ctx: wasi.build_p1(),
            recorder: recorder.clone(),
            channel: None,
        };
        let mut store = wasmtime::Store::new(&engine, state);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let err = rt
            .block_on(async {
                let instance = linker.instantiate_async(&mut store, &module).await?;
                let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
                start.call_async(&mut store, ()).await
            })
            .expect_err("the guest exits");
        let code = err
            .downcast_ref::<wasmtime_wasi::I32Exit>()
            .expect("an exit")
            .0;
        (code, recorder.take().map(|t| t.events))
    }

    #[test]
    fn records_each_call() {
        let (code, events) = run(GUEST, wasmtime_wasi::WasiCtxBuilder::new(), traced());
        assert_eq!(code, 42);
        let events = events.expect("a trace");
        let rows: Vec<_> = events
            .iter()
            .map(|e| (e.call.as_str(), e.category, e.args.as_str(), e.denied))
            .collect();
        assert_eq!(
            rows,
            [
                ("fd_write", Category::Other, "fd=1, 6 bytes", false),
                (
                    "path_open",
                    Category::FilesystemWrite,
                    r#"fd=3, path="data/in.txt", oflags=CREAT|TRUNC, write"#,
                    false
                ),
                (
                    "path_open",
                    Category::FilesystemRead,
                    "fd=3, path=\"\u{fffd}\", read",
                    false
                ),
                ("random_get", Category::Random, "64 bytes", false),
                (
                    "clock_time_get",
                    Category::Clock,
                    "id=monotonic, precision=1 ns",
                    false
                ),
                (
                    "poll_oneoff",
                    Category::Clock,
                    "1 subscription: clock(monotonic, timeout=1000 ns)",
                    false
                ),
                (
                    "sock_accept",
                    Category::NetworkAttempt,
                    "fd=3, flags=0",
                    true
                ),
                ("proc_exit", Category::ProcessExit, "code=42", false),
            ]
        );
        let results: Vec<_> = events.iter().map(|e| e.result.as_str()).collect();
        assert_eq!(results[..3], ["ok: 6 bytes", "badf", "ilseq"]);
        assert!(results[4].starts_with("ok: ") && results[4].ends_with(" ns"));
        assert_eq!(results[5..], ["ok: 1 event", "badf", "exit"]);
    }

    #[test]
    fn disabled_records_nothing() {
        assert_eq!(
            run(
                GUEST,
                wasmtime_wasi::WasiCtxBuilder::new(),
                TraceConfig::default()
            ),
            (42, None)
        );
    }

    /// An enabled trace configuration.
    fn traced() -> TraceConfig {
        TraceConfig {
            enabled: true,
            ..TraceConfig::default()
        }
    }

    /// Reads a file and lists a read-only preopened directory, fails to create a file in it.
    const FILES: &str = r#"(module
      (import "wasi_snapshot_preview1" "path_open"
        (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
      (import "wasi_snapshot_preview1" "path_filestat_get"
        (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 32) "in.txt")
      (data (i32.const 48) "out.txt")
      (func (export "_start")
        (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 6)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 20)))
        (i32.store (i32.const 0) (i32.const 4096))
        (i32.store (i32.const 4) (i32.const 4096))
        (drop (call $fd_read (i32.load (i32.const 20)) (i32.const 0) (i32.const 1) (i32.const 24)))
        (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 48) (i32.const 7)
          (i32.const 1) (i64.const 0x40) (i64.const 0) (i32.const 0) (i32.const 24)))
        (drop (call $fd_readdir (i32.const 3) (i32.const 8192) (i32.const 1024) (i64.const 0)
          (i32.const 24)))
        (drop (call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 32) (i32.const 6)
          (i32.const 2048)))
        (drop (call $fd_close (i32.load (i32.const 20))))
        (call $proc_exit (i32.const 0))))"#;

    #[test]
    fn records_files_and_denials() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("in.txt"), "hello").expect("write in.txt");
        let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
        assert!(
            wasi.preopened_dir(dir.path(), ".", wasmtime_wasi::FsPerms::ReadOnly)
                .is_ok()
        );
        let (code, events) = run(FILES, wasi, traced());
        assert_eq!(code, 0);
        let rows: Vec<_> = events
            .expect("a trace")
            .into_iter()
            .map(|e| (e.call, e.category, e.args, e.result, e.denied))
            .collect();
        let row = |call: &str, category, args: &str, result: &str, denied| {
            (
                call.to_string(),
                category,
                args.to_string(),
                result.to_string(),
                denied,
            )
        };
        let denial = &rows[2].3;
        assert!(
            denial == "notcapable" || denial == "perm" || denial == "acces",
            "{denial}"
        );
        assert_eq!(
            rows,
            [
                row(
                    "path_open",
                    Category::FilesystemRead,
                    r#"fd=3, path="in.txt", read"#,
                    "ok: fd=4",
                    false
                ),
                row(
                    "fd_read",
                    Category::FilesystemRead,
                    "fd=4, 4096 bytes",
                    "ok: 5 bytes",
                    false
                ),
                row(
                    "path_open",
                    Category::FilesystemWrite,
                    r#"fd=3, path="out.txt", oflags=CREAT, write"#,
                    denial,
                    true
                ),
                row(
                    "fd_readdir",
                    Category::DirectoryListing,
                    "fd=3, 1024 bytes, cookie=0",
                    &rows[3].3,
                    false
                ),
                row(
                    "path_filestat_get",
                    Category::FilesystemRead,
                    r#"fd=3, path="in.txt""#,
                    "ok: regular_file, 5 bytes",
                    false
                ),
                row("fd_close", Category::Other, "fd=4", "ok", false),
                row("proc_exit", Category::ProcessExit, "code=0", "exit", false),
            ]
        );
        assert!(rows[3].3.starts_with("ok: ") && rows[3].3.ends_with(" bytes"));
    }

    #[test]
    fn names() {
        assert_eq!(errno_name(&types::Errno::TooBig), "2big");
        assert_eq!(errno_name(&types::Errno::Notcapable), "notcapable");
        assert_eq!(
            wasi_name(&types::Clockid::ProcessCputimeId),
            "process_cputime_id"
        );
        assert_eq!(flag_names(types::Oflags::empty()), "0");
    }
}
