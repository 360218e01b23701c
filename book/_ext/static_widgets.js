// The book's precomputed sliders on a page with no kernel (book/_ext/static_widgets.py).
//
// bp.explore stores a slider as ipywidgets models: a box of SelectionSliders (one may
// share a row with a Play button) over Stacks of Image frames, each Stack's selected
// page tied to its slider's index by a jslink (LinkModel). A page carries those models'
// state (myst-nb writes it into a <script type="...widget-state+json">) and a
// <script type="...widget-view+json"> where each widget goes. This draws them with the
// browser's own controls: a range input per slider, a frame's <img> made when first
// shown, links that copy a value from one model to the other. It reads the same state
// the ipywidgets HTML manager reads, and does what that manager does with these few
// models, in a few milliseconds instead of the second of script the manager needs.
// A page whose widgets use any other model gets the full manager, loaded from the
// site's own copy (_static/offline/), which then draws them all.
//
// window.bookWidgets resolves, once every widget is drawn, to how ("static" or
// "manager"); with no widget on the page, to "none".
(function () {
  "use strict";

  var STATE = 'script[type="application/vnd.jupyter.widget-state+json"]';
  var VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  var REF = "IPY_MODEL_";
  // models drawn here; styles and layouts are read as far as they matter (their
  // defaults are what bp.explore uses)
  var SUPPORTED = ["VBoxModel", "HBoxModel", "StackModel", "SelectionSliderModel",
                   "ImageModel", "PlayModel", "LinkModel", "LayoutModel",
                   "SliderStyleModel", "DescriptionStyleModel"];
  var here = document.currentScript ? document.currentScript.src : "";

  // ------------------------------------------------------------- models and links

  function Model(id, entry) {
    this.id = id;
    this.name = entry.model_name;
    this.state = entry.state || {};
    this.buffers = entry.buffers || [];
    this.listeners = {};
  }
  Model.prototype.get = function (key) { return this.state[key]; };
  // set a value; listeners run only when it changes, so two linked models settle
  Model.prototype.set = function (key, value) {
    if (this.state[key] === value) return;
    this.state[key] = value;
    (this.listeners[key] || []).forEach(function (listener) { listener(value); });
  };
  Model.prototype.on = function (key, listener) {
    (this.listeners[key] = this.listeners[key] || []).push(listener);
  };

  function id(reference) {
    return typeof reference === "string" && reference.indexOf(REF) === 0
      ? reference.slice(REF.length) : null;
  }

  // the ids of every model `roots` refer to, directly or through others
  function reachable(models, roots) {
    var seen = {};
    var stack = roots.slice();
    while (stack.length) {
      var key = stack.pop();
      if (seen[key] || !models[key]) continue;
      seen[key] = true;
      var state = models[key].state;
      Object.keys(state).forEach(function (name) {
        [].concat(state[name]).forEach(function (value) {
          var other = id(value);
          if (other) stack.push(other);
        });
      });
    }
    return seen;
  }

  // a LinkModel ([model, attribute] to [model, attribute]) as jslink makes it: the
  // target takes the source's value, then each follows the other
  function link(models, entry) {
    var ends = [entry.get("source"), entry.get("target")].map(function (end) {
      return end && [models[id(end[0])], end[1]];
    });
    if (!ends[0] || !ends[1] || !ends[0][0] || !ends[1][0]) return;
    var source = ends[0], target = ends[1];
    target[0].set(target[1], source[0].get(source[1]));
    source[0].on(source[1], function (value) { target[0].set(target[1], value); });
    target[0].on(target[1], function (value) { source[0].set(source[1], value); });
  }

  // ------------------------------------------------------------- views

  function element(tag, className) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    return node;
  }

  function children(models, model) {
    return (model.get("children") || []).map(function (reference) {
      return models[id(reference)];
    });
  }

  var uid = 0;

  function slider(model) {
    var row = element("div", "bp-widget bp-slider");
    var labels = model.get("_options_labels") || [];
    var input = element("input");
    input.type = "range";
    input.min = 0;
    input.max = Math.max(labels.length - 1, 0);
    input.step = 1;
    input.id = "bp-slider-" + (++uid);
    var label = element("label", "bp-slider-description");
    label.htmlFor = input.id;
    label.textContent = model.get("description") || "";
    var readout = element("output", "bp-slider-readout");
    readout.htmlFor = input.id;
    function show(index) {
      input.value = index;
      readout.textContent = labels[index] === undefined ? "" : labels[index];
      input.setAttribute("aria-valuetext", readout.textContent);
    }
    show(model.get("index") || 0);
    input.addEventListener("input", function () { model.set("index", Number(input.value)); });
    model.on("index", show);
    row.appendChild(label);
    row.appendChild(input);
    row.appendChild(readout);
    return row;
  }

  function image(model) {
    var img = element("img", "bp-widget bp-image");
    img.dataset.model = model.id;    // which frame: two settings may draw the same picture
    var value = model.buffers.filter(function (b) { return b.path && b.path[0] === "value"; })[0];
    if (value) img.src = "data:image/" + (model.get("format") || "png") + ";base64," + value.data;
    img.alt = model.get("tooltip") || "";
    if (model.get("width")) img.width = Number(model.get("width"));
    if (model.get("height")) img.height = Number(model.get("height"));
    return img;
  }

  // a Stack shows one child, made the first time it is selected
  function stack(models, model) {
    var box = element("div", "bp-widget bp-stack");
    var made = [];
    var pages = children(models, model);
    function select(index) {
      if (index === null || index === undefined || !pages[index]) return;
      if (!made[index]) {
        made[index] = view(models, pages[index]);
        box.appendChild(made[index]);
      }
      made.forEach(function (node, i) { if (node) node.hidden = i !== index; });
    }
    select(model.get("selected_index"));
    model.on("selected_index", select);
    return box;
  }

  // ipywidgets' Play: steps `value` from min to max every `interval` ms; stops at max
  // (or starts over, with repeat); play from the end starts from min
  function play(model) {
    var row = element("div", "bp-widget bp-play");
    var timer = null;
    function button(text, name, action) {
      var b = element("button", "bp-play-button");
      b.type = "button";
      b.textContent = text;
      b.setAttribute("aria-label", name);
      b.title = name;
      b.addEventListener("click", action);
      row.appendChild(b);
      return b;
    }
    function stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      playButton.setAttribute("aria-pressed", "false");
    }
    function tick() {
      var next = model.get("value") + (model.get("step") || 1);
      if (next > model.get("max")) {
        if (model.get("repeat")) next = model.get("min");
        else { stop(); return; }
      }
      model.set("value", next);
    }
    var playButton = button("\u25B6", "Play", function () {
      if (timer !== null) return;
      if (model.get("value") >= model.get("max")) model.set("value", model.get("min"));
      playButton.setAttribute("aria-pressed", "true");
      timer = setInterval(tick, model.get("interval") || 100);
    });
    button("\u275A\u275A", "Pause", stop);
    button("\u25A0", "Stop", function () { stop(); model.set("value", model.get("min")); });
    playButton.setAttribute("aria-pressed", "false");
    return row;
  }

  function view(models, model) {
    switch (model.name) {
      case "VBoxModel":
      case "HBoxModel":
        var box = element("div", "bp-widget " + (model.name === "VBoxModel" ? "bp-vbox" : "bp-hbox"));
        children(models, model).forEach(function (child) { box.appendChild(view(models, child)); });
        return box;
      case "StackModel": return stack(models, model);
      case "SelectionSliderModel": return slider(model);
      case "ImageModel": return image(model);
      case "PlayModel": return play(model);
    }
    throw new Error("no view for " + model.name);
  }

  // ------------------------------------------------------------- the page

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = element("script");
      script.src = src;
      script.async = false;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  // the full ipywidgets HTML manager; it draws every widget of the page once loaded
  function manager() {
    var base = here.replace(/[^/]*$/, "") + "offline/";
    return Promise.all(["require.js", "require-config.js",
                        "@jupyter-widgets/html-manager/dist/embed-amd.js"].map(function (f) {
      return loadScript(base + f);
    })).then(function () { return "manager"; });
  }

  function draw() {
    var stateScript = document.querySelector(STATE);
    var views = Array.prototype.slice.call(document.querySelectorAll(VIEW));
    if (!stateScript || !views.length) return Promise.resolve("none");
    var raw = JSON.parse(stateScript.textContent).state || {};
    var models = {};
    Object.keys(raw).forEach(function (key) { models[key] = new Model(key, raw[key]); });
    var roots = views.map(function (script) { return JSON.parse(script.textContent).model_id; });
    var used = reachable(models, roots);
    var links = Object.keys(models).filter(function (key) {
      var m = models[key];
      return m.name === "LinkModel" && [m.get("source"), m.get("target")].every(function (end) {
        return end && used[id(end[0])];
      });
    });
    var names = Object.keys(used).concat(links).map(function (key) { return models[key].name; });
    if (names.some(function (name) { return SUPPORTED.indexOf(name) < 0; })) return manager();
    links.forEach(function (key) { link(models, models[key]); });
    views.forEach(function (script, i) {
      var area = element("div", "widget-subarea bp-widgets");
      area.appendChild(view(models, models[roots[i]]));
      script.parentElement.insertBefore(area, script);
    });
    return Promise.resolve("static");
  }

  window.bookWidgets = new Promise(function (resolve, reject) {
    function run() {
      try { draw().then(resolve, reject); } catch (error) { reject(error); }
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  });
  window.bookWidgets.catch(function (error) { console.error("book widgets:", error); });
})();
