// airlock's JavaScript driver.
//
// For every run the host starts a fresh QuickJS instance with a small bootstrap module
// (`qjs --std -m -e BOOTSTRAP airlock TOKEN FD DRIVER DRIVER_BYTECODE SOURCE FILENAME ENV_NAME
// ENV_PRELUDE ENV_BYTECODE SEED PARTS PAGE ARGS...`, see src/js.rs), or from a snapshot of an instance that ran a
// bootstrap up to the point where only the run's own data is missing (see src/js.rs). The
// bootstrap takes QuickJS's `std`, `os` and `bjson` modules (whose module names are secret, see
// src/js_modules.rs) and the arguments off the global object, turns this file (one function
// expression) and the environment's prelude into functions — from bytecode compiled by an
// earlier run, or by compiling the source and sending the bytecode to the host, which keeps it —
// and calls this one. Both are compiled without their source text:
// their functions' `toString()` says `[native code]`, as a real host's do, and the token is in no
// source at all.
//
// This function prepares what does not depend on the run: `env` is [ENV_NAME, ENV_PRELUDE,
// ENV_BYTECODE, WHEN], where ENV_NAME is "" for plain JavaScript, ENV_PRELUDE is the
// environment's prelude, source text of `function (A) {...}` (see guests/js/env/*.js), loaded by
// `load`, and WHEN is "now" to set the environment up here (for a snapshot; its prelude then reads
// the run's data only through `A` at run time) or "run" to set it up in `run`. It returns `run`,
// to be called once with [TOKEN, FD, SOURCE, FILENAME, SEED, PARTS, PAGE, ARGS...]: TOKEN is this run's
// event-channel token and FD the channel's descriptor; SEED, when not "", is 32 hex digits that
// seed `Math.random` (a snapshot's QuickJS would otherwise repeat the sequence seeded when the
// snapshot was taken); PARTS, when not "", is the comma-separated lengths (UTF-16 units) of the
// scripts SOURCE holds one after another (a page's blocks), each run on its own; PAGE is the
// markup of the page they come from, or "" (given to the environment as `A.page`).
//
// `run` sets the environment up (unless done), runs the script as a classic script in the global
// scope, then runs what the script left waiting (promise jobs, timers on a virtual clock when
// emulating, the environment's later phases such as page events), and exits with the script's
// status.
function (std_, os_, bjson_, load, env) {
const G = globalThis;
let TOKEN = "";

// What the driver needs, taken before the script can change it.
const apply = Reflect.apply;
const construct = Reflect.construct;
const _String = String;
const _Number = Number;
const _stringify = JSON.stringify;
const _keys = Object.keys;
const _defineProperty = Object.defineProperty;
const _create = Object.create;
const _eval = G.eval;
const _Function = Function;
const _Proxy = Proxy;
const _Date = Date;
const _DateNow = Date.now;
const _Error = Error;
const _Promise = Promise;
const _replaceAll = String.prototype.replaceAll;
const _slice = String.prototype.slice;
const _charCodeAt = String.prototype.charCodeAt;
const _toWellFormed = String.prototype.toWellFormed;
const _split = String.prototype.split;
const _includes = String.prototype.includes;
const _startsWith = String.prototype.startsWith;
const _floor = Math.floor;
let chan = null;
let chanPuts = null;
let chanFlush = null;
const errFile = std_.err;
const outFile = std_.out;
const filePuts = errFile.puts;
const fileFlush = errFile.flush;
const exit = std_.exit;

let SOURCE = "";
let FILENAME = "";
const ENV_NAME = env[0];
const ENV_PRELUDE = env[1];
const ENV_BYTECODE = env[2];
const SET_UP_NOW = env[3] === "now";
const ARGS = [];

// ---- the event channel -------------------------------------------------------------------

/** Everything the host can see (events, output, timers) counts as activity (see `drain`). */
let activity = 0;

/** A string for any value, never throwing (a hostile toString yields a placeholder). */
function str(x) {
  if (typeof x === "string") return x;
  try {
    return _String(x);
  } catch (e) {
    return "<unprintable>";
  }
}

/** A JSON string for any value; lone surrogates (which no UTF-8 can carry) become U+FFFD. */
function q(s) {
  return _stringify(apply(_toWellFormed, str(s), []));
}

/**
 * Reports one emulated API call: `category` (network, process, registry, dom, dynamic_code,
 * filesystem_read, filesystem_write, environment, clock, other), the API's name, its
 * arguments as the script computed them, and indicator hints (see src/emulation.rs).
 */
function emit(category, api, args, ioc, result) {
  activity++;
  let line = '{"c":' + q(category) + ',"a":' + q(api) + ',"v":[';
  if (args) {
    for (let i = 0; i < args.length; i++) {
      if (i) line += ",";
      const a = str(args[i]);
      line += q(a.length > 1024 ? apply(_slice, a, [0, 1024]) : a);
    }
  }
  line += "]";
  if (result !== undefined) line += ',"r":' + q(result);
  if (ioc) {
    line += ',"i":{';
    const ks = _keys(ioc);
    let n = 0;
    for (let i = 0; i < ks.length; i++) {
      const v = ioc[ks[i]];
      if (v === undefined || v === null) continue;
      if (n++) line += ",";
      line += q(ks[i]) + ":" + q(v);
    }
    line += "}";
  }
  line += "}\n";
  send(line);
}

function send(line) {
  try {
    // The newline first ends anything else written to the descriptor: it cannot run into this.
    apply(chanPuts, chan, ["\n" + TOKEN + "\t" + line]);
    apply(chanFlush, chan, []);
  } catch (e) {
    // The channel cannot fail on the host side; nothing to do.
  }
}

function printErr(text) {
  activity++;
  try {
    apply(filePuts, errFile, [text + "\n"]);
    apply(fileFlush, errFile, []);
  } catch (e) {}
}

function printOut(text) {
  activity++;
  try {
    apply(filePuts, outFile, [text + "\n"]);
    apply(fileFlush, outFile, []);
  } catch (e) {}
}

function airlockFrame(line) {
  return apply(_includes, line, ["(<cmdline>:"]) || apply(_includes, line, ["(<null>"]);
}

/** A stack trace without the driver's frames, with the script's file name. */
function scriptFrames(stack) {
  const lines = apply(_split, stack, ["\n"]);
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === "") continue;
    // The script (evaluated by the driver) is `<input>`; the bootstrap is `<cmdline>`, and the
    // driver and the environment, compiled without debug information, have no location.
    if (airlockFrame(l)) continue;
    if (l === "    at eval (native)" && (i + 1 >= lines.length || airlockFrame(lines[i + 1]))) continue;
    out += (out ? "\n" : "") + apply(_replaceAll, l, ["<input>", FILENAME]);
  }
  return out;
}

