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
  // mshta is Internet Explorer 7's engine in IE7 document mode, not Chrome.
  const UA = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; Win64; x64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727; .NET CLR 3.0.30729; .NET CLR 3.5.30729)";
  const nav = G.navigator, ie = { userAgent: UA, appVersion: UA.slice(8), appName: "Microsoft Internet Explorer", vendor: "", product: undefined, userAgentData: undefined };
  for (const k in ie) def(nav, k, { get: () => ie[k], configurable: true });
  def(G.document, "documentMode", { value: 7, configurable: true });
  delete G.chrome;
  A.atStart(() => {
    delete G.WScript;
    delete G.WSH;
  });
}
