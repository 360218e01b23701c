// The PDF edition (book/_ext/print_edition.py): what the page does once it has loaded.
// A web page scrolls what is wider than the screen; paper cannot, and Chromium would
// shrink every page of the book to fit its widest equation. So once the page has loaded
// (its math comes typeset from the build, book/_ext/static_math.py; a page that still
// loads MathJax is awaited until MathJax has typeset it), each display equation and
// table still wider than the text is set in smaller type until it fits the text's
// width, alone. `window.printEdition.ready` resolves, when that is done, to what the
// page holds: typeset equations, MathJax errors, equations left as TeX, pictures that
// did not load, and how many wide elements were fitted.
(function () {
  "use strict";

  function loaded() {
    return new Promise(function (resolve) {
      if (document.readyState === "complete") resolve();
      else window.addEventListener("load", resolve, { once: true });
    });
  }

  // The width `element` takes: a table's own, or the width of an equation's typeset
  // math, which may overflow its centred container on both sides.
  function width(element) {
    var math = element.querySelector(":scope > mjx-math");
    return math ? math.getBoundingClientRect().width : element.scrollWidth;
  }

  // Shrink the type of `element` until it fits `available` pixels. MathJax sizes an
  // equation in em, so a smaller font size scales it whole; a few rounds settle what
  // does not scale with it (a table's padding).
  function fit(element, available) {
    var rounds = 0;
    while (available > 0 && width(element) > available + 1 && rounds < 4) {
      var size = parseFloat(getComputedStyle(element).fontSize);
      element.style.fontSize = (size * available / width(element)).toFixed(2) + "px";
      rounds += 1;
    }
    return rounds > 0 ? 1 : 0;
  }

  function fitWide() {
    var fitted = 0;
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (math) {
      // the equation's number floats at the right of the same line
      var number = math.parentElement.querySelector(":scope > .eqno");
      var beside = number ? number.getBoundingClientRect().width : 0;
      fitted += fit(math, math.parentElement.clientWidth - 2 * beside);
    });
    document.querySelectorAll("article table").forEach(function (table) {
      fitted += fit(table, table.parentElement.clientWidth);
    });
    return fitted;
  }

  function report(fitted) {
    return {
      typeset: document.querySelectorAll("mjx-container").length,
      errors: document.querySelectorAll("mjx-merror").length,
      raw: Array.from(document.querySelectorAll(".math")).filter(function (math) {
        return !math.querySelector("mjx-container");
      }).length,
      images: Array.from(document.images).filter(function (img) {
        return !img.complete || img.naturalWidth === 0;
      }).map(function (img) { return (img.getAttribute("src") || "").slice(0, 80); }),
      fitted: fitted,
    };
  }

  window.printEdition = {
    ready: loaded().then(function () {
      var typeset = window.MathJax && MathJax.startup ? MathJax.startup.promise : null;
      return Promise.resolve(typeset);
    }).then(function () {
      return document.fonts.ready;
    }).then(function () {
      return report(fitWide());
    }),
  };
})();
