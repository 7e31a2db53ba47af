/* The courier's pages without network (service worker, scope /livreur/).
 *
 * Pages of /livreur/ are fetched from the network and kept; without network the last copy
 * is shown. A tap on "collected", "delivered" or "failed" that cannot reach the server is
 * kept on the phone (IndexedDB) with its time, and the page it came from is shown again;
 * courier-offline.js sends the kept taps, in order, once the network is back.
 */
"use strict";

importScripts("/static/js/courier-outbox.js");

const CACHE = self.CabasOutbox.CACHE;
const ACTION = /^\/livreur\/arrets\/\d+\/(collecte|livraison|echec|retour|retour-impossible)$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function fromNetworkOrCopy(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const copy = (await cache.match(request)) || (await cache.match("/livreur/"));
    if (copy) {
      return copy;
    }
    throw error;
  }
}

async function sendOrKeep(request) {
  const body = await request.clone().text();
  try {
    return await fetch(request);
  } catch (error) {
    const url = new URL(request.url);
    const stop = url.pathname.split("/")[3];
    await self.CabasOutbox.keep({ url: url.pathname, body, at: new Date().toISOString(), stop });
    const back = new URL(request.referrer || "/livreur/", self.location.origin);
    back.hash = "arret-" + stop;
    return Response.redirect(back.href, 303);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && ACTION.test(url.pathname)) {
    if (request.headers.get("X-Cabas-Sent-Later") !== "1") {
      event.respondWith(sendOrKeep(request));
    }
    return;
  }
  if (request.method === "GET" && url.pathname.startsWith("/livreur/")) {
    event.respondWith(fromNetworkOrCopy(request));
  } else if (request.method === "GET" && url.pathname.startsWith("/static/")) {
    event.respondWith(fromNetworkOrCopy(request));
  }
});
