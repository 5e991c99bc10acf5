// ketaclinic page behaviour. No inline scripts anywhere (CSP script-src 'self'): everything the
// pages do in the browser is here, and every page works without it.
(function () {
  "use strict";

  // htmx requests carry the session's CSRF token (plain forms send it as a hidden field).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });

  // Buttons with data-confirm need a second click: the first changes the label to the
  // question, the second submits. It resets after a few seconds or when focus leaves.
  function disarm(button) {
    if (button.dataset.armed !== "1") return;
    button.dataset.armed = "";
    button.innerHTML = button.dataset.originalLabel;
    button.classList.remove("button--armed");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (!button) return;
    if (button.dataset.armed === "1") return;
    event.preventDefault();
    button.dataset.armed = "1";
    button.dataset.originalLabel = button.innerHTML;
    button.textContent = button.dataset.confirm;
    button.classList.add("button--armed");
    window.setTimeout(function () { disarm(button); }, 6000);
  });

  document.addEventListener("focusout", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (button) window.setTimeout(function () { disarm(button); }, 200);
  });

  // Assessment items asked only after a "yes" (C-SSRS skip logic): hidden and not sent until
  // the gating item is yes. Without this script every item shows and the server checks.
  function applySkipLogic() {
    document.querySelectorAll("fieldset[data-asked-when]").forEach(function (set) {
      var gate = document.querySelector('input[name="' + set.dataset.askedWhen + '"][value="yes"]');
      var open = !!(gate && gate.checked && !gate.disabled);
      set.hidden = !open;
      set.disabled = !open;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('input[type="radio"]')) applySkipLogic();
  });

  // After a refused form, move focus to the summary of what to fix.
  function focusErrors() {
    var summary = document.querySelector(".error-summary, #form-errors");
    if (summary) summary.focus();
  }

  function ready() {
    applySkipLogic();
    focusErrors();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

/* ---------- evaluations and eligibility (ui/evaluation*.rs, ui/eligibility*.rs) ---------- */
(function () {
  "use strict";

  // Repeatable rows (antidepressant trials, medications): "Add a … row" clones the last row
  // with the next number, emptied. Without this script the button stays hidden and the rows
  // the server rendered are the rows there are.
  function renumber(el, prefix, n) {
    var re = new RegExp("^" + prefix + "\\d+_");
    ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
      var v = el.getAttribute(attr);
      if (!v) return;
      var parts = v.split(" ").filter(function (p) { return attr !== "aria-describedby" || !/-error$/.test(p); });
      var next = parts.map(function (p) { return p.replace(re, prefix + n + "_"); }).join(" ");
      if (next) el.setAttribute(attr, next); else el.removeAttribute(attr);
    });
  }

  function addRow(button) {
    var prefix = button.dataset.addRow;
    var list = document.querySelector('[data-rows="' + prefix + '"]');
    var rows = list ? list.querySelectorAll("[data-row]") : [];
    if (!rows.length) return;
    var n = rows.length;
    var row = rows[rows.length - 1].cloneNode(true);
    row.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
    row.querySelectorAll(".field--invalid").forEach(function (e) { e.classList.remove("field--invalid"); });
    row.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (e) { renumber(e, prefix, n); });
    row.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "checkbox") input.checked = input.hasAttribute("data-default-checked");
      else if (input.tagName === "SELECT") input.selectedIndex = 0;
      else input.value = "";
    });
    var number = row.querySelector("[data-row-number]");
    if (number) number.textContent = String(n + 1);
    list.appendChild(row);
    var first = row.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  // The reasons to override findings matter only when approving: shown when "Approve" is
  // chosen. Without this script they always show (the hint says when they are needed).
  function applyOutcome() {
    document.querySelectorAll("[data-show-when-outcome]").forEach(function (block) {
      var form = block.closest("form");
      var chosen = form && form.querySelector('input[name="outcome"]:checked');
      block.hidden = !(chosen && chosen.value === block.dataset.showWhenOutcome);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-add-row]");
    if (button) addRow(button);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('input[name="outcome"]')) applyOutcome();
  });

  function ready() {
    document.querySelectorAll("button[data-add-row]").forEach(function (b) { b.hidden = false; });
    applyOutcome();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

// ---------- Signature pad (consent signing, templates/consent_sign.html) ----------
// A canvas where the patient may draw a signature with a finger, pen or mouse (pointer events).
// The strokes become SVG path data of M/L commands with whole numbers in a 600 × 200 box,
// written to the hidden input named by data-target, which the server checks and stores. The
// pad is hidden without this script; the typed name alone signs.
(function () {
  "use strict";

  var WIDTH = 600;
  var HEIGHT = 200;
  var MAX_LENGTH = 59000; // the server accepts up to 60 000 characters

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var input = document.getElementById(pad.dataset.target || "signature_path");
    var clear = pad.querySelector("[data-signature-clear]");
    if (!canvas || !input || !canvas.getContext) return;
    var ctx = canvas.getContext("2d");
    canvas.width = WIDTH;
    canvas.height = HEIGHT;
    var drawing = false;
    var last = null;

    function style() {
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#1b2428";
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var x = Math.round(((event.clientX - rect.left) * WIDTH) / rect.width);
      var y = Math.round(((event.clientY - rect.top) * HEIGHT) / rect.height);
      return { x: Math.max(0, Math.min(WIDTH, x)), y: Math.max(0, Math.min(HEIGHT, y)) };
    }

    function add(command, p) {
      var part = (input.value ? " " : "") + command + p.x + " " + p.y;
      if (input.value.length + part.length > MAX_LENGTH) return false;
      input.value += part;
      return true;
    }

    // Draws existing path data (kept after a refused form) back onto the canvas.
    function redraw() {
      ctx.clearRect(0, 0, WIDTH, HEIGHT);
      style();
      var tokens = input.value.match(/[MLml]|-?\d+(\.\d+)?/g) || [];
      var command = "M";
      ctx.beginPath();
      for (var i = 0; i < tokens.length; i++) {
        if (/[MLml]/.test(tokens[i])) { command = tokens[i].toUpperCase(); continue; }
        var x = parseFloat(tokens[i]);
        var y = parseFloat(tokens[i + 1]);
        i++;
        if (isNaN(x) || isNaN(y)) break;
        if (command === "M") ctx.moveTo(x, y); else ctx.lineTo(x, y);
        command = "L";
      }
      ctx.stroke();
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) return;
      event.preventDefault();
      canvas.setPointerCapture && canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      if (!add("M", p)) return;
      drawing = true;
      last = p;
      style();
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var p = point(event);
      if (Math.abs(p.x - last.x) + Math.abs(p.y - last.y) < 2) return;
      if (!add("L", p)) { drawing = false; return; }
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    });

    function stop() { drawing = false; last = null; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("lostpointercapture", stop);

    if (clear) {
      clear.addEventListener("click", function () {
        input.value = "";
        ctx.clearRect(0, 0, WIDTH, HEIGHT);
      });
    }

    pad.hidden = false;
    if (input.value) redraw();
  }

  function ready() {
    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

// ---------- Print button (safety plan, templates/safety_plan.html) ----------
// A button with data-print opens the browser's print dialog. Without this script it stays
// hidden; the browser's own Print menu prints the same page.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-print]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });

  function ready() {
    document.querySelectorAll("button[data-print]").forEach(function (b) { b.hidden = false; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

// ---------- Chair board and live session page (templates/board.html, session.html) ----------
// Both listen to GET /api/v1/board/stream (server-sent events: a `snapshot`, then a `session`
// event per changed session). The board draws one card per open session from the rows; the
// session page re-fetches its live region (/sessions/{id}/live) when its own session changes.
// Elapsed times count from the server's clock (the snapshot's `now`), ticking every 15 s.
(function () {
  "use strict";

  var LABELS = { iv_ketamine: "IV ketamine", im_ketamine: "IM ketamine", esketamine_nasal: "Esketamine" };
  var CHECKS = { blood_pressure: "BP", moaas: "MOAA/S", cadss: "CADSS" };
  var ALERTS = { bp_high: "BP high", hr_high: "HR high", hr_low: "HR low", spo2_low: "SpO2 low", rr_low: "RR low" };
  var skew = 0; // server time minus browser time, ms

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function minutesSince(iso) {
    return Math.max(0, Math.floor((Date.now() + skew - Date.parse(iso)) / 60000));
  }
  function clock(iso) {
    var d = new Date(Date.parse(iso));
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function value(v) { return v === null || v === undefined ? "–" : String(v); }

  function elapsedText(row) {
    if (row.dosed_at) return minutesSince(row.dosed_at) + " min since dosing";
    if (row.checked_in_at) return minutesSince(row.checked_in_at) + " min since check-in";
    return "not checked in";
  }

  function card(row) {
    var a = el("a", "board-card board-card--" + row.state + (row.alerts.length ? " board-card--alert" : ""));
    a.href = "/sessions/" + row.session_id;
    a.id = "card-" + row.session_id;
    a.dataset.row = JSON.stringify(row);
    var head = el("div", "board-card__head");
    head.appendChild(el("span", "board-card__chair", row.chair || "No chair"));
    head.appendChild(el("span", "board-card__initials", row.initials));
    a.appendChild(head);
    var meta = el("p", "board-card__meta");
    meta.appendChild(el("span", "board-card__state", row.state_label));
    meta.appendChild(document.createTextNode(" · " + (LABELS[row.modality] || row.modality)));
    a.appendChild(meta);
    a.appendChild(el("p", "board-card__elapsed", elapsedText(row)));
    var v = row.last_vitals;
    var vitals = el("p", "board-card__vitals");
    if (v) {
      vitals.textContent = "BP " + value(v.systolic) + "/" + value(v.diastolic) + " · HR " + value(v.heart_rate) + " · SpO2 " + value(v.spo2);
      vitals.appendChild(el("span", "board-card__age", " (" + minutesSince(v.at) + " min ago)"));
    } else {
      vitals.textContent = "No vital signs yet";
    }
    a.appendChild(vitals);
    if (row.alerts.length) {
      var badges = el("p", "board-card__alerts");
      row.alerts.forEach(function (code) { badges.appendChild(el("span", "badge badge--alarm", ALERTS[code] || code)); });
      a.appendChild(badges);
    }
    if (row.next_checkpoint) {
      var c = row.next_checkpoint;
      var what = c.what.map(function (w) { return CHECKS[w] || w; }).join(", ");
      a.appendChild(el("p", "board-card__due" + (c.overdue ? " board-card__due--overdue" : ""), (c.overdue ? "Overdue: " : "Next: ") + what + " at " + clock(c.due_at)));
    }
    if (row.discharge_ready) {
      a.appendChild(el("p", "board-card__ready", "Ready to leave"));
    } else if (row.minimum_until && row.state === "observing") {
      a.appendChild(el("p", "board-card__minimum", "Observe until " + clock(row.minimum_until)));
    }
    return a;
  }

  function setUpBoard(board) {
    var empty = document.getElementById("board-empty");
    var count = document.getElementById("board-count");
    function refreshCount() {
      var n = board.querySelectorAll(".board-card").length;
      if (count) count.textContent = String(n);
      if (empty) empty.hidden = n > 0;
    }
    function put(row) {
      var old = document.getElementById("card-" + row.session_id);
      if (row.closed) {
        if (old) old.remove();
      } else if (old) {
        old.replaceWith(card(row));
      } else {
        board.appendChild(card(row));
      }
    }
    function snapshot(data) {
      if (data.now) skew = Date.parse(data.now) - Date.now();
      board.querySelectorAll(".board-card").forEach(function (c) { c.remove(); });
      (data.sessions || []).forEach(put);
      refreshCount();
    }
    try { snapshot(JSON.parse(board.dataset.board || "{}")); } catch (e) { /* the stream's snapshot follows */ }
    listen({
      snapshot: snapshot,
      session: function (row) { put(row); refreshCount(); }
    });
    window.setInterval(function () {
      board.querySelectorAll(".board-card").forEach(function (c) { c.replaceWith(card(JSON.parse(c.dataset.row))); });
    }, 15000);
    var large = document.getElementById("board-large");
    if (large) {
      large.addEventListener("click", function () {
        var on = !board.classList.contains("board--large");
        board.classList.toggle("board--large", on);
        document.body.classList.toggle("body--board-large", on);
        large.setAttribute("aria-pressed", on ? "true" : "false");
        if (on && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
        if (!on && document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(function () {});
      });
      if (board.classList.contains("board--large")) document.body.classList.add("body--board-large");
    }
  }

  // Someone is typing in the live region (an acknowledgement note): redrawing it now would
  // throw their words away, so the redraw waits until they leave it.
  function busy(region) {
    if (region.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) return true;
    return Array.prototype.some.call(region.querySelectorAll("input:not([type=hidden]), textarea"), function (el) { return el.value !== ""; });
  }

  function setUpSession(region) {
    var id = region.dataset.sessionId;
    var pending = false;
    function reload() {
      if (pending) return;
      var current = document.getElementById("session-live");
      if (current && busy(current)) {
        window.setTimeout(reload, 2000);
        return;
      }
      pending = true;
      window.setTimeout(function () {
        fetch("/sessions/" + id + "/live", { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            pending = false;
            if (!html) return;
            var current = document.getElementById("session-live");
            if (current && busy(current)) {
              // They started typing while the new region was on its way: try again later.
              window.setTimeout(reload, 2000);
              return;
            }
            var tpl = document.createElement("template");
            tpl.innerHTML = html.trim();
            var next = tpl.content.firstElementChild;
            if (current && next) current.replaceWith(next);
            var state = document.getElementById("session-state");
            if (state && next && state.textContent.trim() !== next.dataset.stateLabel) {
              // The state moved on (another device, or documented after the fact): the actions change too.
              window.location.reload();
            }
          })
          .catch(function () { pending = false; });
      }, 300);
    }
    listen({ session: function (row) { if (row.session_id === id) reload(); } });
  }

  function listen(handlers) {
    if (!window.EventSource) return;
    var status = document.getElementById("board-status");
    var source = new EventSource("/api/v1/board/stream");
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) {
        try { handlers[name](JSON.parse(event.data)); } catch (e) { /* ignore a malformed event */ }
      });
    });
    source.addEventListener("open", function () { if (status) status.textContent = ""; });
    source.addEventListener("error", function () { if (status) status.textContent = "(reconnecting…)"; });
  }

  function ready() {
    var board = document.getElementById("board");
    if (board && board.dataset.board !== undefined) setUpBoard(board);
    var region = document.getElementById("session-live");
    if (region && region.dataset.sessionId) setUpSession(region);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

// ---------- Dialogs of the controlled-substance register (templates/register_container.html) ----------
// A button with data-dialog-open="ID" opens <dialog id="ID"> as a modal: the browser moves focus
// into it and Escape closes it. A dialog the server re-rendered with an error (data-open-on-load)
// opens as a modal at once, focused on its first invalid or empty field. Focus returns to the
// button that opened the dialog when it closes.
(function () {
  "use strict";

  function open(dialog, opener) {
    if (!dialog || typeof dialog.showModal !== "function") return;
    if (dialog.open) dialog.close();
    dialog.showModal();
    dialog._opener = opener || null;
    var target = dialog.querySelector("[aria-invalid=true]") ||
      dialog.querySelector("input[type=password]:not([value]), input[type=password][value='']");
    if (dialog.hasAttribute("data-open-on-load") && target) target.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-dialog-open]");
    if (!button) return;
    event.preventDefault();
    open(document.getElementById(button.getAttribute("data-dialog-open")), button);
  });

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog && dialog.tagName === "DIALOG" && dialog._opener) dialog._opener.focus();
  }, true);

  function ready() {
    document.querySelectorAll("dialog[data-open-on-load]").forEach(function (d) {
      var id = d.id;
      open(d, document.querySelector("button[data-dialog-open='" + id + "']"));
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
