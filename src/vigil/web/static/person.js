// The person page's interactive charts, drawn from JSON the server embedded in the page
// (<script type="application/json">): the report's timeline (vis-timeline), its map (Leaflet through
// map.js) and the link chart (Cytoscape). Each chart appears only when its library loaded; the tables
// under them carry the same facts without JavaScript. Every item names its source records.
(function () {
  "use strict";

  const KINDS = [
    ["residence", "Residences"],
    ["employment", "Employment"],
    ["registration", "Registration"],
    ["verification", "Verification"],
    ["verification_due", "Verification due"],
    ["lpr_hit", "LPR hits"],
    ["traffic_stop", "Traffic stops"],
    ["le_inquiry", "LE inquiries"],
    ["booking", "Bookings"],
    ["travel", "Travel"],
    ["employment_check", "Employment checks"],
    ["other", "Other events"],
  ];
  const KIND_WORDS = Object.fromEntries(KINDS);
  const NODE_COLOURS = {
    person: "#1f77b4",
    tip: "#e377c2",
    missing_case: "#d62728",
    incident: "#ff7f0e",
    event: "#2ca02c",
    lead: "#9467bd",
    unidentified: "#7f7f7f",
  };

  const charts = {};
  window.vigilPersonCharts = charts; // for the browser tests and the curious

  function json(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function esc(text) {
    return String(text === undefined || text === null ? "" : text).replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
    );
  }

  function words(kind) {
    return KIND_WORDS[kind] || String(kind || "").replace(/_/g, " ");
  }

  function refList(refs, refUrl) {
    const list = el("ul");
    for (const ref of refs) {
      const li = el("li");
      const a = el("a", ref);
      a.href = refUrl(ref);
      li.appendChild(a);
      list.appendChild(li);
    }
    return list;
  }

  // An ISO date, partial date (YYYY, YYYY-MM) or timestamp -> a Date; `end` takes the end of a
  // partial period (moved out "2021-05": still there all of May).
  function when(text, end) {
    if (!text) return null;
    if (text.indexOf("T") > 0) {
      const d = new Date(text);
      return isNaN(d) ? null : d;
    }
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(text);
    if (!m) return null;
    const y = +m[1];
    const mo = m[2] ? +m[2] - 1 : 0;
    const d = m[3] ? +m[3] : 1;
    if (!end) return new Date(y, mo, d);
    if (m[3]) return new Date(y, mo, d + 1);
    if (m[2]) return new Date(y, mo + 1, 1);
    return new Date(y + 1, 0, 1);
  }

  function unhide(...ids) {
    for (const id of ids) {
      const node = document.getElementById(id);
      if (node) node.hidden = false;
    }
  }

  // --- timeline -----------------------------------------------------------------------------------

  function drawTimeline(page, refUrl) {
    const box = document.getElementById("person-timeline");
    const data = json("person-timeline-data");
    const detail = document.getElementById("person-timeline-detail");
    if (!box || !Array.isArray(data) || !window.vis || !window.vis.Timeline) return;
    const asOf = when(page.dataset.asOf) || new Date();
    const items = [];
    const kinds = new Set();
    data.forEach((t, i) => {
      const ranged = t.kind === "residence" || t.kind === "employment";
      let start = when(t.from);
      let stop = ranged ? (t.to ? when(t.to, true) : asOf) : null;
      if (!start && ranged && t.last_seen) {
        // a place with no start date: a point on the day a source last named it
        start = when(t.last_seen);
        stop = null;
      }
      if (!start) return; // undated: in the table only
      if (stop && stop <= start) stop = null;
      kinds.add(t.kind);
      const content = el("span", t.label);
      const refs = t.refs || (t.ref ? [t.ref] : []);
      const period = [t.from, ranged ? t.to || "(open)" : null].filter(Boolean).join(" to ");
      const item = {
        id: i,
        group: t.kind,
        start: start,
        type: stop ? "range" : "point",
        content: content,
        title: `<b>${esc(words(t.kind))}</b>: ${esc(t.label)}<br>${esc(period)}<br>sources: ${refs.map(esc).join(", ")}`,
        className: `kind-${t.kind}`,
      };
      if (stop) item.end = stop; // (a point must have no "end" key at all: vis focuses on item.end)
      items.push(item);
    });
    if (!items.length) return;
    const order = KINDS.map((k) => k[0]);
    const groups = Array.from(kinds).map((k) => ({
      id: k,
      content: words(k),
      order: order.indexOf(k) < 0 ? order.length : order.indexOf(k),
    }));
    const first = new Date(Math.min(...items.map((it) => it.start.getTime())));
    const last = new Date(Math.max(...items.map((it) => (it.end || it.start).getTime())));
    const span = Math.max(last - first, 30 * 86400000);
    box.hidden = false;
    unhide("timeline-keys");
    const timeline = new window.vis.Timeline(
      box,
      new window.vis.DataSet(items),
      new window.vis.DataSet(groups),
      {
        stack: true,
        selectable: true,
        multiselect: false,
        showCurrentTime: false,
        zoomKey: "ctrlKey",
        orientation: { axis: "top" },
        groupOrder: "order",
        start: new Date(first.getTime() - span * 0.03),
        end: new Date(last.getTime() + span * 0.2), // room for the labels of the latest points
        margin: { item: 4 },
        tooltip: { followMouse: true, overflowMethod: "cap" },
      },
    );
    charts.timeline = timeline;
    charts.timelineItems = items.length;
    const sequence = items.slice().sort((a, b) => a.start - b.start).map((it) => it.id);
    let at = -1;

    function show(id) {
      detail.replaceChildren();
      const t = data[id];
      if (!t) return;
      at = sequence.indexOf(id);
      const period = [t.from, t.to].filter(Boolean).join(" to ");
      detail.appendChild(el("strong", `${words(t.kind)}: ${t.label}`));
      if (period) detail.appendChild(el("span", ` (${period})`));
      if (t.place) detail.appendChild(el("span", ` · ${t.place}`));
      detail.appendChild(refList(t.refs || (t.ref ? [t.ref] : []), refUrl));
    }

    timeline.on("select", (props) => {
      if (props.items && props.items.length) show(props.items[0]);
      else detail.replaceChildren();
    });
    box.addEventListener("keydown", (event) => {
      if (event.target !== box || event.ctrlKey || event.metaKey || event.altKey) return;
      let handled = true;
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        const step = event.key === "ArrowRight" ? 1 : -1;
        at = Math.max(0, Math.min(sequence.length - 1, at < 0 && step < 0 ? sequence.length - 1 : at + step));
        const id = sequence[at];
        show(id);
        timeline.setSelection([id], { focus: true, animation: false });
      } else if (event.key === "+" || event.key === "=") {
        timeline.zoomIn(0.5, { animation: false });
      } else if (event.key === "-") {
        timeline.zoomOut(0.5, { animation: false });
      } else if (event.key === "0") {
        timeline.setWindow(new Date(first.getTime() - span * 0.03), new Date(last.getTime() + span * 0.2), {
          animation: false,
        });
      } else if (event.key === "Enter") {
        const link = detail.querySelector("a");
        if (link) link.focus();
      } else {
        handled = false;
      }
      if (handled) event.preventDefault();
    });
  }

  // --- map ----------------------------------------------------------------------------------------

  function drawMap(refUrl) {
    const box = document.getElementById("person-map");
    const fc = json("person-map-data");
    if (!box || !fc || !window.L || !window.vigilMap) return;
    box.hidden = false;
    unhide("map-keys");
    charts.map = window.vigilMap(box, fc, { refUrl: refUrl });
  }

  // --- link chart ---------------------------------------------------------------------------------

  function nodeLabel(n) {
    if (n.kind === "person") return `person ${n.person_id || n.label}`;
    const label = String(n.label || n.id);
    return label.length > 40 ? `${label.slice(0, 38)}…` : label;
  }

  function drawGraph(refUrl) {
    const wrap = document.getElementById("person-graph-wrap");
    const box = document.getElementById("person-graph");
    const list = document.getElementById("person-graph-list");
    const detail = document.getElementById("person-graph-detail");
    const data = json("person-graph-data");
    if (!wrap || !box || !list || !data || !data.nodes || !window.cytoscape) return;
    wrap.hidden = false;
    const byId = Object.fromEntries(data.nodes.map((n) => [n.id, n]));
    const center =
      data.nodes.find((n) => n.kind === "person") || data.nodes.find((n) => n.mine) || data.nodes[0];
    const elements = data.nodes.map((n) => ({
      group: "nodes",
      data: {
        id: n.id,
        label: nodeLabel(n),
        kind: n.kind,
        type: n.type || n.identifier_kind || "",
        colour: n.kind === "record" ? NODE_COLOURS[n.type] || "#7f7f7f" : n.kind === "person" ? "#222" : "#b0b0b0",
        mine: n.mine ? 1 : 0,
        hub: n.hub ? 1 : 0,
      },
    }));
    for (const e of data.edges || []) {
      elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, kind: e.kind } });
    }
    const big = data.nodes.length > 250;
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
        { selector: "node[?mine]", style: { "border-width": 3, "border-color": "#1a7f37" } },
        { selector: "node[?hub]", style: { "background-color": "#eeeeee", "border-style": "dashed" } },
        { selector: "edge", style: { width: 1, "line-color": "#bbbbbb", "curve-style": "haystack" } },
        { selector: 'edge[kind = "member"]', style: { "line-color": "#333333", "line-style": "dashed" } },
        // the report's other links: near in place and time, a shared address, a chain of records
        {
          selector: 'edge[kind != "member"][kind != "holds"]',
          style: { "line-color": "#e6550d", width: 2, "line-style": "dotted" },
        },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#b58900" } },
      ],
      layout: big
        ? {
            name: "concentric",
            animate: false,
            concentric: (node) =>
              node.id() === center.id ? 3 : node.data("mine") ? 2 : node.data("kind") === "identifier" ? 1 : 0,
            levelWidth: () => 1,
          }
        : { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 8000, idealEdgeLength: () => 50 },
    });
    charts.graph = cy;

    // The keyboard's way into the chart: every node as a button, in reading order (he, his records,
    // the identifiers, the others); focus one to select it on the chart.
    const rank = (n) => (n.kind === "person" ? 0 : n.mine ? 1 : n.kind === "identifier" ? 2 : 3);
    const ordered = data.nodes.slice().sort((a, b) => rank(a) - rank(b) || String(a.label).localeCompare(String(b.label)));
    const buttons = {};
    for (const n of ordered) {
      const li = el("li");
      const type = n.kind === "record" ? n.type : n.kind;
      const button = el("button", `${nodeLabel(n)} (${String(type || "").replace(/_/g, " ")})`, `k-${n.kind}${n.mine ? " mine" : ""}`);
      button.type = "button";
      button.dataset.id = n.id;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => choose(n.id, false));
      button.addEventListener("keydown", (event) => {
        if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
        event.preventDefault();
        const next = event.key === "ArrowDown" ? li.nextElementSibling : li.previousElementSibling;
        if (next) next.firstElementChild.focus();
      });
      button.addEventListener("focus", () => choose(n.id, false));
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
      const what = n.kind === "record" ? `${String(n.type || "record").replace(/_/g, " ")} record${n.mine ? ", his" : ""}` : n.kind;
      detail.appendChild(el("span", ` · ${what}`));
      if (n.kind === "identifier" && n.subjects !== undefined) {
        detail.appendChild(el("span", ` · held by ${n.subjects} subject(s) in ${n.records} record(s)${n.hub ? ", a hub (not followed)" : ""}`));
      }
      if (n.kind === "record" && n.ref) {
        detail.appendChild(document.createTextNode(" · "));
        const a = el("a", "open record");
        a.href = refUrl(n.ref);
        detail.appendChild(a);
      }
      const around = node.neighborhood("node").map((x) => byId[x.id()]).filter(Boolean);
      if (around.length) {
        const ul = el("ul");
        for (const m of around.slice(0, 30)) ul.appendChild(el("li", `${nodeLabel(m)} (${m.kind === "record" ? m.type : m.kind})`));
        if (around.length > 30) ul.appendChild(el("li", `… ${around.length - 30} more`));
        detail.appendChild(ul);
      }
    }

    cy.on("tap", "node", (event) => choose(event.target.id(), true));
    cy.fit(cy.elements(), 30);
  }

  function start() {
    const page = document.getElementById("person-page");
    if (!page) return;
    const purpose = page.dataset.purpose || "";
    const refUrl = (ref) =>
      "/records/" +
      encodeURIComponent(ref).replace(/%2F/gi, "/").replace(/%3A/gi, ":").replace(/%40/gi, "@") +
      "?purpose=" +
      encodeURIComponent(purpose);
    // One chart failing (an old browser, a library missing) must not take the others with it.
    for (const draw of [() => drawTimeline(page, refUrl), () => drawMap(refUrl), () => drawGraph(refUrl)]) {
      try {
        draw();
      } catch (e) {
        if (window.console) console.error(e);
      }
    }
    charts.ready = true;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
