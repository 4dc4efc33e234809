// Vigil's link charts (the person page, /links/neighbours): a graph of records, identifiers and persons
// drawn with Cytoscape, with every node also a button in a list beside it (the keyboard's way in).
//
//   const cy = window.vigilLinkChart(wrap, graph, options);
//
// wrap: the (hidden) .graph-wrap holding the chart's box (.person-graph) and its list (.graph-list);
// it is shown before drawing. graph: {nodes: [{id, kind, label, type, ref, mine, hub, ...}], edges:
// [{id, source, target, kind}]} as vigil.web.person_charts.graph_data writes it.
// options:
//   detail  the element that shows the chosen node: its kind, what it joins, a link to its page
//   center  id of the start node, ringed on the chart (default: none ringed; the person, else one of
//           his records, else the first node is the middle of a big chart)
//   mine    true: mark the subject's own records ("mine" on the chart, in the list and the detail)
//   rank    node -> number: the list's order (ties by label)
//   ring    (node, centerId) -> number: a big chart's concentric ring (higher is nearer the middle)
//   pageOf  node -> URL of its page, or null (the detail links to it)
// Returns the Cytoscape instance (null when a part is missing). Keyboard: Tab into the list, Up / Down move; focusing a button selects
// its node on the chart, and tapping a node on the chart selects its button.
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

  const STYLE = [
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
    { selector: "node[?mine]", style: { "border-width": 3, "border-color": "#1a7f37" } },
    { selector: "node[?center]", style: { "border-width": 3, "border-color": "#1a7f37", width: 24, height: 24 } },
    { selector: "node[?hub]", style: { "background-color": "#eeeeee", "border-style": "dashed" } },
    { selector: "edge", style: { width: 1, "line-color": "#bbbbbb", "curve-style": "haystack" } },
    { selector: 'edge[kind = "member"]', style: { "line-color": "#333333", "line-style": "dashed" } },
    // the report's other links: near in place and time, a shared address, a chain of records
    {
      selector: 'edge[kind != "member"][kind != "holds"]',
      style: { "line-color": "#e6550d", width: 2, "line-style": "dotted" },
    },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#b58900" } },
  ];

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function nodeLabel(n) {
    if (n.kind === "person") return `person ${n.person_id || n.label}`;
    const label = String(n.label || n.id);
    return label.length > 40 ? `${label.slice(0, 38)}…` : label;
  }

  function kindWords(n) {
    return n.kind === "record" ? n.type : n.kind;
  }

  window.vigilLinkChart = function (wrap, graph, options) {
    const box = wrap.querySelector(".person-graph");
    const list = wrap.querySelector(".graph-list");
    const detail = options.detail;
    if (!box || !list || !detail) return null;
    const pageOf = options.pageOf || (() => null);
    const isMine = (n) => !!(options.mine && n.mine);
    wrap.hidden = false;
    const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
    const ringed = options.center !== undefined;
    const center = ringed
      ? options.center
      : (graph.nodes.find((n) => n.kind === "person") || graph.nodes.find((n) => n.mine) || graph.nodes[0]).id;
    const elements = graph.nodes.map((n) => ({
      group: "nodes",
      data: {
        id: n.id,
        label: nodeLabel(n),
        kind: n.kind,
        type: n.type || n.identifier_kind || "",
        colour: n.kind === "record" ? COLOURS[n.type] || "#7f7f7f" : n.kind === "person" ? "#222" : "#b0b0b0",
        mine: isMine(n) ? 1 : 0,
        center: ringed && n.id === center ? 1 : 0,
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
      style: STYLE,
      layout: big
        ? {
            name: "concentric",
            animate: false,
            concentric: (node) => options.ring(byId[node.id()], center),
            levelWidth: () => 1,
          }
        : { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 8000, idealEdgeLength: () => 50 },
    });

    // Every node as a button, in the page's reading order; focus one to select it on the chart.
    const rank = options.rank;
    const ordered = graph.nodes.slice().sort((a, b) => rank(a) - rank(b) || String(a.label).localeCompare(String(b.label)));
    const buttons = {};
    for (const n of ordered) {
      const li = el("li");
      const button = el("button", `${nodeLabel(n)} (${String(kindWords(n) || "").replace(/_/g, " ")})`, `k-${n.kind}${isMine(n) ? " mine" : ""}`);
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
      const what = n.kind === "record" ? `${String(n.type || "record").replace(/_/g, " ")} record${isMine(n) ? ", his" : ""}` : n.kind;
      detail.appendChild(el("span", ` · ${what}`));
      if (n.kind === "identifier" && n.subjects !== undefined) {
        detail.appendChild(el("span", ` · held by ${n.subjects} subject(s) in ${n.records} record(s)${n.hub ? ", a hub (not followed)" : ""}`));
      }
      const href = pageOf(n);
      if (href) {
        detail.appendChild(document.createTextNode(" · "));
        const a = el("a", n.kind === "person" ? "open person" : "open record");
        a.href = href;
        detail.appendChild(a);
      }
      const around = node.neighborhood("node").map((x) => byId[x.id()]).filter(Boolean);
      if (around.length) {
        const ul = el("ul");
        for (const m of around.slice(0, 30)) ul.appendChild(el("li", `${nodeLabel(m)} (${kindWords(m)})`));
        if (around.length > 30) ul.appendChild(el("li", `… ${around.length - 30} more`));
        detail.appendChild(ul);
      }
    }

    cy.on("tap", "node", (event) => choose(event.target.id(), true));
    cy.fit(cy.elements(), 30);
    return cy;
  };
})();
