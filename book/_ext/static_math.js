// The book's math typeset at build time (book/_ext/static_math.py): MathJax 3 in Node.
//
//   node static_math.js <MathJax's es5 folder>  < pages.json  > typeset.json
//
// Reads [{items: [[tex, display], …], fontURL, scale}, …] and writes, in the same order,
// [{items: [{html, error}, …], css}, …]: each item's CHTML markup (an <mjx-container>
// with its assistive MathML), the MathJax error message if TeX could not be typeset
// (else null), and the stylesheet for the characters and elements of that page alone,
// its fonts loaded from `fontURL`. One process typesets the whole book: starting
// MathJax costs more than typesetting a page.
"use strict";

const path = require("path");

const ES5 = path.resolve(process.argv[2]);
// MathJax writes this in its @font-face rules; each page gets its own relative URL
const FONT_URL = "@STATIC_MATH_FONTS@";

function readStdin() {
  return new Promise(function (resolve, reject) {
    const chunks = [];
    process.stdin.on("data", function (chunk) { chunks.push(chunk); });
    process.stdin.on("end", function () { resolve(Buffer.concat(chunks).toString("utf8")); });
    process.stdin.on("error", reject);
  });
}

// The first error MathJax put in the typeset expression, as its message.
function errorOf(adaptor, node) {
  const merror = adaptor.tags(node, "mjx-merror")[0];
  return merror ? adaptor.getAttribute(merror, "data-mjx-error") || "TeX error" : null;
}

async function typesetPage(MathJax, page) {
  const adaptor = MathJax.startup.adaptor;
  const output = MathJax.startup.output;
  const items = [];
  for (const [tex, display] of page.items) {
    // a promise: the first use of a TeX extension (\boldsymbol, \mathbb) loads it
    const node = await MathJax.tex2chtmlPromise(tex, { display: display, scale: page.scale });
    items.push({ html: adaptor.outerHTML(node), error: errorOf(adaptor, node) });
  }
  const css = adaptor.textContent(MathJax.chtmlStylesheet()).split(FONT_URL).join(page.fontURL);
  // the next page's stylesheet starts empty: only what that page uses
  output.clearCache();
  output.chtmlStyles = null;
  return { items: items, css: css };
}

Promise.all([readStdin(), require(path.join(ES5, "node-main.js")).init({
  loader: {
    paths: { mathjax: ES5 },
    // what the site's tex-mml-chtml.js holds, with the DOM of Node rather than a browser's
    load: ["input/tex", "output/chtml", "adaptors/liteDOM", "a11y/assistive-mml"],
  },
  chtml: { fontURL: FONT_URL },
  startup: { typeset: false },
})]).then(async function ([input, MathJax]) {
  const results = [];
  for (const page of JSON.parse(input)) results.push(await typesetPage(MathJax, page));
  process.stdout.write(JSON.stringify(results));
}).catch(function (error) {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
