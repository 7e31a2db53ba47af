/* A photo heavier than the server takes is said at once, by its field, before the form is
 * sent: sent, it would be answered by the page « Fichier trop volumineux » and everything
 * typed in the form lost.
 *
 * Progressive enhancement: without this file the server refuses the photo by its field
 * (reference_app/request_caps.py). A file input opts in with data-max-bytes (its limit) and
 * data-too-heavy (what to say, in the page's language): a photo over the limit is taken out
 * of the input, so the rest of the form can still be sent, and the message stays by the
 * field until another photo is chosen.
 */
(function () {
  "use strict";

  var SELECTOR = "input[type=file][data-max-bytes]";

  function describedBy(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) {
      return x && x !== id;
    });
    if (on) ids.push(id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  function check(input) {
    var id = input.id + "-too-heavy";
    var old = document.getElementById(id);
    if (old) old.remove();
    describedBy(input, id, false);
    var field = input.closest(".field");
    if (input.hasAttribute("data-marked-heavy")) {  // invalid because of us, not the server
      input.removeAttribute("data-marked-heavy");
      input.removeAttribute("aria-invalid");
      if (field) field.classList.remove("has-error");
    }
    var max = Number(input.getAttribute("data-max-bytes"));
    var file = input.files && input.files[0];
    if (!file || !max || file.size <= max) return true;

    var message = document.createElement("p");
    message.className = "error";
    message.id = id;
    message.setAttribute("role", "alert");
    message.textContent = input.getAttribute("data-too-heavy");
    input.insertAdjacentElement("afterend", message);
    if (input.getAttribute("aria-invalid") !== "true") {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("data-marked-heavy", "");
      if (field) field.classList.add("has-error");
    }
    describedBy(input, id, true);
    input.value = "";
    return false;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(SELECTOR)) check(event.target);
  });

  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll(SELECTOR);
    for (var i = 0; i < inputs.length; i++) {
      if (!check(inputs[i])) {
        event.preventDefault();
        inputs[i].focus();
        return;
      }
    }
  });
})();