/** The message and stack of an uncaught exception, with the script's file name. */
function describe(e) {
  let text;
  try {
    if (e instanceof _Error) {
      text = str(e);
      const stack = e.stack;
      if (typeof stack === "string" && stack.length) text += "\n" + scriptFrames(stack);
    } else {
      text = "Uncaught " + str(e);
    }
  } catch (x) {
    text = "Uncaught exception";
  }
  return text;
}

// ---- virtual time and timers -------------------------------------------------------------

const virtual = ENV_NAME !== "";
let now = apply(_DateNow, _Date, []);
let started = now;
function tick() {
  // Every read of the clock moves it forward a little, so that a delay loop ends quickly.
  now += 1;
  return now;
}

const timers = [];
let timerSeq = 0;
// Timers due at the same time fire in the order they were (re)scheduled, as in browsers.
let timerOrder = 0;
const MAX_TIMER_RUNS = 2000;
const MAX_INTERVAL_REPEATS = 20;

function addTimer(fn, delay, args, repeat, api) {
  activity++;
  const id = ++timerSeq;
  let d = _Number(delay);
  if (!(d > 0)) d = 0;
  if (typeof fn !== "function") {
    // A string is code: recorded now, run (without recording it again) when the timer fires.
    const code = str(fn);
    recordCode(api, code);
    fn = function () {
      return _eval(code);
    };
  }
  timers[timers.length] = { id, due: now + d, seq: ++timerOrder, fn, args, every: repeat ? (d > 1 ? d : 1) : 0, runs: 0, dead: false };
  return id;
}

function clearTimer(id) {
  for (let i = 0; i < timers.length; i++) if (timers[i].id === id) timers[i].dead = true;
}

let exitCode = 0;
let stopped = false;

function uncaught(e, where) {
  printErr((where ? "Uncaught (in " + where + ") " : "") + describe(e));
  emit("other", "uncaught-exception", [where || "script", describe(e)]);
  if (exitCode === 0) exitCode = 1;
  if (!virtual) stopped = true;
}

/**
 * Calls a callback of the script, reporting (not propagating) what it throws; an exit
 * (`A.exit`, e.g. `WScript.Quit` inside the callback) does propagate, and ends the run.
 */
