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

  // One pin per place and round: stops at the same address (a shop visited twice, a
  // pickup point) share it, numbered "3, 17", "3–6" or "3, 9…", instead of hiding one
  // another; its title lists them all. On the operator's board several rounds may stop
  // at one shop: their pins sit side by side (`shift` pixels to the right), each ringed
  // in its round's colour.
  function numbered(group, run, shift) {
    var first = group[0];
    var done = group.every(function (stop) { return stop.done; });
    var classes = "stop-pin stop-" + first.kind + (done ? " stop-done" : "");
    if (run !== null) {
      classes += " stop-run stop-run-" + (run % 4);
    }
    var numbers = group.map(function (stop) { return stop.n; });
    var last = numbers[numbers.length - 1];
    var text = numbers.join(", ");
    if (numbers.length > 2 && last - first.n === numbers.length - 1) {
      text = first.n + "\u2013" + last;  // consecutive stops: 3–6
    } else if (numbers.length > 3) {
      text = numbers.slice(0, 2).join(", ") + "\u2026";
    }
    var width = Math.max(28, 10 + 8 * text.length);
    return L.divIcon({
      className: classes,
      html: "<span>" + text + "</span>",
      iconSize: [width, 28],
      iconAnchor: [width / 2 - shift, 14]
    });
  }

  function placeKey(stop) {
    return stop.lat.toFixed(5) + "," + stop.lon.toFixed(5);
  }

  function byPlace(stops) {
    var groups = [];
    var index = {};
    stops.forEach(function (stop) {
      var key = placeKey(stop);
      if (!(key in index)) {
        index[key] = groups.length;
        groups.push([]);
      }
      groups[index[key]].push(stop);
    });
    return groups;
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
    var taken = {};  // place → pixels already used by other rounds' pins there
    var several = Boolean(data.runs) && data.runs.length > 1;
    (data.runs || [data]).forEach(function (run, index) {
      bounds.extend(drawRun(map, run, index, several, taken).getBounds());
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    }
  }

  function drawRun(map, data, index, several, taken) {
    var depot = [data.depot.lat, data.depot.lon];
    var line = [depot];
    L.circleMarker(depot, { radius: 8, weight: 3, className: "depot-pin" })
      .bindTooltip(data.depot.label)
      .addTo(map);
    data.stops.forEach(function (stop) {
      line.push([stop.lat, stop.lon]);
    });
    byPlace(data.stops).forEach(function (group) {
      var first = group[0];
      var key = placeKey(first);
      var shift = taken[key] || 0;
      var icon = numbered(group, several ? index : null, shift);
      taken[key] = shift + icon.options.iconSize[0] + 8;  // room for the rings
      var labels = group.map(function (stop) { return stop.n + ". " + stop.label; });
      var title = labels.join(" \u2022 ");
      var marker = L.marker([first.lat, first.lon], {
        icon: icon,
        title: several ? data.name + " \u2014 " + title : title,
        keyboard: false
      });
      marker.on("click", function () {
        var target = document.getElementById(first.anchor);
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
