// Reads a script from stdin, then times parsing it alone (`new Function`) and running it as a
// global script (indirect eval), as bench-quickjs.js does in QuickJS.
import { getStdin } from 'wasi:cli/stdin@0.2.12';
import { now } from 'wasi:clocks/monotonic-clock@0.2.12';

const ms = (ns) => (Number(ns) / 1e6).toFixed(1);

export const run = {
  run() {
    // The `code` shape touches a page's DOM.
    globalThis.document = { title: '' };
    globalThis.Image = function () {};
    const stdin = getStdin();
    const chunks = [];
    let total = 0;
    for (;;) {
      let b;
      try {
        b = stdin.blockingRead(1n << 20n);
      } catch (e) {
        break; // end of input
      }
      if (b.length === 0) break;
      chunks.push(b);
      total += b.length;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    const src = new TextDecoder().decode(all);
    const t1 = now();
    let parse;
    try {
      new Function(src);
      parse = ms(now() - t1) + ' ms';
    } catch (e) {
      parse = 'failed (' + e + ')';
    }
    const t2 = now();
    (0, eval)(src);
    console.log(`spidermonkey ${total} bytes: parse ${parse}, run ${ms(now() - t2)} ms`);
  },
};
