// The Node.js environment: Node 22 on Linux running an npm install script (user `user`, home
// /home/user, cwd /home/user/project). It provides the CommonJS globals (require, module, exports,
// __filename, __dirname, global), process, Buffer, URL, TextEncoder/TextDecoder, fetch, and fakes
// of the built-in modules that record what the script does: processes started, files written (an
// in-memory file system seeded with a home directory and fake secrets), HTTP(S) requests and the
// data sent, TCP connections, DNS look-ups. Unknown modules are recording stand-ins (A.stub).
function (A) {
  const G = A.global, S = A.str, emit = A.emit, apply = Reflect.apply, O = Object, P = Promise;
  const isFn = (f) => typeof f === "function", rnd = Math.random, floor = Math.floor;
  const HOME = "/home/user", TMP = "/tmp", USER = "user", HOST = "dev-laptop";
  const NODE = "/usr/local/bin/node", VERSION = "v22.11.0";
  let cwd = HOME + "/project";
  const def = (o, k, v) => O.defineProperty(o, k, { value: v, writable: true, configurable: true });

  // ---- calling the script back ------------------------------------------------------------
  // What a script callback throws is reported (through A.callback), never propagated into the
  // environment; only process.exit()'s signal unwinds, up to the driver.
  function rethrow() {
    throw this;
  }
  function call(fn, self, args, where) {
    if (!isFn(fn)) return;
    try {
      return apply(fn, self, args || none());
    } catch (e) {
      if (A.isExit(e)) throw e;
      A.callback(rethrow, e, [], where || "callback");
    }
  }
  // Called from the driver's timer loop, which must not see the exit signal (it is stopped already).
  const guard = (fn) =>
    function () {
      try {
        return apply(fn, this, arguments);
      } catch (e) {
        if (!A.isExit(e)) throw e;
      }
    };
  // Work that completes "later", like I/O: a 0 ms timer on the virtual clock.
  const later = (fn) => A.setTimer(guard(fn), 0, [], false, "io");
  const then = P.prototype.then, ready = P.resolve();
  const micro = (fn) => apply(then, ready, [guard(fn)]);
  const soon = (cb, self, args, where) => later(() => call(cb, self, args, where));

  // Node's timers return objects (t.unref() is common).
  function Timeout(id) {
    this._id = id;
  }
  Timeout.prototype = { ref() { return this; }, unref() { return this; }, hasRef: () => true, refresh() { return this; },
    close() { A.clearTimer(this._id); return this; }, [Symbol.toPrimitive]() { return this._id; } };
  const timer = (rep, api) => function (fn, delay, ...a) {
    return new Timeout(A.setTimer(isFn(fn) ? guard(fn) : fn, delay, a, rep, api));
  };
  const clear = (t) => A.clearTimer(t instanceof Timeout ? t._id : t);

  // ---- events -------------------------------------------------------------------------------
  const LS = new WeakMap();
  function lst(e, n) {
    let m = LS.get(e);
    if (!m) LS.set(e, (m = new Map()));
    if (n === undefined) return m;
    let l = m.get(n);
    if (!l) m.set(n, (l = []));
    return l;
  }
  function EventEmitter() {}
  const EP = EventEmitter.prototype;
  const addL = (once, front) => function (n, f) {
    lst(this, n)[front ? "unshift" : "push"]({ f, once });
    return this;
  };
  EP.on = EP.addListener = addL(false);
  EP.once = addL(true);
  EP.prependListener = addL(false, true);
  EP.prependOnceListener = addL(true, true);
  EP.off = EP.removeListener = function (n, f) {
    const l = lst(this, n), i = l.findLastIndex((x) => x.f === f);
    if (i >= 0) l.splice(i, 1);
    return this;
  };
  EP.removeAllListeners = function (n) {
    n === undefined ? LS.delete(this) : lst(this).delete(n);
    return this;
  };
  EP.emit = function (n, ...a) {
    const l = lst(this, n);
    if (!l.length) return false;
    for (const x of l.slice()) {
      if (x.once && l.indexOf(x) >= 0) l.splice(l.indexOf(x), 1);
      call(x.f, this, a, "'" + S(n) + "' listener");
    }
    return true;
  };
  EP.listeners = EP.rawListeners = function (n) { return lst(this, n).map((x) => x.f); };
  EP.listenerCount = function (n) { return lst(this, n).length; };
  EP.eventNames = function () { return [...lst(this).keys()].filter((k) => lst(this, k).length); };
  EP.setMaxListeners = function () { return this; };
  EP.getMaxListeners = () => 10;
  O.assign(EventEmitter, { EventEmitter, defaultMaxListeners: 10, errorMonitor: Symbol("events.errorMonitor"),
    once: (e, n) => new P((ok) => e.once(n, (...a) => ok(a))), listenerCount: (e, n) => e.listenerCount(n) });
  function inherits(C, B) {
    O.setPrototypeOf(C.prototype, B.prototype);
    C.super_ = B;
  }

  // ---- Buffer: a Uint8Array with Node's encodings --------------------------------------------
  class FB extends Uint8Array {}
  function Buffer(a, b, c) {
    return typeof a === "number" ? new FB(a) : Buffer.from(a, b, c);
  }
  Buffer.prototype = FB.prototype;
  def(FB.prototype, "constructor", Buffer);
  O.setPrototypeOf(Buffer, Uint8Array); // typed-array methods (subarray, map...) create Buffers
  const ALIAS = { buffer: "utf8", "utf-8": "utf8", binary: "latin1", ascii: "latin1", ucs2: "utf16le", "ucs-2": "utf16le", "utf-16le": "utf16le" };
  const ENCS = ["utf8", "hex", "base64", "base64url", "latin1", "utf16le"];
  function enc(e) {
    const x = e == null ? "utf8" : S(e).toLowerCase(), r = ALIAS[x] || x;
    if (!ENCS.includes(r)) throw new TypeError("Unknown encoding: " + e);
    return r;
  }
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", B64I = {};
  for (let i = 0; i < 64; i++) B64I[B64[i]] = i;
  B64I["-"] = 62;
  B64I._ = 63;
  function utf8(s) {
    const o = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xe000) {
        const d = s.charCodeAt(i + 1);
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) (c = 0x10000 + ((c - 0xd800) << 10) + d - 0xdc00), i++;
        else c = 0xfffd;
      }
      if (c < 0x80) o.push(c);
      else if (c < 0x800) o.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) o.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else o.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return o;
  }
  function chars(units) {
    let s = "";
    for (let i = 0; i < units.length; i += 8192) s += apply(String.fromCharCode, null, units.slice(i, i + 8192));
    return s;
  }
  const cont = (b, i) => (b[i] & 0xc0) === 0x80;
  function unutf8(b) {
    const u = [];
    for (let i = 0; i < b.length; ) {
      const c = b[i];
      let cp = 0xfffd, n = 1;
      if (c < 0x80) cp = c;
      else if (c >= 0xc2 && c < 0xe0 && cont(b, i + 1)) (cp = ((c & 31) << 6) | (b[i + 1] & 63)), (n = 2);
      else if (c >= 0xe0 && c < 0xf0 && cont(b, i + 1) && cont(b, i + 2)) {
        const v = ((c & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63);
        if (v >= 0x800 && (v < 0xd800 || v >= 0xe000)) (cp = v), (n = 3);
      } else if (c >= 0xf0 && c < 0xf5 && cont(b, i + 1) && cont(b, i + 2) && cont(b, i + 3)) {
        const v = ((c & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63);
        if (v >= 0x10000 && v < 0x110000) (cp = v), (n = 4);
      }
      i += n;
      if (cp > 0xffff) u.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + (cp & 1023));
      else u.push(cp);
    }
    return chars(u);
  }
  function encode(s, e) {
    s = S(s);
    const o = [];
    switch (enc(e)) {
      case "hex":
        for (let i = 0; i + 1 < s.length; i += 2) {
          const v = parseInt(s.substr(i, 2), 16);
          if (!/^[0-9a-f]{2}$/i.test(s.substr(i, 2))) break;
          o.push(v);
        }
        return new FB(o);
      case "base64":
      case "base64url": {
        let acc = 0, n = 0;
        for (const ch of s) {
          if (ch === "=") break;
          const v = B64I[ch];
          if (v === undefined) continue;
          acc = ((acc << 6) | v) & 0xffffff;
          if ((n += 6) >= 8) o.push((acc >> (n -= 8)) & 255);
        }
        return new FB(o);
      }
      case "latin1":
        for (let i = 0; i < s.length; i++) o.push(s.charCodeAt(i));
        return new FB(o);
      case "utf16le":
        for (let i = 0; i < s.length; i++) o.push(s.charCodeAt(i) & 255, s.charCodeAt(i) >> 8);
        return new FB(o);
    }
    return new FB(utf8(s));
  }
  function decode(b, e) {
    switch (enc(e)) {
      case "hex":
        return Array.from(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");
      case "base64":
      case "base64url": {
        let s = "";
        for (let i = 0; i < b.length; i += 3) {
          const n = (b[i] << 16) | ((b[i + 1] | 0) << 8) | (b[i + 2] | 0);
          s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < b.length ? B64[n & 63] : "=");
        }
        return enc(e) === "base64" ? s : s.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
      }
      case "latin1":
        return chars(Array.from(b));
      case "utf16le": {
        const u = [];
        for (let i = 0; i + 1 < b.length; i += 2) u.push(b[i] | (b[i + 1] << 8));
        return chars(u);
      }
    }
    return unutf8(b);
  }
  // Bytes of whatever a script writes or sends (a view, not a copy).
  function bytes(d, e) {
    if (typeof d === "string") return encode(d, e === "buffer" ? null : e);
    if (d instanceof ArrayBuffer) return new FB(d);
    if (ArrayBuffer.isView(d)) return new FB(d.buffer, d.byteOffset, d.byteLength);
    return encode(S(d));
  }
  const text = (d) => (typeof d === "string" ? d : decode(bytes(d)));
  O.assign(Buffer, {
    poolSize: 8192,
    from(v, e, len) {
      if (typeof v === "string") return encode(v, e);
      if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer))
        return new FB(v, e | 0, len);
      if (v instanceof DataView) return new FB(new FB(v.buffer, v.byteOffset, v.byteLength));
      if (v && typeof v === "object") {
        if (v.type === "Buffer" && Array.isArray(v.data)) return new FB(v.data);
        if (ArrayBuffer.isView(v) || typeof v.length === "number" || isFn(v[Symbol.iterator])) return new FB(v);
        const p = v.valueOf();
        if (p !== v && p != null) return Buffer.from(p, e, len);
      }
      throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.");
    },
    alloc(n, fill, e) {
      const b = new FB(n);
      return fill === undefined ? b : b.fill(fill, 0, n, e);
    },
    allocUnsafe: (n) => new FB(n),
    allocUnsafeSlow: (n) => new FB(n),
    byteLength: (s, e) => (typeof s === "string" ? encode(s, e).length : s.byteLength),
    isBuffer: (b) => b instanceof FB,
    isEncoding: (e) => { try { return !!enc(e); } catch (x) { return false; } },
    compare: (a, b) => a.compare(b),
    concat(list, total) {
      const n = total === undefined ? list.reduce((s, b) => s + b.length, 0) : total, out = new FB(n);
      let off = 0;
      for (const b of list) {
        if (off >= n) break;
        out.set(b.subarray(0, n - off), off);
        off += Math.min(b.length, n - off);
      }
      return out;
    },
  });
  const BP = FB.prototype, _fill = Uint8Array.prototype.fill, _indexOf = Uint8Array.prototype.indexOf;
  O.assign(BP, {
    toString(e, s, end) { return decode(this.subarray(s || 0, end === undefined ? this.length : end), e); },
    toJSON() { return { type: "Buffer", data: Array.from(this) }; },
    equals(o) { return this.compare(o) === 0; },
    compare(o) {
      for (let i = 0; i < Math.min(this.length, o.length); i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
      return Math.sign(this.length - o.length);
    },
    copy(t, ts = 0, ss = 0, se = this.length) {
      if (ts >= t.length) return 0;
      const src = this.subarray(ss, Math.min(se, ss + t.length - ts));
      t.set(src, ts);
      return src.length;
    },
    slice: Uint8Array.prototype.subarray, // Node's slice shares memory
    write(s, o, l, e) {
      if (typeof o === "string") (e = o), (o = 0), (l = undefined);
      else if (typeof l === "string") (e = l), (l = undefined);
      const b = encode(s, e), n = Math.max(0, Math.min(b.length, this.length - (o | 0), l === undefined ? Infinity : l));
      this.set(b.subarray(0, n), o | 0);
      return n;
    },
    fill(v, s = 0, end = this.length, e) {
      if (typeof s === "string") (e = s), (s = 0), (end = this.length);
      if (typeof v !== "string" && !(v instanceof Uint8Array)) return apply(_fill, this, [v & 255, s, end]);
      const b = typeof v === "string" ? encode(v, e) : v;
      for (let i = s, j = 0; i < end; i++) this[i] = b.length ? b[j++ % b.length] : 0;
      return this;
    },
    indexOf(v, from = 0, e) {
      if (typeof v === "number") return apply(_indexOf, this, [v & 255, from]);
      const n = typeof v === "string" ? encode(v, e) : v;
      outer: for (let i = Math.max(0, from < 0 ? from + this.length : from | 0); i + n.length <= this.length; i++) {
        for (let j = 0; j < n.length; j++) if (this[i + j] !== n[j]) continue outer;
        return i;
      }
      return -1;
    },
    includes(v, f, e) { return this.indexOf(v, f, e) !== -1; },
  });
  BP.toLocaleString = BP.toString;
  for (const [n, size, dv] of [["UInt8", 1, "Uint8"], ["Int8", 1, "Int8"], ["UInt16", 2, "Uint16"], ["Int16", 2, "Int16"],
    ["UInt32", 4, "Uint32"], ["Int32", 4, "Int32"], ["Float", 4, "Float32"], ["Double", 8, "Float64"],
    ["BigUInt64", 8, "BigUint64"], ["BigInt64", 8, "BigInt64"]])
    for (const le of size > 1 ? ["LE", "BE"] : [""]) {
      const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
      BP["read" + n + le] = BP["read" + n.replace("UInt", "Uint") + le] = function (o = 0) { return view(this)["get" + dv](o, le === "LE"); };
      BP["write" + n + le] = BP["write" + n.replace("UInt", "Uint") + le] = function (v, o = 0) {
        view(this)["set" + dv](o, v, le === "LE");
        return o + size;
      };
    }

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s = "") { return new Uint8Array(utf8(S(s))); }
    encodeInto(s, d) {
      const b = utf8(S(s)).slice(0, d.length);
      d.set(b);
      return { read: S(s).length, written: b.length };
    }
  }
  class TextDecoder {
    constructor(e = "utf-8", o) {
      this._e = enc(/1252|iso-8859-1/.test(S(e)) ? "latin1" : e);
      this._bom = !(o && o.ignoreBOM);
    }
    get encoding() { return { utf8: "utf-8", latin1: "windows-1252", utf16le: "utf-16le" }[this._e] || this._e; }
    decode(b) {
      const s = b === undefined ? "" : decode(bytes(b), this._e);
      return this._bom && s[0] === "\ufeff" ? s.slice(1) : s;
    }
  }

  // ---- streams: enough for pipe(), 'data'/'end', async iteration, custom read/write/transform --
  function Readable(o) {
    this._q = [];
    this.readable = true;
    if (o && o.read) this._read = o.read;
    if (o && o.objectMode) this._obj = true;
  }
  inherits(Readable, EventEmitter);
  const RP = Readable.prototype;
  RP._read = function () {};
  RP.push = function (c, e) {
    if (c === null) this._eof = true;
    else this._q.push(typeof c === "string" && !this._obj ? encode(c, e) : c);
    if (this._flowing) this._kick();
    return !this._eof;
  };
  // Data flows once the script consumes the stream ('data'/'end'/'readable' listener, resume, pipe).
  RP._start = function () {
    if (!this._flowing) (this._flowing = true), this._kick();
    return this;
  };
  RP._kick = function () {
    if (this._sched || this._done) return;
    this._sched = true;
    later(() => {
      this._sched = false;
      this._drain();
    });
  };
  RP._drain = function () {
    if (this._done) return;
    if (!this._eof && !this._q.length) call(this._read, this, [16384], "stream read");
    if (this.listenerCount("readable")) {
      if (this._q.length || this._eof) this.emit("readable");
    } else
      while (this._q.length) {
        const c = this._q.shift();
        this.emit("data", this._enc && c instanceof Uint8Array ? decode(c, this._enc) : c);
      }
    if (this._eof && !this._q.length && !this._done) {
      this._done = true;
      this.readable = false;
      this.emit("end");
      this.emit("close");
    }
  };
  RP.read = function () {
    if (!this._q.length) return null;
    if (this._obj) return this._q.shift();
    const b = Buffer.concat(this._q.splice(0));
    return this._enc ? decode(b, this._enc) : b;
  };
  for (const k of ["on", "once", "addListener", "prependListener"])
    RP[k] = function (n, f) {
      apply(EP[k], this, [n, f]);
      if (n === "data" || n === "end" || n === "readable") this._start();
      return this;
    };
  RP.resume = RP._start;
  RP.pause = RP.unpipe = function () { return this; };
  RP.isPaused = () => false;
  RP.setEncoding = function (e) {
    this._enc = enc(e);
    return this;
  };
  RP.pipe = function (d, o) {
    this.on("data", (c) => d.write(c));
    if (!o || o.end !== false) this.on("end", () => isFn(d.end) && d.end());
    if (isFn(d.emit)) d.emit("pipe", this);
    return d;
  };
  RP.destroy = function (e) {
    if (!this._done) (this._done = true), later(() => (e && this.emit("error", e), this.emit("close")));
    return this;
  };
  RP[Symbol.asyncIterator] = function () {
    const got = [], wait = [];
    let end = false;
    const wake = () => wait.splice(0).forEach((f) => f());
    this.on("data", (c) => (got.push(c), wake()));
    this.on("end", () => ((end = true), wake()));
    return { next: () => new P((ok) => {
      const f = () => (got.length ? ok({ value: got.shift(), done: false }) : end ? ok({ done: true }) : wait.push(f));
      f();
    }), return: () => P.resolve({ done: true }), [Symbol.asyncIterator]() { return this; } };
  };
  Readable.from = (it) => {
    const r = new Readable({ objectMode: true });
    (async () => {
      for await (const x of it) r.push(x);
      r.push(null);
    })().catch((e) => r.destroy(e));
    return r;
  };
  const src = (...chunks) => {
    const r = new Readable();
    for (const c of chunks) if (c.length) r.push(c);
    r.push(null);
    return r;
  };

  function Writable(o) {
    this.writable = true;
    if (!o) return;
    if (o.write) this._write = o.write;
    if (o.final) this._final = o.final;
    if (o.objectMode || o.decodeStrings === false) this._obj = true;
  }
  inherits(Writable, EventEmitter);
  const WP = Writable.prototype;
  WP._write = function (c, e, cb) { cb(); };
  WP.write = function (c, e, cb) {
    if (isFn(e)) (cb = e), (e = undefined);
    if (this._ended) return later(() => this.emit("error", new Error("write after end"))), false;
    if (typeof c === "string" && !this._obj) c = encode(c, e);
    call(this._write, this, [c, this._obj ? e : "buffer", (err) => err && later(() => this.emit("error", err))], "stream write");
    if (cb) soon(cb, this, []);
    return true;
  };
  WP.end = function (c, e, cb) {
    if (isFn(c)) (cb = c), (c = null);
    else if (isFn(e)) (cb = e), (e = undefined);
    if (c != null) this.write(c, e);
    if (cb) this.once("finish", cb);
    if (this._ended) return this;
    this._ended = true;
    this.writable = false;
    const fin = () => later(() => (this.emit("finish"), this.emit("close")));
    this._final ? call(this._final, this, [fin], "stream final") : fin();
    return this;
  };
  WP.close = function (cb) {
    this.end();
    if (cb) this.once("close", cb);
  };
  WP.destroy = function () {
    if (!this._ended) (this._ended = true), later(() => this.emit("close"));
    return this;
  };
  WP.cork = WP.uncork = () => {};
  WP.setDefaultEncoding = function () { return this; };

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
    },
  });
  function PassThrough(o) {
    Transform.call(this, o);
  }
  inherits(PassThrough, Transform);
  function finished(s, cb) {
    let n = 0;
    const f = (e) => n++ || call(cb, null, [e || null]);
    s.once("finish", () => f());
    s.once("end", () => f());
    s.once("error", f);
  }
  function pipeline(...s) {
    const cb = isFn(s[s.length - 1]) ? s.pop() : null;
    if (Array.isArray(s[0])) s = s[0];
    for (let i = 0; i + 1 < s.length; i++) s[i].pipe(s[i + 1]);
    if (cb) finished(s[s.length - 1], cb);
    return s[s.length - 1];
  }
  function Stream(o) {
    Readable.call(this, o);
  }
  inherits(Stream, Readable);
  const streamMod = O.assign(Stream, { Stream, Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished,
    promises: { pipeline: (...s) => new P((ok, no) => pipeline(...s, (e) => (e ? no(e) : ok()))), finished: (s) => new P((ok) => finished(s, ok)) } });

  // ---- path (POSIX) ---------------------------------------------------------------------------
  const str = (p, n = "path") => {
    if (typeof p !== "string") throw new TypeError('The "' + n + '" argument must be of type string. Received ' + typeof p);
    return p;
  };
  function segs(p, absolute) {
    const out = [];
    for (const s of p.split("/"))
      if (s === "..") out.length && out[out.length - 1] !== ".." ? out.pop() : absolute || out.push("..");
      else if (s && s !== ".") out.push(s);
    return out;
  }
  function normalize(p) {
    if (!str(p)) return ".";
    const a = p[0] === "/", r = segs(p, a).join("/");
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
    str(p);
    const t = p.length > 1 ? p.replace(/\/+$/, "") : p, i = t.lastIndexOf("/");
    return i < 0 ? "." : i === 0 ? "/" : t.slice(0, i).replace(/\/+$/, "") || "/";
  }
  function basename(p, ext) {
    const b = str(p).replace(/\/+$/, "").split("/").pop();
    return ext && b !== ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
  }
  function extname(p) {
    const b = basename(p), i = b.lastIndexOf(".");
    return i <= 0 || b === ".." ? "" : b.slice(i);
  }
  const pathMod = {
    sep: "/", delimiter: ":", normalize, resolve, dirname, basename, extname,
    join: (...a) => normalize(a.map((x) => str(x)).filter(Boolean).join("/") || "."),
    isAbsolute: (p) => str(p)[0] === "/",
    relative(f, t) {
      const a = segs(resolve(f), true), b = segs(resolve(t), true);
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
    },
    parse(p) {
      const root = str(p)[0] === "/" ? "/" : "", base = basename(p), ext = extname(p), dir = dirname(p);
      return { root, dir: dir === "." && !p.includes("/") ? "" : dir, base, ext, name: ext ? base.slice(0, -ext.length) : base };
    },
    format: (o) => { const d = o.dir || o.root || ""; return d + (d && d !== o.root ? "/" : "") + (o.base || (o.name || "") + (o.ext || "")); },
    toNamespacedPath: (p) => p,
  };
  pathMod.posix = pathMod.win32 = pathMod; // win32 is not emulated separately

  // ---- WHATWG URL and URLSearchParams -------------------------------------------------------------
  const DEFPORT = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21", "file:": "" };
  const special = (u) => O.hasOwn(DEFPORT, u.protocol);
  const pct = (re) => (s) => s.replace(re, (c) => { try { return encodeURIComponent(c); } catch (e) { return "%EF%BF%BD"; } });
  const encPath = pct(/[\0- "#<>?`{}\u{7f}-\u{10ffff}]/gu), encQuery = pct(/[\0- "#<>'\u{7f}-\u{10ffff}]/gu);
  const encHash = pct(/[\0- "<>`\u{7f}-\u{10ffff}]/gu), encUser = pct(/[\0- "#<>?`{}/:;=@[\\\]^|\u{7f}-\u{10ffff}]/gu);
  const bad = () => new TypeError("Invalid URL");
  function authority(u, r) {
    const end = r.search(/[/?#]/), a = end < 0 ? r : r.slice(0, end), at = a.lastIndexOf("@");
    if (at >= 0) {
      const ui = a.slice(0, at), c = ui.indexOf(":");
      u.username = encUser(c < 0 ? ui : ui.slice(0, c));
      u.password = c < 0 ? "" : encUser(ui.slice(c + 1));
    }
    const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(a.slice(at + 1));
    let host = m[1], port = m[2] || "";
    try {
      host = decodeURIComponent(host);
    } catch (e) {}
    host = host.toLowerCase();
    if (/[\0- #%/:<>?@[\\\]^|]/.test(host.replace(/^\[[0-9a-f:.]*\]$/, "")) || (!host && special(u) && u.protocol !== "file:")) throw bad();
    if ((port && !/^\d+$/.test(port)) || +port > 65535) throw bad();
    port = port && S(+port);
    u.hostname = host;
    u.port = port === DEFPORT[u.protocol] ? "" : port;
    u.host = true;
    return end < 0 ? "" : r.slice(end);
  }
  function dots(p) {
    const s = p.split("/").slice(1), out = [];
    s.forEach((x, i) => {
      const last = i === s.length - 1;
      if (/^(\.|%2e){2}$/i.test(x)) out.pop(), last && out.push("");
      else if (/^(\.|%2e)$/i.test(x)) last && out.push("");
      else out.push(x);
    });
    return "/" + out.join("/");
  }
  function tail(u, r) {
    const h = r.indexOf("#");
    if (h >= 0) (u.fragment = encHash(r.slice(h + 1))), (r = r.slice(0, h));
    const q = r.indexOf("?");
    if (q >= 0) (u.query = encQuery(r.slice(q + 1))), (r = r.slice(0, q));
    if (r[0] !== "/" && (u.host || special(u)) && (r || special(u))) r = "/" + r;
    u.pathname = r[0] === "/" ? encPath(dots(r)) : encHash(r);
  }
  function parseURL(input, base) {
    let s = S(input).replace(/^[\0- ]+|[\0- ]+$/g, "").replace(/[\t\n\r]/g, "");
    const u = { protocol: "", username: "", password: "", hostname: "", port: "", pathname: "", query: null, fragment: null, host: false };
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
    let r;
    if (m) {
      u.protocol = m[1].toLowerCase() + ":";
      r = s.slice(m[0].length);
      if (special(u)) r = r.replace(/\\/g, "/");
      if (u.protocol === "file:") (u.host = true), r.startsWith("//") && (r = authority(u, r.slice(2)));
      else if (special(u)) r = authority(u, r.replace(/^\/*/, ""));
      else if (r.startsWith("//")) r = authority(u, r.slice(2));
    } else {
      if (base === undefined) throw bad();
      const b = base instanceof URL ? base._u : parseURL(base);
      O.assign(u, b, { fragment: null, sp: null });
      if (special(b)) s = s.replace(/\\/g, "/");
      if (s.startsWith("//")) (u.username = u.password = u.port = ""), (r = authority(u, special(u) ? s.replace(/^\/*/, "") : s.slice(2)));
      else if (s[0] === "/") r = s;
      else if (s[0] === "?") r = b.pathname + s;
      else if (s[0] === "#" || !s) r = b.pathname + (b.query !== null ? "?" + b.query : "") + s;
      else r = b.pathname.slice(0, b.pathname.lastIndexOf("/") + 1) + s;
      u.query = null;
    }
    tail(u, r);
    return u;
  }
  const hostport = (u) => u.hostname + (u.port ? ":" + u.port : "");
  const href = (u) => u.protocol + (u.host ? "//" + (u.username || u.password ? u.username + (u.password ? ":" + u.password : "") + "@" : "") + hostport(u) : "") +
    u.pathname + (u.query !== null ? "?" + u.query : "") + (u.fragment !== null ? "#" + u.fragment : "");
  class URL {
    constructor(u, base) { def(this, "_u", parseURL(u, base)); }
    get href() { return href(this._u); }
    set href(v) { O.assign(this._u, parseURL(v)); this._sync(); }
    get origin() { return special(this._u) && this._u.protocol !== "file:" ? this._u.protocol + "//" + this.host : "null"; }
    get protocol() { return this._u.protocol; }
    set protocol(v) { const m = /^[a-zA-Z][a-zA-Z0-9+.-]*/.exec(S(v)); if (m) this._u.protocol = m[0].toLowerCase() + ":"; }
    get username() { return this._u.username; }
    set username(v) { this._u.username = encUser(S(v)); }
    get password() { return this._u.password; }
    set password(v) { this._u.password = encUser(S(v)); }
    get host() { return hostport(this._u); }
    set host(v) { this._auth(S(v), true); }
    get hostname() { return this._u.hostname; }
    set hostname(v) { this._auth(S(v).replace(/:.*/, ""), false); }
    get port() { return this._u.port; }
    set port(v) { const p = /^\d*/.exec(S(v))[0]; if (!p) this._u.port = ""; else if (+p < 65536) this._u.port = S(+p) === DEFPORT[this._u.protocol] ? "" : S(+p); }
    get pathname() { return this._u.pathname; }
    set pathname(v) { const t = { ...this._u }; tail(t, S(v).replace(/[?#]/g, encodeURIComponent)); this._u.pathname = t.pathname; }
    get search() { return this._u.query ? "?" + this._u.query : ""; }
    set search(v) { v = S(v).replace(/^\?/, ""); this._u.query = v ? encQuery(v) : null; this._sync(); }
    get hash() { return this._u.fragment ? "#" + this._u.fragment : ""; }
    set hash(v) { v = S(v).replace(/^#/, ""); this._u.fragment = v ? encHash(v) : null; }
    get searchParams() {
      if (!this._u.sp) def((this._u.sp = new URLSearchParams(this.search)), "_u", this._u);
      return this._u.sp;
    }
    _auth(v, port) {
      try {
        const t = { ...this._u };
        authority(t, v.replace(/[/?#].*/, ""));
        this._u.hostname = t.hostname;
        if (port) this._u.port = t.port;
      } catch (e) {}
    }
    _sync() { if (this._u.sp) this._u.sp._l = new URLSearchParams(this.search)._l; }
    toString() { return this.href; }
    toJSON() { return this.href; }
    static canParse(u, b) { try { return !!parseURL(u, b); } catch (e) { return false; } }
  }
  const formEnc = (s) => pct(/[^*\-._0-9A-Za-z ]/gu)(S(s)).replace(/ /g, "+");
  const unpct = (s) => s.replace(/(%[0-9a-f]{2})+/gi, (m) => { try { return decodeURIComponent(m); } catch (e) { return m; } });
  const formDec = (s) => unpct(s.replace(/\+/g, " "));
  class URLSearchParams {
    constructor(init) {
      def(this, "_l", []);
      if (init && typeof init === "object") {
        if (isFn(init[Symbol.iterator])) for (const [k, v] of init) this._l.push([S(k), S(v)]);
        else for (const k of O.keys(init)) this._l.push([k, S(init[k])]);
      } else if (init != null)
        for (const p of S(init).replace(/^\?/, "").split("&")) {
          const i = p.indexOf("=");
          if (p) this._l.push(i < 0 ? [formDec(p), ""] : [formDec(p.slice(0, i)), formDec(p.slice(i + 1))]);
        }
    }
    _up() { if (this._u) this._u.query = this.toString() || null; }
    get size() { return this._l.length; }
    append(k, v) { this._l.push([S(k), S(v)]); this._up(); }
    delete(k, v) { this._l = this._l.filter((x) => x[0] !== S(k) || (v !== undefined && x[1] !== S(v))); this._up(); }
    get(k) { const x = this._l.find((x) => x[0] === S(k)); return x ? x[1] : null; }
    getAll(k) { return this._l.filter((x) => x[0] === S(k)).map((x) => x[1]); }
    has(k, v) { return this._l.some((x) => x[0] === S(k) && (v === undefined || x[1] === S(v))); }
    set(k, v) {
      const i = this._l.findIndex((x) => x[0] === S(k));
      if (i < 0) return this.append(k, v);
      this._l[i][1] = S(v);
      this._l = this._l.filter((x, j) => j <= i || x[0] !== S(k));
      this._up();
    }
    sort() { this._l.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._up(); }
    forEach(f, t) { for (const [k, v] of this._l) f.call(t, v, k, this); }
    keys() { return this._l.map((x) => x[0])[Symbol.iterator](); }
    values() { return this._l.map((x) => x[1])[Symbol.iterator](); }
    entries() { return this._l.map((x) => [x[0], x[1]])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._l.map(([k, v]) => formEnc(k) + "=" + formEnc(v)).join("&"); }
  }

  // querystring and the legacy url API
  const qesc = (s) => pct(/[^A-Za-z0-9\-_.!~*'()]/gu)(S(s));
  const qs = {
    parse(s, sep = "&", eq = "=") {
      const o = O.create(null);
      for (const p of S(s).split(sep)) {
        if (!p) continue;
        const i = p.indexOf(eq), k = formDec(i < 0 ? p : p.slice(0, i)), v = i < 0 ? "" : formDec(p.slice(i + eq.length));
        o[k] = k in o ? [].concat(o[k], v) : v;
      }
      return o;
    },
    stringify(o, sep = "&", eq = "=") {
      const prim = (x) => (["string", "number", "boolean", "bigint"].includes(typeof x) ? S(x) : "");
      return O.keys(o || {}).flatMap((k) => [].concat(o[k]).map((v) => qesc(k) + eq + qesc(prim(v)))).join(sep);
    },
    escape: qesc,
    unescape: unpct,
  };
  qs.decode = qs.parse;
  qs.encode = qs.stringify;
  function urlParse(s, pq) {
    const m = /^(?:([a-z][a-z0-9+.-]*:))?(?:(\/\/)(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(S(s).trim()) || none();
    const host = m[2] ? m[4].toLowerCase() : null, search = m[7] || null, pathname = m[6] || (m[2] ? "/" : null);
    const r = { protocol: m[1] ? m[1].toLowerCase() : null, slashes: m[2] ? true : null, auth: m[3] ? unpct(m[3]) : null,
      host: host === null ? null : host + (m[5] ? ":" + m[5] : ""), port: m[5] || null, hostname: host, hash: m[8] || null, search,
      query: pq ? qs.parse((search || "").slice(1)) : search && search.slice(1), pathname, path: (pathname || "") + (search || "") || null };
    r.href = urlFormat(r);
    return r;
  }
  function urlFormat(o) {
    if (o instanceof URL || typeof o === "string") return S(o);
    let s = o.protocol ? S(o.protocol).replace(/:?$/, ":") : "";
    const host = o.host || (o.hostname ? o.hostname + (o.port ? ":" + o.port : "") : "");
    if (o.slashes || host || /^(https?|ftp|file|wss?):$/.test(s)) s += "//";
    s += (o.auth ? o.auth + "@" : "") + host;
    const p = S(o.pathname || "");
    s += p && p[0] !== "/" && host ? "/" + p : p;
    const q = o.search || (o.query && typeof o.query === "object" ? qs.stringify(o.query) : o.query || "");
    return s + (q && q[0] !== "?" ? "?" : "") + q + (o.hash ? (o.hash[0] === "#" ? "" : "#") + o.hash : "");
  }
  const urlMod = { URL, URLSearchParams, parse: urlParse, format: urlFormat,
    resolve: (f, t) => { try { return new URL(t, new URL(f, "resolve:/")).href.replace(/^resolve:/, ""); } catch (e) { return S(t); } },
    fileURLToPath: (u) => unpct((u instanceof URL ? u : new URL(S(u))).pathname),
    pathToFileURL: (p) => new URL("file://" + encPath(resolve(S(p)))),
    domainToASCII: (d) => S(d).toLowerCase(), domainToUnicode: (d) => S(d),
    urlToHttpOptions: (u) => ({ protocol: u.protocol, hostname: u.hostname, hash: u.hash, search: u.search, pathname: u.pathname,
      path: u.pathname + u.search, href: u.href, port: u.port ? +u.port : undefined }) };

  // ---- util ---------------------------------------------------------------------------------
  function inspect(v, o, depth = 0, seen = []) {
    if (typeof v === "string") return "'" + v.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n") + "'";
    if (typeof v === "bigint") return v + "n";
    if (typeof v === "symbol") return v.toString();
    if (v === null || (typeof v !== "object" && !isFn(v))) return S(v);
    if (isFn(v)) return "[Function: " + (S(v.name) || "(anonymous)") + "]";
    if (seen.includes(v)) return "[Circular *1]";
    if (v instanceof Error) return S(v.stack || v);
    if (v instanceof FB) return "<Buffer " + decode(v.subarray(0, 50), "hex").replace(/(..)(?!$)/g, "$1 ") + (v.length > 50 ? " ... " + (v.length - 50) + " more bytes" : "") + ">";
    if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
    if (v instanceof RegExp || v instanceof URL) return S(v);
    if (depth > 2) return Array.isArray(v) ? "[Array]" : "[Object]";
    const f = (x) => inspect(x, o, depth + 1, seen.concat([v]));
    const list = (open, items, close) => (items.length ? open + " " + items.join(", ") + " " + close : open + close);
    if (Array.isArray(v)) return list("[", v.map(f), "]");
    if (v instanceof Map) return list("Map(" + v.size + ") {", [...v].map(([k, x]) => f(k) + " => " + f(x)), "}");
    if (v instanceof Set) return list("Set(" + v.size + ") {", [...v].map(f), "}");
    const name = O.getPrototypeOf(v) === null ? "[Object: null prototype] " : v.constructor && v.constructor !== O && v.constructor.name ? v.constructor.name + " " : "";
    return name + list("{", O.keys(v).map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : "'" + k + "'") + ": " + f(v[k])), "}");
  }
  inspect.custom = Symbol.for("nodejs.util.inspect.custom");
  function format(f, ...a) {
    const show = (x) => (typeof x === "string" ? x : inspect(x));
    if (typeof f !== "string") return [f, ...a].map(show).join(" ");
    let i = 0;
    const s = f.replace(/%[sdifjoOc%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= a.length) return m;
      const x = a[i++];
      return { s: () => (typeof x === "object" && x ? inspect(x) : typeof x === "bigint" ? x + "n" : S(x)), d: () => S(typeof x === "bigint" ? x + "n" : Number(x)),
        i: () => S(parseInt(x)), f: () => S(parseFloat(x)), j: () => JSON.stringify(x), o: () => inspect(x), O: () => inspect(x), c: () => "" }[m[1]]();
    });
    return [s, ...a.slice(i).map(show)].join(" ");
  }
  const CUSTOM = Symbol.for("nodejs.util.promisify.custom");
  function promisify(f) {
    if (!isFn(f)) throw new TypeError('The "original" argument must be of type function');
    if (isFn(f[CUSTOM])) return f[CUSTOM];
    return function (...a) {
      return new P((ok, no) => apply(f, this, [...a, (e, v) => (e ? no(e) : ok(v))]));
    };
  }
  promisify.custom = CUSTOM;
  const tag = (v) => O.prototype.toString.call(v).slice(8, -1);
  const types = { isPromise: (v) => v instanceof P, isDate: (v) => v instanceof Date, isRegExp: (v) => v instanceof RegExp,
    isNativeError: (v) => v instanceof Error, isUint8Array: (v) => v instanceof Uint8Array, isArrayBuffer: (v) => v instanceof ArrayBuffer,
    isAnyArrayBuffer: (v) => v instanceof ArrayBuffer, isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
    isMap: (v) => v instanceof Map, isSet: (v) => v instanceof Set, isProxy: () => false,
    isAsyncFunction: (v) => tag(v) === "AsyncFunction", isGeneratorFunction: (v) => /Generator/.test(tag(v)) };
  const utilMod = { format, inspect, inherits, promisify, types, TextEncoder, TextDecoder,
    formatWithOptions: (o, ...a) => format(...a),
    callbackify: (f) => function (...a) {
      const cb = a.pop();
      apply(then, P.resolve(apply(f, this, a)), [(v) => soon(cb, null, [null, v]), (e) => soon(cb, null, [e || new Error("rejected")])]);
    },
    deprecate: (f) => f, debuglog: () => () => {}, debug: () => () => {},
    isDeepStrictEqual: (a, b) => { try { return JSON.stringify(a) === JSON.stringify(b); } catch (e) { return a === b; } },
    stripVTControlCharacters: (s) => S(s).replace(/\x1b\[[\d;]*[A-Za-z]/g, ""), styleText: (f, s) => s, toUSVString: (s) => S(s),
    isArray: Array.isArray, isString: (v) => typeof v === "string", isFunction: isFn, isBuffer: (b) => b instanceof FB,
    isObject: (v) => v !== null && typeof v === "object", isPrimitive: (v) => v === null || (typeof v !== "object" && !isFn(v)) };

  // ---- crypto: random bytes and a fake (deterministic, not cryptographic) digest --------------
  const DIGEST = { md5: 16, md4: 16, sha1: 20, ripemd160: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64, "sha3-256": 32, "sha3-512": 64 };
  function fakeHash(b, n) {
    let a = 0x811c9dc5, c = 0x9747b28c;
    for (let i = 0; i < b.length; i++) (a = Math.imul(a ^ b[i], 16777619)), (c = Math.imul(c ^ a, 0x5bd1e995) ^ (c >>> 13));
    const out = new FB(n);
    for (let i = 0; i < n; i++) (a ^= a << 13), (a ^= a >>> 17), (a ^= a << 5), (c = (c + a + b.length) | 0), (out[i] = a ^ c ^ (c >>> 8));
    return out;
  }
  const randomFill = (a) => { for (let i = 0; i < a.length; i++) a[i] = floor(rnd() * 4294967296); return a; };
  const randomBytes = (n, cb) => {
    const b = randomFill(new FB(n));
    return isFn(cb) ? void soon(cb, null, [null, b]) : b;
  };
  const out = (b, e) => (e && e !== "buffer" ? decode(b, e) : b);
  function Hash(alg, key) {
    this._n = DIGEST[S(alg).toLowerCase().replace(/^rsa-/, "")] || 32;
    this._c = key === undefined ? [] : [bytes(key)];
  }
  Hash.prototype = { update(d, e) { this._c.push(new FB(bytes(d, e))); return this; },
    digest(e) { return out(fakeHash(Buffer.concat(this._c), this._n), e); }, copy() { return O.assign(new Hash(), { _n: this._n, _c: this._c.slice() }); } };
  // Ciphers are recorded and pass data through unchanged.
  function Cipher(api, alg) {
    emit("other", "crypto." + api, [alg]);
  }
  Cipher.prototype = { update: (d, ie, oe) => out(bytes(d, ie), oe), final: (e) => out(new FB(0), e), getAuthTag: () => new FB(16),
    setAutoPadding() { return this; }, setAAD() { return this; }, setAuthTag() { return this; } };
  const uuid = () => "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => ((c === "x" ? 0 : 8) + floor(rnd() * (c === "x" ? 16 : 4))).toString(16));
  const webcrypto = { getRandomValues: randomFill, randomUUID: uuid, subtle: A.stub("crypto.subtle", "other") };
  const derive = (p, s, n) => fakeHash(Buffer.concat([bytes(p), bytes(s)]), n);
  const cryptoMod = { randomBytes, pseudoRandomBytes: randomBytes, randomUUID: uuid, getRandomValues: randomFill, webcrypto, subtle: webcrypto.subtle,
    randomFillSync: randomFill, randomInt(a, b, cb) {
      if (b === undefined || isFn(b)) (cb = b), (b = a), (a = 0);
      const r = a + floor(rnd() * (b - a));
      return isFn(cb) ? void soon(cb, null, [null, r]) : r;
    },
    createHash: (a) => new Hash(a), createHmac: (a, k) => new Hash(a, k), hash: (a, d, e = "hex") => new Hash(a).update(d).digest(e),
    createCipheriv: (a) => new Cipher("createCipheriv", a), createDecipheriv: (a) => new Cipher("createDecipheriv", a),
    createCipher: (a) => new Cipher("createCipher", a), createDecipher: (a) => new Cipher("createDecipher", a),
    publicEncrypt: (k, b) => new FB(bytes(b)), privateDecrypt: (k, b) => new FB(bytes(b)),
    pbkdf2Sync: (p, s, i, n) => derive(p, s, n), pbkdf2: (p, s, i, n, d, cb) => soon(cb, null, [null, derive(p, s, n)]),
    scryptSync: (p, s, n) => derive(p, s, n), scrypt: (p, s, n, o, cb) => soon(isFn(o) ? o : cb, null, [null, derive(p, s, n)]),
    timingSafeEqual: (a, b) => Buffer.from(a).equals(Buffer.from(b)), getHashes: () => O.keys(DIGEST),
    getCiphers: () => ["aes-128-cbc", "aes-256-cbc", "aes-256-gcm", "chacha20-poly1305"], constants: {} };

  // ---- zlib: a real inflater; compressing writes stored (uncompressed) deflate blocks ---------
  const LB = [], LE = [], DB = [], DE = [], ORD = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  for (let i = 0, b = 3; i < 29; i++) (LE[i] = i < 8 || i === 28 ? 0 : (i - 4) >> 2), (LB[i] = i === 28 ? 258 : b), (b += 1 << LE[i]);
  for (let i = 0, b = 1; i < 30; i++) (DE[i] = i < 4 ? 0 : (i - 2) >> 1), (DB[i] = b), (b += 1 << DE[i]);
  const zerr = (m) => O.assign(new Error(m), { code: "Z_DATA_ERROR", errno: -3 });
  function huff(lens) {
    const count = new Uint16Array(16), sym = new Uint16Array(lens.length), offs = new Uint16Array(16);
    for (const l of lens) count[l]++;
    count[0] = 0;
    for (let i = 1; i < 16; i++) offs[i] = offs[i - 1] + count[i - 1];
    lens.forEach((l, i) => l && (sym[offs[l]++] = i));
    return { count, sym };
  }
  let fixed;
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
        const c = h.count[len];
        if (code - c < first) return h.sym[index + code - first];
        index += c;
        first = (first + c) << 1;
      }
      throw zerr("invalid code");
    };
    while (!last) {
      last = bits(1);
      const type = bits(2);
      if (type === 0) {
        bb = bc = 0;
        const n = b[p] | (b[p + 1] << 8);
        if ((p += 4) + n > b.length) throw zerr("unexpected end of file");
        for (let i = 0; i < n; i++) o.push(b[p++]);
        continue;
      }
      if (type === 3) throw zerr("invalid block type");
      let lt, dt;
      if (type === 1) {
        fixed = fixed || [huff(Array.from({ length: 288 }, (x, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8))), huff(Array(30).fill(5))];
        [lt, dt] = fixed;
      } else {
        const nl = bits(5) + 257, nd = bits(5) + 1, nc = bits(4) + 4, cl = Array(19).fill(0), l = [];
        for (let i = 0; i < nc; i++) cl[ORD[i]] = bits(3);
        const ch = huff(cl);
        while (l.length < nl + nd) {
          const s = dec(ch);
          if (s < 16) l.push(s);
          else for (let i = 0, [n, v] = s === 16 ? [3 + bits(2), l[l.length - 1] | 0] : s === 17 ? [3 + bits(3), 0] : [11 + bits(7), 0]; i < n; i++) l.push(v);
        }
        (lt = huff(l.slice(0, nl))), (dt = huff(l.slice(nl, nl + nd)));
      }
      for (let s; (s = dec(lt)) !== 256; ) {
        if (s < 256) {
          o.push(s);
          continue;
        }
        if ((s -= 257) >= 29) throw zerr("invalid literal/length code");
        const len = LB[s] + bits(LE[s]), d = dec(dt), dist = DB[d] + bits(DE[d]);
        if (dist > o.length) throw zerr("invalid distance too far back");
        for (let k = 0; k < len; k++) o.push(o[o.length - dist]);
      }
    }
    return new FB(o);
  }
  function unzip(b, kind) {
    b = bytes(b);
    const gz = b[0] === 0x1f && b[1] === 0x8b;
    if (kind === "gzip" || (kind === "auto" && gz)) {
      if (!gz) throw zerr("incorrect header check");
      let p = 10;
      if (b[3] & 4) p += 2 + (b[p] | (b[p + 1] << 8));
      if (b[3] & 8) while (b[p++]);
      if (b[3] & 16) while (b[p++]);
      return inflateRaw(b.subarray(p + (b[3] & 2)));
    }
    if (kind === "raw") return inflateRaw(b);
    if (((b[0] << 8) | b[1]) % 31 || (b[0] & 15) !== 8) throw zerr("incorrect header check");
    return inflateRaw(b.subarray(2));
  }
  const crcT = Array.from({ length: 256 }, (x, n) => { for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1; return n >>> 0; });
  const crc32 = (b, c = 0) => { b = bytes(b); c = ~c; for (let i = 0; i < b.length; i++) c = crcT[(c ^ b[i]) & 255] ^ (c >>> 8); return ~c >>> 0; };
  const le32 = (v) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
  function zip(b, kind) {
    b = bytes(b);
    const d = [];
    let i = 0;
    do {
      const n = Math.min(16384, b.length - i);
      d.push(i + n >= b.length ? 1 : 0, n & 255, n >> 8, ~n & 255, (~n >> 8) & 255, ...b.subarray(i, (i += n)));
    } while (i < b.length);
    if (kind === "raw") return new FB(d);
    if (kind === "gzip") return new FB([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...d, ...le32(crc32(b)), ...le32(b.length)]);
    let x = 1, y = 0;
    for (const c of b) (x = (x + c) % 65521), (y = (y + x) % 65521);
    return new FB([0x78, 1, ...d, y >> 8, y & 255, x >> 8, x & 255]);
  }
  const zlibMod = { crc32, constants: { Z_NO_FLUSH: 0, Z_SYNC_FLUSH: 2, Z_FINISH: 4, Z_BEST_COMPRESSION: 9 } };
  for (const [n, f, kind] of [["deflate", zip, "zlib"], ["deflateRaw", zip, "raw"], ["gzip", zip, "gzip"], ["inflate", unzip, "zlib"],
    ["inflateRaw", unzip, "raw"], ["gunzip", unzip, "gzip"], ["unzip", unzip, "auto"],
    ["brotliCompress", (b) => new FB(bytes(b))], ["brotliDecompress", (b) => new FB(bytes(b))]]) { // brotli: not emulated
    const sync = (zlibMod[n + "Sync"] = (b) => f(b, kind));
    zlibMod[n] = (b, o, cb) => {
      let r, e = null;
      try { r = sync(b); } catch (x) { e = x; }
      soon(isFn(o) ? o : cb, null, e ? [e] : [null, r], "zlib." + n);
    };
    zlibMod["create" + n[0].toUpperCase() + n.slice(1)] = () => {
      const c = [];
      return new Transform({ transform(d, e, cb) { c.push(new FB(bytes(d))); cb(); }, flush(cb) { cb(null, sync(Buffer.concat(c))); } });
    };
  }

  // ---- os -----------------------------------------------------------------------------------
  const IF = (a, nm, mac, fam, internal, cidr) => ({ address: a, netmask: nm, family: fam, mac, internal, cidr: a + "/" + cidr });
  const MAC = "3c:7c:3f:1d:52:a4";
  const OS = {
    hostname: HOST, homedir: HOME, tmpdir: TMP, platform: "linux", type: "Linux", arch: "x64", machine: "x86_64", endianness: "LE",
    release: "6.8.0-45-generic", version: "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024",
    uptime: 351234, totalmem: 17179869184, freemem: 9663676416, availableParallelism: 8, loadavg: [0.42, 0.35, 0.3], getPriority: 0,
    userInfo: { uid: 1000, gid: 1000, username: USER, homedir: HOME, shell: "/bin/bash" },
    cpus: Array(8).fill({ model: "Intel(R) Core(TM) i7-10510U CPU @ 1.80GHz", speed: 2304, times: { user: 952100, nice: 1200, sys: 301400, idle: 9123400, irq: 0 } }),
    networkInterfaces: {
      lo: [IF("127.0.0.1", "255.0.0.0", "00:00:00:00:00:00", "IPv4", true, 8), IF("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "00:00:00:00:00:00", "IPv6", true, 128)],
      wlp2s0: [IF("192.168.1.23", "255.255.255.0", MAC, "IPv4", false, 24), IF("fe80::3e7c:3fff:fe1d:52a4", "ffff:ffff:ffff:ffff::", MAC, "IPv6", false, 64)],
    },
  };
  const osMod = { EOL: "\n", devNull: "/dev/null", setPriority() {},
    constants: { signals: { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 }, errno: {}, priority: {} } };
  // Every query is recorded (host reconnaissance); results are fresh copies.
  for (const k of O.keys(OS))
    osMod[k] = function () {
      const v = OS[k], r = v && typeof v === "object" ? JSON.parse(JSON.stringify(v)) : v;
      emit("environment", "os." + k, [...arguments], undefined, typeof r === "object" ? undefined : S(r));
      return r;
    };

  // ---- the file system: in memory, seeded with a home directory and fake secrets --------------
  const NPM_TOKEN = "npm_Xq3T8b2LrV9mK4pZ7wYc1HfJ6sDgN0eAuQ5i", GH_TOKEN = "ghp_R7tK2mQ9vX4bN8cL1zW5yH3jP6sF0dG2aE4u";
  const AWS_ID = "AKIAIOSFODNN7EXAMPLE", AWS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const KEY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn\nNhAAAAAwEAAQAAAYEAx2Jq7ZtW0fA4v9lQm3Kc8rNb1sYpD6uHe5TgXoLi0wR2jMaVd7Bn\n";
  const home = (p) => HOME + "/" + p;
  const SEED = {
    [home(".npmrc")]: "//registry.npmjs.org/:_authToken=" + NPM_TOKEN + "\nregistry=https://registry.npmjs.org/\n",
    [home(".ssh/id_rsa")]: "-----BEGIN OPENSSH PRIVATE KEY-----\n" + KEY + "-----END OPENSSH PRIVATE KEY-----\n",
    [home(".ssh/id_rsa.pub")]: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDHYmrtm1bR8Di/2VCbcpzys1vWxikPq4d7lOBeguLTBHaMxpV3sGfx " + USER + "@" + HOST + "\n",
    [home(".ssh/known_hosts")]: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    [home(".aws/credentials")]: "[default]\naws_access_key_id = " + AWS_ID + "\naws_secret_access_key = " + AWS_KEY + "\n",
    [home(".aws/config")]: "[default]\nregion = us-east-1\n",
    [home(".gitconfig")]: "[user]\n\tname = " + USER + "\n\temail = " + USER + "@example.com\n",
    [home(".git-credentials")]: "https://" + USER + ":" + GH_TOKEN + "@github.com\n",
    [home(".docker/config.json")]: '{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpodW50ZXIy"}}}\n',
    [home(".bashrc")]: "# ~/.bashrc\nexport PATH=\"$HOME/.local/bin:$PATH\"\nalias ll='ls -alF'\n",
    [home(".profile")]: "# ~/.profile\n[ -f ~/.bashrc ] && . ~/.bashrc\n",
    [home(".bash_history")]: "cd project\ngit pull\nnpm install\n",
    [home("project/package.json")]: '{\n  "name": "project",\n  "version": "1.0.0",\n  "scripts": { "test": "node test.js" }\n}\n',
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" + USER + ":x:1000:1000:" + USER + ":" + HOME + ":/bin/bash\n",
    "/etc/hostname": HOST + "\n",
    "/etc/hosts": "127.0.0.1 localhost\n127.0.1.1 " + HOST + "\n",
    "/etc/os-release": 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n',
    [NODE]: "\x7fELF\x02\x01\x01",
  };
  const files = new Map(), dirs = new Set(["/"]), links = new Map(), fds = new Map(), none = () => new FB(0);
  let nextFd = 20;
  const mkdirs = (d) => { for (; !dirs.has(d); d = dirname(d)) dirs.add(d); };
  const put = (p, b) => (mkdirs(dirname(p)), files.set(p, new FB(b)));
  const exists = (p) => files.has(p) || dirs.has(p);
  for (const p of O.keys(SEED)) put(p, encode(SEED[p], "latin1"));
  [home(".cache"), home(".config"), home(".local/bin"), home("project/node_modules"), TMP, "/usr/bin", "/var/tmp"].forEach(mkdirs);
  const FILENAME = A.filename === "<cmdline>" ? "[eval]" : cwd + "/" + basename(S(A.filename));
  if (A.filename !== "<cmdline>") put(FILENAME, new FB(0)); // the script itself (its text is not available)
  const ERR = { ENOENT: [2, "no such file or directory"], EISDIR: [21, "illegal operation on a directory"], ENOTDIR: [20, "not a directory"],
    EEXIST: [17, "file already exists"], EBADF: [9, "bad file descriptor"], EINVAL: [22, "invalid argument"], ENOTEMPTY: [39, "directory not empty"] };
  const fsErr = (code, sys, p) => O.assign(new Error(code + ": " + ERR[code][1] + ", " + sys + " '" + p + "'"), { errno: -ERR[code][0], code, syscall: sys, path: p });
  const need = (p, sys) => { if (!exists(p)) throw fsErr("ENOENT", sys, p); };
  const getFile = (p, sys) => { if (files.has(p)) return files.get(p); throw fsErr(dirs.has(p) ? "EISDIR" : "ENOENT", sys, p); };
  function abs(f) {
    if (typeof f === "number" && fds.has(f)) return fds.get(f).p;
    if (f instanceof URL) return unpct(f.pathname);
    return resolve(f instanceof Uint8Array ? decode(f) : S(f));
  }
  const readEv = (api, a, r) => emit("filesystem_read", api, a, undefined, r);
  const touched = (api, a) => emit("filesystem_write", api, a);
  const written = (api, p, b) => emit("filesystem_write", api, [p, b ? decode(b) : ""], { file: p, content: b && decode(b, "latin1"), content_encoding: b && "latin1" });
  const encOf = (o) => (typeof o === "string" ? o : o && o.encoding) || null;
  const children = (d) => [...new Set([...files.keys(), ...dirs].filter((x) => x !== "/" && dirname(x) === d).map((x) => basename(x)))].sort();
  const T = Date.UTC(2024, 8, 2, 9, 30), no = () => false;
  function stats(p) {
    const d = dirs.has(p), size = d ? 4096 : files.get(p).length, t = new Date(T);
    return { dev: 2049, ino: 1000 + size, mode: d ? 0o40755 : 0o100644, nlink: 1, uid: 1000, gid: 1000, rdev: 0, size, blksize: 4096,
      blocks: Math.ceil(size / 512), atimeMs: T, mtimeMs: T, ctimeMs: T, birthtimeMs: T, atime: t, mtime: t, ctime: t, birthtime: t,
      isFile: () => !d, isDirectory: () => d, isSymbolicLink: () => links.has(p), isFIFO: no, isSocket: no, isBlockDevice: no, isCharacterDevice: no };
  }
  // Files open for writing are recorded, with everything written, when closed (or when the run ends).
  const open = new Set();
  function writer(p, api, keep) {
    if (dirs.has(p)) throw fsErr("EISDIR", "open", p);
    if (!keep || !files.has(p)) put(p, []);
    const w = { p, api, parts: [] };
    open.add(w);
    return w;
  }
  const wput = (w, b) => (w.parts.push(new FB(b)), put(w.p, Buffer.concat([files.get(w.p) || none(), b])));
  const wclose = (w) => open.delete(w) && written(w.api, w.p, Buffer.concat(w.parts));
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
      put(p, o && /a/.test(S(o.flag)) && files.has(p) ? Buffer.concat([files.get(p), b]) : b);
      written(api, p, b);
    },
    appendFile(api, f, d, o) {
      const p = abs(f), b = bytes(d, encOf(o));
      put(p, Buffer.concat([files.get(p) || none(), b]));
      written(api, p, b);
    },
    access(api, f) {
      const p = abs(f);
      readEv(api, [p]);
      need(p, "access");
    },
    exists(api, f) {
      const p = abs(f);
      readEv(api, [p], S(exists(p)));
      return exists(p);
    },
    stat(api, f, o) {
      const p = abs(f);
      readEv(api, [p]);
      if (!exists(p) && o && o.throwIfNoEntry === false) return undefined;
      need(p, "stat");
      return stats(p);
    },
    readdir(api, f, o) {
      const p = abs(f);
      readEv(api, [p]);
      if (!dirs.has(p)) throw fsErr(files.has(p) ? "ENOTDIR" : "ENOENT", "scandir", p);
      const d = (n) => { const q = p + (p === "/" ? "" : "/") + n; return { name: n, parentPath: p, path: p, isFile: () => files.has(q), isDirectory: () => dirs.has(q), isSymbolicLink: () => links.has(q) }; };
      return o && o.withFileTypes ? children(p).map(d) : children(p);
    },
    mkdir(api, f, o) {
      const p = abs(f), rec = o === true || (o && o.recursive);
      touched(api, [p]);
      if (exists(p)) {
        if (rec) return undefined;
        throw fsErr("EEXIST", "mkdir", p);
      }
      if (!rec && !dirs.has(dirname(p))) throw fsErr("ENOENT", "mkdir", p);
      let first;
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
      for (const m of [files, links]) for (const k of [...m.keys()]) if (k === p || k.startsWith(p + "/")) m.delete(k);
      for (const k of [...dirs]) if (k === p || k.startsWith(p + "/")) dirs.delete(k);
    },
    rmdir(api, f, o) {
      const p = abs(f);
      if (!dirs.has(p)) throw fsErr(files.has(p) ? "ENOTDIR" : "ENOENT", "rmdir", p);
      FS.rm(api, p, { recursive: true });
    },
    unlink(api, f) {
      const p = abs(f);
      touched(api, [p]);
      getFile(p, "unlink");
      files.delete(p);
      links.delete(p);
    },
    rename(api, a, b) {
      const p = abs(a), q = abs(b);
      need(p, "rename");
      if (dirs.has(p)) return touched(api, [p, q]), mkdirs(q), FS.rm(api, p, { recursive: true });
      put(q, files.get(p));
      files.delete(p);
      written(api, q, files.get(q));
    },
    // Copies are recorded even from a source this file system lacks (then without content).
    copyFile(api, a, b) {
      const q = abs(b), s = files.get(abs(a));
      put(q, s || none());
      written(api, q, s);
    },
    cp(api, a, b) {
      const p = abs(a), q = abs(b);
      if (!dirs.has(p)) return FS.copyFile(api, p, q);
      for (const k of [...files.keys()]) if (k.startsWith(p + "/")) FS.copyFile(api, k, q + k.slice(p.length));
    },
    symlink(api, t, f) {
      const p = abs(f);
      put(p, files.get(resolve(dirname(p), S(t))) || none());
      links.set(p, S(t));
      written(api, p);
    },
    link: (api, a, b) => FS.copyFile(api, a, b),
    readlink(api, f) {
      const p = abs(f);
      readEv(api, [p]);
      if (!links.has(p)) throw fsErr(exists(p) ? "EINVAL" : "ENOENT", "readlink", p);
      return links.get(p);
    },
    realpath(api, f) {
      const p = abs(f);
      need(p, "realpath");
      return p;
    },
    truncate(api, f, n = 0) {
      const p = abs(f);
      touched(api, [p, n]);
      put(p, getFile(p, "open").subarray(0, n));
    },
    open(api, f, fl = "r") {
      const p = abs(f), flags = typeof fl === "number" ? (fl & 1024 ? "a" : fl & 512 ? "w" : fl & 3 ? "r+" : "r") : S(fl), fd = nextFd++;
      if (flags[0] === "r") readEv(api, [p]), getFile(p, "open");
      fds.set(fd, { p, pos: 0, w: /[wa+]/.test(flags) ? writer(p, api, /a|r/.test(flags)) : null });
      return fd;
    },
    close(api, fd) {
      const f = fds.get(fd);
      if (!f) throw fsErr("EBADF", "close", fd);
      fds.delete(fd);
      if (f.w) wclose(f.w);
    },
    write(api, fd, d, ...a) {
      const f = fds.get(fd);
      if (!f || !f.w) throw fsErr("EBADF", "write", fd);
      const b = typeof d === "string" ? bytes(d, typeof a[1] === "string" ? a[1] : null) : bytes(d).subarray(a[0] || 0, a[1] === undefined ? undefined : (a[0] || 0) + a[1]);
      wput(f.w, b);
      return b.length;
    },
    read(api, fd, buf, off = 0, len, pos) {
      const f = fds.get(fd);
      if (!f) throw fsErr("EBADF", "read", fd);
      const s = files.get(f.p) || none(), at = typeof pos === "number" && pos >= 0 ? pos : f.pos;
      const n = Math.max(0, Math.min(len === undefined ? buf.length - off : len, s.length - at, buf.length - off));
      buf.set(s.subarray(at, at + n), off);
      f.pos = at + n;
      readEv(api, [f.p], S(n));
      return n;
    },
  };
  FS.fstat = (api, fd) => (fds.has(fd) ? stats(fds.get(fd).p) : FS.stat(api, fd));
  FS.lstat = FS.stat;
  for (const n of ["chmod", "chown", "lchown", "utimes", "lutimes"])
    FS[n] = (api, f, ...a) => {
      const p = abs(f);
      touched(api, [p, ...a.map((x) => (typeof x === "number" && n === "chmod" ? "0o" + x.toString(8) : x))]);
      need(p, n);
    };
  for (const n of ["fchmod", "fchown", "futimes", "fsync", "fdatasync", "ftruncate"]) FS[n] = () => {};
  const fileHandle = (fd) => ({ fd, close: async () => FS.close("fs.FileHandle.close", fd), stat: async () => FS.fstat("", fd),
    write: async (d, ...a) => ({ bytesWritten: FS.write("fs.FileHandle.write", fd, d, ...a), buffer: d }),
    writeFile: async (d, o) => void FS.write("fs.FileHandle.writeFile", fd, bytes(d, encOf(o))),
    appendFile: async (d, o) => void FS.write("fs.FileHandle.appendFile", fd, bytes(d, encOf(o))),
    readFile: async (o) => FS.readFile("fs.FileHandle.readFile", fd, o), chmod: async () => {}, sync: async () => {} });
  function fsModule() {
    const m = { constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024, COPYFILE_EXCL: 1 } };
    const pr = (m.promises = { constants: m.constants });
    for (const n of O.keys(FS)) {
      const f = FS[n];
      m[n + "Sync"] = (...a) => f("fs." + n + "Sync", ...a);
      m[n] = (...a) => {
        const cb = isFn(a[a.length - 1]) ? a.pop() : null;
        let r, e = null;
        try { r = f("fs." + n, ...a); } catch (x) { if (A.isExit(x)) throw x; e = x; }
        soon(cb, undefined, n === "exists" ? [r] : e ? [e] : n === "read" || n === "write" ? [null, r, a[1]] : [null, r], "fs." + n);
      };
      pr[n] = (...a) => new P((ok, no) => { try { ok(f("fs.promises." + n, ...a)); } catch (x) { no(x); } });
    }
    delete pr.exists;
    pr.open = async (f, fl) => fileHandle(FS.open("fs.promises.open", f, fl));
    m.createWriteStream = (f, o) => {
      const w = writer(abs(f), "fs.createWriteStream", /a/.test(S(o && o.flags)));
      const s = new Writable({ write(c, e, cb) { wput(w, bytes(c, e)); s.bytesWritten += c.length; cb(); }, final(cb) { wclose(w); cb(); } });
      O.assign(s, { path: S(f), bytesWritten: 0, pending: false });
      later(() => (s.emit("open", 3), s.emit("ready")));
      return s;
    };
    m.createReadStream = (f, o) => {
      const p = abs(f), s = new Readable();
      readEv("fs.createReadStream", [p]);
      s.path = S(f);
      if (files.has(p)) s.push(files.get(p)), s.push(null);
      else later(() => s.emit("error", fsErr("ENOENT", "open", p)));
      if (encOf(o)) s.setEncoding(encOf(o));
      return s;
    };
    m.watch = () => O.assign(new EventEmitter(), { close() {} });
    m.watchFile = m.unwatchFile = () => {};
    O.assign(m, { ReadStream: Readable, WriteStream: Writable, Stats: function Stats() {}, Dirent: function Dirent() {} });
    return m;
  }

  // ---- child_process ------------------------------------------------------------------------
  const SHELLS = /^(sh|bash|zsh|dash|ash|ksh|fish|cmd|powershell|pwsh)$/;
  const progName = (c) => (S(c).trim().replace(/^[("'\s]+/, "").split(/[\s"')]/)[0].split(/[\\/]/).pop() || "").toLowerCase().replace(/\.exe$/, "");
  // Plausible output of a few reconnaissance commands; anything else prints nothing.
  const OUTPUT = { whoami: () => USER, hostname: () => HOST, id: () => "uid=1000(user) gid=1000(user) groups=1000(user),27(sudo)", pwd: () => cwd,
    uname: (r) => (/-a/.test(r) ? "Linux " + HOST + " " + OS.release + " " + OS.version + " x86_64 GNU/Linux" : "Linux"),
    echo: (r) => r.trim().replace(/^(["'])(.*)\1$/, "$2"), node: (r) => (/^-v|--version/.test(r) ? VERSION : ""), npm: (r) => (/^-v|--version/.test(r) ? "10.9.0" : "") };
  function cmdOutput(c) {
    const n = progName(c), f = O.hasOwn(OUTPUT, n) && OUTPUT[n], o = f ? f(S(c).trim().replace(/^\S+\s*/, "")) : "";
    return o ? o + "\n" : "";
  }
  const started = (api, c) => emit("process", "child_process." + api, [c], { command: c });
  let lastPid = 4300;
  function Child(c, file) {
    const shell = SHELLS.test(progName(file));
    O.assign(this, { pid: ++lastPid, spawnfile: S(file), spawnargs: c.split(" "), exitCode: null, signalCode: null, killed: false, connected: false,
      stdout: src(encode(cmdOutput(c))), stderr: src(), stdin: new Writable({ write(d, e, cb) {
        // What is written to a shell's stdin is run as commands.
        if (shell) decode(d).split(/\r?\n/).filter((l) => l.trim()).forEach((l) => started("stdin", l.trim()));
        else emit("process", "ChildProcess.stdin.write", [d]);
        cb();
      } }) });
    this.stdio = [this.stdin, this.stdout, this.stderr];
    // 'exit'/'close' come after the output has been read.
    later(() => (this.emit("spawn"), later(() => ((this.exitCode = 0), this.emit("exit", 0, null), this.emit("close", 0, null)))));
  }
  inherits(Child, EventEmitter);
  O.assign(Child.prototype, { ref() {}, unref() {}, disconnect() {},
    kill(s = "SIGTERM") { this.killed = true; emit("process", "ChildProcess.kill", [this.pid, s]); return true; },
    send(m, cb) { emit("process", "ChildProcess.send", [JSON.stringify(m)]); soon(isFn(cb) ? cb : null, this, [null]); return true; } });
  const cmdLine = (f, a) => [S(f), ...(Array.isArray(a) ? a.map(S) : [])].join(" ");
  const syncOut = (s, o) => (encOf(o) && encOf(o) !== "buffer" ? s : encode(s));
  function runAsync(api, c, file, o, cb) {
    started(api, c);
    const ch = new Child(c, file), s = cmdOutput(c), buf = o && o.encoding === "buffer";
    soon(cb, ch, [null, buf ? encode(s) : s, buf ? new FB(0) : ""], "child_process." + api);
    return ch;
  }
  // Optional arguments: (file[, args][, options][, callback]).
  const fileArgs = (a, o, cb) => (isFn(a) ? [[], {}, a] : !Array.isArray(a) ? [[], a || {}, isFn(o) ? o : cb] : isFn(o) ? [a, {}, o] : [a, o || {}, cb]);
  const cpMod = {
    exec: (c, o, cb) => (isFn(o) ? runAsync("exec", S(c), "/bin/sh", {}, o) : runAsync("exec", S(c), "/bin/sh", o, cb)),
    execSync: (c, o) => (started("execSync", S(c)), syncOut(cmdOutput(c), o)),
    execFile(f, a, o, cb) {
      [a, o, cb] = fileArgs(a, o, cb);
      return runAsync("execFile", cmdLine(f, a), f, o, cb);
    },
    execFileSync(f, a, o) {
      [a, o] = fileArgs(a, o);
      const c = cmdLine(f, a);
      started("execFileSync", c);
      return syncOut(cmdOutput(c), o);
    },
    spawn(f, a, o) {
      [a, o] = fileArgs(a, o);
      const c = cmdLine(f, a);
      started("spawn", c);
      return new Child(c, f);
    },
    spawnSync(f, a, o) {
      [a, o] = fileArgs(a, o);
      const c = cmdLine(f, a), so = syncOut(cmdOutput(c), o), se = syncOut("", o);
      started("spawnSync", c);
      return { pid: ++lastPid, status: 0, signal: null, output: [null, so, se], stdout: so, stderr: se };
    },
    fork(m, a, o) {
      [a, o] = fileArgs(a, o);
      const c = cmdLine("node " + S(m), a);
      started("fork", c);
      return O.assign(new Child(c, "node"), { connected: true });
    },
  };
  cpMod.exec[CUSTOM] = (c, o) => new P((ok) => cpMod.exec(c, o, (e, stdout, stderr) => ok({ stdout, stderr })));
  cpMod.execFile[CUSTOM] = (f, a, o) => new P((ok) => cpMod.execFile(f, a, o, (e, stdout, stderr) => ok({ stdout, stderr })));

  // ---- network: http(s), net/tls, dgram, dns, fetch -------------------------------------------
  const STATUS = { 200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable" };
  // The placeholder answer: "{}" where JSON is expected, else a comment that is harmless as HTML, JS or a command.
  const answer = (url, accept) => (/json/i.test(S(url).replace(/[?#].*/, "") + " " + S(accept || "")) ? ["{}", "application/json"] : ["<!-- placeholder -->\n", "text/html; charset=utf-8"]);
  const fakeIP = (h) => { let x = 7; for (const c of S(h)) x = (x * 31 + c.charCodeAt(0)) % 254; return "203.0.113." + (x + 1); };
  const bracket = (h) => (S(h).includes(":") && S(h)[0] !== "[" ? "[" + h + "]" : S(h));
  function server(api) {
    const s = new EventEmitter();
    return O.assign(s, { listening: false, listen(...a) {
      emit("network", api + ".listen", a.filter((x) => !isFn(x)));
      s.listening = true;
      later(() => (s.emit("listening"), call(a.find(isFn), s, [], "listen callback")));
      return s;
    }, close(cb) { soon(cb, s, []); return s; }, address: () => ({ address: "0.0.0.0", family: "IPv4", port: 8080 }), ref() { return s; }, unref() { return s; } });
  }
  const sock = () => O.assign(new EventEmitter(), { remoteAddress: "203.0.113.10", remotePort: 443, setTimeout() {}, setNoDelay() {}, setKeepAlive() {}, destroy() {}, end() {} });
  // The URL of request(url[, options]) or request(options): options override the URL's parts.
  function requestURL(scheme, a, b) {
    const u = typeof a === "string" || a instanceof URL ? new URL(S(a)) : null, o = (u ? b : a) || {};
    const f = (k, d) => (o[k] != null && !isFn(o) ? S(o[k]) : d);
    const host = f("hostname", f("host", u ? u.hostname : "localhost")), port = f("port", u ? u.port : "");
    const auth = f("auth", u && u.username ? u.username + (u.password ? ":" + u.password : "") : "");
    let path = f("path", u ? u.pathname + u.search : "/");
    if (path[0] !== "/") path = "/" + path;
    return f("protocol", u ? u.protocol : scheme + ":") + "//" + (auth ? auth + "@" : "") + bracket(host) + (port ? ":" + port : "") + path;
  }
  function ClientRequest(api, url, method, headers, cb) {
    Writable.call(this);
    let u;
    try { u = new URL(url); } catch (e) { u = { hostname: "", protocol: "", pathname: url, search: "" }; }
    O.assign(this, { _api: api, _url: url, _h: {}, method, host: u.hostname, protocol: u.protocol, path: u.pathname + u.search, socket: sock(), aborted: false });
    for (const k of O.keys(headers || {})) this._h[k.toLowerCase()] = headers[k];
    if (cb) this.once("response", cb);
  }
  inherits(ClientRequest, Writable);
  O.assign(ClientRequest.prototype, {
    _write(c, e, cb) {
      emit("network", this._api + ".write", [c], { url: this._url, data: text(c) });
      cb();
    },
    _final(cb) {
      later(() => {
        if (this.aborted) return;
        const [body, type] = answer(this._url, this._h.accept), b = encode(body), res = src(b);
        O.assign(res, { statusCode: 200, statusMessage: "OK", httpVersion: "1.1", httpVersionMajor: 1, httpVersionMinor: 1, complete: true, url: "", method: null,
          headers: { "content-type": type, "content-length": S(b.length), connection: "close" }, trailers: {}, socket: this.socket, setTimeout() { return this; } });
        res.rawHeaders = O.entries(res.headers).flat();
        this.emit("response", res);
      });
      cb();
    },
    setHeader(k, v) { this._h[S(k).toLowerCase()] = v; return this; },
    getHeader(k) { return this._h[S(k).toLowerCase()]; },
    removeHeader(k) { delete this._h[S(k).toLowerCase()]; },
    hasHeader(k) { return S(k).toLowerCase() in this._h; },
    getHeaders() { return { ...this._h }; },
    abort() { this.destroy(); },
    destroy(e) {
      this.aborted = true;
      later(() => (e && this.emit("error", e), this.emit("close")));
      return this;
    },
    setTimeout() { return this; }, setNoDelay() {}, setSocketKeepAlive() {}, flushHeaders() {},
  });
  function httpMod(scheme) {
    function request(api, a, b, c) {
      const url = requestURL(scheme, a, b), o = (typeof a === "string" || a instanceof URL ? b : a) || {};
      const method = S((!isFn(o) && o.method) || "GET").toUpperCase();
      emit("network", scheme + "." + api, [url, method], { url });
      return new ClientRequest(scheme + ".request", url, method, !isFn(o) && o.headers, [a, b, c].find(isFn));
    }
    function Agent(o) { this.options = o || {}; }
    Agent.prototype.destroy = () => {};
    return { request: (a, b, c) => request("request", a, b, c), get: (a, b, c) => request("get", a, b, c).end(),
      createServer: () => server(scheme + ".Server"), Agent, globalAgent: new Agent(), ClientRequest, IncomingMessage: Readable, STATUS_CODES: STATUS,
      METHODS: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"], maxHeaderSize: 16384, validateHeaderName() {}, validateHeaderValue() {} };
  }

  function Socket(o) {
    Duplex.call(this, o);
    this.connecting = false;
  }
  inherits(Socket, Duplex);
  O.assign(Socket.prototype, {
    // connect(port[, host][, cb]) | connect(path[, cb]) | connect(options[, cb])
    connect(...a) {
      const o = a[0] && typeof a[0] === "object" ? a[0] : typeof a[0] === "string" && isNaN(a[0]) ? { path: a[0] } : { port: a[0], host: typeof a[1] === "string" ? a[1] : undefined };
      const host = S(o.host || "localhost"), cb = a.find(isFn), api = this._tls ? "tls.connect" : "net.connect";
      this._url = o.path ? undefined : "tcp://" + bracket(host) + ":" + S(o.port);
      O.assign(this, { remoteAddress: host, remotePort: +o.port, connecting: true });
      emit("network", api, o.path ? [o.path] : [host, o.port], { url: this._url });
      if (cb) this.once(this._tls ? "secureConnect" : "connect", cb);
      later(() => ((this.connecting = false), this.emit("connect"), this._tls && this.emit("secureConnect"), this.emit("ready")));
      return this;
    },
    _write(c, e, cb) {
      emit("network", "net.Socket.write", [c], { url: this._url, data: text(c) });
      cb();
    },
    setTimeout() { return this; }, setKeepAlive() { return this; }, setNoDelay() { return this; }, ref() { return this; }, unref() { return this; },
    address: () => ({ address: "192.168.1.23", family: "IPv4", port: 49152 }),
  });
  const isIPv4 = (s) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(S(s)), isIPv6 = (s) => /^[0-9a-f:]*:[0-9a-f:.]*$/i.test(S(s));
  const connect = (tls) => (...a) => O.assign(new Socket(), { _tls: tls }).connect(...a);
  const netMod = { Socket, Stream: Socket, connect: connect(false), createConnection: connect(false), createServer: () => server("net.Server"),
    isIP: (s) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0), isIPv4, isIPv6 };
  const tlsMod = { connect: connect(true), TLSSocket: Socket, createServer: () => server("tls.Server"), createSecureContext: () => ({}), DEFAULT_MIN_VERSION: "TLSv1.2" };
  const dgramMod = { createSocket: () => O.assign(new EventEmitter(), {
    // send(msg[, offset, length], port[, address][, cb])
    send(m, ...a) {
      const r = a.filter((x) => !isFn(x)), [port, h = "localhost"] = r.length >= 3 ? r.slice(2) : r;
      emit("network", "dgram.send", [h, port, m], { url: "udp://" + bracket(h) + ":" + port, data: text(m) });
      soon(a.find(isFn), null, [null]);
    }, bind() { return this; }, close(cb) { soon(cb, null, []); }, address: () => ({ address: "0.0.0.0", family: "IPv4", port: 41234 }),
    setBroadcast() {}, ref() { return this; }, unref() { return this; } }) };

  // dns: every name is recorded and resolves into 203.0.113.0/24.
  const RR = { A: (h) => [fakeIP(h)], AAAA: (h) => ["2001:db8::" + fakeIP(h).split(".")[3]], TXT: () => [["v=spf1 -all"]],
    MX: (h) => [{ exchange: "mail." + h, priority: 10 }], CNAME: (h) => [h], NS: (h) => ["ns1." + h, "ns2." + h], PTR: (h) => [h],
    SRV: (h) => [{ name: h, port: 443, priority: 10, weight: 5 }], CAA: () => [], NAPTR: () => [], ANY: (h) => [{ type: "A", address: fakeIP(h), ttl: 300 }],
    SOA: (h) => ({ nsname: "ns1." + h, hostmaster: "hostmaster." + h, serial: 2024090101, refresh: 3600, retry: 600, expire: 604800, minttl: 300 }) };
  function lookup(h, o) {
    o = typeof o === "number" ? { family: o } : o || {};
    h = S(h);
    emit("network", "dns.lookup", [h], { host: h });
    const v6 = o.family === 6 || o.family === "IPv6", address = isIPv4(h) || isIPv6(h) ? h : h === "localhost" ? "127.0.0.1" : v6 ? RR.AAAA(h)[0] : fakeIP(h);
    const family = isIPv6(address) ? 6 : 4;
    return o.all ? [[{ address, family }]] : [address, family];
  }
  function resolveRR(api, h, t = "A") {
    const f = RR[S(t).toUpperCase()];
    emit("network", "dns." + api, [h, t], { host: S(h) });
    if (!f) throw O.assign(new Error("Unknown rrtype: " + t), { code: "ERR_INVALID_ARG_VALUE" });
    return f(S(h));
  }
  const RESOLVE = { resolve: null, resolve4: "A", resolve6: "AAAA", resolveTxt: "TXT", resolveMx: "MX", resolveCname: "CNAME", resolveNs: "NS",
    resolvePtr: "PTR", resolveSrv: "SRV", resolveSoa: "SOA", resolveCaa: "CAA", resolveNaptr: "NAPTR", resolveAny: "ANY" };
  let dnsServers = ["192.168.1.1"];
  function dnsApi(promises) {
    const done = promises ? (f) => new P((ok) => ok(f())) : (f, cb) => { let r, e = null; try { r = f(); } catch (x) { e = x; } soon(cb, null, e ? [e] : [null, ...r]); };
    const m = {
      lookup: (h, o, cb) => done(() => (promises ? ((r) => (o && o.all ? r[0] : { address: r[0], family: r[1] }))(lookup(h, o)) : lookup(h, o)), isFn(o) ? o : cb),
      lookupService: (a, p, cb) => done(() => (promises ? { hostname: "localhost", service: "ssh" } : ["localhost", "ssh"]), cb),
      reverse: (ip, cb) => done(() => (emit("network", "dns.reverse", [ip]), promises ? [HOST] : [[HOST]]), cb),
      getServers: () => dnsServers.slice(),
      // Custom DNS servers are contacted: recorded like names.
      setServers: (s) => {
        dnsServers = [...s].map(S);
        for (const x of dnsServers) emit("network", "dns.setServers", [x], { host: x.replace(/^\[(.*)\](:\d+)?$/, "$1").replace(/^([^:]*):\d+$/, "$1") });
      },
      setDefaultResultOrder() {}, getDefaultResultOrder: () => "ipv4first", NOTFOUND: "ENOTFOUND",
    };
    for (const k of O.keys(RESOLVE))
      m[k] = (h, t, cb) => {
        const rr = RESOLVE[k] || (typeof t === "string" ? t : "A");
        return done(() => (promises ? resolveRR(k, h, rr) : [resolveRR(k, h, rr)]), [t, cb].find(isFn));
      };
    m.Resolver = function Resolver() {};
    O.assign(m.Resolver.prototype, m, { cancel() {} });
    return m;
  }
  const dnsMod = dnsApi(false);
  dnsMod.promises = dnsApi(true);
  dnsMod.lookup[CUSTOM] = dnsMod.promises.lookup;

  class Headers {
    constructor(h) {
      def(this, "_m", new Map());
      if (h) for (const [k, v] of isFn(h[Symbol.iterator]) ? h : O.entries(h)) this.append(k, v);
    }
    append(k, v) { const o = this.get(k); this._m.set(S(k).toLowerCase(), o === null ? S(v) : o + ", " + v); }
    set(k, v) { this._m.set(S(k).toLowerCase(), S(v)); }
    get(k) { const v = this._m.get(S(k).toLowerCase()); return v === undefined ? null : v; }
    has(k) { return this._m.has(S(k).toLowerCase()); }
    delete(k) { this._m.delete(S(k).toLowerCase()); }
    forEach(f, t) { this._m.forEach((v, k) => f.call(t, v, k, this)); }
    keys() { return this._m.keys(); }
    values() { return this._m.values(); }
    entries() { return this._m.entries(); }
    [Symbol.iterator]() { return this._m.entries(); }
  }
  class Response {
    constructor(body, init = {}) {
      def(this, "_b", body == null ? "" : body);
      O.assign(this, { status: init.status || 200, headers: new Headers(init.headers), url: init.url || "", redirected: false, type: "basic", bodyUsed: false });
      this.statusText = init.statusText || STATUS[this.status] || "";
      this.ok = this.status >= 200 && this.status < 300;
    }
    text() { return P.resolve(text(this._b)); }
    // Lenient: a placeholder that is not JSON reads as {} so that the script goes on.
    json() { return this.text().then((t) => { try { return JSON.parse(t); } catch (e) { return {}; } }); }
    arrayBuffer() { const b = new FB(bytes(this._b)); return P.resolve(b.buffer); }
    bytes() { return P.resolve(new Uint8Array(bytes(this._b))); }
    blob() { return this.bytes().then((b) => ({ size: b.length, type: this.headers.get("content-type") || "", text: () => P.resolve(decode(b)), arrayBuffer: () => P.resolve(b.buffer) })); }
    clone() { return new Response(this._b, this); }
    get body() { return src(bytes(this._b)); }
  }
  const bodyText = (b) => (b == null ? undefined : b instanceof URLSearchParams ? b.toString() : typeof b === "object" && !ArrayBuffer.isView(b) && !(b instanceof ArrayBuffer) ? S(b) : text(b));
  function fetch(input, init) {
    init = init || {};
    const url = S(input instanceof URL || typeof input !== "object" || input === null ? input : input.url);
    const h = new Headers(init.headers), method = S(init.method || "GET").toUpperCase();
    emit("network", "fetch", [url, method], { url, data: bodyText(init.body) });
    const [body, type] = answer(url, h.get("accept"));
    return new P((ok) => later(() => ok(new Response(body, { url, headers: { "content-type": type } }))));
  }
  // axios, often a dependency of install scripts: requests as fetch does; data parsed as JSON when it is.
  function axios(u, c) {
    const cfg = typeof u === "string" ? { ...c, url: u } : u || {}, method = S(cfg.method || "get").toUpperCase();
    let url = S(cfg.url);
    if (cfg.baseURL && !/^[a-z][a-z0-9+.-]*:/i.test(url)) url = S(cfg.baseURL).replace(/\/$/, "") + "/" + url.replace(/^\//, "");
    if (cfg.params) url += (url.includes("?") ? "&" : "?") + new URLSearchParams(cfg.params);
    const d = cfg.data, data = d == null ? undefined : typeof d === "object" && !ArrayBuffer.isView(d) && !(d instanceof URLSearchParams) ? JSON.stringify(d) : bodyText(d);
    emit("network", "axios." + method.toLowerCase(), [url, method], { url, data });
    const [body] = answer(url, "json");
    return P.resolve({ data: JSON.parse(body), status: 200, statusText: "OK", headers: {}, config: cfg, request: {} });
  }
  for (const m of ["get", "delete", "head", "options"]) axios[m] = (u, c) => axios({ ...c, url: u, method: m });
  for (const m of ["post", "put", "patch"]) axios[m] = (u, d, c) => axios({ ...c, url: u, data: d, method: m });
  O.assign(axios, { request: axios, create: () => axios, default: axios, defaults: { headers: { common: {} } },
    interceptors: { request: { use() {} }, response: { use() {} } }, isAxiosError: () => false });

  // ---- process ------------------------------------------------------------------------------
  const ENV = { HOME, USER, LOGNAME: USER, SHELL: "/bin/bash", PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "en_US.UTF-8", TERM: "xterm-256color", PWD: cwd, INIT_CWD: cwd, NODE: NODE, npm_lifecycle_event: "postinstall",
    npm_config_user_agent: "npm/10.9.0 node/" + VERSION + " linux x64 workspaces/false", npm_node_execpath: NODE,
    npm_execpath: "/usr/local/lib/node_modules/npm/bin/npm-cli.js", npm_config_registry: "https://registry.npmjs.org/",
    NPM_TOKEN, NODE_AUTH_TOKEN: NPM_TOKEN, GITHUB_TOKEN: GH_TOKEN, AWS_ACCESS_KEY_ID: AWS_ID, AWS_SECRET_ACCESS_KEY: AWS_KEY, AWS_DEFAULT_REGION: "us-east-1" };
  // Reads of named variables are recorded once each; reads that follow an enumeration (a script
  // harvesting everything) are covered by the one enumeration event.
  const envSeen = new Set();
  let enumerated = null;
  function envRead(t, k) {
    if (typeof k !== "string" || (!O.hasOwn(t, k) && (k in t || k === "toJSON" || k === "then"))) return;
    if (enumerated && enumerated.delete(k)) return;
    if (envSeen.has(k)) return;
    envSeen.add(k);
    emit("environment", "process.env", [k], undefined, t[k]);
  }
  const env = new Proxy(O.assign({}, ENV), {
    get: (t, k) => (envRead(t, k), t[k]),
    has: (t, k) => (envRead(t, k), k in t),
    set: (t, k, v) => ((t[k] = typeof k === "symbol" ? v : S(v)), emit("environment", "process.env.set", [k, v]), true),
    deleteProperty: (t, k) => delete t[k],
    ownKeys(t) {
      emit("environment", "process.env (enumerated)", []);
      if (!enumerated) micro(() => (enumerated = null));
      enumerated = new Set(O.keys(t));
      return Reflect.ownKeys(t);
    },
  });
  // stdout/stderr: whole lines go to the run's output (A.print adds the line break itself).
  function outStream(print, fd) {
    let buf = "";
    const s = new Writable({ write(c, e, cb) {
      buf += decode(c);
      const i = buf.lastIndexOf("\n");
      if (i >= 0) print(buf.slice(0, i)), (buf = buf.slice(i + 1));
      cb();
    } });
    return O.assign(s, { fd, isTTY: false, _flush: () => buf && (print(buf), (buf = "")) });
  }
  const t0 = A.now();
  const hrtime = (prev) => {
    const ns = floor((A.tick() - t0) * 1e6) + 5e9;
    let s = floor(ns / 1e9), n = ns % 1e9;
    if (prev) (s -= prev[0]), (n -= prev[1]), n < 0 && ((n += 1e9), s--);
    return [s, n];
  };
  hrtime.bigint = () => BigInt(floor((A.tick() - t0) * 1e6) + 5e9);
  const mem = () => ({ rss: 45830144, heapTotal: 6012928, heapUsed: 4567890, external: 1402784, arrayBuffers: 10515 });
  mem.rss = () => 45830144;
  const proc = O.create(EP);
  let exiting = false;
  // The end of the run: 'exit' listeners, then what is still buffered or open.
  function finish(code) {
    if (exiting) return;
    exiting = true;
    proc.emit("exit", code);
    proc.stdout._flush();
    proc.stderr._flush();
    for (const w of [...open]) wclose(w);
  }
  O.assign(proc, {
    title: "node", version: VERSION, arch: "x64", platform: "linux", pid: 4242, ppid: 4230, execPath: NODE, argv0: "node", execArgv: [], env,
    argv: [NODE, FILENAME, ...A.args], exitCode: undefined, debugPort: 9229, config: { variables: {} }, features: {}, allowedNodeEnvironmentFlags: new Set(),
    versions: { node: VERSION.slice(1), v8: "12.4.254.21-node.21", uv: "1.48.0", zlib: "1.3.0.1-motley", modules: "127", openssl: "3.0.15+quic", napi: "9", unicode: "15.1" },
    release: { name: "node", lts: "Jod" },
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
    hrtime, memoryUsage: mem, uptime: () => (A.tick() - t0) / 1000 + 0.04, cpuUsage: () => ({ user: 38000, system: 9000 }),
    resourceUsage: () => ({ userCPUTime: 38000, systemCPUTime: 9000, maxRSS: 44756 }),
    umask: () => 0o22, getuid: () => 1000, geteuid: () => 1000, getgid: () => 1000, getegid: () => 1000, getgroups: () => [1000, 27],
    emitWarning() {}, setUncaughtExceptionCaptureCallback() {}, hasUncaughtExceptionCaptureCallback: () => false, setSourceMapsEnabled() {},
    binding: (n) => A.stub("process.binding(" + S(n) + ")", "other"),
    stdout: outStream(A.print, 1), stderr: outStream(A.printErr, 2),
    stdin: O.assign(src(), { fd: 0, isTTY: false, setRawMode() { return this; } }),
  });
  A.phase(async () => proc.emit("beforeExit", proc.exitCode | 0));
  A.phase(async () => {
    finish(proc.exitCode | 0);
    if (proc.exitCode | 0) A.exit(proc.exitCode | 0);
  });

  // ---- require and the module table ---------------------------------------------------------
  const webAbort = () => {
    class AbortSignal extends EventEmitter {
      constructor() { super(); this.aborted = false; this.reason = undefined; }
      addEventListener(t, f) { this.on(t, f); }
      removeEventListener(t, f) { this.off(t, f); }
      throwIfAborted() { if (this.aborted) throw this.reason; }
      static abort(r) { const s = new AbortSignal(); O.assign(s, { aborted: true, reason: r }); return s; }
      static timeout() { return new AbortSignal(); }
    }
    class AbortController {
      constructor() { this.signal = new AbortSignal(); }
      abort(r) { if (!this.signal.aborted) O.assign(this.signal, { aborted: true, reason: r }), this.signal.emit("abort"); }
    }
    return { AbortSignal, AbortController };
  };
  const { AbortSignal, AbortController } = webAbort();
  const timersMod = { setTimeout: timer(false, "setTimeout", true), setInterval: timer(true, "setInterval", true), setImmediate: timer(false, "setImmediate"),
    clearTimeout: clear, clearInterval: clear, clearImmediate: clear };
  const assert = (v, m) => { if (!v) throw O.assign(new Error(m || "The expression evaluated to a falsy value"), { name: "AssertionError", code: "ERR_ASSERTION" }); };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  O.assign(assert, { ok: assert, equal: (a, b, m) => assert(a == b, m), strictEqual: (a, b, m) => assert(O.is(a, b), m), notEqual: (a, b, m) => assert(a != b, m),
    notStrictEqual: (a, b, m) => assert(!O.is(a, b), m), deepEqual: (a, b, m) => assert(same(a, b), m), deepStrictEqual: (a, b, m) => assert(same(a, b), m),
    fail: (m) => assert(false, m || "Failed"), throws(f, e, m) { try { f(); } catch (x) { return; } assert(false, m || "Missing expected exception."); } });
  assert.strict = assert;
  // vm runs code in this global scope (a new context's globals are copied onto it).
  const vmRun = (api) => (code, ctx) => (ctx && typeof ctx === "object" && O.assign(G, ctx), A.runCode(S(code), "vm." + api));
  function Script(code) { this._c = S(code); }
  for (const k of ["runInThisContext", "runInNewContext", "runInContext"]) Script.prototype[k] = function (ctx) { return vmRun(k)(this._c, ctx); };
  Script.prototype.createCachedData = () => new FB(0);
  const Fn = G.Function; // the driver's hook: records the code
  const vmMod = { Script, runInThisContext: vmRun("runInThisContext"), runInNewContext: vmRun("runInNewContext"), runInContext: vmRun("runInContext"),
    createContext: (o) => o || {}, isContext: () => true, compileFunction: (code, params = []) => apply(Fn, null, [...params, S(code)]) };
  const BUILTIN = ["assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram", "diagnostics_channel", "dns", "events",
    "fs", "http", "http2", "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "stream",
    "string_decoder", "timers", "tls", "tty", "url", "util", "v8", "vm", "worker_threads", "zlib"];
  const MODS = {
    fs: fsModule, "fs/promises": () => mod("fs").promises, path: () => pathMod, "path/posix": () => pathMod, os: () => osMod,
    child_process: () => cpMod, http: () => httpMod("http"), https: () => httpMod("https"), net: () => netMod, tls: () => tlsMod, dgram: () => dgramMod,
    dns: () => dnsMod, "dns/promises": () => dnsMod.promises, url: () => urlMod, querystring: () => qs, util: () => utilMod, sys: () => utilMod,
    "util/types": () => types, events: () => EventEmitter, stream: () => streamMod, "stream/promises": () => streamMod.promises, crypto: () => cryptoMod,
    zlib: () => zlibMod, buffer: () => ({ Buffer, constants: { MAX_LENGTH: 4294967296 }, kMaxLength: 4294967296, atob: G.atob, btoa: G.btoa, isUtf8: () => true }),
    string_decoder: () => ({ StringDecoder: function StringDecoder(e) { this.write = (b) => decode(bytes(b), e); this.end = (b) => (b ? decode(bytes(b), e) : ""); } }),
    timers: () => timersMod, "timers/promises": () => ({ setTimeout: (ms, v) => new P((ok) => A.setTimer(() => ok(v), ms, [], false, "timers/promises")), setImmediate: (v) => P.resolve(v), scheduler: { wait: (ms) => new P((ok) => A.setTimer(ok, ms, [], false, "scheduler.wait")) } }),
    process: () => proc, console: () => G.console, assert: () => assert, "assert/strict": () => assert, vm: () => vmMod,
    module: () => ({ builtinModules: BUILTIN, createRequire: () => require, isBuiltin: (n) => BUILTIN.includes(S(n).replace(/^node:/, "")), Module: function Module() {}, wrap: (c) => "(function (exports, require, module, __filename, __dirname) { " + c + "\n});" }),
    readline: () => ({ createInterface: () => { const r = new EventEmitter(); later(() => r.emit("close")); return O.assign(r, { question: (q, cb) => soon(cb, r, [""]), close() {}, setPrompt() {}, prompt() {}, write() {}, [Symbol.asyncIterator]: async function* () {} }); } }),
    worker_threads: () => ({ isMainThread: true, parentPort: null, workerData: null, threadId: 0, Worker: function Worker(f, o) {
      emit("process", "worker_threads.Worker", [f]);
      if (o && o.eval) A.runCode(S(f), "worker_threads.Worker");
      return O.assign(new EventEmitter(), { postMessage() {}, terminate: () => P.resolve(0), ref() {}, unref() {} });
    } }),
    perf_hooks: () => ({ performance: G.performance, PerformanceObserver: function () { this.observe = () => {}; } }),
    async_hooks: () => ({ AsyncLocalStorage: class { run(s, f, ...a) { this._s = s; return f(...a); } getStore() { return this._s; } enterWith(s) { this._s = s; } }, createHook: () => ({ enable() { return this; }, disable() { return this; } }), executionAsyncId: () => 1 }),
    v8: () => ({ getHeapStatistics: () => ({ total_heap_size: 6012928, used_heap_size: 4567890, heap_size_limit: 4345298944 }), setFlagsFromString() {} }),
    tty: () => ({ isatty: () => false }), inspector: () => ({ url: () => undefined, open() {}, close() {} }), punycode: () => ({ toASCII: (s) => s, toUnicode: (s) => s }),
    constants: () => ({ ...osMod.constants.signals, ...mod("fs").constants }), cluster: () => ({ isMaster: true, isPrimary: true, isWorker: false, workers: {}, on() {} }),
    "node-fetch": () => O.assign(fetch, { default: fetch, Headers, Response }), axios: () => axios,
  };
  const cache = O.create(null);
  const mod = (n) => cache[n] || (cache[n] = MODS[n]());
  // A module this environment lacks is a recording stand-in, except for JSON/JS files the script wrote.
  function require(id) {
    const name = S(id), n = name.replace(/^node:/, "");
    const known = O.hasOwn(MODS, n);
    emit("other", "require", [name], undefined, known ? "builtin" : "stub");
    if (known) return mod(n);
    const p = /^[./]/.test(n) ? resolve(dirname(FILENAME), n) : null, f = p && [p, p + ".js", p + ".json"].find((x) => files.has(x));
    if (cache[f || n]) return cache[f || n];
    if (f && f.endsWith(".json")) return (cache[f] = JSON.parse(decode(files.get(f))));
    if (f) {
      const m = { exports: {}, filename: f, id: f, loaded: true };
      cache[f] = m.exports;
      A.runCode("(function (exports, require, module, __filename, __dirname) {" + decode(files.get(f)) + "\n})", "require")(m.exports, require, m, f, dirname(f));
      return (cache[f] = m.exports);
    }
    return (cache[n] = A.stub(n, "other"));
  }
  const module = { id: ".", path: dirname(FILENAME), exports: {}, filename: FILENAME, loaded: false, children: [], parent: null, require,
    paths: [cwd + "/node_modules", HOME + "/node_modules", "/home/node_modules", "/node_modules"], _compile: (c) => A.runCode(S(c), "Module._compile") };
  O.assign(require, { resolve: (id) => (BUILTIN.includes(S(id).replace(/^node:/, "")) ? S(id) : resolve(dirname(FILENAME), S(id))), cache: {}, main: module, extensions: {} });
  require.resolve.paths = () => module.paths;
  proc.mainModule = module;

  // ---- the globals ----------------------------------------------------------------------------
  const con = G.console, fmt = (a) => { try { return apply(format, null, a); } catch (e) { return a.map(S).join(" "); } };
  con.log = con.info = con.debug = (...a) => A.print(fmt(a));
  con.error = con.warn = (...a) => A.printErr(fmt(a));
  con.dir = (v) => A.print(fmt([v]));
  delete G.navigator; // QuickJS's, replaced by Node's
  const globals = { global: G, process: proc, Buffer, require, module, exports: module.exports, __filename: FILENAME, __dirname: dirname(FILENAME),
    URL, URLSearchParams, TextEncoder, TextDecoder, fetch, Headers, Response, AbortController, AbortSignal, ...timersMod,
    crypto: webcrypto, structuredClone: (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v))),
    navigator: { hardwareConcurrency: 8, language: "en-US", languages: ["en-US"], platform: "linux", userAgent: "Node.js/22" } };
  for (const k of O.keys(globals)) def(G, k, globals[k]);
  emit("environment", "node", [VERSION, FILENAME]);
}
