// The person page's interactive charts, drawn from JSON the server embedded in the page
// (<script type="application/json">): the report's timeline (vis-timeline), its map (Leaflet through
// map.js) and the link chart (Cytoscape through linkchart.js). Each chart appears only when its library
// loaded; the tables under them carry the same facts without JavaScript. Every item names its source records.
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

  // --- link chart (linkchart.js) ------------------------------------------------------------------

  function drawGraph(refUrl) {
    const wrap = document.getElementById("person-graph-wrap");
    const data = json("person-graph-data");
    if (!wrap || !data || !data.nodes || !window.cytoscape || !window.vigilLinkChart) return;
    charts.graph = window.vigilLinkChart(wrap, data, {
      detail: document.getElementById("person-graph-detail"),
      mine: true,
      // reading order: he, his records, the identifiers, the others
      rank: (n) => (n.kind === "person" ? 0 : n.mine ? 1 : n.kind === "identifier" ? 2 : 3),
      ring: (n, center) => (n.id === center ? 3 : n.mine ? 2 : n.kind === "identifier" ? 1 : 0),
      pageOf: (n) => (n.kind === "record" && n.ref ? refUrl(n.ref) : null),
    });
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
