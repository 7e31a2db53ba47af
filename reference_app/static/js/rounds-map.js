/* Maps of the delivery rounds (courier and operator pages), drawn with the vendored Leaflet.
 *
 * Progressive enhancement: every page works without this file. A map is a
 * <div class="round-map" data-map='{"depot":…,"stops":[…]}' data-tiles="URL" hidden>;
 * without tiles configured, the stops and the line are drawn on a plain background.
 * Position forms get a "use my position" button and, with a map, a click to place the pin.
 */
(function () {
  "use strict";

  function tiles(map, el) {
    var url = el.getAttribute("data-tiles");
    if (url) {
      L.tileLayer(url, {
        maxZoom: 19,
        attribution: el.getAttribute("data-attribution") || ""
      }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
  }

  function numbered(stop) {
    var classes = "stop-pin stop-" + stop.kind + (stop.done ? " stop-done" : "");
    return L.divIcon({
      className: classes,
      html: "<span>" + stop.n + "</span>",
      iconSize: [28, 28],
      iconAnchor: [14, 14]
    });
  }

  function drawRound(el) {
    var data;
    try {
      data = JSON.parse(el.getAttribute("data-map"));
    } catch (e) {
      return;
    }
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false });
    tiles(map, el);
    var bounds = L.latLngBounds([]);
    (data.runs || [data]).forEach(function (run, index) {
      bounds.extend(drawRun(map, run, index).getBounds());
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    }
  }

  function drawRun(map, data, index) {
    var depot = [data.depot.lat, data.depot.lon];
    var line = [depot];
    L.circleMarker(depot, { radius: 8, weight: 3, className: "depot-pin" })
      .bindTooltip(data.depot.label)
      .addTo(map);
    data.stops.forEach(function (stop) {
      var here = [stop.lat, stop.lon];
      line.push(here);
      var marker = L.marker(here, { icon: numbered(stop), title: stop.label, keyboard: false });
      marker.on("click", function () {
        var target = document.getElementById(stop.anchor);
        if (target) {
          target.scrollIntoView({ behavior: "smooth" });
        }
      });
      marker.addTo(map);
    });
    line.push(depot);
    var style = { weight: 3, opacity: 0.75, className: "round-line round-line-" + (index % 4) };
    return L.polyline(line, style).bindTooltip(data.name).addTo(map);
  }

  function positionForm(form) {
    var lat = form.querySelector("[name=lat]");
    var lon = form.querySelector("[name=lon]");
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-locate-status]");
    if (button && navigator.geolocation) {
      button.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = button.getAttribute("data-wait");
        navigator.geolocation.getCurrentPosition(
          function (found) {
            lat.value = found.coords.latitude.toFixed(6);
            lon.value = found.coords.longitude.toFixed(6);
            status.textContent = button.getAttribute("data-done");
            if (form.pinTo) {
              form.pinTo(found.coords.latitude, found.coords.longitude);
            }
          },
          function () {
            status.textContent = button.getAttribute("data-fail");
          },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    }
    var el = form.querySelector(".pick-map");
    if (!el || !window.L) {
      return;
    }
    var start = [parseFloat(lat.value.replace(",", ".")), parseFloat(lon.value.replace(",", "."))];
    if (isNaN(start[0]) || isNaN(start[1])) {
      return;
    }
    el.hidden = false;
    var map = L.map(el);
    tiles(map, el);
    map.setView(start, 16);
    var pin = L.marker(start, { draggable: true }).addTo(map);
    form.pinTo = function (a, b) {
      pin.setLatLng([a, b]);
      map.setView([a, b]);
    };
    function take(point) {
      lat.value = point.lat.toFixed(6);
      lon.value = point.lng.toFixed(6);
    }
    pin.on("dragend", function () {
      take(pin.getLatLng());
    });
    map.on("click", function (event) {
      pin.setLatLng(event.latlng);
      take(event.latlng);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.L) {
      document.querySelectorAll(".round-map[data-map]").forEach(drawRound);
    }
    document.querySelectorAll("form[data-position-form]").forEach(positionForm);
  });
})();
