// Maps declared in the page: <div data-vigil-map="ID"> with the GeoJSON in
// <script type="application/json" id="ID"> (data, not code: the CSP runs no inline script).
// Points carry properties.links = [{href, text}] (the pages they open); drawn by window.vigilMap (map.js).
(function () {
  "use strict";

  function popup(feature) {
    const p = feature.properties || {};
    const box = document.createElement("div");
    box.className = "vigil-popup";
    const title = document.createElement("strong");
    title.textContent = p.name || p.ref || "(point)";
    box.appendChild(title);
    const facts = [p.kind, p.at && String(p.at).slice(0, 16), p.address, p.distance_mi != null && `${p.distance_mi} mi`];
    const line = facts.filter(Boolean).join(" · ");
    if (line) {
      const div = document.createElement("div");
      div.textContent = String(line).replace(/_/g, " ");
      box.appendChild(div);
    }
    const links = p.links || [];
    if (links.length) {
      const list = document.createElement("ul");
      for (const link of links) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.text;
        li.appendChild(a);
        list.appendChild(li);
      }
      box.appendChild(list);
    }
    return box;
  }

  function start() {
    if (!window.vigilMap) return;
    document.querySelectorAll("[data-vigil-map]").forEach((element) => {
      const data = document.getElementById(element.dataset.vigilMap);
      if (!data || element.vigil) return;
      let fc;
      try {
        fc = JSON.parse(data.textContent);
      } catch (_error) {
        return;
      }
      element.vigil = window.vigilMap(element, fc, { popup: popup });
      if (element.vigil) element.dataset.markers = String(element.vigil.markers.length);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
