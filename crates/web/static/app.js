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
