/* Street maps over the inline SVG maps (progressive enhancement, no build step).
   A container [data-qp-map] holds an SVG that works without JavaScript. This script loads the
   vendored Leaflet only when such a container exists, fetches the outlines (GeoJSON), draws them on
   the configured tiles and only then hides the SVG: if anything fails, the SVG stays.
   Modes: "index" (every quartier, a tap opens its page), "single" (one outline), "point" (one
   outline and a marker at data-lat/data-lon: where a proposal is), "picker" (the proposal form: a tap checks the radio of the grid cell under it, as the SVG grid
   does; the grid's frame is budget.mapgrid.Frame.around, computed from the outline's exact bbox;
   the SVG grid stays below the map there). */
(function () {
  "use strict";
  if (window.qpMap) { window.qpMap.scan(); return; }
  var requested = {};  // url -> its promise: each file is asked for once, whichever box asks first

  function once(url, fetchIt) {
    if (!requested[url]) requested[url] = fetchIt(url);
    return requested[url];
  }

  // Resolved once the stylesheet applies (the map is drawn styled: zoom buttons, underlined links),
  // or without it if it cannot load: the map works unstyled.
  function stylesheet(href) {
    return new Promise(function (resolve) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      link.onload = link.onerror = function () { resolve(); };
      document.head.appendChild(link);
    });
  }

  function script(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = function () { resolve(window.L); };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function loadLeaflet(box) {
    return Promise.all([
      once(box.dataset.leafletJs, script),
      once(box.dataset.leafletCss, stylesheet),
      once(box.dataset.mapCss, stylesheet)
    ]).then(function (results) { return results[0]; });
  }

  // budget.mapgrid.Frame.around: a square around the bounds, x scaled by cos(latitude), 8 % padding.
  function frameOf(bbox) {
    var minx = bbox[0], miny = bbox[1], maxx = bbox[2], maxy = bbox[3];
    var kx = Math.cos((miny + maxy) / 2 * Math.PI / 180);
    var side = Math.max((maxx - minx) * kx, maxy - miny, 1e-6) * 1.08;
    var cx = (minx + maxx) / 2 * kx, cy = (miny + maxy) / 2;
    return { x0: cx - side / 2, y1: cy + side / 2, side: side, kx: kx };
  }

  function cellOf(frame, grid, lat, lon) {
    var step = frame.side / grid;
    var col = Math.floor((lon * frame.kx - frame.x0) / step);
    var row = Math.floor((frame.y1 - lat) / step);
    return row >= 0 && row < grid && col >= 0 && col < grid ? [row, col] : null;
  }

  function cellCenter(frame, grid, row, col) {
    var step = frame.side / grid;
    return [frame.y1 - (row + 0.5) * step, (frame.x0 + (col + 0.5) * step) / frame.kx];
  }

  function setupPicker(L, map, box, data) {
    var feature = data.features[0];
    if (!feature || !feature.bbox) return;
    var grid = parseInt(box.dataset.grid || "10", 10);
    var frame = frameOf(feature.bbox);
    var form = box.closest("form") || document;
    var status = box.parentNode.querySelector(".map-status");
    var marker = null;

    function show(row, col) {
      var at = cellCenter(frame, grid, row, col);
      if (marker) marker.setLatLng(at); else marker = L.circleMarker(at, { radius: 10, className: "qp-marker" }).addTo(map);
    }
    var checked = form.querySelector('input[name="point"]:checked');
    if (checked && /^\d+-\d+$/.test(checked.value)) {
      var current = checked.value.split("-");
      show(parseInt(current[0], 10), parseInt(current[1], 10));
    }
    map.on("click", function (event) {
      var cell = cellOf(frame, grid, event.latlng.lat, event.latlng.lng);
      var radio = cell && form.querySelector('input[name="point"][value="' + cell[0] + "-" + cell[1] + '"]');
      if (!radio) { if (status) status.textContent = box.dataset.outside || ""; return; }
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));  // moves the marker (below)
      if (status) status.textContent = box.dataset.placed || "";
    });
    // A cell chosen on the grid moves the map's marker; « no point » removes it.
    form.addEventListener("change", function (event) {
      if (event.target.name !== "point") return;
      if (/^\d+-\d+$/.test(event.target.value)) {
        var rc = event.target.value.split("-");
        show(parseInt(rc[0], 10), parseInt(rc[1], 10));
      } else if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
    });
  }

  // On the index, each outline is a real link (as in the SVG): Tab reaches it, Enter opens the
  // quartier, a screen reader reads its name; its tooltip shows while it has the focus.
  var SVG_NS = "http://www.w3.org/2000/svg";
  function linkOutlines(map, layer) {
    var dragged = false;
    map.on("dragstart", function () { dragged = true; });
    map.getContainer().addEventListener("pointerdown", function () { dragged = false; }, true);
    layer.eachLayer(function (shape) {
      var path = shape.getElement && shape.getElement();
      var props = shape.feature && shape.feature.properties;
      if (!path || !props) return;
      var link = document.createElementNS(SVG_NS, "a");
      link.setAttribute("href", "/quartiers/" + encodeURIComponent(props.code));
      link.setAttribute("aria-label", props.name);
      link.setAttribute("class", "qp-outline-link");
      path.parentNode.insertBefore(link, path);
      link.appendChild(path);
      link.addEventListener("focus", function () { shape.openTooltip(); });
      link.addEventListener("blur", function () { shape.closeTooltip(); });
      // Panning the map over a quartier is not choosing it.
      link.addEventListener("click", function (event) { if (dragged) event.preventDefault(); });
    });
  }

  function start(box, drawn, failed) {
    if (box.dataset.qpMapReady) return;
    box.dataset.qpMapReady = "1";
    Promise.all([
      loadLeaflet(box),
      fetch(box.dataset.outlines, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
    ]).then(function (results) {
      var L = results[0], data = results[1], mode = box.dataset.qpMap;
      if (!L || !data.features || !data.features.length) return;
      var point = mode === "point" ? [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)] : null;
      if (point && (isNaN(point[0]) || isNaN(point[1]))) return;  // nothing to show: the SVG stays
      var holder = document.createElement("div");
      holder.className = "qp-leaflet qp-leaflet-" + mode;
      holder.setAttribute("role", "region");
      holder.setAttribute("aria-label", box.dataset.label || "");
      box.insertBefore(holder, box.firstChild);
      var map = L.map(holder, { scrollWheelZoom: false, tap: true });
      L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
      var layer = L.geoJSON(data, {
        style: function () { return { className: "qp-outline", weight: 2 }; },
        interactive: mode === "index",
        onEachFeature: function (feature, shape) {
          var name = feature.properties.name;
          if (mode === "index") {
            shape.bindTooltip(name, { sticky: true });
          } else if (mode !== "point") {
            shape.bindTooltip(name, { permanent: mode === "single", direction: "center", className: "qp-label" });
          }
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      if (mode === "index") linkOutlines(map, layer);
      if (point) L.circleMarker(point, { radius: 10, className: "qp-marker", interactive: false }).addTo(map);
      box.classList.add("qp-map-on");
      if (mode === "picker") setupPicker(L, map, box, data);
      if (drawn) {
        drawn();
        holder.focus();  // the button that had the focus is gone (Leaflet makes its map focusable)
      }
    }).catch(function () {
      delete box.dataset.qpMapReady;  // the SVG stays: it works without the street map
      if (failed) failed();
    });
  }

  // Leaflet and the tiles weigh more than the page itself (about 50 KB, then each tile). On a slow
  // or metered connection (Network Information API: "save data", 2g or 3g) the SVG stays and a
  // button offers the street map; once someone asks for it, this device gets it on every page.
  var CHOICE = "qp-street-map";

  function chosen() {
    try { return window.localStorage.getItem(CHOICE) === "on"; } catch (e) { return false; }
  }

  function slowNetwork() {
    var connection = navigator.connection;
    if (!connection) return false;
    return !!connection.saveData || /^(slow-2g|2g|3g)$/.test(connection.effectiveType || "");
  }

  function offer(box) {
    if (box.querySelector(".qp-map-offer")) return;
    var holder = document.createElement("p");
    holder.className = "qp-map-offer";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn-secondary";
    button.textContent = box.dataset.offer || "Map";
    var hint = document.createElement("span");
    hint.className = "hint";
    hint.textContent = box.dataset.offerHint || "";
    holder.appendChild(button);
    holder.appendChild(hint);
    box.insertBefore(holder, box.firstChild);
    button.addEventListener("click", function () {
      try { window.localStorage.setItem(CHOICE, "on"); } catch (e) { /* private mode: this page only */ }
      button.disabled = true;
      start(box, function () { holder.parentNode.removeChild(holder); }, function () { button.disabled = false; });
    });
  }

  function scan(root) {
    var boxes = (root || document).querySelectorAll("[data-qp-map]");
    var automatic = chosen() || !slowNetwork();
    for (var i = 0; i < boxes.length; i++) {
      if (automatic) start(boxes[i]); else offer(boxes[i]);
    }
  }

  window.qpMap = { scan: scan };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(); });
  else scan();
  // The proposal form swaps its picker when the quartier changes (htmx).
  document.addEventListener("htmx:afterSettle", function () { scan(); });
})();
