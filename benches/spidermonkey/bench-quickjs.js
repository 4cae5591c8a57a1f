// Reads the script named by the first argument, then times parsing it alone (`new Function`) and
// running it as a global script (indirect eval), as bench-spidermonkey.js does in SpiderMonkey.
globalThis.document = { title: '' };
globalThis.Image = function () {};
const src = std.loadFile(scriptArgs[1]);
const t1 = performance.now();
let parse;
try {
  new Function(src);
  parse = (performance.now() - t1).toFixed(1) + ' ms';
} catch (e) {
  parse = 'failed (' + e + ')';
}
const t2 = performance.now();
(0, eval)(src);
console.log(`quickjs ${src.length} bytes: parse ${parse}, run ${(performance.now() - t2).toFixed(1)} ms`);
