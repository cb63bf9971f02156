/* Phone photos reduced before upload, with a progress bar (progressive enhancement, no build).
 *
 * On a form holding <input type="file" data-reduce>, a chosen image is drawn on a canvas at most
 * 1600 px on its long side (the phone's orientation applied) and encoded as a JPEG: a 4 MB phone
 * photo becomes ~300 KB, which a slow network sends in seconds rather than minutes. The form is
 * then sent with XMLHttpRequest so a <progress> can show the upload; the answer replaces the page
 * as a normal submit would. Without JavaScript, or if anything here fails, the form is sent as
 * usual with the original file (the server reduces it too).
 */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.8;
  var pending = new WeakMap(); // input -> Promise of the reduced File (or null: keep the original)

  if (!window.createImageBitmap || !window.XMLHttpRequest || !window.FormData) return;

  function reduce(file) {
    if (!file || !/^image\//.test(file.type)) return Promise.resolve(null);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.type === "image/jpeg") return null; // already small enough
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG gets the white background the server gives it
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(null);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return null; }); // an image the browser cannot decode: the server decides
  }

  function replaceFile(input, file) {
    try {
      var transfer = new DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
    } catch (e) { /* older browsers: the submit handler puts the file in the FormData */ }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-reduce]")) return;
    var original = input.files && input.files[0];
    var job = reduce(original).then(function (file) {
      if (file && input.files[0] === original) replaceFile(input, file);
      return file;
    });
    pending.set(input, job);
  });

  function showProgress(form, label) {
    var box = document.createElement("p");
    box.className = "photo-progress";
    box.setAttribute("role", "status");
    var text = document.createElement("label");
    text.textContent = label + " ";
    var bar = document.createElement("progress");
    bar.max = 100;
    text.appendChild(bar);
    box.appendChild(text);
    var actions = form.querySelector(".actions") || form.lastElementChild;
    form.insertBefore(box, actions);
    return bar;
  }

  function showAnswer(xhr) {
    // The answer as a new page: its head (title, styles) and body; the URL of a redirect.
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    if (xhr.responseURL && xhr.responseURL !== location.href) history.pushState(null, "", xhr.responseURL);
    document.documentElement.lang = doc.documentElement.lang;
    document.documentElement.dir = doc.documentElement.dir;
    document.head.replaceWith(document.adoptNode(doc.head));
    document.body.replaceWith(document.adoptNode(doc.body));
    if (window.htmx) window.htmx.process(document.body);
    var focus = document.querySelector("[role=alert][tabindex], main") || document.body;
    focus.focus();
    window.scrollTo(0, 0);
  }

  window.addEventListener("popstate", function () { location.reload(); });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.dataset.sending === "plain") return;
    if (form.dataset.sending) return event.preventDefault(); // a second click while sending
    var inputs = Array.prototype.filter.call(
      form.querySelectorAll("input[type=file][data-reduce]"),
      function (input) { return input.files && input.files.length; }
    );
    if (!inputs.length) return;
    event.preventDefault();
    form.dataset.sending = "xhr";
    var submitter = event.submitter;
    Promise.all(inputs.map(function (input) { return pending.get(input) || reduce(input.files[0]); })).then(function (files) {
      var data = new FormData(form);
      if (submitter && submitter.name) data.set(submitter.name, submitter.value);
      inputs.forEach(function (input, i) {
        if (files[i] && input.files[0] !== files[i]) data.set(input.name, files[i], files[i].name);
      });
      var bar = showProgress(form, inputs[0].dataset.progressLabel || "…");
      // getAttribute: form.action would be the button named "action" of a form that has one.
      var action = new URL(form.getAttribute("action") || location.href, location.href).href;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", action);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
      };
      xhr.onload = function () {
        if (/^text\/html/.test(xhr.getResponseHeader("Content-Type") || "")) return showAnswer(xhr);
        location.assign(xhr.responseURL || action);
      };
      xhr.onerror = function () { // the plain submit, with the reduced file if it could be set
        form.dataset.sending = "plain";
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else HTMLFormElement.prototype.submit.call(form);
      };
      xhr.send(data);
    });
  });
})();
