// The Windows Script Host environment: JScript under wscript.exe on Windows 10 (user `user`,
// C:\Users\user, the script run from Downloads). WScript, ActiveXObject/GetObject for the common
// ProgIDs and WMI monikers, and JScript's globals (Enumerator, VBArray, ScriptEngine*). Every call
// is recorded with A.emit; side effects go into an in-memory model of the machine (files,
// registry), so that a multi-stage script finds what it wrote. As through IDispatch, member names
// are case-insensitive; a member not emulated is a recording stand-in (A.stub).
function (A) {
  const G = A.global, str = A.str, emit = A.emit;
  // What the environment uses, taken before the script can change it.
  const _Proxy = Proxy, _Map = Map, _Set = Set, _WeakMap = WeakMap, _Error = Error, _Date = Date;
  const apply = Reflect.apply, ownKeys = Reflect.ownKeys, rset = Reflect.set, hasOwn = Object.hasOwn;
  const defProp = Object.defineProperty, descs = Object.getOwnPropertyDescriptors, keys = Object.keys, assign = Object.assign;
  const fcc = String.fromCharCode, random = Math.random, isArray = Array.isArray;
  const _escape = escape, _unescape = unescape, _encURI = encodeURIComponent, _decURI = decodeURIComponent;
  const _lower = String.prototype.toLowerCase, lower = (s) => apply(_lower, str(s), []);
  const list = (a) => { const o = []; for (const x of a) o.push(x); return o; };
  const find = (o, name) => keys(o).find((k) => lower(k) === lower(name)); // a key, case-insensitively
  const error = (number, description) => assign(new _Error(description), { number, description });
  const now = (ms) => new _Date(A.now() + (ms || 0));
  // A script callback through A.callback (which reports what it throws), except that
  // WScript.Quit inside it still ends the run.
  function callback(fn, self, where) {
    let quit = null;
    A.callback(() => { try { apply(fn, self, []); } catch (e) { if (!A.isExit(e)) throw e; quit = e; } }, self, [], where);
    if (quit) throw quit;
  }

  // ---- the machine
  const USER = "user", COMPUTER = "DESKTOP-4F7K2QX", HOME = "C:\\Users\\user", WINDIR = "C:\\Windows";
  const SYS32 = WINDIR + "\\System32", APPDATA = HOME + "\\AppData\\Roaming", LOCAL = HOME + "\\AppData\\Local";
  const TEMP = LOCAL + "\\Temp", PUBLIC = "C:\\Users\\Public", PROGRAMDATA = "C:\\ProgramData", PF = "C:\\Program Files";
  const START = APPDATA + "\\Microsoft\\Windows\\Start Menu", ALLSTART = PROGRAMDATA + "\\Microsoft\\Windows\\Start Menu";
  // The script's name and path: set when the run starts (see `A.atStart` below).
  let FNAME = "script.js";
  let SCRIPT = HOME + "\\Downloads\\" + FNAME;
  let cwd = HOME + "\\Downloads";
  const ENV = {
    ALLUSERSPROFILE: PROGRAMDATA, APPDATA, COMPUTERNAME: COMPUTER, ComSpec: SYS32 + "\\cmd.exe", HOMEDRIVE: "C:",
    HOMEPATH: "\\Users\\" + USER, LOCALAPPDATA: LOCAL, NUMBER_OF_PROCESSORS: "8", OS: "Windows_NT",
    Path: SYS32 + ";" + WINDIR + ";" + SYS32 + "\\Wbem;" + SYS32 + "\\WindowsPowerShell\\v1.0\\",
    PATHEXT: ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC", PROCESSOR_ARCHITECTURE: "AMD64",
    ProgramData: PROGRAMDATA, ProgramFiles: PF, "ProgramFiles(x86)": PF + " (x86)", PUBLIC, SystemDrive: "C:",
    SystemRoot: WINDIR, TEMP, TMP: TEMP, USERDOMAIN: COMPUTER, USERNAME: USER, USERPROFILE: HOME, windir: WINDIR,
  };
  const SPECIAL = {
    AllUsersDesktop: PUBLIC + "\\Desktop", AllUsersStartMenu: ALLSTART, AllUsersPrograms: ALLSTART + "\\Programs",
    AllUsersStartup: ALLSTART + "\\Programs\\Startup", Desktop: HOME + "\\Desktop", Favorites: HOME + "\\Favorites",
    Fonts: WINDIR + "\\Fonts", MyDocuments: HOME + "\\Documents", NetHood: APPDATA + "\\Microsoft\\Windows\\Network Shortcuts",
    PrintHood: APPDATA + "\\Microsoft\\Windows\\Printer Shortcuts", Programs: START + "\\Programs",
    Recent: APPDATA + "\\Microsoft\\Windows\\Recent", SendTo: APPDATA + "\\Microsoft\\Windows\\SendTo", StartMenu: START,
    Startup: START + "\\Programs\\Startup", Templates: APPDATA + "\\Microsoft\\Windows\\Templates", AppData: APPDATA,
  };
  // Shell.Application.Namespace(CSIDL)
  const CSIDL = { 0: SPECIAL.Desktop, 5: SPECIAL.MyDocuments, 7: SPECIAL.Startup, 26: APPDATA, 28: LOCAL, 35: PROGRAMDATA,
    36: WINDIR, 37: SYS32, 38: PF, 40: HOME };
  const expand = (s) => str(s).replace(/%([^%\r\n]+)%/g, (m, n) => (find(ENV, n) ? ENV[find(ENV, n)] : m));

  // ---- bytes: strings of one char per byte; SAFEARRAYs (byte arrays, VBArray-only arrays)
  const SA = new _WeakMap(); // SAFEARRAY object -> bytes, or an array of values
  const safeArray = (v) => { const o = {}; SA.set(o, v); return o; };
  function bytesOf(x) {
    const v = SA.get(x);
    if (typeof v === "string") return v;
    if (v) x = v;
    return isArray(x) ? x.map((c) => fcc(c & 255)).join("") : typeof x === "string" ? ansi(x) : "";
  }
  const ansi = (s) => str(s).replace(/[^\x00-\xff]/g, "?");
  const utf8 = (s) => { try { return _unescape(_encURI(s)); } catch (e) { return ansi(s); } };
  const unutf8 = (b) => { try { return _decURI(_escape(b)); } catch (e) { return b; } };
  const utf16 = (s) => str(s).replace(/[\s\S]/g, (c) => fcc(c.charCodeAt(0) & 255, c.charCodeAt(0) >> 8));
  const unutf16 = (b) => b.replace(/[\s\S][\s\S]?/g, (p) => fcc(p.charCodeAt(0) | (p.charCodeAt(1) || 0) << 8));
  // ADODB.Stream charsets: Unicode (UTF-16LE), UTF-8 (both written with a BOM); others one byte a char.
  const csKind = (cs) => { const l = lower(cs); return /^(unicode|utf-16(le)?)$/.test(l) ? 16 : l === "utf-8" ? 8 : 1; };
  const encode = (k, s) => (k === 16 ? utf16(s) : k === 8 ? utf8(s) : ansi(s));
  const decode = (k, b) => (k === 16 ? unutf16(b) : k === 8 ? unutf8(b) : b);
  const BOM = { 16: "\xff\xfe", 8: "\xef\xbb\xbf", 1: "" };
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function unb64(s) {
    let o = "", acc = 0, n = 0;
    for (const c of str(s).replace(/[^A-Za-z0-9+/]/g, "")) {
      acc = ((acc << 6) | B64.indexOf(c)) & 0xffffff;
      if ((n += 6) >= 8) o += fcc((acc >> (n -= 8)) & 255);
    }
    return o;
  }
  function b64(b) {
    let o = "";
    for (let i = 0; i < b.length; i += 3) {
      const c = (b.charCodeAt(i) << 16) | ((b.charCodeAt(i + 1) || 0) << 8) | (b.charCodeAt(i + 2) || 0);
      o += B64[c >> 18] + B64[(c >> 12) & 63] + (i + 1 < b.length ? B64[(c >> 6) & 63] : "=") + (i + 2 < b.length ? B64[c & 63] : "=");
    }
    return o;
  }
  const unhex = (s) => str(s).replace(/[^0-9a-f]/gi, "").replace(/../g, (h) => fcc(parseInt(h, 16)));
  const hex = (b) => b.replace(/[\s\S]/g, (c) => (c.charCodeAt(0) | 256).toString(16).slice(1));
  // Arguments as events show them: byte arrays summarised, trailing omitted ones dropped.
  const shown = (a) => (!SA.has(a) ? a : typeof SA.get(a) === "string" ? "<" + SA.get(a).length + " bytes>" : "<array>");
  const shownArgs = (args) => { const a = list(args).map(shown); while (a.length && a[a.length - 1] === undefined) a.pop(); return a; };

  // ---- COM objects
  // com(name, members, cat, call): a proxy over `members` whose names resolve case-insensitively.
  // Calls of its methods are recorded under `cat` (null: not recorded), or under the method's own
  // category (as(cat, f)), or not at all when the method records itself (own(f)). Unknown members
  // are recording stand-ins; `call` makes it callable (the default member: WScript.Arguments(0)).
  const CAT = Symbol("category"), OBJECTS = new WeakSet();
  const as = (cat, f) => { f[CAT] = cat; return f; };
  const own = (f) => as(null, f);
  function keyOf(t, p) {
    if (p in t) return p;
    const l = lower(p);
    return ownKeys(t).find((k) => typeof k === "string" && lower(k) === l);
  }
  function com(name, members, cat, call) {
    let t = members;
    if (call) {
      t = () => {};
      delete t.name;
      delete t.length;
      const d = descs(members);
      for (const k of ownKeys(d)) defProp(t, k, d[k]);
    }
    const wrapped = new _Map();
    const o = new _Proxy(t, {
      get(t, p) {
        if (typeof p === "symbol") return t[p];
        const k = keyOf(t, p);
        if (k === undefined) return p === "then" || p === "toJSON" ? undefined : A.stub(name + "." + p, cat || "other");
        const v = t[k], c = typeof v === "function" && hasOwn(v, CAT) ? v[CAT] : cat;
        if (typeof v !== "function" || !c || !hasOwn(t, k) || OBJECTS.has(v) || k === "toString" || k === "valueOf") return v;
        let w = wrapped.get(k);
        if (!w || w.f !== v) {
          w = function () { emit(c, name + "." + k, shownArgs(arguments)); return apply(v, this, arguments); };
          w.f = v;
          wrapped.set(k, w);
        }
        return w;
      },
      set(t, p, v) {
        if (typeof p === "symbol") t[p] = v;
        else rset(t, keyOf(t, p) ?? p, v, t);
        return true;
      },
      has: (t, p) => (typeof p === "symbol" ? p in t : keyOf(t, p) !== undefined),
      apply: (t, self, args) => apply(call, self, args),
    });
    OBJECTS.add(o);
    return o;
  }
  const bag = (name, m) => com(name, m, null); // a holder of properties
  // A property that is both a number and a method returning it (Count and Count()).
  const dual = (n) => assign(() => n(), { valueOf: n, toString: () => str(n()) });
  // A collection: Item(index or name), Count, length; enumerable with Enumerator.
  const COLL = new _WeakMap();
  function collection(name, items, nameOf, extra) {
    const all = typeof items === "function" ? items : () => items;
    const m = assign({
      Item(i) {
        const l = all();
        if (typeof i === "number" || /^\d+$/.test(str(i))) return l[+i];
        if (nameOf) return l.find((x) => lower(nameOf(x)) === lower(i));
      },
      Count: dual(() => all().length), get length() { return all().length },
    }, extra);
    const o = com(name, m, null, (i) => m.Item(i));
    COLL.set(o, all);
    return o;
  }
  function itemsOf(c) {
    if (c == null || (typeof c !== "object" && typeof c !== "function")) return [];
    if (isArray(c)) return c.slice();
    if (COLL.has(c)) return COLL.get(c)().slice();
    const v = SA.get(c);
    if (v !== undefined) return typeof v === "string" ? list(v).map((x) => x.charCodeAt(0)) : v.slice();
    try {
      const o = [];
      for (let i = 0, n = +c.Count; i < n && i < 1e5; i++) o.push(c.Item(i));
      return o;
    } catch (e) {
      return [];
    }
  }

  // ---- files
  function abs(p) {
    p = str(p).replace(/\//g, "\\");
    if (/^\\\\/.test(p)) return p;
    if (!/^[a-z]:/i.test(p)) p = (p[0] === "\\" ? "C:" : cwd + "\\") + p;
    const out = [];
    for (const s of p.split("\\")) {
      if (s === "..") { if (out.length > 1) out.pop(); } else if (s !== "." && (s !== "" || !out.length)) out.push(s);
    }
    return out.length === 1 ? out[0] + "\\" : out.join("\\");
  }
  const baseName = (p) => str(p).replace(/[\\/]+$/, "").replace(/^.*[\\/]/, "");
  const parentOf = (p) => {
    const m = /^(.*)[\\/][^\\/]*$/.exec(str(p).replace(/[\\/]+$/, ""));
    return m ? m[1].replace(/^([a-z]:)$/i, "$1\\") : "";
  };
  const files = new _Map(); // lower(path) -> { path, data: bytes or null (not known) }
  const dirs = new _Set(); // lower(path)
  const file = (p) => files.get(lower(abs(p)));
  const isDir = (p) => dirs.has(lower(abs(p)));
  function addDir(p) { for (p = abs(p); p && !isDir(p); p = parentOf(p)) dirs.add(lower(p)); }
  function putFile(p, data) { p = abs(p); files.set(lower(p), { path: p, data }); addDir(parentOf(p)); return p; }
  // A file written: into the model, and an indicator with its content when known.
  function writeFile(api, p, data, args, ioc) {
    p = putFile(p, data);
    // Spread, not assign: a setter the script put on Object.prototype must not swallow a key.
    const content = data == null ? {} : { content: data, content_encoding: "latin1" };
    emit("filesystem_write", api, args || [p], { file: p, ...content, ...ioc });
    return p;
  }
  function readFile(api, p) {
    const f = file(p);
    emit("filesystem_read", api, [p], null, f ? undefined : "not found");
    if (!f) throw error(-2146828235, "File not found");
    return f.data || "";
  }
  for (const k in SPECIAL) addDir(SPECIAL[k]);
  for (const d of ["Downloads", "Pictures", "Music", "Videos", "AppData\\Local\\Temp"]) addDir(HOME + "\\" + d);
  for (const f of ["cmd", "wscript", "cscript", "mshta", "rundll32", "regsvr32", "schtasks", "notepad", "calc", "certutil",
    "WindowsPowerShell\\v1.0\\powershell"]) putFile(SYS32 + "\\" + f + ".exe", null);
  putFile(WINDIR + "\\explorer.exe", null);

  // Text streams. A writer's text goes to its file on Close (or when the run or WScript.Quit ends it).
  const open = new _Set(); // closers of what is open
  const flush = () => list(open).forEach((c) => c());
  function reader(name, text) {
    let i = 0;
    const line = () => {
      const j = text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i), r = text.slice(i, j).replace(/\r$/, "");
      i = j + 1;
      return r;
    };
    return bag(name, {
      get AtEndOfStream() { return i >= text.length }, get AtEndOfLine() { return i >= text.length || /[\r\n]/.test(text[i]) },
      ReadAll() { const r = text.slice(i); i = text.length; return r; }, ReadLine: line, SkipLine: line,
      Read(n) { const r = text.slice(i, i + (n | 0)); i += r.length; return r; }, Skip(n) { i += n | 0; }, Close() {},
    });
  }
  function writer(api, p, unicode, before) {
    let text = "";
    const close = () => {
      if (open.delete(close)) writeFile(api, p, before + (unicode ? (before ? "" : BOM[16]) + utf16(text) : ansi(text)), [p, text]);
    };
    open.add(close);
    putFile(p, before);
    return com("TextStream", {
      Write(s) { text += str(s); }, WriteLine(s) { text += (s === undefined ? "" : str(s)) + "\r\n"; },
      WriteBlankLines(n) { text += "\r\n".repeat(Math.max(0, n | 0)); }, Close: own(close),
    }, "filesystem_write");
  }
  function openText(api, p, mode, create, fmt) {
    p = abs(p);
    if ((mode | 0 || 1) === 1) { const b = readFile(api, p); return reader("TextStream", b.startsWith(BOM[16]) ? unutf16(b.slice(2)) : b); }
    emit("filesystem_write", api, [p, mode, create, fmt]);
    const before = mode == 8 && file(p) ? file(p).data || "" : "";
    return writer(api, p, fmt == -1 || before.startsWith(BOM[16]), before);
  }
  function copy(api, src, dst, move) {
    src = abs(src);
    dst = /[\\/]$/.test(str(dst)) || isDir(dst) ? abs(dst) + "\\" + baseName(src) : str(dst);
    const p = writeFile(api, dst, (file(src) || {}).data, [src, dst]);
    if (move && lower(p) !== lower(src)) files.delete(lower(src));
  }
  const W = "filesystem_write";
  const drive = () => bag("Drive", { DriveLetter: "C", Path: "C:", DriveType: 2, FileSystem: "NTFS", IsReady: true,
    TotalSize: 511101923328, FreeSpace: 201326592000, AvailableSpace: 201326592000, toString: () => "C:" });
  const fileObj = (p) => com("File", {
    Path: p, Name: baseName(p), Attributes: 32, DateCreated: now(-864e5), DateLastModified: now(-36e5),
    get Size() { const d = (file(p) || {}).data; return d ? d.length : 4096 }, get ParentFolder() { return folder(parentOf(p)) },
    Copy: own((d) => copy("File.Copy", p, d, false)), Move: own((d) => copy("File.Move", p, d, true)),
    Delete: as(W, () => { files.delete(lower(p)); }), OpenAsTextStream: own((mode, fmt) => openText("File.OpenAsTextStream", p, mode, true, fmt)),
    toString: () => p,
  }, "filesystem_read");
  function folder(p) {
    const under = (set) => list(set).filter((k) => lower(parentOf(k)) === lower(p));
    return com("Folder", {
      Path: p, Name: baseName(p), Attributes: 16, IsRootFolder: /^[a-z]:\\?$/i.test(p),
      get ParentFolder() { return parentOf(p) ? folder(parentOf(p)) : null },
      get Files() { return collection("Files", () => under(files.keys()).map((k) => fileObj(files.get(k).path)), (x) => x.Name) },
      get SubFolders() { return collection("Folders", () => under(dirs).map((k) => folder(abs(k))), (x) => x.Name) },
      CreateTextFile: own((n, ow, u) => fso.CreateTextFile(p + "\\" + n, ow, u)), Delete: as(W, () => { dirs.delete(lower(p)); }),
      toString: () => p,
    }, "directory_listing");
  }
  const FSO = "Scripting.FileSystemObject";
  const fso = com(FSO, {
    FileExists: (p) => !!file(p), FolderExists: isDir, DriveExists: (d) => /^c/i.test(str(d)),
    CreateTextFile: as(W, (p, ow, u) => writer(FSO + ".CreateTextFile", abs(p), !!u, "")),
    OpenTextFile: own((p, mode, create, fmt) => openText(FSO + ".OpenTextFile", p, mode, create, fmt)),
    CreateFolder: as(W, (p) => (addDir(p), folder(abs(p)))), CopyFolder: as(W, (s, d) => addDir(d)),
    DeleteFolder: as(W, (p) => { dirs.delete(lower(abs(p))); }), DeleteFile: as(W, (p) => { files.delete(lower(abs(p))); }),
    CopyFile: own((s, d) => copy(FSO + ".CopyFile", s, d, false)), MoveFile: own((s, d) => copy(FSO + ".MoveFile", s, d, true)),
    GetSpecialFolder: (n) => folder(n == 0 ? WINDIR : n == 1 ? SYS32 : TEMP),
    GetTempName: () => "rad" + ((random() * 0xfffff) | 0x10000).toString(16).toUpperCase().slice(-5) + ".tmp",
    BuildPath: (a, b) => str(a) + (/(^|[\\/:])$/.test(str(a)) ? "" : "\\") + str(b),
    GetFileName: baseName, GetBaseName: (p) => baseName(p).replace(/\.[^.]*$/, ""), GetParentFolderName: parentOf,
    GetExtensionName: (p) => (/\.([^.]*)$/.exec(baseName(p)) || ["", ""])[1], GetDriveName: (p) => (/^[a-z]:/i.exec(str(p)) || [""])[0],
    GetAbsolutePathName: abs, GetDrive: drive, Drives: collection("Drives", [drive()]),
    GetFile: (p) => { if (!file(p)) throw error(-2146828235, "File not found"); return fileObj(file(p).path); },
    GetFolder: (p) => { if (!isDir(p)) throw error(-2146828212, "Path not found"); return folder(abs(p)); },
  }, "filesystem_read");

  // ---- registry
  const HIVES = { HKEY_CURRENT_USER: "HKCU", HKEY_LOCAL_MACHINE: "HKLM", HKEY_CLASSES_ROOT: "HKCR", HKEY_USERS: "HKU", HKEY_CURRENT_CONFIG: "HKCC" };
  const regKey = (k) => str(k).replace(/^[^\\]*/, (h) => HIVES[h.toUpperCase()] || h.toUpperCase());
  const registry = new _Map(); // upper(key) -> value
  const regSet = (k, v) => registry.set(regKey(k).toUpperCase(), v);
  const NT = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\", CV = "Software\\Microsoft\\Windows\\CurrentVersion\\";
  for (const [k, v] of [[NT + "ProductName", "Windows 10 Pro"], [NT + "CurrentBuild", "19045"], [NT + "DisplayVersion", "22H2"],
    [NT + "ReleaseId", "2009"], [NT + "CurrentVersion", "6.3"], [NT + "RegisteredOwner", USER], [NT + "RegisteredOrganization", ""],
    ["HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName\\ComputerName", COMPUTER],
    ["HKLM\\HARDWARE\\DESCRIPTION\\System\\BIOS\\SystemManufacturer", "Dell Inc."], ["HKCU\\" + CV + "Internet Settings\\ProxyEnable", 0],
    ["HKCU\\" + CV + "Explorer\\Shell Folders\\Startup", SPECIAL.Startup], ["HKCU\\" + CV + "Explorer\\Shell Folders\\AppData", APPDATA],
  ]) regSet(k, v);
  function regWrite(api, key, value, type, args) {
    const k = regKey(key), t = str(type);
    const v = /DWORD|QWORD/i.test(t) ? +value || 0 : /BINARY/i.test(t) ? bytesOf(value) : /MULTI/i.test(t) ? itemsOf(value).map(str) : value;
    regSet(k, v);
    emit("registry", api, args || [key, value, type], { regkey: k, regvalue: isArray(v) ? v.join("\n") : /BINARY/i.test(t) ? hex(v) : str(v) });
    return 0;
  }
  function regRead(api, key) {
    const k = regKey(key).toUpperCase(), found = registry.has(k), v = registry.get(k);
    emit("registry", api, [key], null, found ? str(v) : "not found");
    if (!found) throw error(-2147024894, 'Unable to open registry key "' + str(key) + '" for reading.');
    return isArray(v) ? safeArray(v) : v;
  }
  function regDelete(key, api) {
    emit("registry", api, [key]);
    const k = regKey(key).toUpperCase();
    for (const r of list(registry.keys())) if (r === k || r.startsWith(k.replace(/\\?$/, "\\"))) registry.delete(r);
    return 0;
  }

  // ---- processes
  let pidSeq = 7400;
  const newPid = () => (pidSeq += 4 + ((random() * 16) | 0) * 4);
  const run = (api, cmd, args) => { emit("process", api, shownArgs(args), { command: str(cmd) }); return 0; };
  // What an Exec'd command prints (the first match; otherwise nothing).
  const OUTPUT = [
    [/\bwhoami\b/i, () => lower(COMPUTER) + "\\" + USER],
    [/\bhostname\b/i, () => COMPUTER],
    [/\bipconfig\b/i, () => "\r\nWindows IP Configuration\r\n\r\nEthernet adapter Ethernet:\r\n\r\n" +
      "   IPv4 Address. . . . . . . . . . . : 192.168.1.23\r\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n" +
      "   Default Gateway . . . . . . . . . : 192.168.1.1"],
    [/\bver\b/i, () => "\r\nMicrosoft Windows [Version 10.0.19045.3803]"],
    [/\becho\s+(.*)$/i, (m) => expand(m[1])],
  ];
  function execObj(cmd) {
    const o = OUTPUT.find(([re]) => re.test(cmd));
    return com("WshScriptExec", {
      Status: 1, ExitCode: 0, ProcessID: newPid(), StdOut: reader("TextStream", o ? o[1](o[0].exec(cmd)) + "\r\n" : ""),
      StdErr: reader("TextStream", ""), StdIn: bag("TextStream", { Write() {}, WriteLine() {}, Close() {} }), Terminate() {},
    }, "process");
  }

  // ---- WScript.Shell, WScript.Network
  const SH = "WScript.Shell";
  function environment() {
    const vars = assign({}, ENV);
    return collection("WshEnvironment", () => keys(vars).map((k) => k + "=" + vars[k]), null, {
      Item: (n) => { emit("environment", "WshEnvironment.Item", [n]); return find(vars, n) ? vars[find(vars, n)] : ""; },
      Remove: (n) => { delete vars[find(vars, n)]; },
    });
  }
  const shell = () => com(SH, {
    Run: own((cmd, style, wait) => run(SH + ".Run", cmd, [cmd, style, wait])),
    Exec: own((cmd) => (run(SH + ".Exec", cmd, [cmd]), execObj(str(cmd)))),
    RegWrite: own((k, v, t) => regWrite(SH + ".RegWrite", k, v, t)),
    RegRead: own((k) => regRead(SH + ".RegRead", k)),
    RegDelete: own((k) => regDelete(k, SH + ".RegDelete")),
    ExpandEnvironmentStrings: own((s) => { const r = expand(s); emit("environment", SH + ".ExpandEnvironmentStrings", [s], null, r); return r; }),
    Environment: as("environment", environment),
    SpecialFolders: collection("WshSpecialFolders", Object.values(SPECIAL), null, {
      Item: (n) => {
        emit("environment", SH + ".SpecialFolders", [n]);
        return typeof n === "number" ? Object.values(SPECIAL)[n] : SPECIAL[find(SPECIAL, n)] || "";
      },
    }),
    CreateShortcut: (p) => shortcut(abs(p)), Popup: () => 1, AppActivate: () => true,
    get CurrentDirectory() { return cwd }, set CurrentDirectory(v) { emit("environment", SH + ".CurrentDirectory", [v]); cwd = abs(v); },
  }, "other");
  function shortcut(p) {
    const url = /\.url$/i.test(p), N = url ? "WshURLShortcut" : "WshShortcut";
    const o = com(N, {
      FullName: p, TargetPath: "", Arguments: "", WorkingDirectory: "", WindowStyle: 1, IconLocation: ",0", Description: "", Hotkey: "",
      Save: own(() => {
        const target = str(o.TargetPath) + (!url && str(o.Arguments) ? " " + str(o.Arguments) : "");
        const content = url ? "[InternetShortcut]\r\nURL=" + str(o.TargetPath) + "\r\n" : null; // a .lnk's bytes: not modelled
        writeFile(N + ".Save", p, content, [p, target, o.WorkingDirectory], { shortcut: p, target });
      }),
      toString: () => p,
    }, W);
    return o;
  }
  const network = () => com("WScript.Network", { UserName: USER, ComputerName: COMPUTER, UserDomain: COMPUTER }, "network");

  // ---- HTTP: MSXML2.XMLHTTP, ServerXMLHTTP, WinHttp.WinHttpRequest
  // Every request is answered 200 at once (asynchronous ones too): an MZ/PK/PDF stub for a URL that
  // names such a file, otherwise "{}" (parses as JSON and runs as an empty JavaScript block).
  const MZ = "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + "\x00".repeat(43) + "\x80\x00\x00\x00" +
    "This program cannot be run in DOS mode.\r\r\n$";
  const BODIES = [[/\.(exe|dll|scr|cpl|ocx|sys|com|bin|dat|tmp)$/, MZ], [/\.(zip|jar|docx|xlsx)$/, "PK\x03\x04\x14\x00\x00\x00\x08\x00"],
    [/\.pdf$/, "%PDF-1.7\n"]];
  const answer = (url) => (BODIES.find(([re]) => re.test(lower(str(url).replace(/[?#].*$/, "")))) || [0, "{}"])[1];
  function xhr(prog) {
    const st = { method: "GET", url: "", state: 0, status: 0, body: "", on: null };
    const headers = () => ({ "Content-Type": st.body === "{}" ? "application/json" : "application/octet-stream", "Content-Length": st.body.length });
    const o = com(prog, {
      open(m, u) { assign(st, { method: str(m).toUpperCase(), url: str(u), state: 1, status: 0, body: "" }); },
      setRequestHeader() {},
      send: own((data) => {
        const d = data == null || data === "" ? undefined : typeof data === "string" ? data : bytesOf(data) || str(data);
        emit("network", prog + ".send", [st.method, st.url].concat(d === undefined ? [] : [d]), { url: st.url, data: d });
        assign(st, { body: answer(st.url), status: 200, state: 4 });
        if (typeof st.on === "function") callback(st.on, o, prog + ".onreadystatechange");
      }),
      get readyState() { return st.state }, get status() { return st.status }, get statusText() { return st.status ? "OK" : "" },
      get responseText() { return st.body }, get responseBody() { return safeArray(st.body) }, get responseStream() { return safeArray(st.body) },
      getResponseHeader: (h) => str(headers()[find(headers(), h)] ?? ""),
      getAllResponseHeaders: () => { const h = headers(); return keys(h).map((k) => k + ": " + h[k] + "\r\n").join(""); },
      get onreadystatechange() { return st.on }, set onreadystatechange(f) { st.on = f; },
      waitForResponse: () => true, abort() { st.state = 0; },
    }, "network");
    return o;
  }

  // ---- ADODB.Stream
  function adodbStream() {
    let type = 2, cs = "Unicode", buf = "", pos = 0, state = 0;
    const take = (n) => { const b = n == null || n < 0 ? buf.slice(pos) : buf.slice(pos, pos + (n | 0)); pos += b.length; return b; };
    const put = (b) => { buf = buf.slice(0, pos) + b + buf.slice(pos + b.length); pos += b.length; };
    const N = "ADODB.Stream";
    return com(N, {
      get Type() { return type }, set Type(v) { type = v == 1 ? 1 : 2; }, get Charset() { return cs }, set Charset(v) { cs = str(v); },
      get Position() { return pos }, set Position(v) { pos = Math.max(0, Math.min(buf.length, v | 0)); },
      get Size() { return buf.length }, get EOS() { return pos >= buf.length }, get State() { return state }, LineSeparator: -1, Mode: 0,
      Open() { state = 1; buf = ""; pos = 0; }, Close() { state = 0; }, Flush() {}, SetEOS() { buf = buf.slice(0, pos); },
      Write(b) { put(bytesOf(b)); },
      WriteText(s, opt) { const k = csKind(cs); put((buf === "" ? BOM[k] : "") + encode(k, str(s) + (opt == 1 ? "\r\n" : ""))); },
      Read: (n) => safeArray(take(n)),
      ReadText(n) { // n characters; -1 all, -2 a line
        const k = csKind(cs);
        if (pos === 0 && buf.startsWith(BOM[k])) pos = BOM[k].length;
        let t = decode(k, buf.slice(pos)), sep = 0;
        if (n == -2) { const j = t.indexOf("\r\n"); if (j >= 0) { t = t.slice(0, j); sep = k === 16 ? 4 : 2; } } else if (n >= 0) t = t.slice(0, n);
        pos += encode(k, t).length + sep;
        return t;
      },
      CopyTo(dest, n) { dest.Write(safeArray(take(n))); },
      SaveToFile: own((p, opt) => { writeFile(N + ".SaveToFile", p, buf, [p, opt]); }),
      LoadFromFile: own((p) => { buf = readFile(N + ".LoadFromFile", p); pos = 0; }),
    }, "other");
  }

  // ---- MSXML2.DOMDocument: bin.base64/bin.hex elements (decoding), load, XSL
  function element(name) {
    let dt = null, t = "";
    return com("IXMLDOMElement", {
      nodeName: name, tagName: name, get dataType() { return dt }, set dataType(v) { dt = lower(v); },
      get text() { return t }, set text(v) { t = str(v); }, get xml() { return "<" + name + ">" + t + "</" + name + ">" },
      get nodeTypedValue() { return dt === "bin.base64" ? safeArray(unb64(t)) : dt === "bin.hex" ? safeArray(unhex(t)) : t },
      set nodeTypedValue(v) { t = dt === "bin.base64" ? b64(bytesOf(v)) : dt === "bin.hex" ? hex(bytesOf(v)) : str(v); },
      appendChild: (c) => c,
    }, "other");
  }
  function domDoc(prog) {
    let xml = "";
    return com(prog, {
      async: true, parseError: bag("IXMLDOMParseError", { errorCode: 0, reason: "" }), get xml() { return xml },
      loadXML(s) { xml = str(s); return true; }, createElement: (n) => element(str(n)), appendChild: (c) => c,
      load: own((u) => {
        emit("network", prog + ".load", [u], /^(https?|ftp):/i.test(str(u)) ? { url: str(u) } : null);
        xml = (file(u) || {}).data || "";
        return true;
      }),
      // An XSL stylesheet can carry script (msxsl:script): recorded as code.
      transformNode: own((x) => { let s = ""; try { s = str(x.xml); } catch (e) {} A.recordCode("XSLT", s); return ""; }),
    }, "other");
  }

  // ---- Shell.Application
  const SHA = "Shell.Application";
  const shellFolder = (p) => p ? com("Folder", { Title: baseName(p) || p, Self: bag("FolderItem", { Name: baseName(p), Path: p }),
    Items: () => collection("FolderItems", []), CopyHere: as(W, () => {}), toString: () => p }, "filesystem_read") : null;
  const shellApp = () => com(SHA, {
    ShellExecute: own((f, a, dir, verb, show) =>
      run(SHA + ".ShellExecute", str(f) + (a == null || str(a) === "" ? "" : " " + str(a)), [f, a, dir, verb, show])),
    Open: own((f) => run(SHA + ".Open", f, [f])), Namespace: (f) => shellFolder(typeof f === "number" ? CSIDL[f] : f == null ? "" : abs(f)),
    Windows: () => collection("ShellWindows", []), IsServiceRunning: () => false,
  }, "other");

  // ---- Schedule.Service
  const TS = "Schedule.Service";
  const DEFS = new _WeakMap(); // task definition -> its actions
  function taskDef() {
    const actions = [], triggers = [];
    const add = (l, o) => (l.push(o), o);
    const action = (type, path, args) =>
      add(actions, bag("Action", { Type: type | 0, Id: "", Path: path || "", Arguments: args || "", WorkingDirectory: "" }));
    const d = com("TaskDefinition", {
      RegistrationInfo: bag("RegistrationInfo", {}), Principal: bag("Principal", {}), Settings: bag("TaskSettings", { Enabled: true, Hidden: false }),
      Triggers: collection("TriggerCollection", triggers, null, { Create: (type) => add(triggers, bag("Trigger", { Type: type | 0, Enabled: true })) }),
      Actions: collection("ActionCollection", actions, null, { Create: (type) => action(type) }),
      set XmlText(x) { actions.length = 0; for (const [p, a] of execsIn(x)) action(0, p, a); },
    }, null);
    DEFS.set(d, actions);
    return d;
  }
  // The Exec actions of a task's XML: [command, arguments].
  function execsIn(xml) {
    const tag = (s, t) => (new RegExp("<" + t + ">([\\s\\S]*?)</" + t + ">", "i").exec(s) || ["", ""])[1].trim()
      .replace(/&(lt|gt|quot|apos|amp);/g, (m, e) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]);
    return (str(xml).match(/<Exec>[\s\S]*?<\/Exec>/gi) || []).map((e) => [tag(e, "Command"), tag(e, "Arguments")]);
  }
  function taskService() {
    let connected = false;
    const tasks = new _Map(); // lower(path) -> registered task
    function register(api, folder, name, execs, rest) {
      name = str(name ?? "");
      const path = (folder === "\\" ? "" : folder) + "\\" + name, cmds = execs.map(([p, a]) => str(p) + (str(a) ? " " + str(a) : ""));
      if (!cmds.length) emit("process", api, [name].concat(rest), { task_name: name });
      for (const c of cmds) emit("process", api, [name, c].concat(rest), { task_name: name, task_command: c });
      const t = com("RegisteredTask", { Name: name, Path: path, Enabled: true, State: 3, NextRunTime: now(36e5) }, "process");
      tasks.set(lower(path), t);
      return t;
    }
    function taskFolder(path) {
      const sub = (n) => (/^\\/.test(str(n)) ? str(n) : (path === "\\" ? "" : path) + "\\" + str(n));
      return com("TaskFolder", {
        Path: path, Name: baseName(path) || "\\", GetFolder: (n) => taskFolder(sub(n)), CreateFolder: (n) => taskFolder(sub(n)),
        RegisterTaskDefinition: own((name, def, flags, user, pw, logon) => {
          const execs = (DEFS.get(def) || []).filter((a) => a.Type == 0).map((a) => [a.Path, a.Arguments]);
          return register(TS + ".RegisterTaskDefinition", path, name, execs, [flags, user, logon]);
        }),
        RegisterTask: own((name, xml, flags, user, pw, logon) => register(TS + ".RegisterTask", path, name, execsIn(xml), [flags, user, logon])),
        GetTask: (n) => {
          if (!tasks.has(lower(sub(n)))) throw error(-2147024894, "The system cannot find the file specified.");
          return tasks.get(lower(sub(n)));
        },
        DeleteTask: as("process", (n) => { tasks.delete(lower(sub(n))); }),
      }, "other");
    }
    return com(TS, {
      Connect() { connected = true; }, get Connected() { return connected },
      GetFolder: (p) => taskFolder(str(p ?? "").replace(/(.)\\$/, "$1") || "\\"), NewTask: taskDef,
    }, "other");
  }

  // ---- WMI
  // The processes of a Windows 10 desktop just logged on to: name/pid/parent pid (in System32, but
  // explorer.exe; the first three are no files).
  const PROCS = ("System Idle Process/0/0,System/4/0,Registry/108/4,smss.exe/372/4,csrss.exe/488/476,wininit.exe/564/476," +
    "csrss.exe/572/556,winlogon.exe/652/556,services.exe/696/564,lsass.exe/716/564,svchost.exe/828/696,fontdrvhost.exe/852/652," +
    "svchost.exe/936/696,dwm.exe/1012/652,svchost.exe/1100/696,svchost.exe/1368/696,spoolsv.exe/2040/696,MsMpEng.exe/2484/696," +
    "svchost.exe/2508/696,sihost.exe/3312/1100,taskhostw.exe/3404/1368,ctfmon.exe/3532/1100,explorer.exe/3896/3860," +
    "SearchIndexer.exe/4012/696,RuntimeBroker.exe/4388/828,SecurityHealthService.exe/5940/696,OneDrive.exe/6032/3896," +
    "msedge.exe/6420/3896,WmiPrvSE.exe/6888/828,wscript.exe/7312/3896").split(",");
  const WMI = {
    win32_process: () => PROCS.map((p, i) => {
      const [n, pid, ppid] = p.split("/"), exe = i < 3 ? null : (n === "explorer.exe" ? WINDIR : SYS32) + "\\" + n;
      return { Name: n, Caption: n, ProcessId: +pid, Handle: pid, ParentProcessId: +ppid, ExecutablePath: exe, SessionId: pid > 3000 ? 1 : 0,
        CommandLine: n === "wscript.exe" ? '"' + SYS32 + '\\WScript.exe" "' + SCRIPT + '"' : exe && '"' + exe + '"' };
    }),
    win32_computersystem: () => [{ Name: COMPUTER, Manufacturer: "Dell Inc.", Model: "OptiPlex 7070", Domain: "WORKGROUP", PartOfDomain: false,
      UserName: COMPUTER + "\\" + USER, TotalPhysicalMemory: "17044340736", NumberOfProcessors: 1, NumberOfLogicalProcessors: 8 }],
    win32_operatingsystem: () => [{ Caption: "Microsoft Windows 10 Pro", Version: "10.0.19045", BuildNumber: "19045", OSArchitecture: "64-bit",
      CSName: COMPUTER, RegisteredUser: USER, WindowsDirectory: WINDIR, OSLanguage: 1033, InstallDate: "20230312094511.000000+060" }],
    win32_bios: () => [{ Manufacturer: "Dell Inc.", SerialNumber: "7FJK2M3", SMBIOSBIOSVersion: "1.22.0", Version: "DELL   - 1072009" }],
    win32_logicaldisk: () => [{ DeviceID: "C:", DriveType: 3, FileSystem: "NTFS", Size: "511101923328", FreeSpace: "201326592000" }],
    win32_diskdrive: () => [{ Model: "Samsung SSD 970 EVO Plus 500GB", Size: "500105249280" }],
    antivirusproduct: () => [{ displayName: "Windows Defender", productState: 397568 }],
  };
  // SELECT ... FROM class [WHERE a = 'x' AND b LIKE '%y%'] (other conditions are not applied).
  function wql(q) {
    const m = /^\s*select\s+[\s\S]+?\s+from\s+(\w+)(?:\s+where\s+([\s\S]+))?$/i.exec(str(q)), cls = m && lower(m[1]);
    let rows = cls && hasOwn(WMI, cls) ? WMI[cls]() : [];
    for (const c of m && m[2] && !/\bor\b/i.test(m[2]) ? m[2].split(/\s+and\s+/i) : []) {
      const t = /^\s*\(?\s*(\w+)\s*(=|<>|!=|like)\s*(?:'([^']*)'|"([^"]*)"|([\w.-]+))\s*\)?\s*$/i.exec(c);
      if (!t) continue;
      const want = lower(t[3] ?? t[4] ?? t[5]), op = lower(t[2]);
      const re = new RegExp("^" + want.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".") + "$");
      rows = rows.filter((r) => { const v = lower(r[find(r, t[1])] ?? ""); return op === "like" ? re.test(v) : (v === want) === (op === "="); });
    }
    const kill = (r) => ({ Terminate: own(() => (emit("process", "Win32_Process.Terminate", [r.Name, r.ProcessId]), 0)) });
    return collection("SWbemObjectSet", rows.map((r) => com(m[1], assign({ Path_: bag("SWbemObjectPath", { Class: m[1] }) }, r,
      cls === "win32_process" ? kill(r) : {}), "other")));
  }
  // WMI methods: parameter names (for ExecMethod_) and what they do (returning the out-parameters).
  const HIVE_NUM = { 2147483648: "HKCR", 2147483649: "HKCU", 2147483650: "HKLM", 2147483651: "HKU", 2147483653: "HKCC" };
  const regPath = (h, s, n) => (HIVE_NUM[h ?? 2147483650] || "HKLM") + "\\" + str(s) + (n == null ? "" : "\\" + str(n));
  const KEY = ["hDefKey", "sSubKeyName"], VALUE = KEY.concat("sValueName");
  const METHODS = {
    Create: [["CommandLine", "CurrentDirectory"], (cmd, dir) => ({ ReturnValue: run("Win32_Process.Create", cmd, [cmd, dir]), ProcessId: newPid() })],
    DeleteKey: [KEY, (h, s) => ({ ReturnValue: regDelete(regPath(h, s) + "\\", "StdRegProv.DeleteKey") })],
    DeleteValue: [VALUE, (h, s, n) => ({ ReturnValue: regDelete(regPath(h, s, n), "StdRegProv.DeleteValue") })],
  };
  for (const [t, type, param] of [["String", "REG_SZ", "sValue"], ["ExpandedString", "REG_EXPAND_SZ", "sValue"], ["DWORD", "REG_DWORD", "uValue"],
    ["QWORD", "REG_QWORD", "uValue"], ["Binary", "REG_BINARY", "uValue"], ["MultiString", "REG_MULTI_SZ", "sValue"]]) {
    const api = "StdRegProv.Set" + t + "Value";
    METHODS["Set" + t + "Value"] = [VALUE.concat(param), (h, s, n, v) =>
      ({ ReturnValue: regWrite(api, regPath(h, s, n), v, type, [h, s, n, shown(v)]) })];
  }
  // A class object: its methods as JScript calls them (the return value only: out-parameters
  // cannot reach JScript), and through Methods_/ExecMethod_ (in- and out-parameter objects).
  function wmiClass(name, methods) {
    const m = {
      Path_: bag("SWbemObjectPath", { Class: name }), SpawnInstance_: () => bag(name, {}), Instances_: () => wql("SELECT * FROM " + name),
      Methods_: collection("SWbemMethodSet", methods.map((k) =>
        bag("SWbemMethod", { Name: k, InParameters: bag("SWbemObject", { SpawnInstance_: () => bag(k, {}) }) })), (x) => x.Name),
      ExecMethod_: (k, inp) => {
        const d = METHODS[methods.find((x) => lower(x) === lower(k))];
        return bag("SWbemObject", d ? d[1](...d[0].map((p) => (inp == null ? undefined : inp[p]))) : { ReturnValue: 0 });
      },
    };
    for (const k of methods) m[k] = own((...a) => METHODS[k][1](...a).ReturnValue);
    return com(name, m, "other");
  }
  function wmiGet(path) {
    const cls = str(path).split(/[.:]/)[0];
    if (/^stdregprov$/i.test(cls)) return wmiClass("StdRegProv", keys(METHODS).filter((k) => k !== "Create"));
    return /^win32_process$/i.test(cls) ? wmiClass("Win32_Process", ["Create"]) : wmiClass(cls, []);
  }
  const wmiService = (ns) => com("SWbemServices", {
    ExecQuery: as("environment", wql), InstancesOf: as("environment", (c) => wql("SELECT * FROM " + str(c))), Get: wmiGet,
  }, "other");
  // winmgmts:[{security}!][\\server\]namespace[:class]
  function wmiMoniker(m) {
    const rest = str(m).replace(/^winmgmts:/i, "").replace(/^\{[^}]*\}!?/, ""), i = rest.indexOf(":");
    return i < 0 ? wmiService(rest.replace(/^\\\\[^\\]*\\/, "") || "root\\cimv2") : wmiGet(rest.slice(i + 1));
  }

  // ---- Scripting.Dictionary
  function dictionary() {
    const m = new _Map();
    let mode = 0;
    const k = (x) => (mode && typeof x === "string" ? lower(x) : x);
    const item = (key) => (m.get(k(key)) || [])[1];
    return com("Scripting.Dictionary", {
      Add(key, v) {
        if (m.has(k(key))) throw error(-2146828275, "This key is already associated with an element of this collection");
        m.set(k(key), [key, v]);
      },
      Exists: (key) => m.has(k(key)), Item: item, Remove(key) { m.delete(k(key)); }, RemoveAll() { m.clear(); },
      Items: () => safeArray(list(m.values()).map((e) => e[1])), Keys: () => safeArray(list(m.values()).map((e) => e[0])),
      get Count() { return m.size }, set CompareMode(v) { mode = v | 0; },
    }, null, item);
  }

  // ---- ProgIDs (case-insensitive; a version suffix is ignored)
  const PROGIDS = new _Map([
    ["wscript.shell", shell], ["wscript.network", network], ["shell.application", shellApp],
    ["scripting.filesystemobject", () => fso], ["scripting.dictionary", dictionary], ["adodb.stream", adodbStream],
    ["msxml2.xmlhttp", xhr], ["microsoft.xmlhttp", xhr], ["msxml2.serverxmlhttp", xhr], ["winhttp.winhttprequest", xhr],
    ["msxml2.domdocument", domDoc], ["microsoft.xmldom", domDoc], ["schedule.service", taskService],
    ["wbemscripting.swbemlocator", () => com("SWbemLocator", { ConnectServer: (server, ns) => wmiService(str(ns ?? "") || "root\\cimv2") }, "other")],
  ]);
  function create(progid, api) {
    const p = str(progid), l = lower(p).trim(), f = PROGIDS.get(l) || PROGIDS.get(l.replace(/(\.\d+)+$/, ""));
    emit("other", api, [p], null, f ? undefined : "not emulated");
    return f ? f(p) : A.stub(p, "other");
  }
  function getObject(path, cls) {
    const p = str(path ?? "");
    if (p === "" && cls != null) return create(cls, "GetObject");
    const u = /^script:((https?|ftp):.*)$/i.exec(p); // a scriptlet, downloaded
    emit("other", "GetObject", [p], u ? { url: u[1] } : null);
    return /^winmgmts:/i.test(p) ? wmiMoniker(p) : A.stub("GetObject(" + p + ")", "other");
  }

  // ---- WScript and JScript's globals
  function stdWriter(name, print) {
    let line = "";
    const w = (s) => {
      line += str(s);
      const j = line.lastIndexOf("\n");
      if (j >= 0) { print(line.slice(0, j).replace(/\r$/, "")); line = line.slice(j + 1); }
    };
    open.add(() => { if (line) print(line); line = ""; });
    return bag(name, { Write: w, WriteLine: (s) => w((s === undefined ? "" : str(s)) + "\n"),
      WriteBlankLines: (n) => w("\n".repeat(Math.max(0, n | 0))), Close() {} });
  }
  let sleeps = 0;
  const end = (code) => { flush(); A.exit(code); };
  function Enumerator(c) {
    const items = itemsOf(c);
    let i = 0;
    return { atEnd: () => i >= items.length, moveNext() { i++; }, moveFirst() { i = 0; }, item: () => items[i] };
  }
  function VBArray(sa) {
    const items = SA.has(sa) ? itemsOf(sa) : [];
    return { toArray: () => items.slice(), getItem: (i) => items[i], lbound: () => 0, ubound: () => items.length - 1, dimensions: () => 1 };
  }
  // JScript has none of these.
  for (const k of ["console", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "setImmediate", "performance"]) delete G[k];
  // Text files left open are written when the run ends, as the host closes them.
  A.phase(async () => flush());
  // What depends on the run: the script's name, its file (its text, as UTF-8 bytes, so that a
  // copy of itself has a hash), its arguments and WScript.
  A.atStart(() => {
    FNAME = str(A.filename).replace(/^.*[\\/]/, "") || "script.js";
    SCRIPT = HOME + "\\Downloads\\" + FNAME;
    let selfBytes = null;
    try { selfBytes = unescape(encodeURIComponent(A.source)); } catch (e) { selfBytes = null; }
    putFile(SCRIPT, selfBytes);
    const args = A.args.map(str), isNamed = (a) => /^\/[^/]/.test(a);
    const named = args.filter(isNamed).map((a) => /^\/([^:]*):?([\s\S]*)$/.exec(a));
    const WScript = com("WScript", {
      Name: "Windows Script Host", Version: "5.812", FullName: SYS32 + "\\wscript.exe", Path: SYS32, ScriptFullName: SCRIPT, ScriptName: FNAME,
      Interactive: true, Timeout: 0, StdIn: reader("TextStream", ""),
      StdOut: stdWriter("TextStream", A.print), StdErr: stdWriter("TextStream", A.printErr),
      Arguments: collection("WshArguments", args, null, {
        Named: collection("WshNamed", named.map((n) => n[2]), null, {
          Item: (n) => (named.find((x) => lower(x[1]) === lower(n)) || [])[2], Exists: (n) => named.some((x) => lower(x[1]) === lower(n)),
        }),
        Unnamed: collection("WshUnnamed", args.filter((a) => !isNamed(a))),
      }),
      Echo: own(function () {
        const t = list(arguments).map((v) => (typeof v === "boolean" ? (v ? "-1" : "0") : str(v))).join(" ");
        emit("other", "WScript.Echo", [t]);
        A.print(t);
      }),
      // A script that keeps sleeping waits for what will not come (a file another process would
      // write, say): its run ends, as if it gave up.
      Sleep: own((ms) => {
        emit("clock", "WScript.Sleep", [ms], null, ++sleeps > 10000 ? "sleep limit reached: the run ends" : undefined);
        if (sleeps > 10000) end(0);
        A.advance(ms);
      }),
      Quit: own((code) => { emit("other", "WScript.Quit", [code]); end(code == null ? 0 : code); }),
      CreateObject: own((p) => create(p, "WScript.CreateObject")), GetObject: own(getObject), ConnectObject() {}, DisconnectObject() {},
      toString: () => "Windows Script Host",
    }, "other");
    const globals = {
      WScript, WSH: WScript, ActiveXObject: function ActiveXObject(progid) { return create(progid, "ActiveXObject"); },
      GetObject: function GetObject(path, cls) { return getObject(path, cls); }, Enumerator, VBArray, CollectGarbage() {},
      ScriptEngine: () => "JScript", ScriptEngineMajorVersion: () => 5, ScriptEngineMinorVersion: () => 8, ScriptEngineBuildVersion: () => 16384,
    };
    for (const k in globals) defProp(G, k, { value: globals[k], writable: true, configurable: true });
    emit("other", "environment", ["wsh", SCRIPT]);
  });

  // ---- JScript's conditional compilation
  // Code in `/*@cc_on ... @*/` and `//@` comments, `@if (...) @elif (...) @else @end` and `@set @x =`
  // runs in JScript and nowhere else: droppers hide what they do from other engines this way. A
  // script that turns it on (`@cc_on`) runs as JScript would compile it: the comment markers
  // become spaces, the directives JavaScript, the @-variables JScript's values (an unset one is
  // NaN), and the compiled text is recorded as dynamic code.
  const CC = { _jscript: "true", _jscript_version: "5.8", _jscript_build: "16384", _microsoft: "true", _win32: "true", _win64: "true",
    _amd64: "true", _x86: "false", _win16: "false", _mac: "false", _alpha: "false", _mc680x0: "false", _PowerPC: "false" };
  A.prepare = (code) => {
    if (typeof code !== "string" || code.indexOf("@cc_on") < 0) return code;
    const unset = new _Set(), n = code.length, at = (t, i) => code.startsWith(t, i), out = [];
    const name = (k) => (hasOwn(CC, k) ? CC[k] : (unset.add(k), "__cc_" + k));
    const word = /@(cc_on|if|elif|else|end|set|[A-Za-z_$][\w$]*)/y, plain = /[^"'`\/@]+/y, ident = /[A-Za-z_$]/;
    let i = 0;
    while (i < n) {
      plain.lastIndex = i;
      if (plain.test(code)) { // nothing to look at up to the next quote, slash or @
        out.push(code.slice(i, plain.lastIndex));
        i = plain.lastIndex;
        continue;
      }
      const c = code[i];
      let e = i + 1;
      if (c === '"' || c === "'" || c === "`") { // a string, whole (an @ in it is text)
        while (e < n && code[e] !== c && (c === "`" || code[e] !== "\n")) e += code[e] === "\\" ? 2 : 1;
        e = Math.min(e + 1, n);
      } else if (at("/*@", i) || at("//@", i)) { // comments that hold code: `/*@cc_on`, `//@if`, `/*@ x @*/`
        const keep = ident.test(code[i + 3] || "") ? 2 : 3; // the @ of a directive stays
        out.push(" ".repeat(keep));
        i += keep;
        continue;
      } else if (at("@*/", i)) {
        out.push("   ");
        i += 3;
        continue;
      } else if (at("/*", i)) e = code.indexOf("*/", i + 2) < 0 ? n : code.indexOf("*/", i + 2) + 2;
      else if (at("//", i)) e = code.indexOf("\n", i) < 0 ? n : code.indexOf("\n", i);
      else if (c === "@") {
        word.lastIndex = i;
        const m = word.exec(code);
        if (m) {
          const k = m[1];
          i = word.lastIndex;
          if (k === "if" || k === "elif") { // the parenthesized condition (on its line), with its @-variables
            const nl = code.indexOf("\n", i), eol = Math.min(nl < 0 ? n : nl, i + 512);
            let j = i, depth = 0;
            while (j < eol && /\s/.test(code[j])) j++;
            for (e = j; code[j] === "(" && e < eol; e++) if (code[e] === "(") depth++; else if (code[e] === ")" && --depth === 0) break;
            // JScript needs the condition: without one the text is not JScript either.
            if (code[j] !== "(" || depth) return code;
            out.push((k === "if" ? "if " : "} else if ") + code.slice(j, e + 1).replace(/@([A-Za-z_$][\w$]*)/g, (x, v) => name(v)) + " {");
            i = e + 1;
          } else out.push(k === "cc_on" ? "      " : k === "else" ? "} else {" : k === "end" ? "}" : k === "set" ? "var" : name(k));
          continue;
        }
      }
      out.push(code.slice(i, e));
      i = e;
    }
    // JScript's unset variables are NaN (declared on the first line: line numbers stay).
    const compiled = list(unset).map((k) => "var __cc_" + k + " = NaN;").join(" ") + out.join("");
    // What this cannot compile as JScript would (a directive inside an expression, a branch
    // that opens a block another closes) runs as it is, as before.
    try {
      A.original.Function(compiled);
    } catch (e) {
      return code;
    }
    return compiled;
  };

}
