// airlock's emulated browser: the page https://page.test/index.html in Chrome 124 on Windows 10.
// Records every request, navigation, resource URL put into the DOM, injected or written script and
// worker; HTTP answers 200 with a placeholder body; timers run on the driver's virtual clock.
// After the script: DOMContentLoaded, load, service-worker install/activate, a message, synthetic
// user activity on a card form, then unload (see "activity phases" at the end).
function (A) {
  // ---- page & helpers ----------------------------------------------------------------------
  const G = A.global, S = A.str, emit = A.emit, call = A.callback, K = Symbol("state"), WU = Symbol("waitUntil");
  const PAGE = "https://page.test/index.html", ORIGIN = "https://page.test";
  const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
  const BODY = "{}"; // every HTTP answer's body: valid JSON, JavaScript and text
  const Str = String, T = (x) => (typeof x === "string" ? x : Str(x)); // T: conversions that may throw at the script
  const P = Promise, OC = Object.create, atob_ = G.atob, btoa_ = G.btoa;
  const hid = (o, k, v) => Object.defineProperty(o, k, { value: v, writable: true, configurable: true });
  const acc = (o, k, get, set) => Object.defineProperty(o, k, { get, set, configurable: true, enumerable: true });
  /** Getters (and setters) on C.prototype from tables of functions of the instance. */
  const props = (C, get, set) => { for (const k in get) acc(C.prototype, k, function () { return get[k](this); }, set && set[k] && function (v) { set[k](this, v); }); };
  const low = (s) => S(s).toLowerCase();
  const later = (fn, ms) => A.setTimer(fn, ms || 0, [], false, "task");
  const list = (a) => (hid(a, "item", (i) => a[i] ?? null), a);
  const res = (v) => P.resolve(v), nop = () => {};
  A.atStart(() => emit("dom", "page", [PAGE], { base_url: PAGE }));

  // ---- URL and URLSearchParams (WHATWG-style parsing) --------------------------------------
  const DEFP = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21", "file:": "" };
  const enc = (s, re) => s.replace(re, (c) => { try { return encodeURIComponent(c); } catch (e) { return "%EF%BF%BD"; } });
  const PE = /[^\x21-\x7e]|["<>`{}]/gu, QE = /[^\x21-\x7e]|["<>]/gu, FE = /[^\x21-\x7e]|["<>`]/gu;
  function auth(r, s) {
    const j = s.indexOf("/"), a = j < 0 ? s : s.slice(0, j), at = a.lastIndexOf("@");
    r.path = j < 0 ? "" : s.slice(j);
    if (at >= 0) [, r.u, r.w = ""] = /^([^:]*):?(.*)$/.exec(a.slice(0, at));
    let [, h, port = ""] = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(a.slice(at + 1));
    try { h = decodeURIComponent(h).toLowerCase(); } catch (e) { return false; }
    if ((port && !/^\d+$/.test(port)) || +port > 65535 || /[\0\t\n\r #/<>?@\\^|]/.test(h) || (!h && r.p in DEFP && r.p !== "file:")) return false;
    r.h = h;
    r.port = port && S(+port) !== DEFP[r.p] ? S(+port) : "";
    return true;
  }
  /** Parses a URL (relative to the parsed `base`) into {p, u, w, h, port, path, q, f, op}, or null. */
  function parseU(input, base) {
    const s = T(input).replace(/^[\0- ]+|[\0- ]+$/g, "").replace(/[\t\n\r]/g, ""), m = /^([a-zA-Z][\w+.-]*):/.exec(s);
    if (!m && !base) return null;
    const r = { p: m ? m[1].toLowerCase() + ":" : base.p, u: "", w: "", h: null, port: "", path: "", q: "", f: "", op: false }, sp = r.p in DEFP;
    let rest = m ? s.slice(m[0].length) : s, i = rest.indexOf("#");
    if (i >= 0) [r.f, rest] = [enc(rest.slice(i), FE), rest.slice(0, i)];
    const hasQ = (i = rest.indexOf("?")) >= 0;
    if (hasQ) [r.q, rest] = [enc(rest.slice(i), QE), rest.slice(0, i)];
    if (sp) rest = rest.replace(/\\/g, "/");
    if (m && !sp && !rest.startsWith("//")) return Object.assign(r, { op: true, path: rest });
    // "https:x" against an https: base is relative, as WHATWG's "special relative or authority" state says.
    const sameScheme = m && sp && base && !base.op && base.p === r.p && !rest.startsWith("//");
    if ((m && !sameScheme) || rest.startsWith("//")) { if (!auth(r, m && sp ? rest.replace(/^\/*/, "") : rest.slice(2))) return null; }
    else if (base.op) return s[0] === "#" ? Object.assign({}, base, { f: r.f }) : null;
    else {
      Object.assign(r, { u: base.u, w: base.w, h: base.h, port: base.port });
      if (rest === "") { r.path = base.path; if (!hasQ) r.q = base.q; }
      else r.path = rest[0] === "/" ? rest : base.path.slice(0, base.path.lastIndexOf("/") + 1) + rest;
    }
    const out = [], segs = r.path.split("/");
    for (let k = 1; k < segs.length; k++) {
      const g = segs[k].toLowerCase().replace(/%2e/g, "."), last = k === segs.length - 1;
      if (g === "..") out.pop();
      if (g !== ".." && g !== ".") out.push(segs[k]); else if (last) out.push("");
    }
    r.path = enc(out.length ? "/" + out.join("/") : sp ? "/" : "", PE);
    return r;
  }
  const ser = (r) => r.p + (r.h !== null ? "//" + (r.u || r.w ? r.u + (r.w ? ":" + r.w : "") + "@" : "") + r.h + (r.port ? ":" + r.port : "") : "") + r.path + r.q + r.f;
  function origin(r) {
    if (r.p === "blob:") { const i = parseU(r.path, null); return i && /^https?:$/.test(i.p) ? origin(i) : "null"; }
    return r.p in DEFP && r.p !== "file:" ? r.p + "//" + r.h + (r.port ? ":" + r.port : "") : "null";
  }
  const fenc = (s) => enc(S(s), /[^\w*.-]/gu).replace(/%20/g, "+");
  const fdec = (s) => { s = s.replace(/\+/g, " "); try { return decodeURIComponent(s); } catch (e) { return s; } };
  const parseQ = (s) => S(s).replace(/^\?/, "").split("&").filter((x) => x).map((x) => { const i = x.indexOf("="); return i < 0 ? [fdec(x), ""] : [fdec(x.slice(0, i)), fdec(x.slice(i + 1))]; });
  class URLSearchParams {
    constructor(i) {
      let l = [];
      if (i instanceof URLSearchParams) l = i[K].l.map((p) => p.slice());
      else if (i && typeof i === "object") l = typeof i[Symbol.iterator] === "function" ? Array.from(i, (p) => Array.from(p, S)) : Object.keys(i).map((k) => [k, S(i[k])]);
      else if (i != null) l = parseQ(i);
      hid(this, K, { l, o: null });
    }
    append(k, v) { this[K].l.push([S(k), S(v)]); upQ(this); }
    delete(k, v) { this[K].l = this[K].l.filter((p) => p[0] !== S(k) || (v !== undefined && p[1] !== S(v))); upQ(this); }
    get(k) { const p = this[K].l.find((p) => p[0] === S(k)); return p ? p[1] : null; }
    getAll(k) { return this[K].l.filter((p) => p[0] === S(k)).map((p) => p[1]); }
    has(k, v) { return this[K].l.some((p) => p[0] === S(k) && (v === undefined || p[1] === S(v))); }
    set(k, v) { const l = this[K].l, i = l.findIndex((p) => p[0] === S(k)); if (i < 0) this.append(k, v); else { l[i][1] = S(v); this[K].l = l.filter((p, j) => j <= i || p[0] !== S(k)); upQ(this); } }
    sort() { this[K].l.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); upQ(this); }
    forEach(f, t) { for (const [k, v] of this[K].l.slice()) f.call(t, v, k, this); }
    keys() { return this[K].l.map((p) => p[0]).values(); }
    values() { return this[K].l.map((p) => p[1]).values(); }
    entries() { return this[K].l.map((p) => p.slice()).values(); }
    [Symbol.iterator]() { return this.entries(); }
    get size() { return this[K].l.length; }
    toString() { return this[K].l.map((p) => fenc(p[0]) + "=" + fenc(p[1])).join("&"); }
  }
  const upQ = (sp) => { const o = sp[K].o, s = sp.toString(); if (o) o[K].q = s ? "?" + s : ""; };
  function setR(u, r) { const sp = u[K] && u[K].sp; if (sp) { r.sp = sp; sp[K].l = parseQ(r.q); } u[K] = r; }
  // Components: getters, and setters that rebuild the URL text and parse it again.
  const UG = { href: ser, origin, protocol: (r) => r.p, username: (r) => r.u, password: (r) => r.w, host: (r) => (r.h === null ? "" : r.h + (r.port ? ":" + r.port : "")),
    hostname: (r) => r.h || "", port: (r) => r.port, pathname: (r) => r.path, search: (r) => (r.q.length > 1 ? r.q : ""), hash: (r) => (r.f.length > 1 ? r.f : "") };
  function setPart(r, k, v) {
    v = S(v);
    if (k === "href") return parseU(v, null);
    if (r.op && k !== "hash") return r;
    const o = { p: r.p, u: r.u, w: r.w, h: r.h, port: r.port, path: r.path, q: r.q, f: r.f }, x = v.replace(/^[?#]/, "");
    if (k === "protocol") o.p = low(v).replace(/:.*$/, "") + ":";
    else if (k === "username" || k === "password") o[k[0] === "u" ? "u" : "w"] = enc(v, /[^\w.~!$&'()*+,;=-]/gu);
    else if (k === "host" || k === "hostname") [, o.h, o.port = k === "host" ? "" : o.port] = /^([^:/?#]*):?(\d*)/.exec(v);
    else if (k === "port") o.port = v.replace(/\D.*$/, "");
    else if (k === "pathname") o.path = (v[0] === "/" ? "" : "/") + v.replace(/[?#]/g, encodeURIComponent);
    else if (k === "search") o.q = x ? "?" + x.replace(/#/g, "%23") : "";
    else if (k === "hash") o.f = x ? "#" + x : "";
    return (o.p in DEFP) === (r.p in DEFP) && o.h !== "" ? parseU(ser(o), null) || r : r;
  }
  class URL {
    constructor(u, b) {
      const base = b === undefined ? null : parseU(b, null), r = base || b === undefined ? parseU(u, base) : null;
      if (!r) throw new TypeError("Failed to construct 'URL': Invalid URL");
      hid(this, K, r);
    }
    get searchParams() { const r = this[K]; if (!r.sp) { r.sp = new URLSearchParams(r.q); r.sp[K].o = this; } return r.sp; }
    toString() { return ser(this[K]); }
    toJSON() { return ser(this[K]); }
    static canParse(u, b) { try { return !!new URL(u, b); } catch (e) { return false; } }
    static parse(u, b) { try { return new URL(u, b); } catch (e) { return null; } }
  }
  for (const k in UG) acc(URL.prototype, k, function () { return UG[k](this[K]); }, k === "origin" ? undefined : function (v) {
    const r = setPart(this[K], k, v);
    if (!r) throw new TypeError("Failed to set the '" + k + "' property on 'URL': Invalid URL");
    setR(this, r);
  });
  let locR = parseU(PAGE, null); // the page's current URL (pushState and fragment changes move it)
  const href = () => ser(locR);
  const resolve = (u) => { const r = parseU(u, locR); return r ? ser(r) : S(u); };
  /** Records a URL the page requests, loads, navigates to or sends `data` to (blob:/data: are not). */
  function net(api, url, data, cat) {
    const u = T(url), d = bodyText(data);
    emit(cat || "network", api, d === undefined ? [u] : [u, d], /^\s*(data|blob):|^\s*$/i.test(u) ? null : { url: resolve(u), data: d });
  }
  function nav(u, api) {
    u = T(u);
    const m = /^\s*javascript:([\s\S]*)/i.exec(u), r = parseU(u, locR), bare = (x) => ser(Object.assign({}, x, { f: "" }));
    if (m) return void (emit("dom", api, [u]), call(fdec(m[1].replace(/\+/g, "%2B")), G, [], "javascript: URL"));
    if (!r || !r.f || bare(r) !== bare(locR)) return net(api, u);
    locR = r; // same document: only the fragment changes
    emit("dom", api, [u]);
    later(() => fire(G, new EV.HashChangeEvent("hashchange", { newURL: href() })));
  }

  // ---- events ------------------------------------------------------------------------------
  const LIS = new WeakMap(), TARGETS = [], DONE = new WeakMap(), seenL = new Set();
  const capOf = (o) => (typeof o === "boolean" ? o : !!(o && o.capture));
  function addL(t, type, fn, o) {
    if (!fn || (typeof fn !== "function" && typeof fn !== "object")) return;
    let m = LIS.get(t);
    if (!m) LIS.set(t, (m = OC(null))), TARGETS.push(t);
    const l = m[(type = S(type))] || (m[type] = []), cap = capOf(o);
    if (l.some((r) => r.fn === fn && r.cap === cap)) return;
    l.push({ fn, cap, once: !!(o && o.once), done: false });
    const who = t === G ? "window" : t === doc ? "document" : (t[K] && t[K].tag) || "object";
    if (!seenL.has(who + " " + type)) seenL.add(who + " " + type), emit("dom", "addEventListener", [who, type]);
  }
  function rmL(t, type, fn, o) {
    const m = LIS.get(t), l = m && m[S(type)], i = l ? l.findIndex((r) => r.fn === fn && r.cap === capOf(o)) : -1;
    if (i >= 0) l.splice(i, 1)[0].gone = true;
  }
  /** Calls a target's listeners (capture ones, bubble ones, or both when cap is null) and its
   * on<type> handler; `env` calls only those the environment has not yet given this type. */
  function invoke(t, ev, cap, env) {
    const m = LIS.get(t), type = ev.type;
    let n = 0, h = null;
    ev.currentTarget = t;
    for (const r of (m && m[type]) || []) {
      if (r.gone || (cap !== null && r.cap !== cap) || (env && r.done)) continue;
      if (env) r.done = true;
      if (r.once) rmL(t, type, r.fn, r.cap);
      n++;
      if (typeof r.fn === "function") call(r.fn, t, [ev], "listener " + type);
      else call(() => r.fn.handleEvent(ev), null, [], "listener " + type);
      if (ev[K]) return n;
    }
    try { h = cap === true ? null : t["on" + type] ?? (t[K] && t[K].a && t[K].a["on" + type]); } catch (e) {}
    if (typeof h !== "function" && typeof h !== "string") return n;
    if (env) { const d = DONE.get(t) || new Set(); if (d.has(type)) return n; DONE.set(t, d.add(type)); }
    // A handler given as text (an `onclick="..."` attribute) is the body of a function of
    // `event` called on its element, as a browser compiles it (the page's own code, not code
    // made at run time).
    const fn = typeof h !== "string" ? h : () => call(A.original.Function("event", h), t, [ev], "on" + type);
    if (call(fn, t, [ev], "on" + type) === false && ev.cancelable) ev.defaultPrevented = true;
    return n + 1;
  }
  const up = (n) => (n === G ? null : n === doc ? G : (n[K] && n[K].par) || null);
  let nested = 0;
  /** Dispatches through the capture, target and bubble phases; false when cancelled. */
  function dispatch(t, ev) {
    const path = [];
    if (nested > 64) throw new RangeError("Maximum call stack size exceeded");
    for (let p = up(t); p; p = up(p)) path.push(p);
    ev.target = ev.srcElement = t;
    nested++;
    try {
      ev.eventPhase = 1;
      for (let i = path.length - 1; i >= 0 && !ev.cancelBubble; i--) invoke(path[i], ev, true);
      ev.eventPhase = 2;
      if (!ev.cancelBubble) invoke(t, ev, null);
      ev.eventPhase = 3;
      for (let i = 0; ev.bubbles && i < path.length && !ev.cancelBubble; i++) invoke(path[i], ev, false);
    } finally { nested--; }
    ev.eventPhase = 0;
    ev.currentTarget = null;
    return !ev.defaultPrevented;
  }
  /** Delivers an event to one target (XHR, sockets, workers, window messages). */
  const fire = (t, ev) => ((ev.target = ev.srcElement = t), (ev.isTrusted = true), invoke(t, ev, null), ev);
  class EventTarget {
    addEventListener(t, f, o) { addL(this ?? G, t, f, o); }
    removeEventListener(t, f, o) { rmL(this ?? G, t, f, o); }
    dispatchEvent(e) { if (!(e instanceof Event)) throw new TypeError("parameter 1 is not of type 'Event'."); e.isTrusted = false; return dispatch(this ?? G, e); }
  }
  class Event {
    constructor(type, i) {
      Object.assign(this, i, { type: S(type), bubbles: !!(i && i.bubbles), cancelable: !!(i && i.cancelable), composed: !!(i && i.composed), defaultPrevented: false, isTrusted: false,
        target: null, currentTarget: null, srcElement: null, eventPhase: 0, cancelBubble: false, returnValue: true, timeStamp: A.now() - A.start() });
    }
    preventDefault() { if (this.cancelable) this.defaultPrevented = !(this.returnValue = false); }
    stopPropagation() { this.cancelBubble = true; }
    stopImmediatePropagation() { this.cancelBubble = this[K] = true; }
    composedPath() { const p = []; for (let n = this.target; n; n = up(n)) p.push(n); return p; }
    initEvent(t, b, c) { Object.assign(this, { type: S(t), bubbles: !!b, cancelable: !!c }); }
    initCustomEvent(t, b, c, d) { this.initEvent(t, b, c); this.detail = d; }
    getModifierState() { return false; }
  }
  const EV = { Event };
  // Subclasses, by name and base; a CustomEvent's detail and a MessageEvent's data default to null.
  for (const d of ("UIEvent KeyboardEvent:UIEvent MouseEvent:UIEvent PointerEvent:MouseEvent WheelEvent:MouseEvent FocusEvent:UIEvent InputEvent:UIEvent TouchEvent:UIEvent " +
    "CustomEvent MessageEvent ExtendableEvent FetchEvent:ExtendableEvent ExtendableMessageEvent:ExtendableEvent SubmitEvent ErrorEvent ProgressEvent CloseEvent PopStateEvent " +
    "HashChangeEvent PageTransitionEvent BeforeUnloadEvent StorageEvent ClipboardEvent").split(" ")) {
    const [n, b = "Event"] = d.split(":");
    EV[n] = { [n]: class extends EV[b] { constructor(t, i) { super(t, i); if (/^(Custom|Message)Event$/.test(n)) this[n[0] === "C" ? "detail" : "data"] ??= null; } } }[n];
  }
  const { KeyboardEvent, MouseEvent, MessageEvent, ExtendableEvent } = EV;
  ExtendableEvent.prototype.waitUntil = function (p) { (this[WU] = this[WU] || []).push(p); };
  EV.FetchEvent.prototype.respondWith = function (r) { this[WU] = [r]; };
  const mkEv = (t, C, i) => new (C || Event)(t, i);

  // ---- the clipboard: what a script puts on it is recorded (`clipboard.write`: flags, the text
  // with long runs of padding collapsed, how, the page's text). The user copies, last, three
  // wallet addresses shown on the page (Bitcoin, Ethereum, Tron: `copy` events); reading the
  // clipboard gives the first. The environment sets the flags from what it alone knows:
  // `run-dialog-lure` when the page's whole text tells the user to open the Run dialog (Win+R),
  // `address-swap` when an address that is neither one the user copied nor shown on the page is
  // written while the user copies or after the clipboard was read.
  const WALLETS = ["bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "0x7d2b4c1e9a8f3b6c5d4e2f1a0b9c8d7e6f5a4b3c", "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"];
  const WALLET = WALLETS[0];
  const ADDRESS = /^(?:(?:bc1|BC1)[a-zA-Z0-9]{20,80}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33}|[LM][a-km-zA-HJ-NP-Z1-9]{26,33}|ltc1[a-z0-9]{20,80}|D[5-9A-HJ-NP-U][1-9A-HJ-NP-Za-km-z]{32}|[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}|[1-9A-HJ-NP-Za-km-z]{32,44})$/;
  const LURE = /win(?:dows)?\s*(?:logo\s*)?(?:key)?\s*\+\s*["'“]?r\b|⊞|run\s+dialog|press\s+(?:the\s+)?win(?:dows)?\b/i;
  let selected = null, selText = "", copying = false, readIt = false, focused = null;
  function clip(t, how) {
    let page = "";
    try { page = text(doc.body || doc.documentElement, " ").replace(/\s+/g, " ").trim(); } catch (e) {}
    const copied = S(t).replace(/\s{8,}/g, " ").trim(), flags = [];
    if (LURE.test(page)) flags.push("run-dialog-lure");
    if ((copying || readIt) && ADDRESS.test(copied) && !WALLETS.includes(copied) && !page.includes(copied)) flags.push("address-swap");
    emit("dom", "clipboard.write", [flags.join(" "), copied, how, page.slice(0, 2048)]);
  }
  /** Reads of the clipboard: they give the first address, and a later write may be a swap. */
  const read = (api) => (emit("dom", api, []), (readIt = true));
  class ClipboardItem {
    constructor(d) { this[K] = d || {}; this.types = Object.keys(d || {}); }
    getType(t) { return res(this[K][t]).then((v) => (v instanceof Blob ? v : new Blob([S(v)], { type: t }))); }
    static supports(t) { return /^(text\/plain|text\/html|image\/png)$/.test(S(t)); }
  }
  /** The text of ClipboardItems (strings, Blobs, promises of either), for the record. */
  const itemsText = (items) => P.all([].concat(items || []).map((i) => (i instanceof ClipboardItem ? i.getType(i.types.find((t) => /^text\//.test(t)) || i.types[0]).then((b) => b.text(), () => "") : "")))
    .then((a) => a.join(""));

  // ---- DOM: nodes --------------------------------------------------------------------------
  let doc = null, inert = false, pend = null, curScript = null, depth = 0, codeKind = "script";
  const ALL = [], CE = new Map(), CEN = new Map(); // every element made; custom elements by name and class
  const isEl = (n) => n.nodeType === 1, kids = (n) => n[K].kids, elKids = (n) => kids(n).filter(isEl);
  const pEl = (n) => { const p = n[K].par; return p && isEl(p) ? p : null; };
  const conn = (n) => { while (n && n !== doc) n = n[K].par; return !!n; };
  const sib = (n, d, el) => { const p = n[K].par, ks = p ? kids(p) : []; let i = ks.indexOf(n) + d; while (el && ks[i] && !isEl(ks[i])) i += d; return (p && ks[i]) || null; };
  const cls = (e) => S(e[K].a.class || "").split(/\s+/);
  class Node extends EventTarget {
    constructor() { super(); hid(this, K, { kids: [], par: null, a: OC(null), tag: "" }); }
    appendChild(n) { return insert(this, n, null); }
    insertBefore(n, r) { return insert(this, n, r || null); }
    removeChild(n) { if (n && n[K] && n[K].par === this) detach(n); return n; }
    replaceChild(n, o) { insert(this, n, o); detach(o); return o; }
    contains(n) { for (; n; n = n[K] && n[K].par) if (n === this) return true; return false; }
    hasChildNodes() { return kids(this).length > 0; }
    cloneNode(deep) { return cloneN(this, deep); }
    getRootNode() { let n = this; while (n[K].par) n = n[K].par; return n; }
    isSameNode(o) { return o === this; }
    compareDocumentPosition(o) { return this.contains(o) ? 20 : 4; }
    // ParentNode
    querySelector(s) { return qsa(this, s, true)[0] || null; }
    querySelectorAll(s) { return list(qsa(this, s, false)); }
    getElementsByTagName(t) { t = low(t); return list(all(this, (e) => t === "*" || e[K].tag === t)); }
    getElementsByClassName(c) { const cs = S(c).split(/\s+/).filter((x) => x); return list(all(this, (e) => cs.every((x) => cls(e).includes(x)))); }
    append(...ns) { for (const n of ns) insert(this, toNode(n), null); }
    prepend(...ns) { const f = kids(this)[0] || null; for (const n of ns) insert(this, toNode(n), f); }
    replaceChildren(...ns) { for (const c of kids(this).slice()) detach(c); this.append(...ns); }
  }
  props(Node, { parentNode: (n) => n[K].par, parentElement: pEl, childNodes: (n) => list(kids(n).slice()), children: (n) => list(elKids(n)), childElementCount: (n) => elKids(n).length,
    firstChild: (n) => kids(n)[0] || null, lastChild: (n) => kids(n).at(-1) || null, firstElementChild: (n) => elKids(n)[0] || null, lastElementChild: (n) => elKids(n).at(-1) || null,
    nextSibling: (n) => sib(n, 1), previousSibling: (n) => sib(n, -1), nextElementSibling: (n) => sib(n, 1, 1), previousElementSibling: (n) => sib(n, -1, 1),
    ownerDocument: (n) => (n === doc ? null : doc), isConnected: conn, baseURI: href, textContent: text, nodeValue: (n) => n[K].data ?? null },
    { textContent: setText, nodeValue: (n, v) => "data" in n[K] && (n[K].data = S(v)) });
  "ELEMENT ATTRIBUTE TEXT CDATA_SECTION ENTITY_REFERENCE ENTITY PROCESSING_INSTRUCTION COMMENT DOCUMENT DOCUMENT_TYPE DOCUMENT_FRAGMENT".split(" ").forEach((n, i) => (Node[n + "_NODE"] = Node.prototype[n + "_NODE"] = i + 1));
  const toNode = (n) => (n instanceof Node ? n : new Text(n));
  /** Descendant elements of root for which f holds, in document order (only the first if `first`). */
  function all(root, f, first) {
    const out = [], walk = (n) => { for (const c of kids(n)) if (isEl(c) && ((f(c) && out.push(c) && first) || walk(c))) return true; };
    walk(root);
    return out;
  }
  /** A node's text; `sep` between children (a space keeps the words of blocks apart). */
  function text(n, sep = "") { return "data" in n[K] ? n[K].data : kids(n).map((c) => (c.nodeType === 8 ? "" : text(c, sep))).join(sep); }
  function setText(n, v) {
    if ("data" in n[K]) return void (n[K].data = S(v));
    for (const c of kids(n).slice()) detach(c);
    if (v != null && S(v) !== "") insert(n, new Text(v), null);
  }
  function detach(n) { const p = n[K].par, i = p ? kids(p).indexOf(n) : -1; if (i >= 0) kids(p).splice(i, 1); n[K].par = null; }
  function insert(p, n, ref) {
    if (!(n instanceof Node)) throw new TypeError("Failed to execute 'appendChild' on 'Node': parameter 1 is not of type 'Node'.");
    if (n.nodeType === 11) { for (const c of kids(n).slice()) insert(p, c, ref); return n; }
    if (n.contains(p)) throw new DOMException("The new child element contains the parent.", "HierarchyRequestError");
    detach(n);
    const ks = kids(p), i = ref ? ks.indexOf(ref) : -1;
    ks.splice(i < 0 ? ks.length : i, 0, n);
    n[K].par = p;
    if (conn(p)) (function connected(n) { if (isEl(n)) onConnect(n), kids(n).slice().forEach(connected); })(n);
    if (p[K].tag === "script") runScript(p);
    return n;
  }
  function cloneN(n, deep) {
    const t = n.nodeType, c = t === 1 ? mk(n[K].tag) : t === 3 ? new Text(n[K].data) : t === 8 ? new Comment(n[K].data) : new DocumentFragment();
    if (t === 1) Object.assign(c[K].a, n[K].a);
    if (deep) for (const k of kids(n)) insert(c, cloneN(k, true), null);
    return c;
  }
  class CharacterData extends Node {
    constructor(d) { super(); this[K].data = d === undefined ? "" : S(d); }
    get data() { return this[K].data; }
    set data(v) { this[K].data = S(v); }
    get length() { return this[K].data.length; }
    remove() { detach(this); }
  }
  class Text extends CharacterData {}
  class Comment extends CharacterData {}
  class DocumentFragment extends Node {}
  for (const [C, t, n] of [[Text, 3, "#text"], [Comment, 8, "#comment"], [DocumentFragment, 11, "#document-fragment"]]) props(C, { nodeType: () => t, nodeName: () => n });
  const camel = (k) => (k.startsWith("--") ? k : k.replace(/-([a-z])/g, (m, c) => c.toUpperCase()));
  class CSSStyleDeclaration {
    get cssText() { return Object.keys(this).map((k) => k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()) + ": " + this[k] + ";").join(" "); }
    set cssText(v) { for (const k of Object.keys(this)) delete this[k]; for (const d of S(v).split(";")) { const i = d.indexOf(":"); if (i > 0) this[camel(d.slice(0, i).trim())] = d.slice(i + 1).trim(); } }
    get length() { return Object.keys(this).length; }
    setProperty(k, v) { this[camel(S(k))] = S(v ?? ""); }
    getPropertyValue(k) { return S(this[camel(S(k))] ?? ""); }
    removeProperty(k) { const v = this.getPropertyValue(k); delete this[camel(S(k))]; return v; }
    getPropertyPriority() { return ""; }
  }
  /** An element's style; a frame's is watched, so that hiding it once it is in the page counts. */
  function styleOf(e) {
    const d = new CSSStyleDeclaration();
    if (!/^i?frame$/.test(e[K].tag)) return d;
    return new Proxy(d, { set(t, p, v) { t[p] = v; if (conn(e)) hiddenFrame(e); return true; } });
  }
  const rect = () => ({ x: 0, y: 0, top: 0, left: 0, width: 120, height: 24, right: 120, bottom: 24 });
  class Element extends Node {
    constructor() { super(); this[K].tag = pend || CEN.get(new.target) || "div"; }
    getAttribute(n) { return this[K].a[low(n)] ?? null; }
    select() { if (/^(input|textarea)$/.test(this[K].tag)) selected = this; }
    setSelectionRange() { this.select(); }
    setAttribute(n, v) { setA(this, low(n), T(v)); }
    removeAttribute(n) { delete this[K].a[low(n)]; }
    hasAttribute(n) { return low(n) in this[K].a; }
    hasAttributes() { return this.getAttributeNames().length > 0; }
    getAttributeNames() { return Object.keys(this[K].a); }
    toggleAttribute(n, f) { f = f ?? !this.hasAttribute(n); if (f) this.setAttribute(n, ""); else this.removeAttribute(n); return f; }
    getAttributeNS(ns, n) { return this.getAttribute(n); }
    setAttributeNS(ns, n, v) { this.setAttribute(S(n).replace(/^.*:/, ""), v); }
    insertAdjacentHTML(pos, h) { adj(this, pos, (p, r) => addHTML(p, h, r)); }
    insertAdjacentElement(pos, e) { adj(this, pos, (p, r) => insert(p, e, r)); return e; }
    insertAdjacentText(pos, t) { adj(this, pos, (p, r) => insert(p, new Text(t), r)); }
    matches(s) { return matches(this, s); }
    closest(s) { for (let e = this; e && isEl(e); e = e[K].par) if (matches(e, s)) return e; return null; }
    remove() { detach(this); }
    before(...ns) { const p = this[K].par; if (p) for (const n of ns) insert(p, toNode(n), this); }
    after(...ns) { const p = this[K].par, r = this.nextSibling; if (p) for (const n of ns) insert(p, toNode(n), r); }
    replaceWith(...ns) { this.before(...ns); detach(this); }
    click() { if (dispatch(this, mkEv("click", MouseEvent, { bubbles: true, cancelable: true, detail: 1, view: G }))) defaultAction(this, "click"); }
    getBoundingClientRect() { return rect(); }
    getClientRects() { return [rect()]; }
    animate() { return { finished: res(), cancel: nop, play: nop, pause: nop }; }
  }
  const EP = Element.prototype;
  EP.webkitMatchesSelector = EP.matches;
  for (const k of "focus blur scroll scrollTo scrollBy scrollIntoView normalize".split(" ")) EP[k] = nop;
  props(Element, { nodeType: () => 1, tagName: (e) => e[K].tag.toUpperCase(), nodeName: (e) => e[K].tag.toUpperCase(), localName: (e) => e[K].tag, classList: tokens, dataset,
    attributes: (e) => list(Object.entries(e[K].a).map(([name, value]) => ({ name, value, localName: name, nodeName: name, nodeValue: value }))),
    style: (e) => e[K].st || (e[K].st = styleOf(e)), innerHTML: (e) => kids(e).map(serialize).join(""), outerHTML: serialize, innerText: text,
    form: (e) => e.closest("form"), isContentEditable: (e) => e[K].a.contenteditable === "true", offsetParent: () => doc.body,
    ...Object.fromEntries("offsetWidth:120 offsetHeight:24 clientWidth:120 clientHeight:24 scrollWidth:120 scrollHeight:24 offsetTop:0 offsetLeft:0 scrollTop:0 scrollLeft:0".split(" ").map((d) => [d.split(":")[0], () => +d.split(":")[1]])) },
  { style: (e, v) => (e.style.cssText = v), innerText: setText,
    innerHTML: (e, v) => { if (RAW.test(e[K].tag)) return setText(e, v); for (const c of kids(e).slice()) detach(c); addHTML(e, v, null); },
    outerHTML: (e, v) => { const p = e[K].par; if (p) addHTML(p, v, e), detach(e); } });
  function adj(el, pos, f) {
    const p = low(pos), par = el[K].par;
    if (p === "afterbegin" || p === "beforeend") f(el, p === "afterbegin" ? el.firstChild : null);
    else if (par && (p === "beforebegin" || p === "afterend")) f(par, p === "beforebegin" ? el : el.nextSibling);
  }
  function tokens(e) {
    const get = () => cls(e).filter((x) => x), put = (l) => setA(e, "class", l.join(" ")), has = (c) => get().includes(S(c));
    const t = { add: (...c) => put([...new Set(get().concat(c.map(S)))]), remove: (...c) => put(get().filter((x) => !c.map(S).includes(x))), contains: has,
      toggle: (c, f) => ((f = f ?? !has(c)) ? t.add(c) : t.remove(c), f), replace: (a, b) => has(a) && (put(get().map((x) => (x === S(a) ? S(b) : x))), true),
      item: (i) => get()[i] ?? null, forEach: (f, th) => get().forEach(f, th), toString: () => get().join(" "), [Symbol.iterator]: () => get().values() };
    acc(t, "length", () => get().length);
    acc(t, "value", () => e[K].a.class || "", (v) => setA(e, "class", S(v)));
    return t;
  }
  const kebab = (p) => "data-" + S(p).replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
  function dataset(e) { return new Proxy({}, {
    get: (t, p) => (typeof p === "symbol" ? undefined : e[K].a[kebab(p)]),
    set: (t, p, v) => (setA(e, kebab(p), S(v)), true),
    has: (t, p) => kebab(p) in e[K].a,
    deleteProperty: (t, p) => delete e[K].a[kebab(p)],
    ownKeys: () => Object.keys(e[K].a).filter((k) => k.startsWith("data-")).map((k) => camel(k.slice(5))),
    getOwnPropertyDescriptor: (t, p) => (kebab(p) in e[K].a ? { value: e[K].a[kebab(p)], writable: true, enumerable: true, configurable: true } : undefined),
  }); }

  // Attributes: reflected as properties. URLs of the elements that load, link or submit to them
  // are recorded once the element is in the document (images and media: as soon as set, as they
  // load even outside it; a detached <a> parsing a URL for a script records nothing). Meta refresh too.
  const URLA = new Set("script.src img.src img.srcset iframe.src frame.src link.href a.href area.href form.action source.src source.srcset embed.src object.data video.src video.poster audio.src track.src input.src input.formaction button.formaction base.href".split(" "));
  const NOW = /^(img|audio|video)$/;
  function setA(el, n, v) {
    const s = el[K];
    s.a[n] = v;
    if (n === "style") el.style.cssText = v;
    if (NOW.test(s.tag) || conn(el)) urls(el, n);
    if (/^(style|width|height|hidden)$/.test(n) && conn(el)) hiddenFrame(el);
    if (s.tag === "img" && n === "src" && !inert) later(() => dispatch(el, mkEv("load")));
    if (s.tag === "script" && n === "src") runScript(el);
  }
  /** Records the URLs in attribute n of el (in all of them without n). */
  function urls(el, n) {
    const s = el[K], t = s.tag, m = t === "meta" && /refresh/i.test(s.a["http-equiv"]) && /url\s*=\s*['"]?([^'"]+)/i.exec(s.a.content || "");
    if (inert) return;
    for (const k of n ? [n] : Object.keys(s.a)) if (URLA.has(t + "." + k))
      for (const u of k === "srcset" ? s.a[k].split(",").map((x) => x.trim().split(/\s+/)[0]) : [s.a[k]]) if (u.trim()[0] !== "#") net(t + "." + k, u, undefined, "dom");
    if (m && (!n || n === "content" || n === "http-equiv")) nav(m[1].trim(), "meta.refresh");
    if (!n || n === "src") hiddenFrame(el);
  }
  /** Records a frame in the document with a source that cannot be seen, once: injected
   *  redirection and exploit frames are hidden by style or attribute, or made 0-2 px. */
  function hiddenFrame(el) {
    const s = el[K], st = s.st || {}, src = s.a.src;
    if (!/^i?frame$/.test(s.tag) || s.hid || src === undefined || !src.trim() || inert) return;
    const v = (x) => S(x ?? "").replace(/!\s*important/i, "").trim();
    const px = (x) => { const m = /^(-?\d*\.?\d+)\s*(px|pt|em|rem|%|vw|vh)?$/i.exec(v(x)); return m ? +m[1] : NaN; };
    /** Why an element and its content cannot be seen by its own style or attributes. */
    const gone = (e) => {
      const a = e[K].a || {}, t = e[K].st || {};
      return "hidden" in a ? "hidden attribute" : /^none$/i.test(v(t.display)) ? "display: none" : /^(hidden|collapse)$/i.test(v(t.visibility)) ? "visibility: hidden"
        : px(t.opacity) < 0.1 ? "opacity " + px(t.opacity) : /scale\(\s*0*\.?0+\s*[,)]/i.test(v(t.transform)) ? "transform: scale(0)"
        : /^(absolute|fixed)$/i.test(v(t.position)) && (px(t.left) <= -500 || px(t.top) <= -500) ? "off-screen" : "";
    };
    let why = gone(el) || ["width", "height"].map((d) => [d, px(st[d] ?? s.a[d])]).filter(([, n]) => n <= 2).map(([d, n]) => d + " " + n)[0];
    for (let p = s.par; !why && p && p !== doc && p[K]; p = p[K].par) why = gone(p) && "in a hidden " + p[K].tag + " (" + gone(p) + ")";
    if (!why) return;
    s.hid = true;
    emit("dom", s.tag + ".hidden", [src, why]);
  }
  const attrProp = (d, get, set) => { const [p, a = p] = d.split(":"); acc(EP, p, function () { return get(this[K], a, this); }, function (v) { set(this, a, v); }); };
  for (const d of ("id name rel title lang alt target method placeholder autocomplete role charset integrity media sizes enctype accept pattern download allow sandbox srcdoc loading " +
    "min max step width height nonce dir label className:class htmlFor:for httpEquiv:http-equiv crossOrigin:crossorigin referrerPolicy:referrerpolicy frameBorder:frameborder defaultValue:value").split(" "))
    attrProp(d, (s, a) => s.a[a] ?? "", (e, a, v) => setA(e, a, S(v)));
  for (const d of "hidden disabled async defer required multiple autofocus selected open controls autoplay muted loop defaultChecked:checked readOnly:readonly noValidate:novalidate".split(" "))
    attrProp(d, (s, a) => a in s.a, (e, a, v) => (v ? setA(e, a, "") : delete e[K].a[a]));
  for (const d of "src href action data poster formAction:formaction".split(" ")) attrProp(d, (s, a) => (s.a[a] === undefined ? (a === "action" ? href() : "") : resolve(s.a[a])), (e, a, v) => setA(e, a, T(v)));
  const FIELD = /^(input|select|textarea|button|fieldset|output|object)$/;
  props(Element, {
    type: (e) => e[K].a.type ?? (e[K].tag === "input" ? "text" : e[K].tag === "button" ? "submit" : ""), text,
    value: (e) => {
      const s = e[K], o = s.tag === "select" && (e.querySelector("option[selected]") || e.querySelector("option"));
      return s.val ?? (s.tag === "textarea" ? text(e) : o ? o.value : s.tag === "select" ? "" : s.a.value ?? (s.tag === "option" ? text(e) : /^(checkbox|radio)$/i.test(s.a.type) ? "on" : ""));
    },
    checked: (e) => e[K].chk ?? "checked" in e[K].a,
    elements: (e) => { const l = list(all(e, (x) => FIELD.test(x[K].tag))); for (const x of l) { const n = x[K].a.name || x[K].a.id; if (n && !(n in l)) hid(l, n, x); } return l; },
    length: (e) => (e[K].tag === "form" ? e.elements.length : e[K].tag === "select" ? e.options.length : undefined),
    options: (e) => list(all(e, (x) => x[K].tag === "option")), selectedIndex: (e) => Math.max(0, e.options.findIndex((o) => "selected" in o[K].a)),
    contentWindow: (e) => (/^i?frame$/.test(e[K].tag) ? G : undefined), contentDocument: (e) => (/^i?frame$/.test(e[K].tag) ? doc : undefined),
    content: (e) => (e[K].tag === "template" ? e[K].tc || (e[K].tc = new DocumentFragment()) : e[K].a.content ?? ""),
  }, { type: (e, v) => setA(e, "type", S(v)), text: setText, value: (e, v) => (e[K].val = S(v)), checked: (e, v) => (e[K].chk = !!v), content: (e, v) => setA(e, "content", S(v)), selectedIndex: nop });
  class HTMLElement extends Element {}
  const TAGC = OC(null), NAMES = { HTMLElement, Element, Node, Text, Comment, CharacterData, DocumentFragment, CSSStyleDeclaration, SVGElement: HTMLElement };
  NAMES.HTMLMediaElement = class HTMLMediaElement extends HTMLElement { play() { return res(); } pause() {} load() {} canPlayType() { return ""; } };
  for (const d of ("a:Anchor area:Area audio:Audio base:Base body:Body br:BR button:Button canvas:Canvas div:Div embed:Embed form:Form frame:Frame h1:Heading head:Head html:Html " +
    "iframe:IFrame img:Image input:Input label:Label li:LI link:Link meta:Meta object:Object option:Option p:Paragraph script:Script select:Select source:Source span:Span " +
    "style:Style table:Table template:Template textarea:TextArea title:Title ul:UList video:Video").split(" ")) {
    const [t, n] = d.split(":"), full = "HTML" + n + "Element";
    TAGC[t] = NAMES[full] = { [full]: class extends (/^(audio|video)$/.test(t) ? NAMES.HTMLMediaElement : HTMLElement) {} }[full];
  }
  for (const t of "h2 h3 h4 h5 h6".split(" ")) TAGC[t] = TAGC.h1;
  Object.assign(NAMES.HTMLFormElement.prototype, {
    submit() { submitForm(this, "form.submit"); },
    requestSubmit(b) { if (dispatch(this, mkEv("submit", EV.SubmitEvent, { bubbles: true, cancelable: true, submitter: b || null }))) submitForm(this, "form.requestSubmit"); },
    reset() { for (const e of this.elements) delete e[K].val; },
    checkValidity: () => true, reportValidity: () => true,
  });
  // Anchors parse URLs for scripts: a.hostname and such.
  for (const C of [NAMES.HTMLAnchorElement, NAMES.HTMLAreaElement]) for (const k in UG) if (k !== "href") acc(C.prototype, k, function () { return UG[k](parseU(this.href, null) || parseU("", locR)); });
  const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
  Object.assign(NAMES.HTMLCanvasElement.prototype, {
    getContext(t) {
      const c = { canvas: this, measureText: (s) => ({ width: S(s).length * 7 }), getImageData: (x, y, w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(Math.min(4 * w * h, 1 << 22) || 0) }) };
      return /^2d$/i.test(t) ? new Proxy(c, { get: (o, p) => (p in o ? o[p] : typeof p === "symbol" ? undefined : /^create/.test(p) ? () => ({ addColorStop: nop }) : nop) }) : null;
    },
    toDataURL: () => PNG,
    toBlob(cb) { later(() => call(cb, null, [new Blob([atob_(PNG.slice(22))], { type: "image/png" })], "toBlob")); },
  });
  function mk(t) {
    const C = CE.get(t) || TAGC[t] || HTMLElement;
    pend = t;
    try { const e = new C(); ALL.push(e); return e; } finally { pend = null; }
  }

  // Scripts: inline ones run when connected (not those set by innerHTML), src ones fire `load`;
  // so do frames, embeds and stylesheets.
  const JS = /^$|^module$|^(text|application)\/(x-)?(java|ecma)script$|^text\/jscript$/;
  function runScript(el) {
    const s = el[K], code = text(el);
    if (s.tag !== "script" || s.started || !conn(el) || !JS.test(low(s.a.type || "").trim()) || (!("src" in s.a) && !code.trim())) return;
    s.started = true;
    if ("src" in s.a) return void later(() => dispatch(el, mkEv("load")));
    if (depth > 32) return;
    const prev = curScript;
    curScript = el;
    depth++;
    try { call(code, G, [], codeKind); } finally { curScript = prev; depth--; }
  }
  function onConnect(el) {
    const t = el[K].tag;
    if (!NOW.test(t)) urls(el);
    if (t === "script") runScript(el);
    else if (/^(iframe|frame|embed|object)$/.test(t) || (t === "link" && el[K].a.href)) later(() => dispatch(el, mkEv("load")));
  }
  /** What a browser does after an event nobody cancelled: follow links, submit forms, tick boxes. */
  function defaultAction(el, type) {
    const s = el[K], a = type === "click" && el.closest("a[href],area[href]");
    // The page's own links and forms going where its markup says are the browser's doing, not
    // the page's scripts': only one a script has pointed elsewhere is followed.
    const own = (e, k) => e[K].orig && e[K].a[k] === e[K].orig[k];
    if (a && own(a, "href")) return;
    if (type === "submit" && own(el, "action")) return;
    if (a && a[K].a.href.trim()[0] !== "#") nav(a[K].a.href, "a.click");
    else if (type === "click" && /^(input|button)$/.test(s.tag) && /^(submit|image)$/.test(el.type) && el.form) el.form.requestSubmit(el);
    else if (type === "click" && /^(checkbox|radio)$/i.test(s.a.type || "")) s.chk = !el.checked;
    else if (type === "submit" && s.tag === "form" && s.a.action) submitForm(el, "form submit");
  }
  const pairs = (f) => f.elements.filter((e) => e[K].a.name && !("disabled" in e[K].a) && !/^(submit|button|reset|file|image)$/i.test(e.type) && (!/^(checkbox|radio)$/i.test(e.type) || e.checked)).map((e) => [e[K].a.name, e.value]);
  function submitForm(f, api) {
    const act = f[K].a.action, data = new URLSearchParams(pairs(f)).toString(), u = act ? resolve(act) : href();
    if (!act) emit("network", api, [u, data]); // to the page itself
    else if (/^post$/i.test(f[K].a.method)) net(api, u, data);
    else net(api, u.replace(/[?#].*$/, "") + "?" + data);
  }

  // ---- DOM: HTML parsing and serialisation -------------------------------------------------
  const VOID = /^(area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)$/;
  const RAW = /^(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript)$/;
  const ENT = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", copy: "\u00a9" };
  const unent = (s) => s.replace(/&(#x[\da-f]+|#\d+|[a-z]+);?/gi, (m, e) => {
    try { return e[0] !== "#" ? ENT[e.toLowerCase()] ?? m : String.fromCodePoint(/x/i.test(e[1]) ? parseInt(e.slice(2), 16) : +e.slice(1)); } catch (x) { return "\ufffd"; }
  });
  /** Parses HTML into a detached DocumentFragment (html, head and body tags are dropped). */
  /** Parses markup into a fragment; elements nest at most `cap` deep (deeper ones are their
   *  ancestor's siblings), and a <p>, <li> and the like ends an open one of its kind. */
  function parseHTML(html, cap = Infinity) {
    html = S(html);
    const f = new DocumentFragment(), stack = [f], add = (n, p = stack.at(-1)) => { n[K].par = p; kids(p).push(n); };
    const re = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\?[^>]*>?|<\/([a-zA-Z][^\s/<>]*)[^<>]*>|<([a-zA-Z][^\s/<>]*)((?:[^<>"']|"[^"]*"|'[^']*')*)>/g;
    for (let last = 0, m; ; ) {
      m = re.exec(html);
      if ((m ? m.index : html.length) > last) add(new Text(unent(html.slice(last, m ? m.index : html.length))));
      if (!m) return f;
      last = re.lastIndex;
      const t = (m[1] || m[2] || "").toLowerCase();
      if (!t || /^(html|head|body)$/.test(t)) continue;
      if (m[1]) { const i = stack.findLastIndex((e, i) => i && e[K].tag === t); if (i > 0) stack.length = i; continue; }
      if (/^(p|li|dt|dd|option|tr|td|th)$/.test(t) && stack.length > 1 && stack.at(-1)[K].tag === t) stack.pop();
      const el = mk(t), ar = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
      for (let a; (a = ar.exec(m[3])); ) if (!(low(a[1]) in el[K].a)) setA(el, low(a[1]), unent(a[2] ?? a[3] ?? a[4] ?? ""));
      add(el);
      if (RAW.test(t)) { // raw text up to the end tag
        const er = new RegExp("</" + t + "[\\s/>]", "ig");
        er.lastIndex = last;
        const e = er.exec(html), j = e ? e.index : html.length;
        if (j > last) add(new Text(/^(textarea|title)$/.test(t) ? unent(html.slice(last, j)) : html.slice(last, j)), el);
        last = re.lastIndex = e ? html.indexOf(">", j) + 1 || html.length : html.length;
      } else if (!VOID.test(t) && stack.length <= cap) stack.push(el);
    }
  }
  /** innerHTML & co.: URLs are recorded; scripts are recorded but, as in browsers, not run. */
  function addHTML(p, h, ref) {
    const f = parseHTML(h);
    for (const e of all(f, (e) => e[K].tag === "script")) { e[K].started = true; if (text(e).trim() && !inert) A.recordCode("innerHTML script", text(e)); }
    insert(p, f, ref);
  }
  const esc = (s, re) => s.replace(re, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\u00a0": "&nbsp;" })[c]);
  function serialize(n) {
    const s = n[K];
    if (n.nodeType === 3) return s.par && RAW.test(s.par[K].tag) ? s.data : esc(s.data, /[&<>\u00a0]/g);
    if (n.nodeType === 8) return "<!--" + s.data + "-->";
    const inner = kids(n).map(serialize).join("");
    if (!isEl(n)) return inner;
    return "<" + s.tag + Object.entries(s.a).map(([k, v]) => " " + k + '="' + esc(v, /[&"]/g) + '"').join("") + ">" + (VOID.test(s.tag) ? "" : inner + "</" + s.tag + ">");
  }

  // ---- DOM: selectors ----------------------------------------------------------------------
  // A selector list becomes [[{c: combinator before, t: tag, id, cl: classes, at: [name, op, value, ci], ps: pseudo-classes}]].
  const SELC = new Map();
  const SEL = /^(?:\s*([>+~,])\s*|(\s+)|(\*|[\w\u00a0-\uffff-]+)|#((?:[\w\u00a0-\uffff-]|\\.)+)|\.((?:[\w\u00a0-\uffff-]|\\.)+)|\[\s*([^\s~|^$*!=\]]+)\s*(?:([~|^$*!]?=)\s*(?:"([^"]*)"|'([^']*)'|([^\s\]]*))\s*([iIsS])?\s*)?\]|::?([\w-]+)(?:\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\))?)/;
  function parseSel(sel) {
    sel = S(sel);
    if (SELC.has(sel)) return SELC.get(sel);
    const out = [[]], bad = () => new DOMException("'" + sel + "' is not a valid selector.", "SyntaxError"), un = (s) => s.replace(/\\(.)/g, "$1");
    let comp = null, comb = "", s = sel.trim(), m;
    while (s) {
      if (!(m = SEL.exec(s)) || !m[0]) throw bad();
      s = s.slice(m[0].length);
      if (m[1] === ",") out.push([]);
      if (m[1] || m[2]) { comb = m[1] === "," ? "" : m[1] || " "; comp = null; continue; }
      if (!comp) out.at(-1).push((comp = { c: comb, t: null, id: null, cl: [], at: [], ps: [] }));
      if (m[3]) comp.t = m[3].toLowerCase();
      else if (m[4]) comp.id = un(m[4]);
      else if (m[5]) comp.cl.push(un(m[5]));
      else if (m[6]) comp.at.push([m[6].toLowerCase(), m[7] || "", m[8] ?? m[9] ?? m[10] ?? "", /i/i.test(m[11] || "")]);
      else comp.ps.push([m[12].toLowerCase(), m[13]]);
    }
    if (out.some((x) => !x.length)) throw bad();
    if (SELC.size > 500) SELC.clear();
    SELC.set(sel, out);
    return out;
  }
  function nth(f, i) {
    const m = /^([+-]?\d*)n([+-]\d+)?$/.exec((f = S(f).replace(/\s/g, "").toLowerCase().replace(/^odd$/, "2n+1").replace(/^even$/, "2n")));
    if (!m) return i === +f;
    const a = m[1] === "" || m[1] === "+" ? 1 : m[1] === "-" ? -1 : +m[1], b = +(m[2] || 0);
    return a === 0 ? i === b : (i - b) / a >= 0 && (i - b) % a === 0;
  }
  function pseudo(el, p, arg) {
    const s = el[K], sibs = s.par ? elKids(s.par) : [el], ty = sibs.filter((n) => n[K].tag === s.tag), f = /first|only/.test(p), l = /last|only/.test(p);
    if (p === "not") return !matches(el, arg);
    if (/^(is|where|matches|any)$/.test(p)) return matches(el, arg);
    if (p === "has") return qsa(el, arg, true).length > 0;
    if (/^(first|last|only)-(child|of-type)$/.test(p)) { const g = /type/.test(p) ? ty : sibs; return (!f || g[0] === el) && (!l || g.at(-1) === el); }
    if (/^nth-/.test(p)) { const g = /type/.test(p) ? ty : sibs, i = g.indexOf(el); return nth(arg, /last/.test(p) ? g.length - i : i + 1); }
    return p === "checked" ? !!el.checked || "selected" in s.a : p === "disabled" || p === "required" ? p in s.a : p === "enabled" ? FIELD.test(s.tag) && !("disabled" in s.a)
      : p === "empty" ? !kids(el).length : p === "root" ? s.tag === "html" : p === "link" || p === "any-link" ? /^(a|area)$/.test(s.tag) && "href" in s.a : p === "scope" || p === "defined";
  }
  function mComp(el, c) {
    const s = el[K], a = s.a;
    if ((c.t && c.t !== "*" && c.t !== s.tag) || (c.id !== null && a.id !== c.id) || c.cl.some((k) => !cls(el).includes(k))) return false;
    for (const [n, op, v, ci] of c.at) {
      const x = ci ? low(a[n] ?? "") : a[n], w = ci ? low(v) : v;
      if (a[n] === undefined) return false;
      if (op && !(op === "=" ? x === w : op === "~=" ? x.split(/\s+/).includes(w) : op === "|=" ? x === w || x.startsWith(w + "-") : op === "!=" ? x !== w
        : w !== "" && (op === "^=" ? x.startsWith(w) : op === "$=" ? x.endsWith(w) : x.includes(w)))) return false;
    }
    return c.ps.every(([p, arg]) => pseudo(el, p, arg));
  }
  function mCx(el, cx, i) {
    if (!mComp(el, cx[i])) return false;
    if (i === 0) return true;
    const c = cx[i].c, next = c === "+" || c === "~" ? (n) => sib(n, -1, 1) : pEl;
    for (let p = next(el); p; p = c === ">" || c === "+" ? null : next(p)) if (mCx(p, cx, i - 1)) return true;
    return false;
  }
  const matches = (el, sel) => parseSel(sel).some((cx) => mCx(el, cx, cx.length - 1));
  const qsa = (root, sel, first) => { const cxs = parseSel(sel); return all(root, (e) => cxs.some((cx) => mCx(e, cx, cx.length - 1)), first); };

  // ---- DOM: document -----------------------------------------------------------------------
  const jar = new Map(); // cookies
  let readyState = "loading", hidden = false, wdepth = 0;
  const byTag = (d, t) => d.getElementsByTagName(t), first = (d, t) => all(d, (e) => e[K].tag === t, true)[0] || null;
  class Document extends Node {
    constructor() { super(); const h = insert(this, mk("html"), null); insert(h, mk("head"), null); insert(h, mk("body"), null); }
    createElement(t) { return mk(low(t)); }
    createElementNS(ns, t) { return mk(low(t)); }
    createTextNode(s) { return new Text(s); }
    createComment(s) { return new Comment(s); }
    createDocumentFragment() { return new DocumentFragment(); }
    createEvent(t) { return new (EV[S(t).replace(/s$/, "")] || Event)(""); }
    createRange() {
      let node = null;
      return { selectNodeContents: (n) => (node = n), selectNode: (n) => (node = n), setStart: nop, setEnd: nop, collapse: nop, getBoundingClientRect: rect, createContextualFragment: parseHTML,
        cloneContents: () => new DocumentFragment(), toString: () => (node && node[K] ? text(node) : "") };
    }
    getElementById(id) { return all(this, (e) => e[K].a.id === S(id), true)[0] || null; }
    getElementsByName(n) { return list(all(this, (e) => e[K].a.name === S(n))); }
    write(...a) { docWrite(a.join("")); }
    writeln(...a) { docWrite(a.join("") + "\n"); }
    open() { return this; }
    close() {}
    hasFocus() { return true; }
    execCommand(c) {
      if (!/^(copy|cut)$/i.test(S(c))) return false;
      // As a browser does: a `copy` event first; what its listeners set is what is copied.
      let set = false;
      const data = { setData: (f, v) => ((set = true), clip(v, "clipboardData.setData")), getData: () => "", clearData: nop, types: [] };
      const ev = new EV.ClipboardEvent(low(S(c)), { bubbles: true, cancelable: true, composed: true, clipboardData: data });
      ev.isTrusted = true;
      dispatch(selected || this.body || this, ev);
      if (!set) clip(selected ? S(selected.value) : selText, "document.execCommand");
      selected = null;
      return true;
    }
    queryCommandSupported(c) { return /^(copy|cut|paste|selectAll|insertText|delete|undo|redo)$/i.test(S(c)); }
    queryCommandEnabled(c) { return this.queryCommandSupported(c); }
    getSelection() { return G.getSelection(); }
    elementFromPoint() { return this.body; }
    importNode(n, d) { return cloneN(n, d); }
    adoptNode(n) { detach(n); return n; }
    get cookie() { return [...jar].map(([k, v]) => (k ? k + "=" + v : v)).join("; "); }
    set cookie(v) {
      const s = S(v), [nv, ...attrs] = s.split(";"), i = nv.indexOf("="), k = i < 0 ? "" : nv.slice(0, i).trim(), val = nv.slice(i + 1).trim();
      emit("dom", "document.cookie", [s]);
      const at = Object.fromEntries(attrs.map((a) => [low(a.split("=")[0]).trim(), a.slice(a.indexOf("=") + 1).trim()]));
      if ("httponly" in at) return;
      if (+at["max-age"] <= 0 || Date.parse(at.expires) < A.now()) jar.delete(k); else jar.set(k, val);
    }
    get location() { return loc; }
    set location(v) { nav(v, "document.location"); }
    get title() { const t = this.querySelector("title"); return t ? text(t).trim() : ""; }
    set title(v) { const t = this.querySelector("title") || (this.head && insert(this.head, mk("title"), null)); if (t) setText(t, v); }
  }
  props(Document, { nodeType: () => 9, nodeName: () => "#document", documentElement: (d) => kids(d).find(isEl) || null, head: (d) => first(d, "head"), body: (d) => first(d, "body"),
    readyState: () => readyState, URL: href, documentURI: href, currentScript: () => curScript, defaultView: () => G, visibilityState: () => (hidden ? "hidden" : "visible"),
    hidden: () => hidden, activeElement: (d) => (d === doc && focused) || d.body, scrollingElement: (d) => d.documentElement, forms: (d) => byTag(d, "form"), images: (d) => byTag(d, "img"),
    scripts: (d) => byTag(d, "script"), anchors: (d) => byTag(d, "a"), embeds: (d) => byTag(d, "embed"), links: (d) => list(all(d, (e) => /^(a|area)$/.test(e[K].tag) && "href" in e[K].a)),
    implementation: () => ({ createHTMLDocument: () => new Document(), hasFeature: () => true }), fonts: () => ({ ready: res(), check: () => true, load: () => res([]) }),
    ...Object.fromEntries(Object.entries({ referrer: "", domain: "page.test", characterSet: "UTF-8", charset: "UTF-8", contentType: "text/html", compatMode: "CSS1Compat", designMode: "off", dir: "" }).map(([k, v]) => [k, () => v])) },
    { domain: nop, designMode: nop, dir: nop });
  function docWrite(h) {
    emit("dom", "document.write", [(h = S(h))]);
    if (wdepth > 20) return;
    const pk = codeKind;
    wdepth++;
    codeKind = "document.write";
    try { insert(doc.body || doc.documentElement || doc, parseHTML(h), null); } finally { wdepth--; codeKind = pk; }
  }
  class DOMParser { parseFromString(s) { const d = new Document(); inert = true; try { insert(d.body, parseHTML(s), null); } finally { inert = false; } return d; } }
  class XMLSerializer { serializeToString(n) { return serialize(n); } }
  class DOMException extends Error { constructor(m, n) { super(m === undefined ? "" : S(m)); this.name = n === undefined ? "Error" : S(n); this.code = 0; } }

  // The page: <html><head><script (running)><title>Checkout</title></head><body><form (card fields)></body></html>.
  inert = true;
  doc = new Document();
  const mainScript = insert(doc.head, mk("script"), null), card = mk("form");
  mainScript[K].started = true;
  curScript = mainScript;
  doc.title = "Checkout";
  Object.assign(card[K].a, { id: "payment-form", name: "checkout", method: "post" });
  for (const [n, type, autocomplete, value] of [["cardnumber", "text", "cc-number", "4111111111111111"], ["cc-exp", "text", "cc-exp", "12/29"], ["cvv", "text", "cc-csc", "123"],
    ["name", "text", "cc-name", "John Smith"], ["email", "email", "email", "john.smith@mail.test"], ["password", "password", "current-password", "Passw0rd!"], ["pay", "submit"]])
    Object.assign(insert(card, mk(n === "pay" ? "button" : "input"), null)[K].a, { name: n, id: n, type, autocomplete, value });
  insert(doc.body, card, null);
  const cardInput = kids(card)[0], cardBtn = kids(card).at(-1);
  delete cardBtn[K].a.autocomplete;
  inert = false;

  // The page's own markup (`A.page`, from the analyzer: an HTML page or HTA whose scripts are
  // the run's blocks) is in the document before its scripts run, before the checkout form:
  // inert (its scripts run as the blocks, nothing loads), except that a frame it hides is
  // recorded. Its inline handlers (`onclick="..."`) run with the page's and the user's events,
  // <body>'s window handlers (`<body onload="...">`) are the window's, and an element's id
  // names it on the window (`oHTA` in an HTA), as in browsers.
  const WIN_ON = /^on(load|unload|beforeunload|pagehide|pageshow|message|hashchange|popstate|resize|scroll|focus|blur|error|online|offline|storage)$/;
  A.atStart(() => {
    const page = S(A.page || "");
    if (!page) return;
    const body = /<body\b((?:[^<>"']|"[^"]*"|'[^']*')*)>/i.exec(page);
    // Straight into the parent (inert: nothing to do as each element connects), nested at most
    // 48 deep; each element remembers where its markup pointed.
    const put = (p, h, ref) => {
      const f = parseHTML(h, 48), ks = kids(f), pk = kids(p), at = ref ? pk.indexOf(ref) : -1;
      for (const e of all(f, () => true)) {
        const s = e[K];
        s.page = true;
        s.orig = { href: s.a.href, action: s.a.action };
        if (s.tag === "script") s.started = true;
      }
      for (const c of ks) c[K].par = p;
      const merged = at < 0 ? pk.concat(ks) : pk.slice(0, at).concat(ks, pk.slice(at));
      pk.length = 0;
      for (const c of merged) pk.push(c);
      ks.length = 0;
    };
    inert = true;
    try {
      if (body) {
        put(doc.head, page.slice(0, body.index), null);
        put(doc.body, page.slice(body.index + body[0].length), card);
        const ar = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
        for (let a; (a = ar.exec(body[1])); ) {
          const n = low(a[1]), v = unent(a[2] ?? a[3] ?? a[4] ?? "");
          if (WIN_ON.test(n)) G[n] = v;
          else setA(doc.body, n, v);
        }
      } else put(doc.body, page, card);
    } finally {
      inert = false;
    }
    for (const e of all(doc, (e) => /^i?frame$/.test(e[K].tag))) hiddenFrame(e);
    // What a browser's loading does to the page's elements with load and error handlers
    // (`<img src=x onerror="...">`, `<svg onload="...">`): the first hundred of them.
    all(doc, (e) => e[K].page && ("onerror" in e[K].a || "onload" in e[K].a)).slice(0, 100)
      .forEach((e) => later(() => dispatch(e, mkEv("onerror" in e[K].a ? "error" : "load"))));
    for (const e of all(doc, (e) => e[K].a.id !== undefined)) {
      const id = e[K].a.id;
      if (/^[A-Za-z_$][\w$]*$/.test(id) && !(id in G)) G[id] = e;
    }
  });

  // ---- network -----------------------------------------------------------------------------
  function bytesOf(x) {
    const u = x instanceof ArrayBuffer ? new Uint8Array(x) : ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : null;
    let s = "";
    for (let i = 0; u && i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
    return u && s;
  }
  /** The text of a request body (Blob, FormData, URLSearchParams, bytes as latin1). */
  function bodyText(b) {
    if (b == null) return undefined;
    if (b instanceof Blob) return b[K].s;
    if (b instanceof URLSearchParams || b instanceof FormData) return b.toString();
    return bytesOf(b) ?? S(b);
  }
  const utf8 = (s) => { try { return unescape(encodeURIComponent(s)); } catch (e) { return s; } };
  const u8 = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 255);
  class Blob {
    constructor(parts, o) { hid(this, K, { s: Array.from(parts || [], (p) => (p instanceof Blob ? p[K].s : bytesOf(p) ?? S(p))).join(""), t: low((o && o.type) || "") }); }
    get size() { return utf8(this[K].s).length; }
    get type() { return this[K].t; }
    text() { return res(this[K].s); }
    arrayBuffer() { return res(u8(utf8(this[K].s)).buffer); }
    slice(a, b, t) { return new Blob([this[K].s.slice(a, b)], { type: t }); }
  }
  class FormData extends URLSearchParams {
    constructor(f) { super(f && f[K] && f[K].tag === "form" ? pairs(f) : undefined); }
    append(k, v) { this[K].l.push([S(k), v instanceof Blob ? v : S(v)]); }
  }
  const blobs = new Map(); // blob: URL -> Blob
  const uuid = () => "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) => (c ^ ((Math.random() * 16) >> (c / 4))).toString(16));
  URL.createObjectURL = function createObjectURL(b) { const u = "blob:" + ORIGIN + "/" + uuid(); blobs.set(u, b); emit("dom", "URL.createObjectURL", [u, bodyText(b)]); return u; };
  URL.revokeObjectURL = function revokeObjectURL(u) { blobs.delete(S(u)); };
  /** The code behind a blob: or data: URL, or null. */
  function localCode(u) {
    const b = blobs.get(u), m = /^\s*data:([^,]*?)(;base64)?,([\s\S]*)$/i.exec(u);
    if (b || !m) return b ? bodyText(b) ?? "" : null;
    try { return m[2] ? atob_(decodeURIComponent(m[3])) : decodeURIComponent(m[3]); } catch (e) { return m[3]; }
  }
  class Headers extends Map {
    constructor(h) { super(); for (const [k, v] of !h ? [] : typeof h[Symbol.iterator] === "function" ? h : Object.entries(h)) this.append(k, v); }
    append(k, v) { this.set(k, this.has(k) ? this.get(k) + ", " + S(v) : v); }
    set(k, v) { return super.set(low(k), S(v)); }
    get(k) { return super.get(low(k)) ?? null; }
    has(k) { return super.has(low(k)); }
    delete(k) { return super.delete(low(k)); }
  }
  class Body {
    text() { this.bodyUsed = true; return res(bodyText(this[K]) ?? ""); }
    json() { return this.text().then(JSON.parse); }
    arrayBuffer() { return this.text().then((t) => u8(utf8(t)).buffer); }
    blob() { return this.text().then((t) => new Blob([t])); }
    formData() { return this.text().then((t) => new FormData(t)); }
  }
  class Request extends Body {
    constructor(i, o = {}) {
      super();
      const r = i instanceof Request ? i : {};
      Object.assign(this, { url: r.url || resolve(i), method: S(o.method || r.method || "GET").toUpperCase(), headers: new Headers(o.headers || r.headers), mode: o.mode || "cors",
        credentials: o.credentials || "same-origin", cache: "default", redirect: "follow", referrer: "about:client", signal: o.signal || null });
      hid(this, K, o.body ?? r[K]);
    }
    clone() { return new Request(this); }
  }
  class Response extends Body {
    constructor(b, o = {}) {
      super();
      const st = o.status ?? 200;
      Object.assign(this, { status: st, ok: st >= 200 && st < 300, statusText: o.statusText ?? (st === 200 ? "OK" : ""), headers: new Headers(o.headers || { "content-type": "text/plain;charset=UTF-8" }),
        url: o.url || "", redirected: false, type: "basic", body: null, bodyUsed: false });
      hid(this, K, b);
    }
    clone() { return new Response(this[K], this); }
    static json(d, o) { return new Response(JSON.stringify(d), o); }
    static error() { return new Response("", { status: 0 }); }
  }
  function fetch(input, init) {
    const rq = new Request(input, init);
    net("fetch", rq.url, rq[K]);
    return res(new Response(BODY, { url: rq.url }));
  }
  class XMLHttpRequestEventTarget extends EventTarget {}
  class XMLHttpRequest extends XMLHttpRequestEventTarget {
    constructor() {
      super();
      Object.assign(this, { readyState: 0, status: 0, statusText: "", responseText: "", response: "", responseType: "", responseURL: "", responseXML: null, timeout: 0, withCredentials: false,
        upload: new XMLHttpRequestEventTarget(), onreadystatechange: null, onload: null, onloadend: null, onloadstart: null, onprogress: null, onerror: null, onabort: null, ontimeout: null });
      hid(this, K, { h: {} });
    }
    open(m, u, async) { Object.assign(this[K], { m: S(m).toUpperCase(), u: T(u), async: async !== false }); this.readyState = 1; fire(this, mkEv("readystatechange")); }
    setRequestHeader(k, v) { this[K].h[S(k)] = S(v); }
    send(b) {
      const st = this[K];
      if (this.readyState !== 1) throw new DOMException("The object's state must be OPENED.", "InvalidStateError");
      net("XMLHttpRequest.send", st.u, /^(GET|HEAD)$/.test(st.m) ? undefined : b);
      const done = (t = this.responseType) => {
        Object.assign(this, { readyState: 4, status: 200, statusText: "OK", responseURL: resolve(st.u), responseText: t === "" || t === "text" ? BODY : "",
          response: t === "json" ? JSON.parse(BODY) : t === "arraybuffer" ? u8(BODY).buffer : t === "blob" ? new Blob([BODY]) : t === "document" ? new DOMParser().parseFromString(BODY) : BODY });
        for (const e of ["readystatechange", "load", "loadend"]) fire(this, mkEv(e, EV.ProgressEvent, { loaded: BODY.length, total: BODY.length, lengthComputable: true }));
      };
      if (st.async) later(done); else done();
    }
    abort() {}
    overrideMimeType() {}
    getResponseHeader(h) { return /^content-type$/i.test(h) ? "text/plain;charset=UTF-8" : null; }
    getAllResponseHeaders() { return this.readyState === 4 ? "content-type: text/plain;charset=UTF-8\r\n" : ""; }
  }
  class WebSocket extends EventTarget {
    constructor(url) {
      super();
      Object.assign(this, { url: resolve(url), readyState: 0, protocol: "", extensions: "", bufferedAmount: 0, binaryType: "blob", onopen: null, onmessage: null, onerror: null, onclose: null });
      net("WebSocket", this.url);
      later(() => { if (!this.readyState) (this.readyState = 1), fire(this, mkEv("open")); });
    }
    send(d) { net("WebSocket.send", this.url, bodyText(d) ?? S(d)); }
    close(c, r) {
      if (this.readyState > 1) return;
      this.readyState = 2;
      later(() => { this.readyState = 3; fire(this, mkEv("close", EV.CloseEvent, { code: c || 1000, reason: S(r ?? ""), wasClean: true })); });
    }
  }
  ["UNSENT", "OPENED", "HEADERS_RECEIVED", "LOADING", "DONE"].forEach((k, i) => (XMLHttpRequest[k] = XMLHttpRequest.prototype[k] = i));
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach((k, i) => (WebSocket[k] = WebSocket.prototype[k] = i));
  class EventSource extends EventTarget {
    constructor(u) { super(); Object.assign(this, { url: resolve(u), readyState: 1, onopen: null, onmessage: null, onerror: null }); net("EventSource", u); later(() => fire(this, mkEv("open"))); }
    close() { this.readyState = 2; }
  }
  function importScripts(...urls) {
    for (const u of urls.map(S)) { const code = localCode(u); if (code === null) net("importScripts", u); else call(code, G, [], "importScripts"); }
  }

  // ---- storage -----------------------------------------------------------------------------
  const SMAP = new WeakMap(), SM = (o) => SMAP.get(o) || { m: new Map(), n: "Storage" };
  class Storage {
    get length() { return SM(this).m.size; }
    key(i) { return [...SM(this).m.keys()][i] ?? null; }
    getItem(k) { return SM(this).m.get(S(k)) ?? null; }
    setItem(k, v) { const s = SM(this); emit("dom", s.n + ".setItem", [k, v]); s.m.set(S(k), S(v)); }
    removeItem(k) { SM(this).m.delete(S(k)); }
    clear() { SM(this).m.clear(); }
  }
  /** A Storage whose items are also its properties (localStorage.foo). */
  function mkStorage(n) {
    const m = new Map(), t = OC(Storage.prototype), own = (p) => typeof p === "symbol" || p in t;
    const px = new Proxy(t, {
      get: (t, p, r) => (own(p) ? Reflect.get(t, p, r) : m.get(p)),
      set: (t, p, v, r) => (own(p) ? Reflect.set(t, p, v, r) : r.setItem(p, v), true),
      has: (t, p) => own(p) || m.has(p),
      deleteProperty: (t, p) => m.delete(p) || true,
      ownKeys: () => [...m.keys()],
      getOwnPropertyDescriptor: (t, p) => (m.has(p) ? { value: m.get(p), writable: true, enumerable: true, configurable: true } : undefined),
    });
    SMAP.set(px, { m, n });
    return px;
  }

  // ---- workers & service worker ------------------------------------------------------------
  // blob: and data: workers run in this realm inside `with (scope)`, so that their globals (self,
  // onmessage, postMessage, importScripts) are the worker's; other worker URLs are recorded.
  const GenFn = A.original.GeneratorFunction; // compiles without recording the code a second time
  function spawn(owner, api, url, port) {
    const u = S(url), code = localCode(u), st = { W: null, dead: false };
    if (code === null) net(api, u); else emit("other", api, [u]);
    later(() => {
      if (code === null || st.dead) return;
      const W = (st.W = OC(null));
      Object.assign(W, { self: W, name: "", onmessage: null, onerror: null, onconnect: null, document: undefined, window: undefined, importScripts, location: new URL(u),
        postMessage: (d) => later(() => st.dead || fire(owner, mkEv("message", MessageEvent, { data: d }))), close: () => (st.dead = true),
        addEventListener: (t, f, o) => addL(W, t, f, o), removeEventListener: (t, f, o) => rmL(W, t, f, o), dispatchEvent: (e) => fire(W, e) });
      A.recordCode(api, code);
      call(() => GenFn("with (this) {\n" + code + "\n;if (typeof onmessage == 'function') self.onmessage = onmessage; if (typeof onconnect == 'function') self.onconnect = onconnect;\n}").call(W).next(), null, [], api);
      if (port) fire(W, mkEv("connect", MessageEvent, { ports: [port], source: port }));
    });
    return (d) => later(() => st.W && !st.dead && fire(st.W, mkEv("message", MessageEvent, { data: d })));
  }
  class Worker extends EventTarget {
    constructor(u) { super(); Object.assign(this, { onmessage: null, onerror: null }); hid(this, K, spawn(this, "Worker", u, null)); }
    postMessage(d) { this[K](d); }
    terminate() { this[K] = nop; }
  }
  class MessagePort extends EventTarget {
    constructor() { super(); this.onmessage = null; }
    postMessage(d) { const o = this[K]; if (o) later(() => fire(o, mkEv("message", MessageEvent, { data: d }))); }
    start() {}
    close() {}
  }
  class MessageChannel { constructor() { const a = new MessagePort(), b = new MessagePort(); hid(a, K, b); hid(b, K, a); Object.assign(this, { port1: a, port2: b }); } }
  class SharedWorker extends EventTarget { constructor(u) { super(); const ch = new MessageChannel(); this.port = ch.port1; spawn(this, "SharedWorker", u, ch.port2); } }
  const CS = new Map(), rqURL = (r) => resolve(r instanceof Request ? r.url : r); // caches by name
  class Cache {
    add(r) { net("Cache.add", rqURL(r)); return res(); }
    addAll(rs) { for (const r of rs) net("Cache.addAll", rqURL(r)); return res(); }
    put(r, v) { net("Cache.put", rqURL(r)); this[K].set(rqURL(r), v); return res(); }
    match(r) { return res(this[K].get(rqURL(r))); }
    matchAll() { return res([...this[K].values()]); }
    delete(r) { return res(this[K].delete(rqURL(r))); }
    keys() { return res([...this[K].keys()].map((u) => new Request(u))); }
  }
  const caches = { open: (n) => { if (!CS.has(S(n))) CS.set(S(n), hid(new Cache(), K, new Map())); return res(CS.get(S(n))); },
    has: (n) => res(CS.has(S(n))), delete: (n) => res(CS.delete(S(n))), keys: () => res([...CS.keys()]), match: () => res(undefined) };
  const registration = { scope: ORIGIN + "/", installing: null, waiting: null, active: { scriptURL: ORIGIN + "/sw.js", state: "activated", postMessage: nop }, update: () => res(),
    unregister: () => res(true), showNotification: (t) => (emit("dom", "showNotification", [t]), res()), getNotifications: () => res([]), addEventListener: nop,
    pushManager: { subscribe: () => res({ endpoint: "", toJSON: () => ({}) }), getSubscription: () => res(null) } };
  const clients = { claim: () => res(), matchAll: () => res([]), get: () => res(undefined), openWindow: (u) => (nav(u, "clients.openWindow"), res(null)) };

  // ---- window ------------------------------------------------------------------------------
  class Window extends EventTarget {}
  Object.setPrototypeOf(G, Window.prototype); // window.addEventListener & co.
  class Location {
    assign(u) { nav(u, "location.assign"); }
    replace(u) { nav(u, "location.replace"); }
    reload() { emit("dom", "location.reload", [href()]); }
    toString() { return href(); }
  }
  for (const k in UG) acc(Location.prototype, k, () => UG[k](locR), k === "origin" ? undefined : (v) => (k === "href" ? nav(v, "location.href") : nav(ser(setPart(locR, k, v) || locR), "location." + k)));
  const loc = new Location();
  const plugins = list(["PDF Viewer", "Chrome PDF Viewer", "Chromium PDF Viewer", "Microsoft Edge PDF Viewer", "WebKit built-in PDF"].map((name) => ({ name, filename: "internal-pdf-viewer", description: "Portable Document Format", length: 2 })));
  hid(plugins, "namedItem", (n) => plugins.find((p) => p.name === n) || null);
  hid(plugins, "refresh", nop);
  const NAV = { userAgent: UA, appVersion: UA.slice(8), appName: "Netscape", appCodeName: "Mozilla", product: "Gecko", productSub: "20030107", vendor: "Google Inc.", vendorSub: "",
    platform: "Win32", language: "en-US", languages: ["en-US", "en"], webdriver: false, hardwareConcurrency: 8, deviceMemory: 8, maxTouchPoints: 0, cookieEnabled: true, onLine: true,
    pdfViewerEnabled: true, doNotTrack: null, plugins, mimeTypes: list([{ type: "application/pdf", suffixes: "pdf", description: "Portable Document Format", enabledPlugin: plugins[0] }]),
    connection: { effectiveType: "4g", downlink: 10, rtt: 50, saveData: false, addEventListener: nop },
    userAgentData: { brands: [{ brand: "Chromium", version: "124" }, { brand: "Google Chrome", version: "124" }, { brand: "Not-A.Brand", version: "99" }], mobile: false, platform: "Windows",
      getHighEntropyValues: () => res({ platform: "Windows", platformVersion: "10.0.0", architecture: "x86", bitness: "64", uaFullVersion: "124.0.6367.91" }) },
    serviceWorker: { controller: null, ready: res(registration), getRegistrations: () => res([]), getRegistration: () => res(undefined), addEventListener: nop,
      register: (u) => (net("navigator.serviceWorker.register", u), res(registration)) },
    clipboard: { writeText: (t) => (clip(t, "navigator.clipboard.writeText"), res()), readText: () => (read("navigator.clipboard.readText"), res(WALLET)),
      write: (items) => itemsText(items).then((t) => clip(t, "navigator.clipboard.write")),
      read: () => (read("navigator.clipboard.read"), res([new ClipboardItem({ "text/plain": WALLET })])) },
    permissions: { query: () => res({ state: "prompt", onchange: null }) } };
  class Navigator {
    sendBeacon(u, d) { net("navigator.sendBeacon", u, d); return true; }
    javaEnabled() { return false; }
    vibrate() { return true; }
    getBattery() { return res({ charging: true, level: 1, chargingTime: 0, dischargingTime: Infinity, addEventListener: nop }); }
    getGamepads() { return []; }
  }
  props(Navigator, Object.fromEntries(Object.keys(NAV).map((k) => [k, () => NAV[k]])));
  // A page rarely asks whether a browser is automated; anti-analysis code does (recorded once).
  let probed = false;
  acc(Navigator.prototype, "webdriver", () => (probed || ((probed = true), emit("dom", "navigator.webdriver", [])), false));
  const hist = { length: 1, state: null, scrollRestoration: "auto", back: nop, forward: nop, go: nop,
    pushState(s, t, u) { hst(s, u, "history.pushState"); this.length++; }, replaceState(s, t, u) { hst(s, u, "history.replaceState"); } };
  function hst(s, u, api) { // moves the page's URL within its origin, loads nothing
    const r = u == null ? null : parseU(u, locR);
    hist.state = s ?? null;
    emit("dom", api, [u]);
    if (r && origin(r) === origin(locR)) locR = r;
  }
  function matchMedia(q) {
    const m = /(min|max)-(width|height):\s*(\d+)/.exec((q = S(q))), v = m && (m[2] === "width" ? 1920 : 969);
    return { media: q, matches: m ? (m[1] === "min" ? v >= +m[3] : v <= +m[3]) : /light|screen|fine|hover/.test(q) && !/not /.test(q), onchange: null, addListener: nop, removeListener: nop, addEventListener: nop, removeEventListener: nop };
  }
  const observer = (n) => ({ [n]: class { constructor(cb) { hid(this, K, cb); } observe() {} unobserve() {} disconnect() {} takeRecords() { return []; } } }[n]);
  const subtle = {};
  for (const k of "digest encrypt decrypt sign exportKey wrapKey deriveBits importKey generateKey deriveKey unwrapKey verify".split(" "))
    subtle[k] = () => res(/Key$/.test(k) && k !== "exportKey" && k !== "wrapKey" ? { type: "secret", extractable: true, algorithm: {}, usages: [] } : k === "verify" || new ArrayBuffer(32));
  const perf = G.performance || {};
  A.atStart(() => {
    const t0 = perf.timeOrigin || A.start();
    perf.timing = { navigationStart: t0, fetchStart: t0 + 2, responseStart: t0 + 60, domInteractive: t0 + 200, domContentLoadedEventEnd: t0 + 220, loadEventEnd: t0 + 400 };
  });
  Object.assign(perf, {
    navigation: { type: 0, redirectCount: 0 }, getEntriesByType: () => [], getEntriesByName: () => [], getEntries: () => [], mark: nop, measure: nop, clearMarks: nop });
  const WIN = {
    ClipboardItem, external: { AddSearchProvider: nop, IsSearchProviderInstalled: () => 0 }, window: G, self: G, top: G, parent: G, frames: G, opener: null, frameElement: null, length: 0, closed: false, name: "", status: "", origin: ORIGIN, isSecureContext: true,
    document: doc, navigator: new Navigator(), history: hist, localStorage: mkStorage("localStorage"), sessionStorage: mkStorage("sessionStorage"), performance: perf,
    screen: { width: 1920, height: 1080, availWidth: 1920, availHeight: 1040, availLeft: 0, availTop: 0, colorDepth: 24, pixelDepth: 24, orientation: { type: "landscape-primary", angle: 0, addEventListener: nop } },
    innerWidth: 1920, innerHeight: 969, outerWidth: 1920, outerHeight: 1040, screenX: 0, screenY: 0, screenLeft: 0, screenTop: 0, scrollX: 0, scrollY: 0, pageXOffset: 0, pageYOffset: 0, devicePixelRatio: 1,
    crypto: { getRandomValues: (a) => { for (let i = 0; i < a.length; i++) a[i] = Math.random() * 2 ** 32; return a; }, randomUUID: uuid, subtle },
    caches, clients, registration, chrome: { app: { isInstalled: false }, runtime: {}, csi: () => ({}), loadTimes: () => ({}) }, customElements: { define: (n, C) => (CE.set(low(n), C), CEN.set(C, low(n))), get: (n) => CE.get(low(n)), whenDefined: () => res() },
    indexedDB: { open: () => A.stub("indexedDB.open()", "other"), deleteDatabase: nop }, CSS: { supports: () => false, escape: (s) => S(s).replace(/[^\w-]/g, "\\$&") },
    alert: (m) => emit("dom", "alert", [m]), confirm: (m) => (emit("dom", "confirm", [m]), true), prompt: (m, d) => (emit("dom", "prompt", [m]), d === undefined ? "" : S(d)),
    open: (u) => ((u = u == null ? "" : S(u)) && nav(u, "window.open"), { closed: false, opener: G, document: doc, location: { href: u }, close() { this.closed = true; }, focus: nop, postMessage: nop }),
    getSelection: () => ({ toString: () => selText, rangeCount: 0, isCollapsed: !selText, removeAllRanges: () => (selText = ""), addRange: (r) => (selText = S(r)),
      selectAllChildren: (n) => (selText = n && n[K] ? text(n) : ""), empty: () => (selText = "") }),
    getComputedStyle: (e) => Object.assign(new CSSStyleDeclaration(), { display: e && e.hidden ? "none" : "block", visibility: "visible", opacity: "1" }, e && e[K] && e[K].st),
    matchMedia, requestAnimationFrame: (cb) => A.setTimer(cb, 16, [A.now() - A.start() + 16], false, "requestAnimationFrame"), cancelAnimationFrame: A.clearTimer,
    requestIdleCallback: (cb) => A.setTimer(cb, 1, [{ didTimeout: false, timeRemaining: () => 50 }], false, "requestIdleCallback"), cancelIdleCallback: A.clearTimer,
    postMessage: (d) => later(() => fire(G, mkEv("message", MessageEvent, { data: d, origin: ORIGIN, source: G }))),
    structuredClone: (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v))), reportError: (e) => call(() => { throw e; }, null, [], "reportError"), fetch, importScripts, skipWaiting: () => res(),
    Image: function Image(w, h) { const e = mk("img"); if (w !== undefined) e.width = w; if (h !== undefined) e.height = h; return e; },
    Audio: function Audio(u) { const e = mk("audio"); if (u !== undefined) e.src = u; return e; },
    Option: function Option(t, v) { const e = mk("option"); if (t !== undefined) e.text = t; if (v !== undefined) e.value = v; return e; },
    AbortController: class AbortController {
      constructor() { this.signal = Object.assign(new EventTarget(), { aborted: false, reason: undefined, onabort: null, throwIfAborted: nop }); }
      abort(r) { Object.assign(this.signal, { aborted: true, reason: r }); fire(this.signal, mkEv("abort")); }
    },
    Notification: Object.assign(class Notification extends EventTarget { constructor(t) { super(); this.title = S(t); emit("dom", "Notification", [t]); } close() {} }, { permission: "default", requestPermission: () => res("default") }),
    TextEncoder: class TextEncoder { get encoding() { return "utf-8"; } encode(s) { return u8(utf8(S(s ?? ""))); } },
    TextDecoder: class TextDecoder {
      constructor(l) { this.encoding = low(l || "utf-8"); }
      decode(b) { const s = b == null ? "" : bytesOf(b) ?? ""; try { return /utf-?8/.test(this.encoding) ? decodeURIComponent(escape(s)) : s; } catch (e) { return s; } }
    },
    MutationObserver: observer("MutationObserver"), ResizeObserver: observer("ResizeObserver"), IntersectionObserver: observer("IntersectionObserver"), PerformanceObserver: observer("PerformanceObserver"),
    URL, webkitURL: URL, URLSearchParams, EventTarget, Window, Document, HTMLDocument: Document, DOMParser, XMLSerializer, DOMException, Location, Navigator, Storage, Blob, FormData,
    Headers, Request, Response, XMLHttpRequest, XMLHttpRequestEventTarget, WebSocket, EventSource, Worker, SharedWorker, MessageChannel, MessagePort, Cache, ...EV, ...NAMES,
  };
  for (const [k, t] of [["Image", "img"], ["Audio", "audio"], ["Option", "option"]]) WIN[k].prototype = TAGC[t].prototype;
  for (const k in WIN) hid(G, k, WIN[k]);
  for (const k of "print stop focus blur close scroll scrollTo scrollBy moveTo moveBy resizeTo resizeBy".split(" ")) hid(G, k, nop);
  acc(G, "location", () => loc, (v) => nav(v, "window.location"));

  // WebAssembly stand-in (QuickJS has none): compiling records the module's size; every export is
  // a function returning 0 (but `memory`).
  if (typeof G.WebAssembly !== "object") {
    const bytes = (b) => u8(bytesOf(b) || ""), isWasm = (u) => u.length >= 8 && u[0] === 0 && u[1] === 0x61 && u[2] === 0x73 && u[3] === 0x6d;
    const errs = Object.fromEntries(["CompileError", "LinkError", "RuntimeError"].map((n) => [n, { [n]: class extends Error { get name() { return n; } } }[n]]));
    class Memory { constructor(d) { this.buffer = new ArrayBuffer(65536 * Math.min(+(d && d.initial) || 1, 1024)); } grow() { return this.buffer.byteLength / 65536; } }
    class Module {
      constructor(b, any) {
        const u = bytes(b);
        if (!any && !isWasm(u)) throw new errs.CompileError("WebAssembly.Module(): expected magic word 00 61 73 6d");
        emit("dynamic_code", "WebAssembly.Module", [u.length + " bytes"]);
      }
      static exports() { return []; }
      static imports() { return []; }
    }
    class Instance { constructor() { const m = new Memory(); this.exports = new Proxy({}, { get: (t, p) => (p === "memory" ? m : typeof p === "symbol" || p === "then" ? undefined : () => 0) }); } }
    const compile = (b, any) => new P((ok) => ok(new Module(b, any)));
    const inst = (b, any) => (b instanceof Module ? res(new Instance()) : compile(b, any).then((module) => ({ module, instance: new Instance() })));
    const body = (r) => res(r).then((x) => (x && x.arrayBuffer ? x.arrayBuffer() : x));
    hid(G, "WebAssembly", { Module, Instance, Memory, Table: class Table {}, Global: class Global {}, ...errs, validate: (b) => isWasm(bytes(b)), compile: (b) => compile(b), instantiate: (b) => inst(b),
      compileStreaming: (r) => body(r).then((b) => compile(b, true)), instantiateStreaming: (r) => body(r).then((b) => inst(b, true)) });
  }

  // ---- activity phases ---------------------------------------------------------------------
  const ACT = "focus keydown keypress input keyup change blur focusout mousedown mouseup click submit copy".split(" ");
  const LOAD = ["DOMContentLoaded", "load", "install", "activate", "message"], END = ["visibilitychange", "beforeunload", "pagehide", "unload"];
  let KEY = { key: "4", code: "Digit4", keyCode: 52, which: 52 };
  const PT = { button: 0, detail: 1, clientX: 240, clientY: 180, screenX: 240, screenY: 290, pageX: 240, pageY: 180, offsetX: 12, offsetY: 8 };
  /** The environment's events: the page's, and a user typing "4" into a card field, clicking, submitting. */
  function envEvent(type) {
    const user = ACT.includes(type), [C, i] = /^key/.test(type) ? [KeyboardEvent, { repeat: false, location: 0, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, isComposing: false, ...KEY, charCode: type === "keypress" ? KEY.keyCode : 0 }]
      : /^mouse|click/.test(type) ? [MouseEvent, { ...PT, buttons: type === "mousedown" ? 1 : 0 }] : type === "input" ? [EV.InputEvent, { data: KEY.key, inputType: "insertText" }]
      : /focus|blur/.test(type) ? [EV.FocusEvent, { relatedTarget: null }] : type === "submit" ? [EV.SubmitEvent, { submitter: cardBtn }]
      : /install|activate/.test(type) ? [ExtendableEvent] : type === "message" ? [MessageEvent, { data: "{}", origin: ORIGIN, source: G }]
      : type === "copy" ? [EV.ClipboardEvent, { clipboardData: { setData: (f, v) => clip(v, "clipboardData.setData"), getData: () => "", clearData: nop, types: [] } }] : [Event];
    return new C(type, { ...i, bubbles: user && !/^(focus|blur)$/.test(type), cancelable: user || type === "beforeunload", composed: user, ...(user && { view: G }) });
  }
  /** Gives every listener of `type` the event once (skipping those the environment gave it
   * already). Page events go to window/document; user events also to every element listening,
   * with the element as target, while window/document get the card input (the form for submit). */
  function step(type) {
    const waits = [];
    waits.n = 0;
    if (!wants(type)) return waits; // nothing would run: no event to make
    emit("dom", "dispatch", [type]); // the timeline shows what the page and user did
    if (type === "copy") copying = true;
    const user = ACT.includes(type), ts = new Set(/install|activate|message/.test(type) ? [G] : [doc, G]);
    if (user) for (const t of TARGETS.concat(ALL.filter((e) => "on" + type in e[K].a || Object.prototype.hasOwnProperty.call(e, "on" + type)))) if (t instanceof Node) ts.add(t);
    for (const t of ts) call(() => {
      const ev = envEvent(type), own = !user || (t !== G && t !== doc);
      ev.isTrusted = true;
      ev.target = ev.srcElement = own ? (/load|DOMContent/.test(type) ? doc : t) : type === "submit" ? card : cardInput;
      ev.eventPhase = ev.target === t ? 2 : 3;
      const n = invoke(t, ev, null, true);
      waits.n += n;
      if (n && user && own && !ev.defaultPrevented) defaultAction(t, type);
      if (ev[WU]) waits.push(...ev[WU]);
    }, null, [], "environment");
    if (type === "copy") copying = false;
    return waits;
  }
  /** The user types a card number into the card field: every listener gets each keystroke
   *  (keydown, keypress, input, keyup), as a keylogger that sends keys in batches needs. */
  const TYPED = "4111111111111111", KEYS = ["keydown", "keypress", "input", "keyup"];
  function typing() {
    focused = cardInput;
    const s = cardInput[K];
    for (let i = 0; i < TYPED.length; i++) {
      const c = TYPED[i];
      A.advance(70 + ((i * 53) % 110)); // a person's pace: 70-180 ms a key
      KEY = { key: c, code: "Digit" + c, keyCode: 48 + +c, which: 48 + +c };
      s.val = TYPED.slice(0, i + 1); // the field fills as the keys come
      for (const type of KEYS) {
        if (i) again(type);
        step(type);
      }
    }
    if (s.val === TYPED) delete s.val;
    KEY = { key: "4", code: "Digit4", keyCode: 52, which: 52 };
  }
  /** The user copies each wallet address in turn. */
  function copies() {
    WALLETS.forEach((w, i) => {
      selText = w;
      if (i) again("copy");
      step("copy");
    });
    selText = "";
  }
  /** Lets every listener of `type` be given it once more. */
  function again(type) {
    for (const t of TARGETS) for (const r of (LIS.get(t) || {})[type] || []) r.done = false;
    for (const e of [G, doc, ...ALL]) { const d = DONE.get(e); if (d) d.delete(type); }
  }
  /** Whether anything listens to `type` that the environment has not given it yet. */
  const wants = (type) => TARGETS.some((t) => (t === G || t instanceof Node) && (LIS.get(t)[type] || []).some((r) => !r.done)) ||
    [G, doc, ...ALL].some((e) => { try { return e["on" + type] != null || (e[K] && "on" + type in e[K].a); } catch (x) { return false; } });
  const ready = (s) => ((readyState = s), fire(doc, mkEv("readystatechange")));
  // Round 1, on the virtual clock among the script's timers (phases come only after the driver has
  // stopped every interval, after 20 runs): the page loads once the script's top level is done,
  // the user starts typing a second later (a keylogger's 2 s flush interval still runs).
  later(() => {
    curScript = null;
    ready("interactive");
    step("DOMContentLoaded");
    ready("complete");
    step("load");
    P.all(step("install")).catch(nop).then(() => later(() => (step("activate"), step("message"))));
    const typed = (i) => ACT[i] === "keydown" && KEYS.some(wants);
    const next = (i, ms) => {
      while (i < ACT.length && !wants(ACT[i]) && !typed(i)) i++;
      if (i < ACT.length) later(() => (typed(i) ? (typing(), next(ACT.indexOf("keyup") + 1, 20)) : ACT[i] === "copy" ? (copies(), next(i + 1, 20)) : (step(ACT[i]), next(i + 1, 20))), ms);
    };
    later(() => next(0, 0), 1000);
  });
  // Round 2 after the script's timers: listeners added late get each event once too. Then unload.
  A.phase(async () => { for (const t of LOAD.concat(ACT)) if (step(t).n) await A.settle(); });
  A.phase(async () => { hidden = true; for (const t of END) if (step(t).n) await A.settle(); });
}
