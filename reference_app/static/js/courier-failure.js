/* The failed delivery form: where the parcel may go follows the reason chosen.
 *
 * Each choice of « Et le colis ? » lists in data-reasons the reasons it is offered for
 * (« - »: no reason chosen yet), as the server decides (delivery.stops.after_failure_choices):
 * a parcel the shopper refused only goes back to its shop. The others are hidden and
 * disabled; if the choice made is no longer offered, the first one offered is chosen.
 */
"use strict";

(function () {
  const form = document.querySelector("form[data-after-failure]");
  if (!form) {
    return;
  }
  function follow() {
    const chosen = form.querySelector('input[name="reason"]:checked');
    const reason = chosen ? chosen.value : "-";
    let first = null;
    let kept = false;
    form.querySelectorAll("[data-reasons]").forEach((choice) => {
      const offered = choice.dataset.reasons.split(" ").includes(reason);
      choice.hidden = !offered;
      const radio = choice.querySelector('input[name="then"]');
      if (radio) {
        radio.disabled = !offered;
        if (offered) {
          first = first || radio;
          kept = kept || radio.checked;
        }
      }
    });
    if (!kept && first) {
      first.checked = true;
    }
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "reason") {
      follow();
    }
  });
  follow();
})();
