// hutong pages: progressive enhancement only. Every page works without this file; with it,
// copy buttons copy, the desktop hand-off QR becomes a single-use one that notices when a
// phone continues, and "open in app" falls back to this page when the app is missing.
(function () {
  "use strict";

  function copyText(text, button) {
    var done = function () {
      var label = button.getAttribute("data-copied");
      if (label) { button.textContent = label; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selectable */ }
    document.body.removeChild(area);
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () { copyText(button.getAttribute("data-copy"), button); });
  });

  // Deep link into the merchant's app; if the page is still visible after a moment the app
  // is not installed and the buyer simply stays here (the fallback).
  document.querySelectorAll("[data-app-link]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var started = Date.now();
      window.location.href = link.getAttribute("data-app-link");
      setTimeout(function () {
        if (!document.hidden && Date.now() - started < 2500) { link.classList.add("missing"); }
      }, 1500);
    });
  });

  // Desktop hand-off: ask for a single-use code, show it, and wait for a phone to use it.
  var box = document.querySelector("[data-handoff-product]");
  if (box && window.fetch && getComputedStyle(box).display !== "none") {
    var body = JSON.stringify({ product_code: box.getAttribute("data-handoff-product"), quantity: 1 });
    fetch("/v1/handoffs", { method: "POST", headers: { "Content-Type": "application/json" }, body: body })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (handoff) {
        var holder = box.querySelector(".qr");
        if (holder && handoff.qr_svg) { holder.innerHTML = handoff.qr_svg; }
        box.setAttribute("data-handoff-id", handoff.id);
        wait(handoff.id, 0);
      })
      .catch(function () { /* the plain product QR stays; it works as well */ });
  }

  function wait(id, failures) {
    if (failures > 5) { return; }
    fetch("/v1/handoffs/" + encodeURIComponent(id) + "?wait=25")
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (handoff) {
        if (handoff.status === "claimed") { box.classList.add("continued"); return; }
        if (handoff.status === "expired") { return; }
        wait(id, 0);
      })
      .catch(function () { setTimeout(function () { wait(id, failures + 1); }, 2000); });
  }
  // Order page: wait for the order to change (a payment notification, the shop shipping) and
  // reload to show it. The server holds each request until the order's version moves or 25 s
  // pass; without this script a <noscript> refresh does the same while a payment is pending.
  var order = document.querySelector("main[data-order]");
  var finalStates = { completed: 1, refunded: 1, closed: 1 };
  if (order && window.fetch && !finalStates[order.getAttribute("data-state")]) {
    watchOrder(order.getAttribute("data-order"), order.getAttribute("data-version"), 0);
  }

  function watchOrder(token, version, failures) {
    if (failures > 5) { return; }
    fetch("/O/" + encodeURIComponent(token) + "/wait?version=" + encodeURIComponent(version),
      { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (now) {
        if (String(now.version) !== String(version)) { window.location.reload(); return; }
        watchOrder(token, version, 0);
      })
      .catch(function () { setTimeout(function () { watchOrder(token, version, failures + 1); }, 2000); });
  }

  // "Open in browser" overlay: CSS shows it for #open-in-browser (works without JS); the script
  // only closes it without leaving a "#" in the address bar.
  document.querySelectorAll("[data-close]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      history.replaceState(null, "", window.location.pathname + window.location.search);
      var overlay = link.closest(".overlay");
      if (overlay) { overlay.classList.add("closed"); }
    });
  });
  document.querySelectorAll("[data-needs-browser]").forEach(function (link) {
    link.addEventListener("click", function () {
      var overlay = document.getElementById("open-in-browser");
      if (overlay) { overlay.classList.remove("closed"); }
    });
  });
})();
