/* htmx (17 KB, more than most pages) loads when someone first touches a part of the page that uses
   it, not with the page: on a slow phone network the page shows and reads sooner, and a visitor who
   only reads never downloads it. Until then every form works as a plain form (htmx only enhances).
   An event that should have reached htmx while it was loading (a box ticked, a list changed) is
   sent again once it is there. The page keeps its htmx attributes; base.html includes this script
   on the pages that opt in with {% set uses_htmx = true %}. */
(function () {
  "use strict";
  var script = document.currentScript;
  var source = script && script.dataset.htmx;
  var HX = "[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete]";
  var state = "waiting";
  var missed = [];  // the htmx elements whose "change" came before htmx did

  function load() {
    if (state !== "waiting" || !source) return;
    state = "loading";
    // htmx starts on DOMContentLoaded, or at once when the document is "complete": a script that
    // arrives in between would never start. Wait for the load event then.
    if (document.readyState === "complete") inject();
    else window.addEventListener("load", inject);
  }

  function inject() {
    var tag = document.createElement("script");
    tag.src = source;
    tag.onload = function () {
      state = "ready";
      // htmx has processed the page when its script ran; replay what it could not hear.
      missed.forEach(function (element) { window.htmx.trigger(element, "change"); });
      missed = [];
    };
    tag.onerror = function () { state = "waiting"; };  // the plain forms keep working
    document.head.appendChild(tag);
  }

  function touched(event) {
    if (state === "ready" || !event.target.closest) return;
    var element = event.target.closest(HX);
    if (!element) return;
    load();
    if (event.type === "change" && missed.indexOf(element) < 0) missed.push(element);
  }

  ["focusin", "pointerdown", "change"].forEach(function (type) {
    document.addEventListener(type, touched, true);
  });
  // A page opened with the focus already in an htmx form (autofocus, back button).
  if (document.activeElement && document.activeElement.closest && document.activeElement.closest(HX)) load();
})();
