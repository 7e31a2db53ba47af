/* The courier's day page without network: installs courier-sw.js, keeps each stop's
 * "problem" page for later, shows the taps kept on the phone and sends them, in order,
 * once the network is back (with the time they were made). The page works without it. */
"use strict";

(function () {
  const root = document.querySelector("[data-offline]");
  if (!root || !("serviceWorker" in navigator) || !window.CabasOutbox) {
    return;
  }
  const { CACHE, kept, forget } = window.CabasOutbox;
  const REFUSED = "cabas-livreur-refused";
  let sending = false;

  function say(text, kind) {
    const note = root.querySelector("[data-offline-note]");
    note.textContent = text;
    note.className = "flash flash-" + kind;
    note.hidden = !text;
  }

  function collectedOnThePhone(items) {
    // A delivery whose parcels were still at their shop when the page was kept waits for
    // their collection: once every collection it waits for is tapped (kept here), its form
    // is offered, and the tap goes to the server after the collection's.
    const stops = new Set(items.map((item) => String(item.stop)));
    root.querySelectorAll("[data-waits-for]").forEach((part) => {
      const collected = part.dataset.waitsFor.split(" ").every((stop) => stops.has(stop));
      part.hidden = part.hasAttribute("data-waiting-note") ? collected : !collected;
    });
  }

  async function show() {
    const items = await kept();
    root.querySelectorAll(".visit.is-kept").forEach((visit) => visit.classList.remove("is-kept"));
    items.forEach((item) => {
      const visit = document.getElementById("arret-" + item.stop);
      if (visit) {
        visit.classList.add("is-kept");
      }
    });
    collectedOnThePhone(items);
    const refused = sessionStorage.getItem(REFUSED);
    if (refused) {
      sessionStorage.removeItem(REFUSED);
      const text = refused.includes(",") ? root.dataset.refusedOther : root.dataset.refusedOne;
      say(text.replace("{stops}", refused), "error");
    } else if (items.length) {
      const text = items.length === 1 ? root.dataset.keptOne : root.dataset.keptOther;
      say(text.replace("{num}", items.length), "info");
    } else {
      say("", "info");
    }
    return items;
  }

  async function send() {
    if (sending) {
      return;
    }
    sending = true;
    let sent = 0;
    const refused = [];
    try {
      for (const item of await kept()) {
        let response;
        try {
          response = await fetch(item.url, {
            method: "POST",
            body: item.body + "&recorded_at=" + encodeURIComponent(item.at),
            headers: {
              "Content-Type": "application/x-www-form-urlencoded",
              "X-Cabas-Sent-Later": "1",
            },
            credentials: "same-origin",
            redirect: "manual",
          });
        } catch (error) {
          break; // still no network: keep the rest for later
        }
        if (response.status >= 500) {
          break;
        }
        if (response.status >= 400) {
          // A wrong code, a stop recorded meanwhile…: the courier is told which stop.
          const number = document.querySelector("#arret-" + item.stop + " .visit-number");
          const stop = number ? number.textContent.trim() : String(item.stop);
          if (!refused.includes(stop)) {
            refused.push(stop);
          }
        }
        await forget(item.id);
        sent += 1;
      }
    } finally {
      sending = false;
    }
    if (refused.length) {
      sessionStorage.setItem(REFUSED, refused.join(", "));
    }
    if (sent) {
      window.location.reload();
    }
  }

  function keepProblemPages() {
    // The "absent or problem" page of each open delivery, for a failure without network.
    root.querySelectorAll("a[data-offline-keep]").forEach((link) => {
      fetch(link.href, { credentials: "same-origin" }).catch(() => {});
    });
  }

  document.querySelectorAll('form[action$="/logout"]').forEach((form) => {
    form.addEventListener("submit", (event) => {
      // Customers' names and addresses do not stay on the phone after the round.
      event.preventDefault();
      caches.delete(CACHE).finally(() => form.submit());
    });
  });

  navigator.serviceWorker
    .register(root.dataset.worker, { scope: root.dataset.scope })
    .then(() => navigator.serviceWorker.ready)
    .then(async () => {
      const items = await show();
      if (navigator.onLine) {
        keepProblemPages();
        if (items.length) {
          await send();
        }
      }
    })
    .catch(() => {});
  window.addEventListener("online", () => {
    send().then(show);
  });
  // A phone may think it has network when the server cannot be reached: try again now
  // and then while taps are waiting.
  window.setInterval(() => {
    if (navigator.onLine && !sending) {
      kept().then((items) => (items.length ? send() : null));
    }
  }, 30000);
})();
