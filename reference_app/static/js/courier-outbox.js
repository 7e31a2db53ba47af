/* Taps a courier made without network, kept on the phone until they can be sent: shared by
 * the courier's page (courier-offline.js) and its service worker (courier-sw.js). */
"use strict";

self.CabasOutbox = (function () {
  const DB_NAME = "cabas-livreur";
  const STORE = "outbox";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const request = work(transaction.objectStore(STORE));
        transaction.oncomplete = () => resolve(request.result);
        transaction.onerror = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  return {
    /** The pages' copies, kept by the service worker. */
    CACHE: "cabas-livreur-v1",
    keep: (item) => withStore("readwrite", (store) => store.add(item)),
    kept: () => withStore("readonly", (store) => store.getAll()),
    forget: (id) => withStore("readwrite", (store) => store.delete(id)),
  };
})();
