// The link chart page (/links/neighbours): the neighbourhood the server embedded as JSON
// (<script type="application/json" id="links-graph-data">) drawn with Cytoscape. The chart appears only
// when Cytoscape loaded; the table under it carries the same facts without JavaScript. Every record and
// person node links to its page; the list beside the chart is the keyboard's way in.
(function () {
  "use strict";

  const COLOURS = {
    person: "#1f77b4",
    tip: "#e377c2",
    missing_case: "#d62728",
    incident: "#ff7f0e",
    event: "#2ca02c",
    lead: "#9467bd",
    unidentified: "#7f7f7f",
  };
  const state = {};
  window.vigilLinkChart = state; // for the browser tests and the curious

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function label(n) {
    if (n.kind === "person") return `person ${n.person_id || n.label}`;
    const text = String(n.label || n.id);
    return text.length > 40 ? `${text.slice(0, 38)}…` : text;
  }

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
    const list = document.getElementById("links-graph-list");
    const detail = document.getElementById("links-graph-detail");
    const data = document.getElementById("links-graph-data");
    const page = document.getElementById("links-page");
    if (!wrap || !box || !list || !data || !page || !window.cytoscape) return;
    let graph;
    try {
      graph = JSON.parse(data.textContent);
    } catch (_error) {
      return;
    }
    if (!graph || !graph.nodes || !graph.nodes.length) return;
    const purpose = page.dataset.purpose || "";
    wrap.hidden = false;
    const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
    const center = graph.center;
    const elements = graph.nodes.map((n) => ({
      group: "nodes",
      data: {
        id: n.id,
        label: label(n),
        kind: n.kind,
        colour: n.kind === "record" ? COLOURS[n.type] || "#7f7f7f" : n.kind === "person" ? "#222" : "#b0b0b0",
        center: n.id === center ? 1 : 0,
        hub: n.hub ? 1 : 0,
      },
    }));
    for (const e of graph.edges || []) {
      elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, kind: e.kind } });
    }
    const big = graph.nodes.length > 250;
    const cy = window.cytoscape({
      container: box,
      elements: elements,
      boxSelectionEnabled: false,
      style: [
        {
          selector: "node",
          style: {
            label: "data(label)",
            "font-size": 7,
            "text-valign": "bottom",
            "text-margin-y": 2,
            width: 14,
            height: 14,
            "background-color": "data(colour)",
            "border-color": "#333",
            "border-width": 0.5,
          },
        },
        { selector: 'node[kind = "person"]', style: { shape: "star", width: 26, height: 26, "font-size": 9 } },
        { selector: 'node[kind = "record"]', style: { shape: "round-rectangle", width: 18, height: 18 } },
        { selector: 'node[kind = "identifier"]', style: { shape: "diamond", width: 10, height: 10, "font-size": 6 } },
        { selector: "node[?center]", style: { "border-width": 3, "border-color": "#1a7f37", width: 24, height: 24 } },
        { selector: "node[?hub]", style: { "background-color": "#eeeeee", "border-style": "dashed" } },
        { selector: "edge", style: { width: 1, "line-color": "#bbbbbb", "curve-style": "haystack" } },
        { selector: 'edge[kind = "member"]', style: { "line-color": "#333333", "line-style": "dashed" } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#b58900" } },
      ],
      layout: big
        ? {
            name: "concentric",
            animate: false,
            concentric: (node) => (node.id() === center ? 3 : node.data("kind") === "identifier" ? 1 : 2),
            levelWidth: () => 1,
          }
        : { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 8000, idealEdgeLength: () => 50 },
    });
    state.cy = cy;

    // Every node as a button, in reading order (the start, persons, records, identifiers).
    const rank = (n) => (n.id === center ? 0 : n.kind === "person" ? 1 : n.kind === "record" ? 2 : 3);
    const ordered = graph.nodes.slice().sort((a, b) => rank(a) - rank(b) || String(a.label).localeCompare(String(b.label)));
    const buttons = {};
    for (const n of ordered) {
      const li = el("li");
      const type = n.kind === "record" ? n.type : n.kind;
      const button = el("button", `${label(n)} (${String(type || "").replace(/_/g, " ")})`, `k-${n.kind}`);
      button.type = "button";
      button.dataset.id = n.id;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => choose(n.id, false));
      button.addEventListener("focus", () => choose(n.id, false));
      button.addEventListener("keydown", (event) => {
        if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
        event.preventDefault();
        const next = event.key === "ArrowDown" ? li.nextElementSibling : li.previousElementSibling;
        if (next) next.firstElementChild.focus();
      });
      buttons[n.id] = button;
      li.appendChild(button);
      list.appendChild(li);
    }

    function choose(id, fromChart) {
      const n = byId[id];
      if (!n) return;
      cy.nodes(":selected").unselect();
      const node = cy.getElementById(id);
      node.select();
      if (!fromChart) cy.center(node);
      for (const b of list.querySelectorAll('[aria-pressed="true"]')) b.setAttribute("aria-pressed", "false");
      buttons[id].setAttribute("aria-pressed", "true");
      if (fromChart) buttons[id].scrollIntoView({ block: "nearest" });
      detail.replaceChildren();
      detail.appendChild(el("strong", n.label || n.id));
      const what = n.kind === "record" ? `${String(n.type || "record").replace(/_/g, " ")} record` : n.kind;
      detail.appendChild(el("span", ` · ${what}`));
      if (n.kind === "identifier" && n.subjects !== undefined) {
        detail.appendChild(el("span", ` · held by ${n.subjects} subject(s) in ${n.records} record(s)${n.hub ? ", a hub (not followed)" : ""}`));
      }
      const href = pageOf(n, purpose);
      if (href) {
        detail.appendChild(document.createTextNode(" · "));
        const a = el("a", n.kind === "person" ? "open person" : "open record");
        a.href = href;
        detail.appendChild(a);
      }
      const around = node.neighborhood("node").map((x) => byId[x.id()]).filter(Boolean);
      if (around.length) {
        const ul = el("ul");
        for (const m of around.slice(0, 30)) ul.appendChild(el("li", `${label(m)} (${m.kind === "record" ? m.type : m.kind})`));
        if (around.length > 30) ul.appendChild(el("li", `… ${around.length - 30} more`));
        detail.appendChild(ul);
      }
    }

    cy.on("tap", "node", (event) => choose(event.target.id(), true));
    cy.fit(cy.elements(), 30);
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
