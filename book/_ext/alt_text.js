// A slider's frames are ipywidgets Image widgets, which have no alt text: bpkit gives
// each frame its description as the widget's tooltip, and the widget manager renders
// that as the <img>'s title. Screen readers, and browsers that show no image, look for
// alt: this moves the description there as the manager renders each frame (a Stack
// renders a frame when its slider first selects it). It also names the icon-only buttons
// of a play button. Served by book/_ext/alt_text.py.
(function () {
  "use strict";

  function describe(img) {
    var text = img.getAttribute("title");
    if (text && img.classList.contains("widget-image")) {
      img.setAttribute("alt", text);
      img.removeAttribute("title");   // said once, not again as a tooltip
    }
  }

  // A play button's four buttons (play, pause, stop, repeat, in that order) show only an
  // icon: each gets its name, for a screen reader and as a tooltip.
  var PLAY_BUTTONS = ["Play", "Pause", "Stop", "Repeat"];

  function name(play) {
    play.querySelectorAll(":scope > button").forEach(function (button, i) {
      if (i < PLAY_BUTTONS.length && !button.hasAttribute("aria-label")) {
        button.setAttribute("aria-label", PLAY_BUTTONS[i]);
        button.setAttribute("title", PLAY_BUTTONS[i]);
      }
    });
  }

  function scan(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (node.tagName === "IMG") describe(node);
    node.querySelectorAll("img.widget-image[title]").forEach(describe);
    if (node.classList.contains("widget-play")) name(node);
    node.querySelectorAll(".widget-play").forEach(name);
  }

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "attributes") describe(record.target);
      else record.addedNodes.forEach(scan);
    });
  }).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["title"]
  });
  scan(document.documentElement);
})();
