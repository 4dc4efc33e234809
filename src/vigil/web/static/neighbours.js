// The link chart page (/links/neighbours): the neighbourhood the server embedded as JSON
// (<script type="application/json" id="links-graph-data">) drawn with Cytoscape through linkchart.js.
// The chart appears only when Cytoscape loaded; the table under it carries the same facts without
// JavaScript. Every record and person node links to its page; the list beside the chart is the
// keyboard's way in.
(function () {
  "use strict";

  const state = {};
  window.vigilNeighbours = state; // for the browser tests and the curious

  function pageOf(n, purpose) {
    const q = "?purpose=" + encodeURIComponent(purpose);
    const path = (ref) => encodeURIComponent(ref).replace(/%2F/gi, "/").replace(/%3A/gi, ":").replace(/%40/gi, "@");
    if (n.kind === "person") return "/persons/" + path(n.person_id || n.label) + q;
    if (n.kind !== "record" || !n.ref) return null;
    const base = { tip: "/tips/", missing_case: "/cases/" }[n.type] || "/records/";
    return base + path(n.ref) + q;
  }

  function draw() {
    const wrap = document.getElementById("links-graph-wrap");
    const box = document.getElementById("links-graph");
    const data = document.getElementById("links-graph-data");
    const page = document.getElementById("links-page");
    if (!wrap || !box || !data || !page || !window.cytoscape || !window.vigilLinkChart) return;
    let graph;
    try {
      graph = JSON.parse(data.textContent);
    } catch (_error) {
      return;
    }
    if (!graph || !graph.nodes || !graph.nodes.length) return;
    const purpose = page.dataset.purpose || "";
    const cy = window.vigilLinkChart(wrap, graph, {
      detail: document.getElementById("links-graph-detail"),
      center: graph.center || "",
      // reading order: the start, persons, records, identifiers
      rank: (n) => (n.id === graph.center ? 0 : n.kind === "person" ? 1 : n.kind === "record" ? 2 : 3),
      ring: (n, center) => (n.id === center ? 3 : n.kind === "identifier" ? 1 : 2),
      pageOf: (n) => pageOf(n, purpose),
    });
    if (!cy) return;
    state.cy = cy;
    box.dataset.nodes = String(cy.nodes().length);
  }

  function start() {
    try {
      draw();
    } catch (error) {
      // the chart is extra: the table under it still holds every node
      if (window.console) window.console.error(error);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