function callback(fn, self, args, where) {
  try {
    if (typeof fn === "string") return runCode(fn, where);
    if (typeof fn === "function") return apply(fn, self, args || []);
  } catch (e) {
    if (e instanceof ExitSignal) throw e;
    uncaught(e, where);
  }
}

/**
 * Lets pending promise jobs run: chains up to 32 jobs deep complete before the driver goes on
 * (a job queued by a job runs after the driver's next turn, so each turn lets one more level
 * run). QuickJS gives no way to see its job queue; `drain` goes further before the run ends.
 */
async function settle() {
  for (let i = 0; i < 32; i++) await undefined;
}

/**
 * Before the run ends: lets jobs run until 256 turns in a row (8 rounds) showed no activity, at
 * most 16,384 turns, running any timers they set.
 */
async function drain() {
  let quiet = 0;
  for (let round = 0; round < 512 && quiet < 8 && !stopped; round++) {
    const before = activity;
    await settle();
    if (timersPending()) await runTimers();
    quiet = activity === before ? quiet + 1 : 0;
  }
}

function timersPending() {
  for (let i = 0; i < timers.length; i++) if (!timers[i].dead) return true;
  return false;
}

async function runTimers() {
  let runs = 0;
  while (runs < MAX_TIMER_RUNS && !stopped) {
    let next = null;
    for (let i = 0; i < timers.length; i++) {
      const t = timers[i];
      if (!t.dead && (next === null || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
    }
    if (next === null) break;
    if (next.due > now) now = next.due;
    next.runs++;
    if (next.every && next.runs < MAX_INTERVAL_REPEATS) {
      next.due += next.every;
      next.seq = ++timerOrder;
    } else next.dead = true;
    runs++;
    try {
      callback(next.fn, G, next.args, "timer");
    } catch (e) {
      if (!(e instanceof ExitSignal)) throw e;
      return;
    }
    await settle();
  }
}

// ---- dynamic code ------------------------------------------------------------------------

/**
 * Code longer than this goes to the host in parts, each on a line of its own, before the event
 * that says how many there were: the host hashes the parts and keeps the start. One line with
 * all of it would be copied several times over on both sides (a packed script's 10 MB payload
 * made ~35 MB of copies).
 */
const CODE_PART = 65536;

function recordCode(kind, code) {
  const c = str(code);
  if (c.length <= CODE_PART) {
    emit("dynamic_code", kind, [c], { code: c, code_kind: kind });
    return;
  }
  let parts = 0;
  for (let i = 0; i < c.length; parts++) {
    let j = i + CODE_PART;
    // A part does not end between the halves of a surrogate pair.
    if (j < c.length) {
      const u = apply(_charCodeAt, c, [j - 1]);
      if (u >= 0xd800 && u <= 0xdbff) j--;
    }
    send('{"c":"internal","a":"airlock.code","i":{"part":' + q(apply(_slice, c, [i, j])) + "}}\n");
    i = j;
  }
  emit("dynamic_code", kind, [apply(_slice, c, [0, 1024])], { code_parts: "" + parts, code_kind: kind });
}

/** Records and runs code produced at run time, in the global scope. */
function runCode(code, kind) {
  recordCode(kind, code);
  return _eval(code);
}

/** The code-running constructors as QuickJS made them (before any hook). */
const ORIGINAL = _create(null);
ORIGINAL.eval = _eval;
ORIGINAL.Function = _Function;
ORIGINAL.GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
ORIGINAL.AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
ORIGINAL.AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;

function hookDynamicCode() {
  const evalHook = {
    eval(x) {
      if (typeof x !== "string") return x;
      recordCode("eval", x);
      return _eval(x);
    },
  }.eval;
  _defineProperty(G, "eval", { value: evalHook, writable: true, configurable: true });
  // `Function` and the constructors reachable as `(function* () {}).constructor` and the like.
  const names = ["Function", "GeneratorFunction", "AsyncFunction", "AsyncGeneratorFunction"];
  for (let k = 0; k < names.length; k++) {
    const name = names[k];
    const original = ORIGINAL[name];
    const hook = {
      [name]: function () {
        const n = arguments.length;
        recordCode(name, n ? str(arguments[n - 1]) : "");
        const a = [];
        for (let i = 0; i < n; i++) a[i] = arguments[i];
        return construct(original, a);
      },
    }[name];
    hook.prototype = original.prototype;
    _defineProperty(original.prototype, "constructor", { value: hook, writable: true, configurable: true });
    if (name === "Function") _defineProperty(G, "Function", { value: hook, writable: true, configurable: true });
  }
}

function hookClock() {
  const VDate = function Date() {
    const n = arguments.length;
    if (new.target === undefined) return str(construct(_Date, [tick()]));
    const a = [];
    for (let i = 0; i < n; i++) a[i] = arguments[i];
    if (n === 0) a[0] = tick();
    return construct(_Date, a, new.target);
  };
  VDate.prototype = _Date.prototype;
  VDate.now = function now() {
    return tick();
  };
  VDate.parse = _Date.parse;
  VDate.UTC = _Date.UTC;
  _defineProperty(_Date.prototype, "constructor", { value: VDate, writable: true, configurable: true });
  G.Date = VDate;
  const perf = _create(null);
  perf.now = function now() {
    return tick() - started;
  };
  perf.timeOrigin = started;
  starters[starters.length] = () => {
    perf.timeOrigin = started;
  };
  _defineProperty(G, "performance", { value: perf, writable: true, configurable: true });
}

// ---- recording stand-ins -----------------------------------------------------------------

/**
 * An object that answers everything: property reads give further stand-ins, calls and
 * assignments are recorded. Used for what an environment does not emulate (an unknown ProgID).
 */
function stub(name, category) {
  const cat = category || "other";
  const target = function () {};
  return new _Proxy(target, {
    get(t, p) {
      if (typeof p === "symbol") {
        if (p === Symbol.toPrimitive) return () => "";
        return undefined;
      }
      if (p === "toString" || p === "valueOf") return () => "";
      if (p === "then") return undefined;
      return stub(name + "." + p, cat);
    },
    set(t, p, v) {
      emit(cat, name + "." + str(p), [v]);
      return true;
    },
    apply(t, self, args) {
      emit(cat, name, args);
      return stub(name + "()", cat);
    },
    construct(t, args) {
      emit(cat, "new " + name, args);
      return stub(name, cat);
    },
  });
}

// ---- the environment ---------------------------------------------------------------------

const phases = [];
/** What runs when the run starts, before the script (set up by `A.atStart`). */
const starters = [];

/** What an environment's prelude gets. */
const A = _create(null);
A.global = G;
A.env = ENV_NAME;
A.filename = FILENAME;
/** The script's own text (what reading the script's file gives, e.g. a dropper copying itself). */
A.source = SOURCE;
/** The markup of the page the scripts come from ("" for a script file), set when the run starts. */
A.page = "";
A.args = ARGS;
A.emit = emit;
A.str = str;
A.stub = stub;
A.recordCode = recordCode;
/** Set by an environment to compile a script's text as its host would before it runs (text in,
 *  text out; see wsh.js). */
A.prepare = null;
/** eval and the function constructors as QuickJS made them: they run code without recording it. */
A.original = ORIGINAL;
A.runCode = runCode;
A.callback = callback;
A.setTimer = addTimer;
A.clearTimer = clearTimer;
A.now = () => now;
/** When the run started (on the virtual clock). */
A.start = () => started;
/** Runs `fn` when the run starts, before the script: what depends on the run's data or time. */
A.atStart = (fn) => {
  starters[starters.length] = fn;
};
A.tick = tick;
A.advance = (ms) => {
  const d = _Number(ms);
  if (d > 0) now += d;
};
A.phase = (fn) => {
  phases[phases.length] = fn;
};
A.settle = settle;
A.runTimers = runTimers;
A.print = printOut;
A.printErr = printErr;
A.exit = (code) => {
  exitCode = code | 0;
  stopped = true;
  throw new ExitSignal();
};
A.isExit = (e) => e instanceof ExitSignal;

function ExitSignal() {}

function installTimers() {
  G.setTimeout = function setTimeout(fn, delay) {
    const a = [];
    for (let i = 2; i < arguments.length; i++) a[a.length] = arguments[i];
    return addTimer(fn, delay, a, false, "setTimeout");
  };
  G.setInterval = function setInterval(fn, delay) {
    const a = [];
    for (let i = 2; i < arguments.length; i++) a[a.length] = arguments[i];
    return addTimer(fn, delay, a, true, "setInterval");
  };
  G.clearTimeout = function clearTimeout(id) {
    clearTimer(id);
  };
  G.clearInterval = function clearInterval(id) {
    clearTimer(id);
  };
  G.setImmediate = function setImmediate(fn) {
    const a = [];
    for (let i = 1; i < arguments.length; i++) a[a.length] = arguments[i];
    return addTimer(fn, 0, a, false, "setImmediate");
  };
}

/** `console`: log, info, debug to stdout; error, warn, trace to stderr; values joined by spaces. */
function installConsole() {
  function text(args) {
    let t = "";
    for (let i = 0; i < args.length; i++) {
      const v = args[i];
      let s;
      if (typeof v === "string") s = v;
      else if (v !== null && typeof v === "object" && !(v instanceof _Error)) {
        try {
          s = _stringify(v);
          if (s === undefined) s = str(v);
        } catch (e) {
          s = str(v);
        }
      } else s = str(v);
      t += (i ? " " : "") + s;
    }
    return t;
  }
  const c = typeof G.console === "object" && G.console ? G.console : {};
  const out = function () {
    printOut(text(arguments));
  };
  const err = function () {
    printErr(text(arguments));
  };
  c.log = out;
  c.info = out;
  c.debug = out;
  c.dir = out;
  c.table = out;
  c.error = err;
  c.warn = err;
  c.trace = function () {
    printErr("Trace: " + text(arguments));
  };
  c.assert = function (ok) {
    if (!ok) {
      const a = [];
      for (let i = 1; i < arguments.length; i++) a[a.length] = arguments[i];
      printErr("Assertion failed" + (a.length ? ": " + text(a) : ""));
    }
  };
  const nop = function () {};
  c.group = c.groupCollapsed = c.groupEnd = c.time = c.timeEnd = c.timeLog = c.count = c.clear = nop;
  G.console = c;
}

/**
 * `Math.random`: xorshift128, installed before the environment so that what a prelude captures
 * is this function. Seeded here from QuickJS's own generator (seeded when its context was made),
 * and again by `run` from the host's seed when there is one: a snapshot would otherwise repeat
 * the sequence seeded when it was taken.
 */
const rng = [0, 0, 0, 0];
function reseed(hex) {
  for (let i = 0; i < 4; i++) rng[i] = _Number("0x" + apply(_slice, hex, [8 * i, 8 * i + 8])) | 0;
  if ((rng[0] | rng[1] | rng[2] | rng[3]) === 0) rng[0] = 1;
}
{
  const quickjsRandom = Math.random;
  for (let i = 0; i < 4; i++) rng[i] = (apply(quickjsRandom, Math, []) * 4294967296) | 0;
  if ((rng[0] | rng[1] | rng[2] | rng[3]) === 0) rng[0] = 1;
  const next = () => {
    let t = rng[3];
    const s0 = rng[0];
    rng[3] = rng[2];
    rng[2] = rng[1];
    rng[1] = s0;
    t ^= t << 11;
    t ^= t >>> 8;
    rng[0] = t ^ s0 ^ (s0 >>> 19);
    return rng[0] >>> 0;
  };
  // A method, as a native one is: no prototype, not a constructor; 53 bits, as V8's.
  const random = {
    random() {
      return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
    },
  }.random;
  _defineProperty(Math, "random", { value: random, writable: true, configurable: true });
}

/**
 * `Error.prepareStackTrace`, as V8 has it, with call sites that answer `getFunction()` with
 * undefined (as V8's do for strict code). QuickJS's call sites give every frame's function: a
 * script's `prepareStackTrace`, called while the driver is on the stack (a `toString` the driver
 * calls), would otherwise get the driver's own functions, the channel's `emit` among them.
 * QuickJS's accessor is replaced, and only the driver holds its setter.
 */
function guardStackTraces() {
  const d = Object.getOwnPropertyDescriptor(_Error, "prepareStackTrace");
  if (!d || typeof d.set !== "function") return;
  const nativeSet = d.set;
  const wmGet = WeakMap.prototype.get;
  const wmSet = WeakMap.prototype.set;
  const real = new WeakMap();
  const proto = _create(Object.prototype);
  const methods = ["isNative", "isConstructor", "getFileName", "getFunctionName", "getLineNumber", "getColumnNumber"];
  for (let i = 0; i < methods.length; i++) {
    const name = methods[i];
    const m = {
      [name]() {
        const site = apply(wmGet, real, [this]);
        return site === undefined ? undefined : apply(site[name], site, []);
      },
    }[name];
    _defineProperty(proto, name, { value: m, writable: true, configurable: true });
  }
  _defineProperty(proto, "getFunction", { value: { getFunction() {} }.getFunction, writable: true, configurable: true });
  _defineProperty(proto, "getThis", { value: { getThis() {} }.getThis, writable: true, configurable: true });
  let user;
  const wrapped = function prepareStackTrace(error, sites) {
    const safe = [];
    for (let i = 0; i < sites.length; i++) {
      const o = _create(proto);
      apply(wmSet, real, [o, sites[i]]);
      safe[i] = o;
    }
    return apply(user, _Error, [error, safe]);
  };
  const accessors = {
    get prepareStackTrace() {
      return user;
    },
    set prepareStackTrace(v) {
      user = v;
      apply(nativeSet, _Error, [typeof v === "function" ? wrapped : v]);
    },
  };
  const ad = Object.getOwnPropertyDescriptor(accessors, "prepareStackTrace");
  _defineProperty(_Error, "prepareStackTrace", { get: ad.get, set: ad.set, enumerable: false, configurable: true });
}

installConsole();
installTimers();
guardStackTraces();
if (virtual) {
  hookClock();
  hookDynamicCode();
}

function setUpEnvironment() {
  if (!virtual) return;
  try {
    const ENV = load(ENV_PRELUDE, ENV_BYTECODE, "env");
    ENV(A);
  } catch (e) {
    printErr("airlock: the " + ENV_NAME + " environment failed to start: " + describe(e));
    exit(70);
  }
}
if (SET_UP_NOW) setUpEnvironment();

// ---- the run -----------------------------------------------------------------------------

return async function run(args) {
  TOKEN = args[0];
  chan = std_.fdopen(args[1] | 0, "w");
  chanPuts = chan.puts;
  chanFlush = chan.flush;
  SOURCE = args[2];
  FILENAME = args[3];
  if (args[4] !== "") reseed(args[4]);
  const PARTS = args[5];
  A.page = args[6];
  for (let i = 7; i < args.length; i++) ARGS[ARGS.length] = args[i];
  A.filename = FILENAME;
  A.source = SOURCE;
  // The clock starts with the run; what the set-up queued moves with it.
  const start = apply(_DateNow, _Date, []);
  for (let i = 0; i < timers.length; i++) timers[i].due += start - now;
  now = started = start;
  if (!virtual) {
    // Plain JavaScript has QuickJS's host modules as `qjs --std` gives them: as globals (their
    // module names are secret, see src/js_modules.rs). Emulated environments do not.
    G.std = std_;
    G.os = os_;
    G.bjson = bjson_;
    G.scriptArgs = [FILENAME].concat(ARGS);
    // QuickJS's own `performance` counts from when its context was made (a snapshot's build).
    const perf = _create(null);
    perf.now = function now() {
      return apply(_DateNow, _Date, []) - started;
    };
    perf.timeOrigin = started;
    _defineProperty(G, "performance", { value: perf, writable: true, configurable: true });
  }
  if (!SET_UP_NOW) setUpEnvironment();
  try {
    for (let i = 0; i < starters.length; i++) starters[i]();
  } catch (e) {
    printErr("airlock: the " + ENV_NAME + " environment failed to start: " + describe(e));
    exit(70);
  }

  // From here on the script runs: the host takes no more of the driver's compiled code.
  send('{"c":"internal","a":"airlock.script"}\n');
  // An environment may compile the script's text as its host would (JScript's conditional
  // compilation under WSH); if that fails, the text runs as it is.
  const prepare = (code) => {
    if (typeof A.prepare !== "function") return code;
    try {
      return A.prepare(code);
    } catch (e) {
      return code;
    }
  };
  if (PARTS === "") {
    try {
      _eval(prepare(SOURCE));
    } catch (e) {
      if (!(e instanceof ExitSignal)) uncaught(e, "");
    }
  } else {
    // A page's blocks: each parsed and run on its own; one that fails does not stop the next.
    const lengths = apply(_split, PARTS, [","]);
    let at = 0;
    for (let i = 0; i < lengths.length && !stopped; i++) {
      const n = _Number(lengths[i]);
      const block = apply(_slice, SOURCE, [at, at + n]);
      at += n;
      try {
        _eval(prepare(block));
      } catch (e) {
        if (e instanceof ExitSignal) break;
        uncaught(e, "");
      }
    }
  }
  if (!stopped) {
    await settle();
    await runTimers();
  }
  for (let i = 0; i < phases.length && !stopped; i++) {
    try {
      await phases[i]();
    } catch (e) {
      if (!(e instanceof ExitSignal)) uncaught(e, "environment");
    }
    await settle();
    await runTimers();
  }
  await drain();
  exit(exitCode);
};
}
