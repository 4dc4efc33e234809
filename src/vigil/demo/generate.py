"""Build a whole synthetic scenario: files in load order plus ground truth.

Order of work: agencies; the population (registries, vendors, NCIC offline,
events), streamed; then, from the few people kept, missing cases, tips with
planted chains and hubs, incident series, unidentified children and leads.

ground_truth.json keys (references are SOURCE/ID, people inside a record
SOURCE/ID#child, #suspect, #victim, #suspect[i], #companion[i]):
  seed, scale, now           - the run, and the scenario's "today" (2026-11-01)
  entities                   - true individual -> every person-like reference that describes them
  current_address            - offender -> where he truly lives now (alive offenders only)
  event_entities             - individual -> the events (LPR hits, inquiries, ...) that saw him
  absconders                 - [{entity, registry_ref, registry_address, true_address, since}]
  tip_chains                 - [{chain_id, refs, via, entity}]: refs[i] and refs[i+1] share via[i]
  hub_identifiers            - identifiers shared by many unrelated records (not evidence); hub_labels
  series                     - [{series_id, refs, offender_entity, center, radius_mi, first, last,
                               max_span_days}]
  unidentified_matches       - unidentified ref -> missing-case ref
  repeat_missing_children    - [[first case ref, later case ref]] for the same child
  lead_cases                 - lead ref -> the case it is about (whether or not it cites the number)
  counts                     - record type -> records written
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vigil.demo.agencies import Agencies
from vigil.demo.cases import CaseMaker, CaseSummary
from vigil.demo.events import EventMaker
from vigil.demo.geo import load_geo
from vigil.demo.ids import Ids
from vigil.demo.incidents import IncidentMaker
from vigil.demo.people import PeopleFactory
from vigil.demo.pools import rr
from vigil.demo.population import build_population
from vigil.demo.quickhit import rows_from_pool, write_quickhit
from vigil.demo.scales import SCALES
from vigil.demo.tips import Hub, TipMaker
from vigil.demo.writer import Spill, Writers, write_ground_truth

FILE_ORDER = [
    "agencies",
    "registry_tx",
    "registry_ok",
    "registry_fl",
    "registry_oh",
    "registry_ca",
    "pubrec_acme",
    "pubrec_beacon",
    "pubrec_corvid",
    "ncic_offline",
    "lpr",
    "jail_bookings",
    "traffic_stops",
    "travel_records",
    "employment_checks",
    "missing_cases",
    "cybertipline",
    "attempted_abductions",
    "unidentified",
    "call_center",
]


@dataclass
class Scenario:
    out_dir: Path
    files: list[Path]  # JSONL(.gz) files in load order (agencies first)
    ground_truth: Path
    counts: dict[str, int]  # record type -> count written


def _spread(
    rng: random.Random,
    hubs: list[Hub],
    slots: dict[str, int],
    kinds: dict[str, tuple[str, ...]],
    hub_min: int,
) -> dict[str, dict[int, list[tuple[str, str]]]]:
    """Place every hub identifier in at least `hub_min` records of the kinds that can carry it."""
    out: dict[str, dict[int, list[tuple[str, str]]]] = {k: {} for k in slots}
    for h in hubs:
        targets = [k for k in kinds[h.kind] if slots[k] > 0]
        total = min(sum(slots[k] for k in targets), hub_min + rr(rng, hub_min))
        placed = 0
        while placed < total:
            k = targets[rr(rng, len(targets))]
            i = rr(rng, slots[k])
            bucket = out[k].setdefault(i, [])
            if (h.kind, h.value) in bucket:
                continue
            bucket.append((h.kind, h.value))
            placed += 1
    return out


def generate(
    out_dir: Path, scale: str = "small", seed: int = 7, progress: Callable[[int], None] | None = None
) -> Scenario:
    """Write the scenario for (scale, seed) to out_dir; the same arguments give byte-identical files."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; one of {', '.join(SCALES)}")
    spec = SCALES[scale]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("*.jsonl"), *out_dir.glob("*.jsonl.gz")]:
        old.unlink()
    geo = load_geo()
    ids = Ids(random.Random(f"{seed}:ids"), geo)
    rng = random.Random(f"{seed}:world")
    pf = PeopleFactory(rng, geo, ids)
    w = Writers(out_dir, spec.gz, FILE_ORDER, progress)
    tmp = out_dir / ".truth-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    entities = Spill(tmp / "entities")
    event_entities = Spill(tmp / "events")
    current = Spill(tmp / "current")

    agencies = Agencies(geo, ids)
    for rec in agencies.records:
        w("agencies").write(rec)
    em = EventMaker(rng, geo, ids, agencies, pf.nicks)
    pop = build_population(spec, rng, pf, em, w, entities, event_entities, current)
    kept = pop.kept

    # ---- plans: cases, hubs, chains (chains write into case plans) -------------------------------------
    cm = CaseMaker(random.Random(f"{seed}:cases"), geo, ids, pf, agencies, pf.nicks)
    tm = TipMaker(random.Random(f"{seed}:tips"), geo, ids, pf, agencies)
    case_plans = cm.plan(spec.cases)
    hubs = tm.hubs(spec.hubs)
    chains = tm.chains(kept["chain"], case_plans)
    chain_tips = [(node, ch) for ch in chains for node in ch.nodes if node.kind == "tip"]
    n_tips = max(spec.tips, len(chain_tips))
    tip_specs: list = [None] * (n_tips - len(chain_tips)) + chain_tips
    tm.r.shuffle(tip_specs)
    hub_slots = _spread(
        random.Random(f"{seed}:hubs"),
        hubs,
        {"case": len(case_plans), "tip": n_tips, "lead": spec.leads},
        {"phone": ("case", "lead", "tip"), "ip": ("tip",), "email": ("case", "tip")},
        spec.hub_min,
    )
    for i, hs in hub_slots["case"].items():
        case_plans[i].hubs = hs
    hub_by_value = {h.value: h for h in hubs}

    # ---- missing cases -------------------------------------------------------------------------------
    people = {k: list(v) for k, v in kept.items()}
    open_cases: list[CaseSummary] = []
    case_ref_of_plan: dict[int, str] = {}
    for i, plan in enumerate(case_plans):
        for rec, summ in cm.make(plan, people):
            w("missing_cases").write(rec)
            case_ref_of_plan.setdefault(i, summ.ref)
            if summ.status == "open":
                open_cases.append(summ)
    for ch in chains:
        for node in ch.nodes:
            if node.kind == "case":
                node.ref = case_ref_of_plan[node.case_index]

    # ---- tips -----------------------------------------------------------------------------------------
    for i, sp in enumerate(tip_specs):
        node, ch = sp if sp is not None else (None, None)
        hs = [hub_by_value[v] for _, v in hub_slots["tip"].get(i, [])]
        w("cybertipline").write(tm.tip(node, ch.person if ch else None, hs))

    # ---- incidents ------------------------------------------------------------------------------------
    im = IncidentMaker(random.Random(f"{seed}:incidents"), geo, ids, agencies)
    series_truth = []
    incident_recs_left = spec.incidents
    for k, p in enumerate(kept["series"]):
        recs, truth = im.series(p, f"S{k + 1:03d}")
        for rec in recs:
            w("attempted_abductions").write(rec)
        incident_recs_left -= len(recs)
        series_truth.append(truth)
    for _ in range(max(0, incident_recs_left)):
        w("attempted_abductions").write(im.singleton())

    # ---- unidentified and leads -----------------------------------------------------------------------
    unids, unid_truth = cm.unidentified(open_cases, spec.unidentified)
    for rec in unids:
        w("unidentified").write(rec)
    lead_cases: dict[str, str] = {}
    for i in range(spec.leads):
        rec, case_ref = cm.lead(open_cases, hub_slots["lead"].get(i, []))
        w("call_center").write(rec)
        if case_ref:
            lead_cases[f"call_center/{rec['id']}"] = case_ref

    # ---- ground truth ---------------------------------------------------------------------------------
    for group in kept.values():
        for p in group:
            entities.add(p.eid, p.refs)
    for eid, refs in cm.new_entities + tm.new_entities:
        if refs:
            entities.add(eid, refs)
    files = w.close()
    counts = dict(sorted(w.counts.items()))
    gt = out_dir / "ground_truth.json"
    head = {"seed": seed, "scale": scale, "now": "2026-11-01"}
    tail = {
        "absconders": pop.absconders,
        "tip_chains": [
            {"chain_id": c.chain_id, "refs": [n.ref for n in c.nodes], "via": c.via, "entity": c.person.eid}
            for c in chains
        ],
        "hub_identifiers": [h.norm for h in hubs],
        "hub_labels": {h.norm: h.label for h in hubs},
        "series": series_truth,
        "unidentified_matches": unid_truth,
        "repeat_missing_children": cm.repeats,
        "lead_cases": lead_cases,
        "counts": counts,
    }
    write_ground_truth(
        gt, head, {"entities": entities, "current_address": current, "event_entities": event_entities}, tail
    )
    tmp.rmdir()
    write_quickhit(rows_from_pool(pop.quickhit_pool, seed), out_dir)
    return Scenario(out_dir, files, gt, counts)
