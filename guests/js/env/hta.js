// The HTML Application environment: JScript in an .hta run by mshta.exe, which is a browser
// window (window, document, timers, events) that also has the machine's ActiveX objects
// (ActiveXObject, GetObject: WScript.Shell, files, registry, WMI), but not WSH's WScript object.
// It is the browser and Windows Script Host environments together: the host puts their sources
// where the two markers are.
function (A) {
  const G = A.global, desc = Object.getOwnPropertyDescriptor, def = Object.defineProperty;
  (/*BROWSER*/)(A);
  // JScript under WSH has no timers and deletes them; mshta's window has them.
  const timers = ["setTimeout", "setInterval", "clearTimeout", "clearInterval"].map((k) => [k, desc(G, k)]);
  (/*WSH*/)(A);
  for (const [k, d] of timers) if (d) def(G, k, d);
  A.atStart(() => {
    delete G.WScript;
    delete G.WSH;
  });
}
