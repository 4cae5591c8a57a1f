// The Node.js environment: Node 22 on Linux running an npm install script (user `user`, home /home/user,
// cwd /home/user/project). Globals: require, module, exports, __filename, __dirname, global, process, Buffer,
// URL(SearchParams), TextEncoder/TextDecoder, fetch. The built-in modules are fakes that record what the
// script does: processes started, files written (an in-memory file system seeded with a home directory and
// fake secrets), HTTP(S) requests and the data sent, TCP connections, DNS look-ups. Other modules are
// recording stand-ins (A.stub).
function (A) {
  const G = A.global, S = A.str, emit = A.emit, apply = Reflect.apply, O = Object, P = Promise, min = Math.min, floor = Math.floor;
  const isFn = (f) => typeof f === "function", rnd = Math.random, def = (o, k, v) => O.defineProperty(o, k, { value: v, writable: true, configurable: true });
  const HOME = "/home/user", USER = "user", HOST = "dev-laptop", NODE = "/usr/local/bin/node", VERSION = "v22.11.0";
  let cwd = HOME + "/project";

  // ---- calling the script back ------------------------------------------------------------------------------
  // What a callback throws is reported (through A.callback), never propagated into the environment; only
  // process.exit()'s signal unwinds, up to the driver (whose loops have stopped by then).
  function rethrow() {
    throw this;
  }
  function call(fn, self, args, where) {
    if (!isFn(fn)) return;
    try {
      return apply(fn, self, args || []);
    } catch (e) {
      if (A.isExit(e)) throw e;
      A.callback(rethrow, e, [], where || "callback");
    }
  }
  const guard = (fn) => function () {
    try { return apply(fn, this, arguments); } catch (e) { if (!A.isExit(e)) throw e; }
  };
  const later = (fn) => A.setTimer(guard(fn), 0, [], false, "io"); // completes like I/O: a 0 ms virtual timer
  const soon = (fn, self, args, where) => isFn(fn) && later(() => call(fn, self, args, where));
  const then = P.prototype.then, micro = (fn) => apply(then, P.resolve(), [guard(fn)]);
  // Node's timers return objects (`setTimeout(...).unref()` is common).
  class Timeout {
    constructor(id) { this._id = id; }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
    close() { A.clearTimer(this._id); return this; }
    [Symbol.toPrimitive]() { return this._id; }
  }
  const clear = (t) => A.clearTimer(t instanceof Timeout ? t._id : t);
  const timer = (fn, ms, a, rep, api) => new Timeout(A.setTimer(isFn(fn) ? guard(fn) : fn, ms, a, rep, api));
  const timers = { setTimeout: (f, ms, ...a) => timer(f, ms, a, false, "setTimeout"), setInterval: (f, ms, ...a) => timer(f, ms, a, true, "setInterval"),
    setImmediate: (f, ...a) => timer(f, 0, a, false, "setImmediate"), clearTimeout: clear, clearInterval: clear, clearImmediate: clear };

  // ---- events -----------------------------------------------------------------------------------------------
  const LS = new WeakMap();
  function lst(e, n) {
    if (!LS.has(e)) LS.set(e, new Map());
    const m = LS.get(e);
    if (!m.has(n)) m.set(n, []);
    return m.get(n);
  }
  function EventEmitter() {}
  const EP = EventEmitter.prototype, add = (once, front) => function (n, f) {
    lst(this, n)[front ? "unshift" : "push"]({ f, once });
    return this;
  };
  O.assign(EP, { on: add(), addListener: add(), once: add(true), prependListener: add(false, true), prependOnceListener: add(true, true),
    off(n, f) { const l = lst(this, n), i = l.findLastIndex((x) => x.f === f); if (i >= 0) l.splice(i, 1); return this; },
    removeAllListeners(n) { n === undefined ? LS.delete(this) : (lst(this, n).length = 0); return this; },
    emit(n, ...a) {
      const l = lst(this, n), had = l.length;
      for (const x of l.slice()) {
        if (x.once && l.includes(x)) l.splice(l.indexOf(x), 1);
        call(x.f, this, a, "'" + S(n) + "' listener");
      }
      return had > 0;
    },
    listeners(n) { return lst(this, n).map((x) => x.f); },
    listenerCount(n) { return lst(this, n).length; },
    eventNames() { return [...(LS.get(this) || new Map()).keys()].filter((k) => lst(this, k).length); },
    setMaxListeners() { return this; }, getMaxListeners: () => 10 });
  EP.removeListener = EP.off;
  EP.rawListeners = EP.listeners;
  const EMIT = EP.emit, fire = (o, ...a) => apply(EMIT, o, a); // survives a script replacing emit
  O.assign(EventEmitter, { EventEmitter, defaultMaxListeners: 10, once: (e, n) => new P((ok) => e.once(n, (...a) => ok(a))) });
  const inherits = (C, B) => (O.setPrototypeOf(C.prototype, B.prototype), (C.super_ = B));

  // ---- Buffer: a Uint8Array with Node's encodings; typed-array methods (subarray, map...) make Buffers --------
  class FB extends Uint8Array {}
  function Buffer(a, e, n) {
    return typeof a === "number" ? new FB(a) : Buffer.from(a, e, n);
  }
  Buffer.prototype = FB.prototype;
  def(FB.prototype, "constructor", Buffer);
  O.setPrototypeOf(Buffer, Uint8Array);
  const ENC = { utf8: "utf8", "utf-8": "utf8", buffer: "utf8", hex: "hex", base64: "base64", base64url: "base64url", latin1: "latin1",
    binary: "latin1", ascii: "latin1", utf16le: "utf16le", "utf-16le": "utf16le", ucs2: "utf16le", "ucs-2": "utf16le" };
  function enc(e) {
    const k = e == null ? "utf8" : S(e).toLowerCase();
    if (!O.hasOwn(ENC, k)) throw new TypeError("Unknown encoding: " + e);
    return ENC[k];
  }
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", B64I = { "-": 62, _: 63 };
  for (let i = 0; i < 64; i++) B64I[B64[i]] = i;
  const chars = (u) => { let s = ""; for (let i = 0; i < u.length; i += 8192) s += apply(String.fromCharCode, null, u.slice(i, i + 8192)); return s; };
  function utf8(s) {
    const o = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      const d = s.charCodeAt(i + 1);
      if (c >= 0xd800 && c < 0xdc00 && d >= 0xdc00 && d < 0xe000) (c = 0x10000 + ((c - 0xd800) << 10) + d - 0xdc00), i++;
      else if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate
      if (c < 0x80) o.push(c);
      else if (c < 0x800) o.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) o.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else o.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return o;
  }
  function unutf8(b) {
    const u = [];
    for (let i = 0; i < b.length; ) {
      // the sequence's length and value bits by its first byte; invalid bytes become U+FFFD one by one
      const c = b[i], n = c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
      let cp = n === 1 ? c : c & (0xff >> (n + 1)), k = 1;
      for (; k < n && (b[i + k] & 0xc0) === 0x80; k++) cp = (cp << 6) | (b[i + k] & 63);
      const ok = n && k === n && cp >= [0, 0, 0x80, 0x800, 0x10000][n] && cp < 0x110000 && (cp < 0xd800 || cp >= 0xe000);
      i += ok ? n : 1;
      if (!ok) u.push(0xfffd);
      else if (cp > 0xffff) u.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + (cp & 1023));
      else u.push(cp);
    }
    return chars(u);
  }
  function encode(s, e) {
    s = S(s);
    const o = [], E = enc(e);
    if (E === "utf8") return new FB(utf8(s));
    if (E === "hex") for (let i = 0; /^[0-9a-f]{2}$/i.test(s.substr(i, 2)); i += 2) o.push(parseInt(s.substr(i, 2), 16));
    else if (E === "latin1") for (let i = 0; i < s.length; i++) o.push(s.charCodeAt(i));
    else if (E === "utf16le") for (let i = 0; i < s.length; i++) o.push(s.charCodeAt(i) & 255, s.charCodeAt(i) >> 8);
    else {
      let acc = 0, n = 0;
      for (const ch of s.replace(/=.*/s, "")) {
        if (!O.hasOwn(B64I, ch)) continue; // as Node: other characters are skipped
        acc = ((acc << 6) | B64I[ch]) & 0xffffff;
        if ((n += 6) >= 8) o.push((acc >> (n -= 8)) & 255);
      }
    }
    return new FB(o);
  }
  function decode(b, e) {
    const E = enc(e);
    if (E === "utf8") return unutf8(b);
    if (E === "hex") return Array.from(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");
    if (E === "latin1") return chars(Array.from(b));
    if (E === "utf16le") return chars(Array.from({ length: b.length >> 1 }, (x, i) => b[2 * i] | (b[2 * i + 1] << 8)));
    let s = "";
    for (let i = 0; i < b.length; i += 3) {
      const n = (b[i] << 16) | ((b[i + 1] | 0) << 8) | (b[i + 2] | 0);
      s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < b.length ? B64[n & 63] : "=");
    }
    return E === "base64" ? s : s.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  }
  // The bytes of what a script writes or sends (a view, not a copy), and their text.
  const bytes = (d, e) => (typeof d === "string" ? encode(d, e) : d instanceof ArrayBuffer ? new FB(d) :
    ArrayBuffer.isView(d) ? new FB(d.buffer, d.byteOffset, d.byteLength) : encode(S(d)));
  const text = (d) => (typeof d === "string" ? d : decode(bytes(d))), none = () => new FB(0), cat = (l) => Buffer.concat(l);
  O.assign(Buffer, { poolSize: 8192,
    from(v, e, n) {
      if (typeof v === "string") return encode(v, e);
      if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer)) return new FB(v, e | 0, n);
      if (v instanceof DataView) return new FB(bytes(v));
      if (v && v.type === "Buffer" && Array.isArray(v.data)) return new FB(v.data);
      if (v && typeof v === "object" && (ArrayBuffer.isView(v) || typeof v.length === "number" || isFn(v[Symbol.iterator]))) return new FB(v);
      if (v && typeof v === "object" && v.valueOf() !== v && v.valueOf() != null) return Buffer.from(v.valueOf(), e, n);
      throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.");
    },
    alloc: (n, f, e) => (f === undefined ? new FB(n) : new FB(n).fill(f, 0, n, e)), allocUnsafe: (n) => new FB(n), allocUnsafeSlow: (n) => new FB(n),
    byteLength: (s, e) => (typeof s === "string" ? encode(s, e).length : s.byteLength), isBuffer: (b) => b instanceof FB,
    isEncoding: (e) => O.hasOwn(ENC, S(e).toLowerCase()), compare: (a, b) => a.compare(b),
    concat(list, total) {
      const n = total === undefined ? list.reduce((s, b) => s + b.length, 0) : total, out = new FB(n);
      let off = 0;
      for (const b of list) if (off < n) out.set(b.subarray(0, n - off), off), (off += min(b.length, n - off));
      return out;
    } });
  const BP = FB.prototype, U8 = Uint8Array.prototype;
  O.assign(BP, {
    toString(e, s = 0, end = this.length) { return decode(this.subarray(s, end), e); },
    toJSON() { return { type: "Buffer", data: Array.from(this) }; },
    equals(o) { return this.compare(o) === 0; },
    compare(o) {
      for (let i = 0; i < min(this.length, o.length); i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
      return Math.sign(this.length - o.length);
    },
    copy(t, ts = 0, ss = 0, se = this.length) {
      const s = this.subarray(ss, min(se, ss + t.length - ts));
      return ts < t.length ? (t.set(s, ts), s.length) : 0;
    },
    slice: U8.subarray, // Node's slice shares memory
    write(s, o, l, e) {
      if (typeof o === "string") (e = o), (o = 0), (l = undefined);
      else if (typeof l === "string") (e = l), (l = undefined);
      const b = encode(s, e), n = Math.max(0, min(b.length, this.length - (o | 0), l === undefined ? Infinity : l));
      this.set(b.subarray(0, n), o | 0);
      return n;
    },
    fill(v, s = 0, end = this.length, e) {
      if (typeof s === "string") (e = s), (s = 0), (end = this.length);
      if (typeof v !== "string" && !(v instanceof Uint8Array)) return apply(U8.fill, this, [v & 255, s, end]);
      const b = typeof v === "string" ? encode(v, e) : v;
      for (let i = s; i < end; i++) this[i] = b.length ? b[(i - s) % b.length] : 0;
      return this;
    },
    indexOf(v, from = 0, e) {
      if (typeof v === "number") return apply(U8.indexOf, this, [v & 255, from]);
      const n = typeof v === "string" ? encode(v, e) : v;
      for (let i = Math.max(0, from < 0 ? from + this.length : from | 0); i + n.length <= this.length; i++)
        if (n.every((x, j) => this[i + j] === x)) return i;
      return -1;
    },
    includes(v, f, e) { return this.indexOf(v, f, e) !== -1; } });
  BP.toLocaleString = BP.toString;
  // readUInt32LE, writeInt16BE, readDoubleLE... (also spelled readUint32LE): name, DataView type, size
  const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (const [n, dv, size] of [["UInt8", "Uint8", 1], ["Int8", "Int8", 1], ["UInt16", "Uint16", 2], ["Int16", "Int16", 2], ["UInt32", "Uint32", 4],
    ["Int32", "Int32", 4], ["Float", "Float32", 4], ["Double", "Float64", 8], ["BigUInt64", "BigUint64", 8], ["BigInt64", "BigInt64", 8]])
    for (const le of size > 1 ? ["LE", "BE"] : [""]) {
      const read = function (o = 0) { return view(this)["get" + dv](o, le === "LE"); };
      const write = function (v, o = 0) { view(this)["set" + dv](o, v, le === "LE"); return o + size; };
      BP["read" + n + le] = BP["read" + dv + le] = read;
      BP["write" + n + le] = BP["write" + dv + le] = write;
    }
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s = "") { return new Uint8Array(utf8(S(s))); }
  }
  class TextDecoder {
    constructor(e = "utf-8") { this._e = enc(/1252|8859-1/.test(S(e)) ? "latin1" : e); }
    get encoding() { return { utf8: "utf-8", latin1: "windows-1252", utf16le: "utf-16le" }[this._e] || this._e; }
    decode(b) { return b === undefined ? "" : decode(bytes(b), this._e).replace(/^\ufeff/, ""); }
  }

  // ---- streams: pipe(), 'data'/'end'/'readable', async iteration, custom read/write/transform ------------------
  function Readable(o) {
    this._q = [];
    this.readable = true;
    if (o && o.read) this._read = o.read;
    if (o && o.objectMode) this._obj = true;
  }
  inherits(Readable, EventEmitter);
  const RP = Readable.prototype;
  O.assign(RP, {
    _read() {},
    push(c, e) {
      if (c === null) this._eof = true;
      else this._q.push(typeof c === "string" && !this._obj ? encode(c, e) : c);
      if (this._flowing) this._kick();
      return !this._eof;
    },
    // Data flows once the script consumes the stream ('data'/'end'/'readable' listener, resume, pipe).
    resume() {
      if (!this._flowing) (this._flowing = true), this._kick();
      return this;
    },
    _kick() {
      if (!this._sched && !this._done) (this._sched = true), later(() => ((this._sched = false), this._drain()));
    },
    _drain() {
      if (this._done) return;
      if (!this._eof && !this._q.length) call(this._read, this, [16384], "stream read");
      if (this.listenerCount("readable")) {
        if (this._q.length || this._eof) fire(this, "readable"); // its listener read()s
      } else while (this._q.length) {
        const c = this._q.shift();
        fire(this, "data", this._enc && c instanceof Uint8Array ? decode(c, this._enc) : c);
      }
      if (this._eof && !this._q.length) (this._done = true), (this.readable = false), fire(this, "end"), fire(this, "close");
    },
    read() {
      if (!this._q.length) return null;
      if (this._obj) return this._q.shift();
      const b = cat(this._q.splice(0));
      return this._enc ? decode(b, this._enc) : b;
    },
    pause() { return this; }, unpipe() { return this; }, isPaused: () => false,
    setEncoding(e) { this._enc = enc(e); return this; },
    pipe(d, o) {
      this.on("data", (c) => d.write(c));
      if (!o || o.end !== false) this.on("end", () => isFn(d.end) && d.end());
      return d;
    },
    destroy(e) {
      if (!this._done) (this._done = true), later(() => (e && fire(this, "error", e), fire(this, "close")));
      return this;
    },
    [Symbol.asyncIterator]() {
      const got = [], wait = [], wake = () => wait.splice(0).forEach((f) => f());
      let end = false;
      this.on("data", (c) => (got.push(c), wake())).on("end", () => ((end = true), wake()));
      const next = () => new P((ok) => {
        const f = () => (got.length ? ok({ value: got.shift(), done: false }) : end ? ok({ done: true }) : wait.push(f));
        f();
      });
      return { next, return: () => P.resolve({ done: true }), [Symbol.asyncIterator]() { return this; } };
    } });
  for (const k of ["on", "once", "addListener", "prependListener"])
    RP[k] = function (n, f) {
      apply(EP[k], this, [n, f]);
      if (n === "data" || n === "end" || n === "readable") this.resume();
      return this;
    };
  Readable.from = (it) => {
    const r = new Readable({ objectMode: true });
    (async () => { for await (const x of it) r.push(x); r.push(null); })().catch((e) => r.destroy(e));
    return r;
  };
  const src = (...chunks) => { // a readable of these chunks
    const r = new Readable();
    chunks.forEach((c) => c.length && r.push(c));
    r.push(null);
    return r;
  };
  function Writable(o) {
    this.writable = true;
    if (o && o.write) this._write = o.write;
    if (o && o.final) this._final = o.final;
    if (o && (o.objectMode || o.decodeStrings === false)) this._obj = true;
  }
  inherits(Writable, EventEmitter);
  const WP = Writable.prototype;
  O.assign(WP, {
    _write(c, e, cb) { cb(); },
    write(c, e, cb) {
      if (isFn(e)) (cb = e), (e = undefined);
      if (this._ended) return later(() => fire(this, "error", new Error("write after end"))), false;
      if (typeof c === "string" && !this._obj) c = encode(c, e);
      call(this._write, this, [c, this._obj ? e : "buffer", (err) => err && later(() => fire(this, "error", err))], "stream write");
      soon(cb, this, []);
      return true;
    },
    end(c, e, cb) {
      if (isFn(c)) (cb = c), (c = null);
      else if (isFn(e)) (cb = e), (e = undefined);
      if (c != null) this.write(c, e);
      if (cb) this.once("finish", cb);
      if (this._ended) return this;
      this._ended = true;
      this.writable = false;
      const fin = () => later(() => (fire(this, "finish"), fire(this, "close")));
      this._final ? call(this._final, this, [fin], "stream final") : fin();
      return this;
    },
    close(cb) { this.end(); if (cb) this.once("close", cb); },
    destroy() { if (!this._ended) (this._ended = true), later(() => fire(this, "close")); return this; },
    cork() {}, uncork() {}, setDefaultEncoding() { return this; } });
  function Duplex(o) {
    Readable.call(this, o);
    Writable.call(this, o);
  }
  inherits(Duplex, Readable);
  for (const k of ["write", "end", "close", "cork", "uncork", "setDefaultEncoding", "_write"]) Duplex.prototype[k] = WP[k];
  function Transform(o) {
    Duplex.call(this, o);
    if (o && o.transform) this._transform = o.transform;
    if (o && o.flush) this._flush = o.flush;
  }
  inherits(Transform, Duplex);
  O.assign(Transform.prototype, {
    _transform(c, e, cb) { cb(null, c); },
    _write(c, e, cb) { call(this._transform, this, [c, e, (err, d) => (d != null && this.push(d), cb(err))], "stream transform"); },
    _final(cb) {
      const done = (err, d) => (d != null && this.push(d), this.push(null), cb());
      this._flush ? call(this._flush, this, [done], "stream flush") : done();
    } });
  function PassThrough(o) {
    Transform.call(this, o);
  }
  inherits(PassThrough, Transform);
  function Stream(o) {
    Readable.call(this, o);
  }
  inherits(Stream, Readable);
  function finished(s, cb) {
    let n = 0;
    const f = (e) => n++ || call(cb, null, [e || null]);
    s.once("finish", () => f()).once("end", () => f()).once("error", f);
  }
  function pipeline(...s) {
    const cb = isFn(s[s.length - 1]) ? s.pop() : null;
    if (Array.isArray(s[0])) s = s[0];
    for (let i = 0; i + 1 < s.length; i++) s[i].pipe(s[i + 1]);
    if (cb) finished(s[s.length - 1], cb);
    return s[s.length - 1];
  }
  O.assign(Stream, { Stream, Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished,
    promises: { pipeline: (...s) => new P((ok, no) => pipeline(...s, (e) => (e ? no(e) : ok()))), finished: (s) => new P((ok) => finished(s, ok)) } });

  // ---- path (POSIX) -------------------------------------------------------------------------------------------
  function str(p) {
    if (typeof p !== "string") throw new TypeError('The "path" argument must be of type string. Received ' + typeof p);
    return p;
  }
  function segs(p, absolute) { // a path's segments, "." and ".." resolved
    const o = [];
    for (const s of p.split("/"))
      if (s === "..") o.length && o[o.length - 1] !== ".." ? o.pop() : absolute || o.push(s);
      else if (s && s !== ".") o.push(s);
    return o;
  }
  function normalize(p) {
    const a = str(p)[0] === "/", r = segs(p, a).join("/");
    return (a ? "/" : "") + (r || (a ? "" : ".")) + (r && p.endsWith("/") ? "/" : "");
  }
  function resolve(...a) {
    let r = "";
    for (let i = a.length - 1; i >= -1 && r[0] !== "/"; i--) {
      const s = i >= 0 ? str(a[i]) : cwd;
      if (s) r = s + (r ? "/" + r : "");
    }
    return "/" + segs(r, true).join("/");
  }
  function dirname(p) {
    const t = str(p).length > 1 ? p.replace(/\/+$/, "") : p, i = t.lastIndexOf("/");
    return i < 0 ? "." : t.slice(0, i).replace(/\/+$/, "") || "/";
  }
  function basename(p, ext) {
    const b = str(p).replace(/\/+$/, "").split("/").pop();
    return ext && b !== ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
  }
  const extname = (p) => { const b = basename(p), i = b.lastIndexOf("."); return i <= 0 || b === ".." ? "" : b.slice(i); };
  const pathMod = { sep: "/", delimiter: ":", normalize, resolve, dirname, basename, extname, toNamespacedPath: (p) => p,
    join: (...a) => normalize(a.map(str).filter(Boolean).join("/") || "."),
    isAbsolute: (p) => str(p)[0] === "/",
    relative(f, t) {
      const a = segs(resolve(f), true), b = segs(resolve(t), true);
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
    },
    parse(p) {
      const base = basename(p), ext = extname(p);
      return { root: p[0] === "/" ? "/" : "", dir: p.includes("/") ? dirname(p) : "", base, ext, name: ext ? base.slice(0, -ext.length) : base };
    },
    format: (o) => { const d = o.dir || o.root || ""; return d + (d && d !== o.root ? "/" : "") + (o.base || (o.name || "") + (o.ext || "")); } };
  pathMod.posix = pathMod.win32 = pathMod; // win32 paths are not emulated

  // ---- URL (WHATWG; no IDNA or numeric IPv4 forms), URLSearchParams, querystring, the legacy url API -------------
  const DEFPORT = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21", "file:": "" };
  const special = (p) => O.hasOwn(DEFPORT, p), bad = () => new TypeError("Invalid URL");
  const pct = (re) => (s) => S(s).replace(re, (c) => { try { return encodeURIComponent(c); } catch (e) { return "%EF%BF%BD"; } });
  const escC0 = pct(/[\0-\x1f\u{7f}-\u{10ffff}]/gu), escURL = pct(/[\0- "<>`{}\u{7f}-\u{10ffff}]/gu), unpct = (s) => S(s).replace(/(%[0-9a-f]{2})+/gi, (m) => { try { return decodeURIComponent(m); } catch (e) { return m; } });
  const authOf = (u) => (u.username || u.password ? u.username + (u.password ? ":" + u.password : "") + "@" : "") + u.hostname + (u.port ? ":" + u.port : "");
  const href = (u) => u.protocol + (u.host ? "//" + authOf(u) : "") + u.pathname + u.search + u.hash;
  // A URL record: protocol, username, password, hostname, port, pathname, search, hash; host: it has an authority.
  function parseURL(s, base) {
    s = S(s).replace(/^[\0- ]+|[\0- ]+$/g, "").replace(/[\t\n\r]/g, "");
    if (!/^[a-z][a-z\d+.-]*:/i.test(s)) { // relative: made absolute with the base
      if (base === undefined) throw bad();
      const b = base instanceof URL ? base._u : parseURL(base), a = b.protocol + (b.host ? "//" + authOf(b) : "");
      if (special(b.protocol)) s = s.replace(/\\/g, "/");
      s = s.startsWith("//") ? b.protocol + s : s[0] === "/" ? a + s : s[0] === "?" ? a + b.pathname + s :
        s[0] === "#" || !s ? a + b.pathname + b.search + s : a + b.pathname.replace(/[^/]*$/, "") + s;
    }
    const m = /^([^:]*:)(.*)$/s.exec(s), protocol = m[1].toLowerCase(), sp = special(protocol), r = sp ? m[2].replace(/\\/g, "/") : m[2];
    const u = { protocol, username: "", password: "", hostname: "", port: "", host: protocol === "file:" };
    const a = (sp && protocol !== "file:" ? /^\/*([^/?#]*)(.*)$/s : /^\/\/([^/?#]*)(.*)$/s).exec(r), at = a ? a[1].lastIndexOf("@") : -1;
    if (a) {
      if (at >= 0) [u.username, u.password = ""] = a[1].slice(0, at).split(/:(.*)/s, 2).map(escURL);
      const hp = /^(\[[\d:a-f.]*\]|[^:[\]]*)(?::(\d*))?$/i.exec(a[1].slice(at + 1)), host = hp && unpct(hp[1]).toLowerCase();
      if (!hp || /[\0- #%/:<>?@[\\\]^|]/.test(host.replace(/^\[.*\]$/, "")) || (!host && sp && protocol !== "file:") || +hp[2] > 65535) throw bad();
      O.assign(u, { hostname: host, port: hp[2] && S(+hp[2]) !== DEFPORT[protocol] ? S(+hp[2]) : "", host: true });
    }
    const [, path, search = "", hash = ""] = /^([^?#]*)(\?[^#]*)?(#.*)?$/s.exec(a ? a[2] : r);
    O.assign(u, { search: search.length > 1 ? escURL(search) : "", hash: hash.length > 1 ? escURL(hash) : "" });
    if (path[0] !== "/" && !u.host && !sp) return O.assign(u, { pathname: escC0(path) }); // an opaque path (mailto:, data:)
    const out = [], seg = path.split("/").slice(path[0] === "/" ? 1 : 0);
    seg.forEach((x, i) => { // dot segments; a trailing one leaves a directory path ("/a/b/.." is "/a/")
      const dots = /^(\.|%2e){1,2}$/i.test(x) ? x.replace(/%2e/gi, ".").length : 0;
      if (dots === 2) out.pop();
      if (!dots) out.push(x);
      else if (i === seg.length - 1) out.push("");
    });
    return O.assign(u, { pathname: escURL("/" + out.join("/")) });
  }
  class URL {
    constructor(u, base) { def(this, "_u", parseURL(u, base)); }
    get href() { return href(this._u); }
    set href(v) { this._set(parseURL(v)); }
    get origin() { return special(this._u.protocol) && this._u.protocol !== "file:" ? this._u.protocol + "//" + this.host : "null"; }
    get host() { return this._u.hostname + (this._u.port ? ":" + this._u.port : ""); }
    get searchParams() {
      if (!this._u.params) def((this._u.params = new URLSearchParams(this._u.search)), "_u", this._u);
      return this._u.params;
    }
    _set(u) { O.assign(this._u, u); if (this._u.params) this._u.params._l = new URLSearchParams(this._u.search)._l; }
    toString() { return this.href; }
    toJSON() { return this.href; }
    static canParse(u, b) { try { return !!parseURL(u, b); } catch (e) { return false; } }
  }
  // Setting a part re-parses the URL written with it; an invalid result is ignored, as in browsers.
  for (const k of ["protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"])
    O.defineProperty(URL.prototype, k, { configurable: true, get: k === "host" ? O.getOwnPropertyDescriptor(URL.prototype, k).get : function () { return this._u[k]; },
      set(v) {
        const u = { ...this._u }, x = S(v);
        if (k === "host") [u.hostname, u.port = ""] = x.split(":");
        else if (k === "search" || k === "hash") u[k] = x && (k === "search" ? "?" : "#") + x.replace(/^[?#]/, "");
        else u[k] = k === "protocol" ? x.replace(/:?$/, ":") : k === "pathname" ? (x[0] === "/" ? "" : "/") + x.replace(/[?#]/g, encodeURIComponent) : x;
        try { this._set(parseURL(href(u))); } catch (e) {}
      } });
  const formEnc = (s) => pct(/[^*\-._0-9A-Za-z ]/gu)(s).replace(/ /g, "+"), formDec = (s) => unpct(s.replace(/\+/g, " "));
  class URLSearchParams {
    constructor(init) {
      def(this, "_l", []);
      if (init && typeof init === "object") for (const [k, v] of isFn(init[Symbol.iterator]) ? init : O.entries(init)) this._l.push([S(k), S(v)]);
      else for (const p of S(init == null ? "" : init).replace(/^\?/, "").split("&")) if (p) this._l.push([formDec(p.replace(/=.*/s, "")), formDec(p.replace(/^[^=]*=?/, ""))]);
    }
    _up() { if (this._u) this._u.search = this._l.length ? "?" + this : ""; }
    get size() { return this._l.length; }
    append(k, v) { this._l.push([S(k), S(v)]); this._up(); }
    delete(k) { this._l = this._l.filter((x) => x[0] !== S(k)); this._up(); }
    get(k) { const x = this._l.find((x) => x[0] === S(k)); return x ? x[1] : null; }
    getAll(k) { return this._l.filter((x) => x[0] === S(k)).map((x) => x[1]); }
    has(k) { return this._l.some((x) => x[0] === S(k)); }
    set(k, v) {
      const i = this._l.findIndex((x) => x[0] === S(k));
      if (i < 0) return this.append(k, v);
      this._l = this._l.filter((x, j) => j <= i || x[0] !== S(k));
      this._l[i][1] = S(v);
      this._up();
    }
    sort() { this._l.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._up(); }
    forEach(f, t) { this._l.forEach(([k, v]) => f.call(t, v, k, this)); }
    keys() { return this._l.map((x) => x[0]).values(); }
    values() { return this._l.map((x) => x[1]).values(); }
    entries() { return this._l.map((x) => x.slice()).values(); }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._l.map(([k, v]) => formEnc(k) + "=" + formEnc(v)).join("&"); }
  }
  const qesc = pct(/[^A-Za-z0-9\-_.!~*'()]/gu);
  const qs = { escape: qesc, unescape: unpct,
    parse(s, sep = "&", eq = "=") {
      const o = O.create(null);
      for (const p of S(s).split(sep)) {
        const i = p.indexOf(eq), k = formDec(i < 0 ? p : p.slice(0, i)), v = i < 0 ? "" : formDec(p.slice(i + eq.length));
        if (p) o[k] = k in o ? [].concat(o[k], v) : v;
      }
      return o;
    },
    stringify: (o, sep = "&", eq = "=") => O.keys(o || {}).flatMap((k) => [].concat(o[k]).map((v) =>
      qesc(k) + eq + qesc(["string", "number", "boolean", "bigint"].includes(typeof v) ? v : ""))).join(sep) };
  qs.decode = qs.parse;
  qs.encode = qs.stringify;
  function urlParse(s, pq) {
    const m = /^([a-z][a-z0-9+.-]*:)?(?:(\/\/)(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/is.exec(S(s).trim());
    const host = m[2] ? m[4].toLowerCase() : null, search = m[7] || null, pathname = m[6] || (m[2] ? "/" : null);
    const r = { protocol: m[1] ? m[1].toLowerCase() : null, slashes: m[2] ? true : null, auth: m[3] ? unpct(m[3]) : null,
      host: host === null ? null : host + (m[5] ? ":" + m[5] : ""), port: m[5] || null, hostname: host, hash: m[8] || null, search,
      query: pq ? qs.parse((search || "").slice(1)) : search && search.slice(1), pathname, path: (pathname || "") + (search || "") || null };
    return O.assign(r, { href: urlFormat(r) });
  }
  function urlFormat(o) {
    if (o instanceof URL || typeof o === "string") return S(o);
    const host = o.host || (o.hostname ? o.hostname + (o.port ? ":" + o.port : "") : ""), p = S(o.pathname || "");
    const q = o.search || (o.query && typeof o.query === "object" ? qs.stringify(o.query) : o.query || "");
    let s = o.protocol ? S(o.protocol).replace(/:?$/, ":") : "";
    if (o.slashes || host || /^(https?|ftp|file|wss?):$/.test(s)) s += "//";
    return s + (o.auth ? o.auth + "@" : "") + host + (p && p[0] !== "/" && host ? "/" : "") + p + (q && q[0] !== "?" ? "?" : "") + q +
      (o.hash ? (o.hash[0] === "#" ? "" : "#") + o.hash : "");
  }
  const urlMod = { URL, URLSearchParams, parse: urlParse, format: urlFormat, domainToASCII: (d) => S(d).toLowerCase(), domainToUnicode: S,
    resolve: (f, t) => { try { return new URL(t, new URL(f, "resolve:/")).href.replace(/^resolve:/, ""); } catch (e) { return S(t); } },
    fileURLToPath: (u) => unpct((u instanceof URL ? u : new URL(S(u))).pathname), pathToFileURL: (p) => new URL("file://" + escURL(resolve(S(p)))) };

  // ---- util ---------------------------------------------------------------------------------------------------
  function inspect(v, o, depth = 0, seen = []) {
    if (typeof v === "string") return "'" + v.replace(/[\\']/g, "\\$&").replace(/\n/g, "\\n") + "'";
    if (typeof v === "bigint") return v + "n";
    if (isFn(v)) return "[Function" + (v.name ? ": " + S(v.name) : " (anonymous)") + "]";
    if (v === null || typeof v !== "object") return S(v);
    if (v instanceof Error) return S(v) + (v.stack ? "\n" + v.stack.replace(/\n$/, "") : "");
    if (v instanceof FB) return "<Buffer" + decode(v.subarray(0, 50), "hex").replace(/../g, " $&") + (v.length > 50 ? " ... " + (v.length - 50) + " more bytes" : "") + ">";
    if (v instanceof Date || v instanceof RegExp || v instanceof URL) return isFn(v.toISOString) && !isNaN(v) ? v.toISOString() : S(v);
    if (seen.includes(v)) return "[Circular *1]";
    if (depth > 2) return Array.isArray(v) ? "[Array]" : "[Object]";
    const f = (x) => inspect(x, o, depth + 1, seen.concat([v])), list = (a, b, l) => (l.length ? a + " " + l.join(", ") + " " + b : a + b);
    if (Array.isArray(v)) return list("[", "]", v.map(f));
    if (v instanceof Map) return list("Map(" + v.size + ") {", "}", [...v].map(([k, x]) => f(k) + " => " + f(x)));
    if (v instanceof Set) return list("Set(" + v.size + ") {", "}", [...v].map(f));
    const C = v.constructor, name = C && C !== O && isFn(C) && C.name ? C.name + " " : "";
    return name + list("{", "}", O.keys(v).map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : "'" + k + "'") + ": " + f(v[k])));
  }
  inspect.custom = Symbol.for("nodejs.util.inspect.custom");
  function format(f, ...a) {
    const show = (x) => (typeof x === "string" ? x : inspect(x));
    if (typeof f !== "string") return [f, ...a].map(show).join(" ");
    let i = 0;
    const s = f.replace(/%[sdifjoOc%]/g, (m) => {
      if (m === "%%" || i >= a.length) return m === "%%" ? "%" : m;
      const x = a[i++], c = m[1];
      return c === "s" ? (x && typeof x === "object" ? inspect(x) : S(x)) : c === "d" || c === "f" ? S(Number(x)) : c === "i" ? S(parseInt(x)) :
        c === "j" ? JSON.stringify(x) : c === "c" ? "" : inspect(x);
    });
    return [s, ...a.slice(i).map(show)].join(" ");
  }
  const CUSTOM = Symbol.for("nodejs.util.promisify.custom");
  function promisify(f) {
    if (!isFn(f)) throw new TypeError('The "original" argument must be of type function');
    return isFn(f[CUSTOM]) ? f[CUSTOM] : function (...a) { return new P((ok, no) => apply(f, this, [...a, (e, v) => (e ? no(e) : ok(v))])); };
  }
  promisify.custom = CUSTOM;
  const types = { isPromise: (v) => v instanceof P, isDate: (v) => v instanceof Date, isRegExp: (v) => v instanceof RegExp, isNativeError: (v) => v instanceof Error,
    isUint8Array: (v) => v instanceof Uint8Array, isArrayBuffer: (v) => v instanceof ArrayBuffer, isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
    isMap: (v) => v instanceof Map, isSet: (v) => v instanceof Set, isProxy: () => false, isAsyncFunction: (v) => isFn(v) && v[Symbol.toStringTag] === "AsyncFunction" };
  const utilMod = { format, inspect, inherits, promisify, types, TextEncoder, TextDecoder, formatWithOptions: (o, ...a) => format(...a),
    callbackify: (f) => function (...a) {
      const cb = a.pop();
      apply(then, P.resolve(apply(f, this, a)), [(v) => soon(cb, null, [null, v]), (e) => soon(cb, null, [e || new Error("rejected")])]);
    },
    deprecate: (f) => f, debuglog: () => () => {}, isDeepStrictEqual: (a, b) => JSON.stringify(a) === JSON.stringify(b), styleText: (f, s) => s,
    stripVTControlCharacters: (s) => S(s).replace(/\x1b\[[\d;]*[A-Za-z]/g, ""), isArray: Array.isArray, isBuffer: Buffer.isBuffer };

  // ---- crypto: random bytes, fake (deterministic, not cryptographic) digests, pass-through ciphers ---------------
  const DIGEST = { md5: 16, sha1: 20, ripemd160: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64, "sha3-256": 32, "sha3-512": 64 };
  function fakeHash(b, n) {
    let a = 0x811c9dc5, c = 0x9747b28c;
    for (let i = 0; i < b.length; i++) (a = Math.imul(a ^ b[i], 16777619)), (c = Math.imul(c ^ a, 0x5bd1e995) ^ (c >>> 13));
    return FB.from({ length: n }, () => ((a ^= a << 13), (a ^= a >>> 17), (a ^= a << 5), (c = (c + a + b.length) | 0), a ^ c ^ (c >>> 8)));
  }
  const fillRandom = (a) => { for (let i = 0; i < a.length; i++) a[i] = floor(rnd() * 4294967296); return a; };
  const out = (b, e) => (e && e !== "buffer" ? decode(b, e) : b), derive = (p, s, n) => fakeHash(cat([bytes(p), bytes(s)]), n);
  const maybeCb = (cb, r) => (isFn(cb) ? void soon(cb, null, [null, r]) : r);
  class Hash {
    constructor(alg, key) { this._n = DIGEST[S(alg).toLowerCase().replace(/^rsa-/, "")] || 32; this._c = key === undefined ? [] : [bytes(key)]; }
    update(d, e) { this._c.push(new FB(bytes(d, e))); return this; }
    digest(e) { return out(fakeHash(cat(this._c), this._n), e); }
    copy() { return O.assign(new Hash(), { _n: this._n, _c: this._c.slice() }); }
  }
  class Cipher {
    constructor(api, alg) { emit("other", "crypto." + api, [alg]); }
    update(d, ie, oe) { return out(new FB(bytes(d, ie)), oe); }
    final(e) { return out(none(), e); }
    getAuthTag() { return new FB(16); }
    setAutoPadding() { return this; }
    setAAD() { return this; }
    setAuthTag() { return this; }
  }
  const uuid = () => "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) => (c ^ (floor(rnd() * 256) & (15 >> (c / 4)))).toString(16));
  const webcrypto = { getRandomValues: fillRandom, randomUUID: uuid, subtle: A.stub("crypto.subtle", "other") };
  const cryptoMod = { webcrypto, subtle: webcrypto.subtle, randomUUID: uuid, getRandomValues: fillRandom, randomFillSync: fillRandom,
    randomBytes: (n, cb) => maybeCb(cb, fillRandom(new FB(n))),
    randomInt: (a, b, cb) => (b === undefined || isFn(b) ? maybeCb(b, floor(rnd() * a)) : maybeCb(cb, a + floor(rnd() * (b - a)))),
    createHash: (a) => new Hash(a), createHmac: (a, k) => new Hash(a, k), hash: (a, d, e = "hex") => new Hash(a).update(d).digest(e),
    createCipheriv: (a) => new Cipher("createCipheriv", a), createDecipheriv: (a) => new Cipher("createDecipheriv", a),
    publicEncrypt: (k, b) => new FB(bytes(b)), privateDecrypt: (k, b) => new FB(bytes(b)), timingSafeEqual: (a, b) => Buffer.from(a).equals(Buffer.from(b)),
    pbkdf2Sync: (p, s, i, n) => derive(p, s, n), pbkdf2: (p, s, i, n, d, cb) => maybeCb(cb, derive(p, s, n)),
    scryptSync: (p, s, n) => derive(p, s, n), scrypt: (p, s, n, o, cb) => maybeCb(isFn(o) ? o : cb, derive(p, s, n)),
    getHashes: () => O.keys(DIGEST), getCiphers: () => ["aes-128-cbc", "aes-256-cbc", "aes-256-gcm", "chacha20-poly1305"], constants: {} };
  cryptoMod.pseudoRandomBytes = cryptoMod.randomBytes;

  // ---- zlib: a real inflater (payloads are often deflated); compressing writes stored deflate blocks -------------
  const LB = [], LE = [], DB = [], DE = [], ORD = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  for (let i = 0, b = 3; i < 29; i++) (LE[i] = i < 8 || i === 28 ? 0 : (i - 4) >> 2), (LB[i] = i === 28 ? 258 : b), (b += 1 << LE[i]);
  for (let i = 0, b = 1; i < 30; i++) (DE[i] = i < 4 ? 0 : (i - 2) >> 1), (DB[i] = b), (b += 1 << DE[i]);
  const zerr = (m) => O.assign(new Error(m), { code: "Z_DATA_ERROR", errno: -3 });
  function huff(lens) { // a canonical Huffman code: counts per length, symbols in code order
    const count = new Uint16Array(16), sym = [], offs = [0, 0];
    for (const l of lens) count[l]++;
    for (let i = 1; i < 15; i++) offs[i + 1] = offs[i] + count[i];
    lens.forEach((l, i) => l && (sym[offs[l]++] = i));
    count[0] = 0;
    return { count, sym };
  }
  let FIXED, crcT; // tables made on first use
  function inflateRaw(b) {
    let p = 0, bb = 0, bc = 0, last = 0;
    const o = [];
    const bits = (n) => {
      for (; bc < n; bc += 8) {
        if (p >= b.length) throw zerr("unexpected end of file");
        bb |= b[p++] << bc;
      }
      const v = bb & ((1 << n) - 1);
      bb >>>= n;
      bc -= n;
      return v;
    };
    const dec = (h) => {
      for (let len = 1, code = 0, first = 0, index = 0; len < 16; len++, code <<= 1) {
        code |= bits(1);
        if (code - h.count[len] < first) return h.sym[index + code - first];
        index += h.count[len];
        first = (first + h.count[len]) << 1;
      }
      throw zerr("invalid code");
    };
    while (!last) {
      last = bits(1);
      const type = bits(2);
      let lt, dt;
      if (type === 0) { // stored: the rest of the current byte is skipped
        const n = b[p] | (b[p + 1] << 8);
        bb = bc = 0;
        if ((p += 4) + n > b.length) throw zerr("unexpected end of file");
        for (let i = 0; i < n; i++) o.push(b[p++]);
        continue;
      } else if (type === 1) {
        FIXED = FIXED || [huff(Array.from({ length: 288 }, (x, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8))), huff(Array(30).fill(5))];
        [lt, dt] = FIXED;
      }
      else if (type === 2) {
        const nl = bits(5) + 257, nd = bits(5) + 1, nc = bits(4) + 4, cl = Array(19).fill(0), l = [];
        for (let i = 0; i < nc; i++) cl[ORD[i]] = bits(3);
        const ch = huff(cl);
        while (l.length < nl + nd) {
          const s = dec(ch), [n, v] = s < 16 ? [1, s] : s === 16 ? [3 + bits(2), l[l.length - 1] | 0] : s === 17 ? [3 + bits(3), 0] : [11 + bits(7), 0];
          for (let i = 0; i < n; i++) l.push(v);
        }
        (lt = huff(l.slice(0, nl))), (dt = huff(l.slice(nl, nl + nd)));
      } else throw zerr("invalid block type");
      for (let s; (s = dec(lt)) !== 256; ) {
        if (s < 256) o.push(s);
        else if ((s -= 257) >= 29) throw zerr("invalid literal/length code");
        else {
          const len = LB[s] + bits(LE[s]), d = dec(dt), dist = DB[d] + bits(DE[d]);
          if (dist > o.length) throw zerr("invalid distance too far back");
          for (let k = 0; k < len; k++) o.push(o[o.length - dist]);
        }
      }
    }
    return new FB(o);
  }
  function unzip(b, kind) {
    b = bytes(b);
    const gz = b[0] === 0x1f && b[1] === 0x8b, f = b[3];
    if (kind === "raw") return inflateRaw(b);
    if (!gz && kind !== "gzip") {
      if (((b[0] << 8) | b[1]) % 31 || (b[0] & 15) !== 8) throw zerr("incorrect header check");
      return inflateRaw(b.subarray(2));
    }
    let p = 10; // gzip header: optional extra field, name, comment, header CRC
    if (!gz) throw zerr("incorrect header check");
    if (f & 4) p += 2 + (b[p] | (b[p + 1] << 8));
    if (f & 8) while (b[p++]);
    if (f & 16) while (b[p++]);
    return inflateRaw(b.subarray(p + (f & 2)));
  }
  function crc32(b, c = 0) {
    crcT = crcT || Array.from({ length: 256 }, (x, n) => { for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1; return n >>> 0; });
    return ~bytes(b).reduce((c, x) => crcT[(c ^ x) & 255] ^ (c >>> 8), ~c) >>> 0;
  }
  const le32 = (v) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
  function zip(b, kind) {
    b = bytes(b);
    const d = [];
    let i = 0, x = 1, y = 0;
    do {
      const n = min(16384, b.length - i);
      d.push(i + n >= b.length ? 1 : 0, n & 255, n >> 8, ~n & 255, (~n >> 8) & 255, ...b.subarray(i, (i += n)));
    } while (i < b.length);
    if (kind === "raw") return new FB(d);
    if (kind === "gzip") return new FB([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...d, ...le32(crc32(b)), ...le32(b.length)]);
    for (const c of b) (x = (x + c) % 65521), (y = (y + x) % 65521);
    return new FB([0x78, 1, ...d, y >> 8, y & 255, x >> 8, x & 255]);
  }
  const same = (b) => new FB(bytes(b)); // brotli is not emulated
  const zlibMod = { crc32, constants: { Z_NO_FLUSH: 0, Z_SYNC_FLUSH: 2, Z_FINISH: 4, Z_BEST_COMPRESSION: 9 } };
  for (const [n, f, kind] of [["deflate", zip, "zlib"], ["deflateRaw", zip, "raw"], ["gzip", zip, "gzip"], ["inflate", unzip, "zlib"], ["inflateRaw", unzip, "raw"],
    ["gunzip", unzip, "gzip"], ["unzip", unzip, "auto"], ["brotliCompress", same], ["brotliDecompress", same]]) {
    const sync = (zlibMod[n + "Sync"] = (b) => f(b, kind));
    zlibMod[n] = (b, o, cb) => {
      let r, e = null;
      try { r = sync(b); } catch (x) { e = x; }
      soon(isFn(o) ? o : cb, null, e ? [e] : [null, r], "zlib." + n);
    };
    zlibMod["create" + n[0].toUpperCase() + n.slice(1)] = () => {
      const c = [];
      return new Transform({ transform(d, e, cb) { c.push(new FB(bytes(d))); cb(); }, flush(cb) { cb(null, sync(cat(c))); } });
    };
  }

  // ---- os: every query is recorded (host reconnaissance) ----------------------------------------------------------
  const IF = (address, mask, mac, family, cidr) => ({ address, netmask: mask, family, mac, internal: mac[1] === "0", cidr: address + "/" + cidr });
  const MAC = "3c:7c:3f:1d:52:a4", ZMAC = "00:00:00:00:00:00";
  const OS = { hostname: HOST, homedir: HOME, tmpdir: "/tmp", platform: "linux", type: "Linux", arch: "x64", machine: "x86_64", endianness: "LE",
    release: "6.8.0-45-generic", version: "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024", uptime: 351234, totalmem: 17179869184,
    freemem: 9663676416, availableParallelism: 8, loadavg: [0.42, 0.35, 0.3], getPriority: 0,
    userInfo: { uid: 1000, gid: 1000, username: USER, homedir: HOME, shell: "/bin/bash" },
    cpus: Array(8).fill({ model: "Intel(R) Core(TM) i7-10510U CPU @ 1.80GHz", speed: 2304, times: { user: 952100, nice: 1200, sys: 301400, idle: 9123400, irq: 0 } }),
    networkInterfaces: { lo: [IF("127.0.0.1", "255.0.0.0", ZMAC, "IPv4", 8), IF("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ZMAC, "IPv6", 128)],
      wlp2s0: [IF("192.168.1.23", "255.255.255.0", MAC, "IPv4", 24), IF("fe80::3e7c:3fff:fe1d:52a4", "ffff:ffff:ffff:ffff::", MAC, "IPv6", 64)] } };
  const osMod = { EOL: "\n", devNull: "/dev/null", setPriority() {}, constants: { signals: { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }, errno: {}, priority: {} } };
  for (const k of O.keys(OS))
    osMod[k] = (...a) => {
      const v = OS[k], r = v && typeof v === "object" ? JSON.parse(JSON.stringify(v)) : v; // a fresh copy
      emit("environment", "os." + k, a, undefined, typeof r === "object" ? undefined : S(r));
      return r;
    };

  // ---- the file system: in memory, seeded with a home directory and fake secrets ----------------------------------
  const NPM_TOKEN = "npm_Xq3T8b2LrV9mK4pZ7wYc1HfJ6sDgN0eAuQ5i", GH_TOKEN = "ghp_R7tK2mQ9vX4bN8cL1zW5yH3jP6sF0dG2aE4u";
  const AWS_ID = "AKIAIOSFODNN7EXAMPLE", AWS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const SEED = {
    "~/.npmrc": "//registry.npmjs.org/:_authToken=" + NPM_TOKEN + "\nregistry=https://registry.npmjs.org/\n",
    "~/.ssh/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn\n" +
      "NhAAAAAwEAAQAAAYEAx2Jq7ZtW0fA4v9lQm3Kc8rNb1sYpD6uHe5TgXoLi0wR2jMaVd7Bn\n-----END OPENSSH PRIVATE KEY-----\n",
    "~/.ssh/id_rsa.pub": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDHYmrtm1bR8Di/2VCbcpzys1vWxikPq4d7lOBeguLTBHaMxpV3sGfx " + USER + "@" + HOST + "\n",
    "~/.ssh/known_hosts": "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    "~/.aws/credentials": "[default]\naws_access_key_id = " + AWS_ID + "\naws_secret_access_key = " + AWS_KEY + "\n",
    "~/.aws/config": "[default]\nregion = us-east-1\n",
    "~/.gitconfig": "[user]\n\tname = " + USER + "\n\temail = " + USER + "@example.com\n",
    "~/.git-credentials": "https://" + USER + ":" + GH_TOKEN + "@github.com\n",
    "~/.docker/config.json": '{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpodW50ZXIy"}}}\n',
    "~/.bashrc": "# ~/.bashrc\nexport PATH=\"$HOME/.local/bin:$PATH\"\nalias ll='ls -alF'\n",
    "~/.profile": "[ -f ~/.bashrc ] && . ~/.bashrc\n",
    "~/.bash_history": "cd project\ngit pull\nnpm install\n",
    "~/project/package.json": '{\n  "name": "project",\n  "version": "1.0.0",\n  "scripts": { "test": "node test.js" }\n}\n',
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n" + USER + ":x:1000:1000:" + USER + ":" + HOME + ":/bin/bash\n",
    "/etc/hostname": HOST + "\n",
    "/etc/hosts": "127.0.0.1 localhost\n127.0.1.1 " + HOST + "\n",
    "/etc/os-release": 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n',
    [NODE]: "\x7fELF\x02\x01\x01" };
  const files = new Map(), dirs = new Set(["/"]), fds = new Map();
  let nextFd = 20, seeded = false;
  const mkdirs = (d) => { for (; !dirs.has(d); d = dirname(d)) dirs.add(d); };
  const put = (p, b) => (mkdirs(dirname(p)), files.set(p, new FB(b)));
  const exists = (p) => files.has(p) || dirs.has(p);
  // The script's path: set when the run starts (see `A.atStart` at the end).
  let FILENAME = "[eval]";
  function seed() { // on first use
    seeded = true;
    for (const p of O.keys(SEED)) put(p.replace(/^~/, HOME), encode(SEED[p], "latin1"));
    ["~/.cache", "~/.config", "~/.local/bin", "~/project/node_modules", "/tmp", "/usr/bin", "/var/tmp"].forEach((d) => mkdirs(d.replace(/^~/, HOME)));
    if (A.filename !== "<cmdline>") put(FILENAME, none()); // the script itself (its text is not available)
  }
  const ERR = { ENOENT: [2, "no such file or directory"], EISDIR: [21, "illegal operation on a directory"], ENOTDIR: [20, "not a directory"],
    EEXIST: [17, "file already exists"], EBADF: [9, "bad file descriptor"] };
  const fsErr = (code, sys, p) => O.assign(new Error(code + ": " + ERR[code][1] + ", " + sys + " '" + p + "'"), { errno: -ERR[code][0], code, syscall: sys, path: p });
  const need = (p, sys) => { if (!exists(p)) throw fsErr("ENOENT", sys, p); };
  const getFile = (p, sys) => { if (files.has(p)) return files.get(p); throw fsErr(dirs.has(p) ? "EISDIR" : "ENOENT", sys, p); };
  function abs(f) { // the absolute path of a path, file: URL or descriptor
    if (!seeded) seed();
    return typeof f === "number" && fds.has(f) ? fds.get(f).p : f instanceof URL ? unpct(f.pathname) : resolve(f instanceof Uint8Array ? decode(f) : S(f));
  }
  const readEv = (api, a, r) => emit("filesystem_read", api, a, undefined, r);
  const touched = (api, a) => emit("filesystem_write", api, a);
  const written = (api, p, b) => emit("filesystem_write", api, [p, b ? decode(b) : ""], { file: p, content: b && decode(b, "latin1"), content_encoding: b && "latin1" });
  const encOf = (o) => (typeof o === "string" ? o : o && o.encoding) || null;
  function stats(p) {
    const d = dirs.has(p), size = d ? 4096 : files.get(p).length, T = Date.UTC(2024, 8, 2, 9, 30), t = new Date(T), no = () => false;
    return { dev: 2049, ino: 1000 + size, mode: d ? 0o40755 : 0o100644, nlink: 1, uid: 1000, gid: 1000, rdev: 0, size, blksize: 4096, blocks: Math.ceil(size / 512),
      atimeMs: T, mtimeMs: T, ctimeMs: T, birthtimeMs: T, atime: t, mtime: t, ctime: t, birthtime: t, isFile: () => !d, isDirectory: () => d,
      isSymbolicLink: no, isFIFO: no, isSocket: no, isBlockDevice: no, isCharacterDevice: no };
  }
  // Files open for writing are recorded, with all that was written, when closed (or when the run ends).
  const open = new Set();
  function writer(p, api, keep) {
    if (dirs.has(p)) throw fsErr("EISDIR", "open", p);
    if (!keep || !files.has(p)) put(p, none());
    const w = { p, api, parts: [] };
    open.add(w);
    return w;
  }
  const wput = (w, b) => (w.parts.push(new FB(b)), put(w.p, cat([files.get(w.p) || none(), b])));
  const wclose = (w) => open.delete(w) && written(w.api, w.p, files.get(w.p) || cat(w.parts));
  // Each entry serves fs.xSync, fs.x (callback) and fs.promises.x; `api` is the name recorded.
  const FS = {
    readFile(api, f, o) {
      const p = abs(f);
      readEv(api, [p]);
      return out(new FB(getFile(p, "open")), encOf(o));
    },
    writeFile(api, f, d, o) {
      const p = abs(f), b = bytes(d, encOf(o));
      if (dirs.has(p)) throw fsErr("EISDIR", "open", p);
      put(p, o && /a/.test(S(o.flag)) ? cat([files.get(p) || none(), b]) : b);
      written(api, p, files.get(p)); // the file as it now is (appended to, or replaced)
    },
    appendFile(api, f, d, o) {
      const p = abs(f), b = bytes(d, encOf(o));
      put(p, cat([files.get(p) || none(), b]));
      written(api, p, files.get(p));
    },
    access: (api, f) => (readEv(api, [abs(f)]), need(abs(f), "access")),
    exists: (api, f) => (readEv(api, [abs(f)], S(exists(abs(f)))), exists(abs(f))),
    stat(api, f, o) {
      const p = abs(f);
      readEv(api, [p]);
      if (!exists(p) && o && o.throwIfNoEntry === false) return undefined;
      need(p, "stat");
      return stats(p);
    },
    readdir(api, f, o) {
      const p = abs(f), sub = (n) => p.replace(/\/$/, "") + "/" + n;
      readEv(api, [p]);
      if (!dirs.has(p)) throw fsErr(files.has(p) ? "ENOTDIR" : "ENOENT", "scandir", p);
      const names = [...new Set([...files.keys(), ...dirs].filter((x) => x !== "/" && dirname(x) === p).map((x) => basename(x)))].sort();
      return o && o.withFileTypes ? names.map((name) => ({ name, parentPath: p, path: p, isFile: () => files.has(sub(name)), isDirectory: () => dirs.has(sub(name)) })) : names;
    },
    mkdir(api, f, o) {
      const p = abs(f), rec = o === true || (o && o.recursive);
      let first;
      touched(api, [p]);
      if (exists(p) && !rec) throw fsErr("EEXIST", "mkdir", p);
      if (!rec && !dirs.has(dirname(p))) throw fsErr("ENOENT", "mkdir", p);
      for (let d = p; !dirs.has(d); d = dirname(d)) first = d;
      mkdirs(p);
      return rec ? first : undefined;
    },
    mkdtemp(api, prefix) {
      const p = S(prefix) + rnd().toString(36).slice(2, 8);
      touched(api, [p]);
      mkdirs(abs(p));
      return p;
    },
    rm(api, f, o) {
      const p = abs(f);
      touched(api, [p]);
      if (!exists(p) && o && o.force) return;
      need(p, "rm");
      if (dirs.has(p) && !(o && o.recursive)) throw fsErr("EISDIR", "rm", p);
      for (const m of [files, dirs]) for (const k of [...m.keys()]) if (k === p || k.startsWith(p + "/")) m.delete(k);
    },
    rmdir(api, f) {
      if (!dirs.has(abs(f))) throw fsErr(files.has(abs(f)) ? "ENOTDIR" : "ENOENT", "rmdir", abs(f));
      FS.rm(api, f, { recursive: true });
    },
    unlink(api, f) {
      const p = abs(f);
      touched(api, [p]);
      getFile(p, "unlink");
      files.delete(p);
    },
    rename(api, a, b) {
      const p = abs(a), q = abs(b);
      need(p, "rename");
      if (dirs.has(p)) return touched(api, [p, q]), mkdirs(q), FS.rm(api, p, { recursive: true });
      put(q, files.get(p));
      files.delete(p);
      written(api, q, files.get(q));
    },
    // A copy is recorded even from a source this file system lacks (then without content).
    copyFile(api, a, b) {
      const q = abs(b), s = files.get(abs(a));
      put(q, s || none());
      written(api, q, s);
    },
    realpath: (api, f) => (need(abs(f), "realpath"), abs(f)),
    open(api, f, fl = "r") {
      const p = abs(f), flags = typeof fl === "number" ? (fl & 1024 ? "a" : fl & 512 ? "w" : fl & 3 ? "r+" : "r") : S(fl);
      if (flags[0] === "r") readEv(api, [p]), getFile(p, "open");
      fds.set(nextFd, { p, w: /[wa+]/.test(flags) ? writer(p, api, /[ar]/.test(flags)) : null });
      return nextFd++;
    },
    close(api, fd) {
      const f = fds.get(fd);
      if (!f) throw fsErr("EBADF", "close", fd);
      fds.delete(fd);
      if (f.w) wclose(f.w);
    },
    // write(fd, string[, position[, encoding]]) or write(fd, buffer[, offset[, length]])
    write(api, fd, d, a, b) {
      const f = fds.get(fd), x = typeof d === "string" ? bytes(d, typeof b === "string" ? b : null) : bytes(d).subarray(a || 0, b === undefined ? undefined : (a || 0) + b);
      if (!f || !f.w) throw fsErr("EBADF", "write", fd);
      wput(f.w, x);
      return x.length;
    } };
  FS.lstat = FS.stat;
  FS.fstat = (api, fd) => stats(abs(fd));
  for (const n of ["chmod", "chown", "lchown", "utimes", "lutimes", "truncate", "symlink"])
    FS[n] = (api, f, ...a) => (touched(api, [abs(f), ...a.map((x) => (n === "chmod" && typeof x === "number" ? "0o" + x.toString(8) : x))]), need(abs(f), n));
  for (const n of ["fchmod", "fchown", "futimes", "fsync", "fdatasync", "ftruncate"]) FS[n] = () => {};
  function fsModule() {
    const m = { constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024 } };
    const pr = (m.promises = { constants: m.constants });
    for (const n of O.keys(FS)) {
      const f = FS[n];
      m[n + "Sync"] = (...a) => f("fs." + n + "Sync", ...a);
      m[n] = (...a) => {
        const cb = isFn(a[a.length - 1]) ? a.pop() : null;
        let r, e = null;
        try { r = f("fs." + n, ...a); } catch (x) { e = x; }
        soon(cb, undefined, n === "exists" ? [r] : e ? [e] : n === "write" ? [null, r, a[1]] : [null, r], "fs." + n);
      };
      pr[n] = (...a) => new P((ok) => ok(f("fs.promises." + n, ...a)));
    }
    delete pr.exists;
    pr.open = async (f, fl) => { // a FileHandle
      const fd = FS.open("fs.promises.open", f, fl), h = (n, g) => async (...a) => g("fs.FileHandle." + n, fd, ...a);
      return { fd, close: h("close", FS.close), stat: h("stat", FS.fstat), readFile: h("readFile", FS.readFile), chmod: async () => {},
        write: async (d, ...a) => ({ bytesWritten: FS.write("fs.FileHandle.write", fd, d, ...a), buffer: d }),
        writeFile: h("writeFile", (api, fd, d, o) => void FS.write(api, fd, bytes(d, encOf(o)))) };
    };
    m.createWriteStream = (f, o) => {
      const w = writer(abs(f), "fs.createWriteStream", /a/.test(S(o && o.flags)));
      const s = new Writable({ write(c, e, cb) { wput(w, bytes(c, e)); s.bytesWritten += c.length; cb(); }, final(cb) { wclose(w); cb(); } });
      later(() => (fire(s, "open", 3), fire(s, "ready")));
      return O.assign(s, { path: S(f), bytesWritten: 0, pending: false });
    };
    m.createReadStream = (f, o) => {
      const p = abs(f), s = new Readable();
      readEv("fs.createReadStream", [p]);
      if (files.has(p)) s.push(files.get(p)), s.push(null);
      else later(() => fire(s, "error", fsErr("ENOENT", "open", p)));
      if (encOf(o)) s.setEncoding(encOf(o));
      return O.assign(s, { path: S(f) });
    };
    m.watch = () => O.assign(new EventEmitter(), { close() {} });
    return O.assign(m, { watchFile() {}, unwatchFile() {}, ReadStream: Readable, WriteStream: Writable });
  }

  // ---- child_process ----------------------------------------------------------------------------------------------
  const SHELL = /^(sh|bash|zsh|dash|ash|ksh|fish|cmd|powershell|pwsh)$/;
  const progName = (c) => (S(c).trim().replace(/^[("'\s]+/, "").split(/[\s"')]/)[0].split(/[\\/]/).pop() || "").toLowerCase().replace(/\.exe$/, "");
  // Plausible output of a few reconnaissance commands (also behind `sh -c`); anything else prints nothing.
  const version = (v) => (r) => (/^(-v|--version)/.test(r) ? v : "");
  const OUTPUT = { whoami: () => USER, hostname: () => HOST, id: () => "uid=1000(user) gid=1000(user) groups=1000(user),27(sudo)", pwd: () => cwd,
    uname: (r) => (/-a/.test(r) ? "Linux " + HOST + " " + OS.release + " " + OS.version + " x86_64 GNU/Linux" : "Linux"),
    echo: (r) => r.trim().replace(/^(["'])(.*)\1$/, "$2"), node: version(VERSION), npm: version("10.9.0") };
  function cmdOutput(c) {
    c = S(c).trim().replace(/^\S*?\b(sh|bash|cmd(\.exe)?)\s+[-/]c\s+(["']?)(.*)\3$/is, "$4");
    const n = progName(c), o = O.hasOwn(OUTPUT, n) ? OUTPUT[n](c.replace(/^\S+\s*/, "")) : "";
    return o ? o + "\n" : "";
  }
  const started = (api, c) => emit("process", "child_process." + api, [c], { command: c });
  let lastPid = 4300;
  function Child(c, file) {
    const shell = SHELL.test(progName(file));
    O.assign(this, { pid: ++lastPid, spawnfile: S(file), spawnargs: c.split(" "), exitCode: null, signalCode: null, killed: false, connected: false,
      stdout: src(encode(cmdOutput(c))), stderr: src(), stdin: new Writable({ write(d, e, cb) {
        // What is written to a shell's stdin is run as commands.
        if (shell) decode(d).split(/\r?\n/).filter((l) => l.trim()).forEach((l) => started("stdin", l.trim()));
        else emit("process", "ChildProcess.stdin.write", [d]);
        cb();
      } }) });
    this.stdio = [this.stdin, this.stdout, this.stderr];
    // 'exit'/'close' come after the output has been read.
    later(() => (fire(this, "spawn"), later(() => ((this.exitCode = 0), fire(this, "exit", 0, null), fire(this, "close", 0, null)))));
  }
  inherits(Child, EventEmitter);
  O.assign(Child.prototype, { ref() {}, unref() {}, disconnect() {},
    kill(s = "SIGTERM") { emit("process", "ChildProcess.kill", [this.pid, s]); return (this.killed = true); },
    send(m, cb) { emit("process", "ChildProcess.send", [JSON.stringify(m)]); soon(cb, this, [null]); return true; } });
  const cmdLine = (f, a) => [S(f), ...a.map(S)].join(" ");
  const syncOut = (s, o) => (encOf(o) && encOf(o) !== "buffer" ? s : encode(s));
  // Optional arguments: (file[, args][, options][, callback]).
  const fileArgs = (a, o, cb) => (isFn(a) ? [[], {}, a] : !Array.isArray(a) ? [[], a || {}, isFn(o) ? o : cb] : isFn(o) ? [a, {}, o] : [a, o || {}, cb]);
  function runAsync(api, c, file, o, cb) {
    const ch = (started(api, c), new Child(c, file)), s = cmdOutput(c), buf = o && o.encoding === "buffer";
    soon(cb, ch, [null, buf ? encode(s) : s, buf ? none() : ""], "child_process." + api);
    return ch;
  }
  const cpMod = {
    exec: (c, o, cb) => runAsync("exec", S(c), "/bin/sh", isFn(o) ? {} : o, isFn(o) ? o : cb),
    execSync: (c, o) => (started("execSync", S(c)), syncOut(cmdOutput(c), o)),
    execFile: (f, ...r) => { const [a, o, cb] = fileArgs(...r); return runAsync("execFile", cmdLine(f, a), f, o, cb); },
    execFileSync: (f, ...r) => { const [a, o] = fileArgs(...r), c = cmdLine(f, a); return started("execFileSync", c), syncOut(cmdOutput(c), o); },
    spawn: (f, ...r) => { const c = cmdLine(f, fileArgs(...r)[0]); return started("spawn", c), new Child(c, f); },
    spawnSync(f, ...r) {
      const [a, o] = fileArgs(...r), c = cmdLine(f, a), so = syncOut(cmdOutput(c), o), se = syncOut("", o);
      return started("spawnSync", c), { pid: ++lastPid, status: 0, signal: null, output: [null, so, se], stdout: so, stderr: se };
    },
    fork: (m, ...r) => { const c = cmdLine("node " + S(m), fileArgs(...r)[0]); return started("fork", c), O.assign(new Child(c, "node"), { connected: true }); } };
  cpMod.exec[CUSTOM] = (c, o) => new P((ok) => cpMod.exec(c, o, (e, stdout, stderr) => ok({ stdout, stderr })));
  cpMod.execFile[CUSTOM] = (...a) => new P((ok) => cpMod.execFile(...a, (e, stdout, stderr) => ok({ stdout, stderr })));

  // ---- network: http(s), net/tls, dns, fetch ------------------------------------------------------------------------
  const STATUS = { 200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error" };
  // Every request answers 200 with a placeholder: "{}" where JSON is asked for, else a comment that is
  // harmless as HTML, as JavaScript and as a command.
  const answer = (url, accept) => (/json/i.test(S(url).replace(/[?#].*/, "") + S(accept)) ? ["{}", "application/json"] : ["<!-- placeholder -->\n", "text/html"]);
  const fakeIP = (h) => "203.0.113." + (1 + [...S(h)].reduce((x, c) => (x * 31 + c.charCodeAt(0)) % 254, 7));
  const bracket = (h) => (S(h).includes(":") && S(h)[0] !== "[" ? "[" + h + "]" : S(h));
  const server = (api) => {
    const s = new EventEmitter();
    return O.assign(s, { listening: false, ref: () => s, unref: () => s, address: () => ({ address: "0.0.0.0", family: "IPv4", port: 8080 }),
      listen(...a) {
        emit("network", api + ".listen", a.filter((x) => !isFn(x)));
        s.listening = true;
        later(() => (fire(s, "listening"), call(a.find(isFn), s, [], "listen callback")));
        return s;
      }, close: (cb) => (soon(cb, s, []), s) });
  };
  // The URL of request(url[, options]) or request(options): options override the URL's parts.
  function requestURL(scheme, a, b) {
    const u = typeof a === "string" || a instanceof URL ? new URL(S(a)) : null, o = (u ? b : a) || {};
    const f = (k, d) => (o[k] != null && !isFn(o) ? S(o[k]) : d), port = f("port", u ? u.port : "");
    const auth = f("auth", u && u.username ? u.username + (u.password ? ":" + u.password : "") : ""), path = f("path", u ? u.pathname + u.search : "/");
    return f("protocol", u ? u.protocol : scheme + ":") + "//" + (auth ? auth + "@" : "") + bracket(f("hostname", f("host", u ? u.hostname : "localhost"))) +
      (port ? ":" + port : "") + (path[0] === "/" ? "" : "/") + path;
  }
  function ClientRequest(url, method, headers, cb) {
    Writable.call(this);
    O.assign(this, { _url: url, _h: {}, method, path: url.replace(/^[^/]*\/\/[^/]*/, ""), aborted: false, socket: new EventEmitter() });
    for (const k of O.keys(headers || {})) this._h[k.toLowerCase()] = headers[k];
    if (cb) this.once("response", cb);
  }
  inherits(ClientRequest, Writable);
  O.assign(ClientRequest.prototype, {
    _write(c, e, cb) { emit("network", "http.ClientRequest.write", [c], { url: this._url, data: text(c) }); cb(); },
    _final(cb) { // the response comes once the request is complete
      later(() => {
        if (this.aborted) return;
        const [body, type] = answer(this._url, this._h.accept), b = encode(body), res = src(b);
        O.assign(res, { statusCode: 200, statusMessage: "OK", httpVersion: "1.1", complete: true, socket: this.socket, setTimeout() { return this; },
          headers: { "content-type": type, "content-length": S(b.length), connection: "close" } });
        res.rawHeaders = O.entries(res.headers).flat();
        fire(this, "response", res);
      });
      cb();
    },
    setHeader(k, v) { this._h[S(k).toLowerCase()] = v; return this; },
    getHeader(k) { return this._h[S(k).toLowerCase()]; },
    removeHeader(k) { delete this._h[S(k).toLowerCase()]; },
    getHeaders() { return { ...this._h }; },
    abort() { this.destroy(); },
    destroy(e) { this.aborted = true; later(() => (e && fire(this, "error", e), fire(this, "close"))); return this; },
    setTimeout() { return this; }, setNoDelay() {}, setSocketKeepAlive() {}, flushHeaders() {} });
  function httpMod(scheme) {
    function request(api, a, b, c) {
      const url = requestURL(scheme, a, b), o = (typeof a === "string" || a instanceof URL ? b : a) || {}, method = S((!isFn(o) && o.method) || "GET").toUpperCase();
      emit("network", scheme + "." + api, [url, method], { url });
      return new ClientRequest(url, method, !isFn(o) && o.headers, [a, b, c].find(isFn));
    }
    function Agent(o) { this.options = o || {}; }
    Agent.prototype.destroy = () => {};
    return { request: (a, b, c) => request("request", a, b, c), get: (a, b, c) => request("get", a, b, c).end(), createServer: () => server(scheme + ".Server"),
      Agent, globalAgent: new Agent(), ClientRequest, IncomingMessage: Readable, STATUS_CODES: STATUS, METHODS: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"] };
  }
  function Socket(o) {
    Duplex.call(this, o);
    this.connecting = false;
  }
  inherits(Socket, Duplex);
  O.assign(Socket.prototype, {
    // connect(port[, host][, cb]), connect(path[, cb]) or connect(options[, cb]); raw TCP is written tcp://host:port
    connect(...a) {
      const o = a[0] && typeof a[0] === "object" ? a[0] : typeof a[0] === "string" && isNaN(a[0]) ? { path: a[0] } : { port: a[0], host: typeof a[1] === "string" ? a[1] : "" };
      const host = S(o.host || "localhost"), tls = this._tls;
      this._url = o.path ? undefined : "tcp://" + bracket(host) + ":" + S(o.port);
      O.assign(this, { remoteAddress: host, remotePort: +o.port, connecting: true });
      emit("network", tls ? "tls.connect" : "net.connect", o.path ? [o.path] : [host, o.port], { url: this._url });
      if (a.find(isFn)) this.once(tls ? "secureConnect" : "connect", a.find(isFn));
      later(() => ((this.connecting = false), fire(this, "connect"), tls && fire(this, "secureConnect"), fire(this, "ready")));
      return this;
    },
    _write(c, e, cb) { emit("network", "net.Socket.write", [c], { url: this._url, data: text(c) }); cb(); },
    setTimeout() { return this; }, setKeepAlive() { return this; }, setNoDelay() { return this; }, ref() { return this; }, unref() { return this; },
    address: () => ({ address: "192.168.1.23", family: "IPv4", port: 49152 }) });
  const isIPv4 = (s) => /^((25[0-5]|2[0-4]\d|1?\d?\d)(\.(?!$)|$)){4}$/.test(S(s)), isIPv6 = (s) => /^[0-9a-f:]*:[0-9a-f:.]*$/i.test(S(s));
  const connect = (tls) => (...a) => O.assign(new Socket(), { _tls: tls }).connect(...a);
  const netMod = { Socket, Stream: Socket, connect: connect(false), createConnection: connect(false), createServer: () => server("net.Server"),
    isIP: (s) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0), isIPv4, isIPv6 };
  const tlsMod = { connect: connect(true), TLSSocket: Socket, createServer: () => server("tls.Server"), createSecureContext: () => ({}) };

  // dns: every name looked up is recorded and resolves into 203.0.113.0/24.
  const RR = { A: (h) => [fakeIP(h)], AAAA: (h) => ["2001:db8::" + fakeIP(h).split(".")[3]], TXT: () => [["v=spf1 -all"]], CNAME: (h) => [h],
    MX: (h) => [{ exchange: "mail." + h, priority: 10 }], NS: (h) => ["ns1." + h], PTR: (h) => [h], SRV: (h) => [{ name: h, port: 443, priority: 10, weight: 5 }],
    ANY: (h) => [{ type: "A", address: fakeIP(h), ttl: 300 }], SOA: (h) => ({ nsname: "ns1." + h, hostmaster: "hostmaster." + h, serial: 2024090101 }) };
  function lookup(h, o) {
    o = typeof o === "number" ? { family: o } : o || {};
    emit("network", "dns.lookup", [(h = S(h))], { host: h });
    const address = isIPv4(h) || isIPv6(h) ? h : h === "localhost" ? "127.0.0.1" : o.family === 6 || o.family === "IPv6" ? RR.AAAA(h)[0] : fakeIP(h);
    const family = isIPv6(address) ? 6 : 4;
    return o.all ? [[{ address, family }]] : [address, family];
  }
  function resolveRR(api, h, t) {
    emit("network", "dns." + api, [h, t], { host: S(h) });
    if (!O.hasOwn(RR, S(t).toUpperCase())) throw O.assign(new Error("Unknown rrtype: " + t), { code: "ERR_INVALID_ARG_VALUE" });
    return RR[S(t).toUpperCase()](S(h));
  }
  const RESOLVE = { resolve: "", resolve4: "A", resolve6: "AAAA", resolveTxt: "TXT", resolveMx: "MX", resolveCname: "CNAME", resolveNs: "NS",
    resolvePtr: "PTR", resolveSrv: "SRV", resolveSoa: "SOA", resolveAny: "ANY" };
  let dnsServers = ["192.168.1.1"];
  // The callback API (results spread over the callback's arguments) and the promise API (one result).
  function dnsApi(promised) {
    const done = promised ? (f) => new P((ok) => ok(f()[0])) : (f, cb) => { let r, e = null; try { r = f(); } catch (x) { e = x; } soon(cb, null, e ? [e] : [null, ...r]); };
    const m = {
      lookup: (h, o, cb) => done(() => {
        const r = lookup(h, o);
        return promised && r.length > 1 ? [{ address: r[0], family: r[1] }] : r;
      }, isFn(o) ? o : cb),
      reverse: (ip, cb) => done(() => (emit("network", "dns.reverse", [ip]), [[HOST]]), cb),
      getServers: () => dnsServers.slice(), setDefaultResultOrder() {},
      // Custom DNS servers are contacted: recorded like names.
      setServers(s) {
        dnsServers = [...s].map(S);
        for (const x of dnsServers) emit("network", "dns.setServers", [x], { host: x.replace(/^\[(.*)\](:\d+)?$/, "$1").replace(/^([^:]*):\d+$/, "$1") });
      } };
    for (const k of O.keys(RESOLVE)) m[k] = (h, t, cb) => done(() => [resolveRR(k, h, RESOLVE[k] || (typeof t === "string" ? t : "A"))], [t, cb].find(isFn));
    m.Resolver = function Resolver() {};
    m.Resolver.prototype = m;
    return m;
  }
  const dnsMod = O.assign(dnsApi(false), { promises: dnsApi(true) });
  dnsMod.lookup[CUSTOM] = dnsMod.promises.lookup;

  // fetch (also the node-fetch module): the same placeholder answers as http.
  const bodyText = (b) => (b == null ? undefined : typeof b === "object" && !ArrayBuffer.isView(b) && !(b instanceof ArrayBuffer) ? S(b) : text(b));
  class Headers extends Map {
    constructor(h) { super(); for (const [k, v] of h instanceof Map || isFn(h && h[Symbol.iterator]) ? h : O.entries(h || {})) this.set(k, v); }
    get(k) { return super.has(S(k).toLowerCase()) ? super.get(S(k).toLowerCase()) : null; }
    set(k, v) { return super.set(S(k).toLowerCase(), S(v)); }
    has(k) { return super.has(S(k).toLowerCase()); }
    append(k, v) { return this.set(k, v); }
  }
  class Response {
    constructor(body, init = {}) {
      def(this, "_b", body == null ? "" : body);
      O.assign(this, { status: init.status || 200, statusText: init.statusText || "OK", headers: new Headers(init.headers), url: init.url || "", redirected: false });
      this.ok = this.status < 300;
    }
    text() { return P.resolve(text(this._b)); }
    json() { return this.text().then((t) => { try { return JSON.parse(t); } catch (e) { return {}; } }); } // lenient: the script goes on
    arrayBuffer() { return P.resolve(new FB(bytes(this._b)).buffer); }
    bytes() { return P.resolve(new Uint8Array(bytes(this._b))); }
    clone() { return new Response(this._b, this); }
    get body() { return src(bytes(this._b)); }
  }
  function fetch(input, init) {
    init = init || {};
    const url = S(input instanceof URL || typeof input !== "object" || input === null ? input : input.url), method = S(init.method || "GET").toUpperCase();
    emit("network", "fetch", [url, method], { url, data: bodyText(init.body) });
    const [body, type] = answer(url, new Headers(init.headers).get("accept"));
    return new P((ok) => later(() => ok(new Response(body, { url, headers: { "content-type": type } }))));
  }

  // ---- process ----------------------------------------------------------------------------------------------------
  const ENV = { HOME, USER, LOGNAME: USER, SHELL: "/bin/bash", PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "en_US.UTF-8",
    TERM: "xterm-256color", PWD: cwd, INIT_CWD: cwd, NODE, npm_lifecycle_event: "postinstall", npm_node_execpath: NODE,
    npm_config_user_agent: "npm/10.9.0 node/" + VERSION + " linux x64 workspaces/false", npm_config_registry: "https://registry.npmjs.org/",
    NPM_TOKEN, NODE_AUTH_TOKEN: NPM_TOKEN, GITHUB_TOKEN: GH_TOKEN, AWS_ACCESS_KEY_ID: AWS_ID, AWS_SECRET_ACCESS_KEY: AWS_KEY, AWS_DEFAULT_REGION: "us-east-1" };
  // Reads of named variables are recorded (once each); an enumeration is one event, and the reads that
  // follow it in the same turn (a script harvesting everything) are not recorded again.
  const envSeen = new Set();
  let enumerated = null;
  function envRead(t, k) {
    if (typeof k !== "string" || (!O.hasOwn(t, k) && (k in t || k === "toJSON" || k === "then"))) return;
    if ((enumerated && enumerated.delete(k)) || envSeen.has(k)) return;
    envSeen.add(k);
    emit("environment", "process.env", [k], undefined, t[k]);
  }
  const env = new Proxy(O.assign({}, ENV), {
    get: (t, k) => (envRead(t, k), t[k]),
    has: (t, k) => (envRead(t, k), k in t),
    set: (t, k, v) => ((t[k] = typeof k === "symbol" ? v : S(v)), emit("environment", "process.env.set", [k, v]), true),
    ownKeys(t) {
      emit("environment", "process.env (enumerated)", []);
      if (!enumerated) micro(() => (enumerated = null));
      enumerated = new Set(O.keys(t));
      return Reflect.ownKeys(t);
    } });
  // stdout/stderr: whole lines go to the run's output (A.print ends each with a line break).
  function outStream(print, fd) {
    let buf = "";
    const s = new Writable({ write(c, e, cb) {
      const i = (buf += decode(c)).lastIndexOf("\n");
      if (i >= 0) print(buf.slice(0, i)), (buf = buf.slice(i + 1));
      cb();
    } });
    return O.assign(s, { fd, isTTY: false, _flush: () => buf && (print(buf), (buf = "")) });
  }
  const stdout = outStream(A.print, 1), stderr = outStream(A.printErr, 2), ns = () => floor((A.tick() - A.start()) * 1e6) + 5e9;
  const hrtime = (prev) => {
    const t = ns(), s = floor(t / 1e9) - (prev ? prev[0] : 0), n = (t % 1e9) - (prev ? prev[1] : 0);
    return n < 0 ? [s - 1, n + 1e9] : [s, n];
  };
  hrtime.bigint = () => BigInt(ns());
  const memoryUsage = O.assign(() => ({ rss: 45830144, heapTotal: 6012928, heapUsed: 4567890, external: 1402784, arrayBuffers: 10515 }), { rss: () => 45830144 });
  const proc = O.create(EP);
  let exiting = false;
  // The end of the run: 'exit' listeners, then what is still buffered or open.
  function finish(code) {
    if (exiting) return;
    exiting = true;
    fire(proc, "exit", code);
    stdout._flush();
    stderr._flush();
    [...open].forEach(wclose);
  }
  O.assign(proc, { title: "node", version: VERSION, arch: "x64", platform: "linux", pid: 4242, ppid: 4230, execPath: NODE, argv0: "node", execArgv: [],
    argv: [NODE], env, exitCode: undefined, config: { variables: {} }, features: {}, release: { name: "node", lts: "Jod" },
    versions: { node: VERSION.slice(1), v8: "12.4.254.21-node.21", uv: "1.48.0", zlib: "1.3.0.1-motley", modules: "127", openssl: "3.0.15+quic", napi: "9" },
    cwd: () => cwd,
    chdir(d) {
      emit("environment", "process.chdir", [d]);
      cwd = resolve(S(d));
    },
    exit(c) {
      if (c !== undefined) proc.exitCode = c;
      finish(proc.exitCode | 0);
      A.exit(proc.exitCode | 0);
    },
    abort: () => (finish(134), A.exit(134)),
    kill: (pid, sig = "SIGTERM") => (emit("process", "process.kill", [pid, sig]), true),
    nextTick: (fn, ...a) => micro(() => call(fn, undefined, a, "nextTick")),
    hrtime, memoryUsage, uptime: () => (A.tick() - t0) / 1000 + 0.04, cpuUsage: () => ({ user: 38000, system: 9000 }), umask: () => 0o22,
    getuid: () => 1000, geteuid: () => 1000, getgid: () => 1000, getegid: () => 1000, getgroups: () => [1000, 27], emitWarning() {},
    setUncaughtExceptionCaptureCallback() {}, binding: (n) => A.stub("process.binding(" + S(n) + ")", "other"),
    stdout, stderr, stdin: O.assign(src(), { fd: 0, isTTY: false, setRawMode() { return this; } }) });
  A.phase(async () => fire(proc, "beforeExit", proc.exitCode | 0));
  A.phase(async () => {
    finish(proc.exitCode | 0);
    if (proc.exitCode | 0) A.exit(proc.exitCode | 0);
  });

  // ---- require: the built-in modules, files the script wrote, stand-ins for the rest -------------------------------
  class AbortSignal extends EventEmitter {
    constructor() { super(); this.aborted = false; }
    addEventListener(t, f) { this.on(t, f); }
    removeEventListener(t, f) { this.off(t, f); }
    throwIfAborted() { if (this.aborted) throw this.reason; }
    static timeout() { return new AbortSignal(); }
  }
  class AbortController {
    constructor() { this.signal = new AbortSignal(); }
    abort(r) { if (!this.signal.aborted) O.assign(this.signal, { aborted: true, reason: r }), fire(this.signal, "abort"); }
  }
  const assert = (v, m) => { if (!v) throw O.assign(new Error(m || "The expression evaluated to a falsy value"), { name: "AssertionError", code: "ERR_ASSERTION" }); };
  const eqJSON = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  O.assign(assert, { ok: assert, equal: (a, b, m) => assert(a == b, m), strictEqual: (a, b, m) => assert(O.is(a, b), m), notEqual: (a, b, m) => assert(a != b, m),
    deepEqual: (a, b, m) => assert(eqJSON(a, b), m), deepStrictEqual: (a, b, m) => assert(eqJSON(a, b), m), fail: (m) => assert(false, m || "Failed") });
  assert.strict = assert;
  // vm runs code in this global scope (a new context's properties are copied onto it).
  const vmRun = (api) => (code, ctx) => (ctx && typeof ctx === "object" && O.assign(G, ctx), A.runCode(S(code), "vm." + api));
  function Script(code) { this._c = S(code); }
  for (const k of ["runInThisContext", "runInNewContext", "runInContext"]) Script.prototype[k] = function (ctx) { return vmRun(k)(this._c, ctx); };
  const Fn = G.Function; // the driver's hook, which records the code
  const BUILTIN = ("assert async_hooks buffer child_process cluster console constants crypto dgram dns events fs http http2 https inspector module net os path " +
    "perf_hooks process punycode querystring readline stream string_decoder timers tls tty url util v8 vm worker_threads zlib").split(" ");
  const MODS = { fs: fsModule, "fs/promises": () => mod("fs").promises, path: () => pathMod, "path/posix": () => pathMod, os: () => osMod, child_process: () => cpMod,
    http: () => httpMod("http"), https: () => httpMod("https"), net: () => netMod, tls: () => tlsMod, dns: () => dnsMod, "dns/promises": () => dnsMod.promises,
    url: () => urlMod, querystring: () => qs, util: () => utilMod, "util/types": () => types, events: () => EventEmitter, stream: () => Stream,
    "stream/promises": () => Stream.promises, crypto: () => cryptoMod, zlib: () => zlibMod, process: () => proc, console: () => G.console, timers: () => timers,
    buffer: () => ({ Buffer, constants: { MAX_LENGTH: 2 ** 32 }, kMaxLength: 2 ** 32, atob: G.atob, btoa: G.btoa }),
    string_decoder: () => ({ StringDecoder: function StringDecoder(e) { this.write = (b) => decode(bytes(b), e); this.end = (b) => (b ? decode(bytes(b), e) : ""); } }),
    "timers/promises": () => ({ setTimeout: (ms, v) => new P((ok) => A.setTimer(() => ok(v), ms, [], false, "timers/promises")), setImmediate: (v) => P.resolve(v) }),
    assert: () => assert, "assert/strict": () => assert, tty: () => ({ isatty: () => false }), inspector: () => ({ url: () => undefined, open() {}, close() {} }),
    vm: () => ({ Script, runInThisContext: vmRun("runInThisContext"), runInNewContext: vmRun("runInNewContext"), runInContext: vmRun("runInContext"),
      createContext: (o) => o || {}, isContext: () => true, compileFunction: (code, params = []) => apply(Fn, null, [...params, S(code)]) }),
    module: () => ({ builtinModules: BUILTIN, createRequire: () => require, isBuiltin: (n) => BUILTIN.includes(S(n).replace(/^node:/, "")) }),
    worker_threads: () => ({ isMainThread: true, parentPort: null, workerData: null, threadId: 0,
      Worker: function Worker(f, o) {
        emit("process", "worker_threads.Worker", [f]);
        if (o && o.eval) A.runCode(S(f), "worker_threads.Worker");
        return O.assign(new EventEmitter(), { postMessage() {}, terminate: () => P.resolve(0), ref() {}, unref() {} });
      } }),
    "node-fetch": () => O.assign(fetch, { default: fetch, Headers, Response }) };
  const cache = O.create(null), mod = (n) => cache[n] || (cache[n] = MODS[n]());
  function require(id) {
    const name = S(id), n = name.replace(/^node:/, ""), known = O.hasOwn(MODS, n);
    emit("other", "require", [name], undefined, known ? "builtin" : "stub");
    if (known) return mod(n);
    // A JSON or JavaScript file the script wrote is loaded from the file system (and its code recorded).
    const p = /^[./]/.test(n) ? abs(resolve(dirname(FILENAME), n)) : null, f = p && [p, p + ".js", p + ".json"].find((x) => files.has(x));
    if (cache[f || n]) return cache[f || n];
    if (!f) return (cache[n] = A.stub(n, "other"));
    if (f.endsWith(".json")) return (cache[f] = JSON.parse(decode(files.get(f))));
    const m = { exports: {}, filename: f, id: f, loaded: true };
    cache[f] = m.exports;
    A.runCode("(function (exports, require, module, __filename, __dirname) {" + decode(files.get(f)) + "\n})", "require")(m.exports, require, m, f, dirname(f));
    return (cache[f] = m.exports);
  }
  const module = { id: ".", path: dirname(FILENAME), exports: {}, filename: FILENAME, loaded: false, children: [], parent: null, require,
    paths: [cwd + "/node_modules", HOME + "/node_modules", "/home/node_modules", "/node_modules"], _compile: (c) => A.runCode(S(c), "Module._compile") };
  O.assign(require, { resolve: (id) => (BUILTIN.includes(S(id).replace(/^node:/, "")) ? S(id) : resolve(dirname(FILENAME), S(id))), cache: {}, main: module });
  proc.mainModule = module;

  // ---- the globals --------------------------------------------------------------------------------------------------
  const con = G.console, fmt = (a) => { try { return apply(format, null, a); } catch (e) { return a.map(S).join(" "); } };
  con.log = con.info = con.debug = (...a) => A.print(fmt(a));
  con.error = con.warn = (...a) => A.printErr(fmt(a));
  const globals = { global: G, process: proc, Buffer, require, module, exports: module.exports, __filename: FILENAME, __dirname: dirname(FILENAME),
    URL, URLSearchParams, TextEncoder, TextDecoder, fetch, Headers, Response, AbortController, AbortSignal, crypto: webcrypto, ...timers,
    structuredClone: (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v))),
    navigator: { hardwareConcurrency: 8, language: "en-US", platform: "linux", userAgent: "Node.js/22" } };
  for (const k of O.keys(globals)) def(G, k, globals[k]);
  // What depends on the run: the script's path and arguments.
  A.atStart(() => {
    FILENAME = A.filename === "<cmdline>" ? "[eval]" : cwd + "/" + basename(S(A.filename));
    proc.argv = [NODE, FILENAME, ...A.args];
    module.path = dirname(FILENAME);
    module.filename = FILENAME;
    def(G, "__filename", FILENAME);
    def(G, "__dirname", dirname(FILENAME));
    emit("environment", "node", [VERSION, FILENAME]);
  });
}
