"""The synthetic scenario generator: reproducible, well-formed, obviously synthetic, truthful ground truth."""

from __future__ import annotations

import csv
import gzip
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from vigil.demo import SCALES, estimated_records, generate, quickhit_sample
from vigil.model.records import RECORD_TYPES, validate_record

DATE_KEYS = {
    "as_of",
    "dob",
    "from",
    "to",
    "first_seen",
    "last_seen",
    "registered_on",
    "last_verified",
    "next_due",
    "deceased_date",
    "missing_since",
    "recovered_on",
    "found_on",
}
TIMESTAMP_KEYS = {"received_at", "incident_at", "seen_at"}
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
PHONE_RE = re.compile(r"(?<![\w.])(?:\+?1[-. ]?)?\(?(\d{3})\)?[-. ]?(\d{3})[-. ]?(\d{4})(?![\w])")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
HANDLE_RE = re.compile(r"on (\w+) as @([\w.]*\w)")
IP_TEXT_RE = re.compile(r"IP address ([0-9a-fA-F:.]+[0-9a-fA-F])")
NOW = date(2026, 11, 1)


# ---- helpers ----------------
def lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        yield from fh


def walk(obj: object, key: str | None = None) -> Iterator[tuple[str | None, object]]:
    """(key, value) for every value in a JSON tree; list items inherit their list's key."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v, key)
    else:
        yield key, obj


def idents(rec: dict) -> set[str]:
    """Normalized identifiers a record carries, in structured fields or in free text."""
    out: set[str] = set()
    text = orjson.dumps(rec).decode()
    for m in PHONE_RE.finditer(text):
        if m.group(2) == "555":
            out.add(f"phone:+1{m.group(1)}{m.group(2)}{m.group(3)}")
    out |= {f"email:{e.lower()}" for e in EMAIL_RE.findall(text)}
    out |= {f"screen_name:{p.lower()}/{h.lower()}" for p, h in HANDLE_RE.findall(text)}
    out |= {f"ip:{ip.lower()}" for ip in IP_TEXT_RE.findall(text)}

    def visit(o: object) -> None:
        if isinstance(o, dict):
            if "platform" in o and "handle" in o:
                out.add(f"screen_name:{str(o['platform']).lower()}/{str(o['handle']).lower()}")
            if isinstance(o.get("ip"), str):
                out.add(f"ip:{o['ip'].lower()}")
            for v in o.values():
                visit(v)
        elif isinstance(o, list):
            for v in o:
                visit(v)

    visit(rec)
    for ip in rec.get("ips") or []:
        if isinstance(ip, str):
            out.add(f"ip:{ip.lower()}")
    return out


def subpart(rec: dict, frag: str) -> object:
    m = re.fullmatch(r"(child|suspect|victim)|(suspect|companion)\[(\d+)\]", frag)
    assert m, frag
    if m.group(1):
        return rec[m.group(1)]
    return rec[{"suspect": "suspects", "companion": "companions"}[m.group(2)]][int(m.group(3))]


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 3958.8 * math.asin(math.sqrt(a))


class Loaded:
    def __init__(self, out: Path) -> None:
        self.scenario = generate(out, scale="small", seed=7)
        self.records: dict[str, dict] = {}
        self.raw_lines: list[tuple[str, bytes]] = []
        for path in self.scenario.files:
            for line in lines(path):
                self.raw_lines.append((path.name, line))
        self.truth = orjson.loads(self.scenario.ground_truth.read_bytes())

    def by_ref(self) -> dict[str, dict]:
        if not self.records:
            for _, line in self.raw_lines:
                rec = orjson.loads(line)
                self.records[f"{rec['source']}/{rec['id']}"] = rec
        return self.records

    def resolve(self, ref: str) -> object:
        base, _, frag = ref.partition("#")
        rec = self.by_ref()[base]
        return subpart(rec, frag) if frag else rec


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return Loaded(tmp_path_factory.mktemp("small7"))


# ---- reproducibility ----------------
def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_same_seed_gives_identical_files(small: Loaded, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", scale="small", seed=7)
    first = _snapshot(small.scenario.out_dir)
    second = _snapshot(again.out_dir)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    assert again.counts == small.scenario.counts


def test_different_seed_gives_different_data(small: Loaded, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", scale="small", seed=8)
    a = (small.scenario.out_dir / "pubrec_acme.jsonl").read_bytes()
    b = (other.out_dir / "pubrec_acme.jsonl").read_bytes()
    assert a != b
    assert set(a.splitlines()).isdisjoint(b.splitlines())


# ---- well-formed records ----------------
def test_every_line_is_a_valid_record(small: Loaded) -> None:
    seen: Counter[str] = Counter()
    for name, line in small.raw_lines:
        rec = orjson.loads(line)
        assert isinstance(rec, dict)
        assert rec["type"] in RECORD_TYPES, name
        assert rec["source"] and rec["id"] and rec["as_of"], (name, rec.get("id"))
        validate_record(rec)
        seen[rec["type"]] += 1
    assert seen == Counter(small.scenario.counts)
    assert set(seen) == set(RECORD_TYPES)


def test_files_are_in_load_order_with_agencies_first(small: Loaded) -> None:
    names = [p.name for p in small.scenario.files]
    assert names[0] == "agencies.jsonl"
    assert all(p.exists() for p in small.scenario.files)
    sources = {orjson.loads(line)["source"] for _, line in small.raw_lines}
    for src in (
        "registry:TX",
        "registry:OK",
        "registry:FL",
        "registry:OH",
        "registry:CA",
        "pubrec:acme",
        "pubrec:beacon",
        "pubrec:corvid",
        "ncic_offline",
        "lpr",
        "cybertipline",
        "missing_cases",
        "attempted_abductions",
        "unidentified",
        "call_center",
        "agencies",
    ):
        assert src in sources


def test_source_and_id_are_unique(small: Loaded) -> None:
    keys = Counter((orjson.loads(line)["source"], orjson.loads(line)["id"]) for _, line in small.raw_lines)
    dupes = [k for k, n in keys.items() if n > 1]
    assert not dupes


def test_person_record_count_matches_small_scale(small: Loaded) -> None:
    persons = small.scenario.counts["person"]
    assert 2_400 <= persons <= 3_600
    total = sum(small.scenario.counts.values())
    assert 0.7 * estimated_records("small") <= total <= 1.3 * estimated_records("small")


# ---- synthetic-data safety ----------------
def test_ssns_are_never_issued_area_numbers(small: Loaded) -> None:
    n = 0
    for _, line in small.raw_lines:
        for key, value in walk(orjson.loads(line)):
            if key == "ssn" and value is not None:
                digits = re.sub(r"\D", "", str(value))
                assert len(digits) == 9 and 900 <= int(digits[:3]) <= 999, value
                n += 1
    assert n > 1000


def test_every_phone_uses_the_555_exchange(small: Loaded) -> None:
    n = 0
    for _, line in small.raw_lines:
        rec = orjson.loads(line)
        for key, value in walk(rec):
            if key in ("phones", "phone", "number") and isinstance(value, str):
                digits = re.sub(r"\D", "", value)[-10:]
                assert len(digits) == 10 and digits[3:6] == "555", value
                n += 1
        text = line.decode()
        for m in PHONE_RE.finditer(text):
            # hex hashes and long ids can hold digit runs; everything else phone-shaped must be 555
            before = text[max(0, m.start() - 1)]
            if before not in "0123456789abcdef":
                assert m.group(2) == "555", (m.group(0), text[:200])
    assert n > 1000


def test_every_email_uses_an_example_domain(small: Loaded) -> None:
    n = 0
    for _, line in small.raw_lines:
        for e in EMAIL_RE.findall(line.decode()):
            assert e.lower().rsplit("@", 1)[1] in ("example.com", "example.net", "example.org"), e
            n += 1
    assert n > 500


def test_ips_are_documentation_addresses(small: Loaded) -> None:
    n = 0
    for _, line in small.raw_lines:
        for ident in idents(orjson.loads(line)):
            if ident.startswith("ip:"):
                ip = ident[3:]
                assert ip.startswith(("192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:")), ip
                n += 1
    assert n > 50


def test_all_dates_and_timestamps_are_iso(small: Loaded) -> None:
    for _, line in small.raw_lines:
        rec = orjson.loads(line)
        for key, value in walk(rec):
            if value is None:
                continue
            if key in DATE_KEYS:
                assert isinstance(value, str) and DATE_RE.match(value), (key, value)
                if len(value) == 10:
                    assert date.fromisoformat(value) <= NOW + timedelta(days=400), (key, value)
            elif key in TIMESTAMP_KEYS or (key == "at" and "T" in str(value)):
                ts = datetime.fromisoformat(str(value))
                assert ts.tzinfo is not None, value
            elif key == "at":
                date.fromisoformat(str(value))


# ---- registry semantics ----------------
def test_registry_next_due_follows_sorna_tiers(small: Loaded) -> None:
    months = {"I": 12, "II": 6, "III": 3}
    statuses: Counter[str] = Counter()
    for name, line in small.raw_lines:
        if not name.startswith("registry_"):
            continue
        reg = orjson.loads(line)["registration"]
        lv, due = date.fromisoformat(reg["last_verified"]), date.fromisoformat(reg["next_due"])
        m = (due.year - lv.year) * 12 + due.month - lv.month
        assert m == months[reg["tier"]], reg
        assert reg["registered_on"] <= reg["last_verified"]
        assert reg["registrant_id"].startswith(reg["state"] + "-")
        statuses[reg["status"]] += 1
        if reg["status"] == "compliant":
            assert due >= NOW - timedelta(days=1), reg
    total = sum(statuses.values())
    assert statuses["compliant"] / total > 0.6
    for s in ("noncompliant", "absconded", "incarcerated", "deceased", "moved_out"):
        assert statuses[s] > 0, s


# ---- ground truth ----------------
def test_every_ground_truth_ref_exists(small: Loaded) -> None:
    t = small.truth
    refs: list[str] = [r for rs in t["entities"].values() for r in rs]
    refs += [r for rs in t["event_entities"].values() for r in rs]
    refs += [a["registry_ref"] for a in t["absconders"]]
    refs += [r for c in t["tip_chains"] for r in c["refs"]]
    refs += [r for s in t["series"] for r in s["refs"]]
    refs += list(t["unidentified_matches"]) + list(t["unidentified_matches"].values())
    refs += [r for pair in t["repeat_missing_children"] for r in pair]
    refs += list(t["lead_cases"]) + list(t["lead_cases"].values())
    for ref in refs:
        assert small.resolve(ref) is not None, ref
    assert t["seed"] == 7 and t["scale"] in SCALES


def test_entities_partition_all_person_records(small: Loaded) -> None:
    owner: dict[str, str] = {}
    for eid, refs in small.truth["entities"].items():
        assert re.fullmatch(r"E\d{6,}", eid)
        assert refs
        for ref in refs:
            assert ref not in owner, ref
            owner[ref] = eid
    persons = {ref for ref, rec in small.by_ref().items() if rec["type"] == "person"}
    assert persons <= owner.keys()
    # several sources per individual is the point of the exercise
    sizes = Counter(len(r) for r in small.truth["entities"].values())
    assert sum(n for k, n in sizes.items() if k >= 3) > 300


def test_absconders_are_elsewhere_and_vendors_know(small: Loaded) -> None:
    t = small.truth
    regs = sum(1 for name, _ in small.raw_lines if name.startswith("registry_"))
    assert 0.04 * regs <= len(t["absconders"]) <= 0.10 * regs
    other_state = 0
    for a in t["absconders"]:
        rec = small.resolve(a["registry_ref"])
        assert isinstance(rec, dict)
        ra = rec["registration"]["registered_address"]
        true = a["true_address"]
        assert (ra["line1"], ra["zip"]) != (true["line1"], true["zip"])
        assert true == t["current_address"][a["entity"]]
        assert a["since"] > rec["registration"]["last_verified"]
        other_state += ra["state"] != true["state"]
        seen = False
        for ref in t["entities"][a["entity"]]:
            if not ref.startswith("pubrec:"):
                continue
            vendor = small.resolve(ref)
            assert isinstance(vendor, dict)
            for ad in vendor["addresses"]:
                same_place = (ad["zip"] or "")[:5] == true["zip"] or ad["city"].lower() == true[
                    "city"
                ].lower()
                if same_place and ad["line1"].split()[0] == true["line1"].split()[0]:
                    seen = seen or (ad["from"] >= rec["registration"]["last_verified"][: len(ad["from"])])
        assert seen, a["entity"]
    assert other_state > 0


def test_series_stay_within_their_bounds(small: Loaded) -> None:
    series = small.truth["series"]
    assert len(series) == SCALES[small.truth["scale"]].series
    in_series = set()
    for s in series:
        assert 3 <= len(s["refs"]) <= 6
        times = []
        for ref in s["refs"]:
            rec = small.resolve(ref)
            assert isinstance(rec, dict) and rec["type"] == "incident"
            d = miles(s["center"]["lat"], s["center"]["lon"], rec["address"]["lat"], rec["address"]["lon"])
            assert d <= s["radius_mi"], (ref, d)
            times.append(datetime.fromisoformat(rec["at"]))
            in_series.add(ref)
        assert (max(times) - min(times)).days <= s["max_span_days"]
        assert s["offender_entity"] in small.truth["entities"]
    singles = [r for r, rec in small.by_ref().items() if rec["type"] == "incident" and r not in in_series]
    assert len(singles) > 2 * len(in_series)


def test_series_descriptions_are_consistent_but_noisy(small: Loaded) -> None:
    for s in small.truth["series"]:
        recs = [small.resolve(r) for r in s["refs"]]
        heights = [(r["offender"]["height_min_in"], r["offender"]["height_max_in"]) for r in recs]  # type: ignore[index]
        assert max(lo for lo, _ in heights) <= min(hi for _, hi in heights)  # ranges overlap: same man
        assert len({(r["offender"]["age_min"], r["offender"]["clothing"]) for r in recs}) > 1  # type: ignore[index]


def test_tip_chains_share_the_listed_identifiers(small: Loaded) -> None:
    chains = small.truth["tip_chains"]
    assert len(chains) == SCALES[small.truth["scale"]].chains
    hubs = set(small.truth["hub_identifiers"])
    for c in chains:
        assert len(c["refs"]) == len(c["via"]) + 1
        tips = [small.resolve(r) for r in c["refs"] if r.startswith("cybertipline/")]
        assert 2 <= len(tips) <= 6
        states = {t["location"]["state"] for t in tips}  # type: ignore[index]
        assert len(states) >= 2, c["chain_id"]
        for i, via in enumerate(c["via"]):
            assert via not in hubs
            left, right = small.resolve(c["refs"][i]), small.resolve(c["refs"][i + 1])
            assert isinstance(left, dict) and isinstance(right, dict)
            assert via in idents(left), (c["chain_id"], i, via, c["refs"][i])
            assert via in idents(right), (c["chain_id"], i, via, c["refs"][i + 1])


def test_hubs_are_shared_widely(small: Loaded) -> None:
    hubs = small.truth["hub_identifiers"]
    assert hubs
    count: Counter[str] = Counter()
    for rec in small.by_ref().values():
        if rec["type"] in ("tip", "missing_case", "lead"):
            for i in idents(rec) & set(hubs):
                count[i] += 1
    for h in hubs:
        assert count[h] >= 30, (h, count[h])


def test_no_unplanned_identifier_sharing_between_tips_and_cases(small: Loaded) -> None:
    t = small.truth
    allowed = set(t["hub_identifiers"]) | {v for c in t["tip_chains"] for v in c["via"]}
    pairs = {frozenset(p) for p in t["repeat_missing_children"]}
    holders: defaultdict[str, set[str]] = defaultdict(set)
    for ref, rec in small.by_ref().items():
        if rec["type"] in ("tip", "missing_case"):
            for i in idents(rec):
                holders[i].add(ref)
    for ident, refs in holders.items():
        if len(refs) > 1 and ident not in allowed:
            assert frozenset(refs) in pairs, (ident, refs)


def test_unidentified_matches_are_plausible(small: Loaded) -> None:
    matches = small.truth["unidentified_matches"]
    assert matches
    n_unid = sum(1 for rec in small.by_ref().values() if rec["type"] == "unidentified")
    assert len(matches) < n_unid  # some have no case
    for u_ref, c_ref in matches.items():
        u, c = small.resolve(u_ref), small.resolve(c_ref)
        assert isinstance(u, dict) and isinstance(c, dict)
        assert u["sex"] == c["child"]["sex"]
        assert u["race"] in (c["child"]["race"], "unknown")
        assert date.fromisoformat(u["found_on"]) >= date.fromisoformat(c["missing_since"]) - timedelta(days=6)
        d = miles(
            u["found_at"]["lat"], u["found_at"]["lon"], c["missing_from"]["lat"], c["missing_from"]["lon"]
        )
        assert d < 700
        assert u["height_min_in"] <= c["child"]["height_in"] + 9
        assert c["status"] == "open"


def test_repeat_missing_children_are_the_same_child(small: Loaded) -> None:
    pairs = small.truth["repeat_missing_children"]
    assert pairs
    owner = {r: e for e, rs in small.truth["entities"].items() for r in rs}
    for a_ref, b_ref in pairs:
        a, b = small.resolve(a_ref), small.resolve(b_ref)
        assert isinstance(a, dict) and isinstance(b, dict)
        assert a["child"]["dob"] == b["child"]["dob"]
        assert a["team"] == b["team"]
        assert a["missing_since"] < b["missing_since"]
        assert owner[f"{a_ref}#child"] == owner[f"{b_ref}#child"]


def test_look_alikes_exist(small: Loaded) -> None:
    """Different individuals sharing first and last name: the resolver must not merge them blindly."""
    names: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    owner = {r: e for e, rs in small.truth["entities"].items() for r in rs}
    suffixes = set()
    for ref, rec in small.by_ref().items():
        if rec["type"] == "person" and ref.startswith("registry:"):
            n = rec["names"][0]
            names[(n["first"], n["last"])].add(owner[ref])
            if n["suffix"] in ("Jr", "Sr"):
                suffixes.add(owner[ref])
    for ref, rec in small.by_ref().items():
        if rec["type"] == "person" and ref.startswith("pubrec:"):
            n = rec["names"][0]
            if isinstance(n, dict) and n["first"] and n["last"]:
                key = (n["first"].title(), n["last"].title())
                if key in names:
                    names[key].add(owner[ref])
    assert sum(1 for owners in names.values() if len(owners) > 1) >= 5


# ---- quick-hit ----------------
def test_quickhit_files_written(small: Loaded) -> None:
    out = small.scenario.out_dir
    with open(out / "quickhit_request.csv", newline="") as fh:
        req = list(csv.DictReader(fh))
    with open(out / "quickhit_truth.csv", newline="") as fh:
        truth = list(csv.DictReader(fh))
    assert len(req) == len(truth) == SCALES[small.truth["scale"]].quickhit
    assert list(req[0]) == [
        "row_id",
        "last_name",
        "first_name",
        "middle_name",
        "dob",
        "ssn",
        "address",
        "city",
        "state",
        "zip",
        "registrant_id",
        "phone",
    ]
    owner = {r: e for e, rs in small.truth["entities"].items() for r in rs}
    for q, tr in zip(req, truth, strict=True):
        assert q["row_id"] == tr["row_id"]
        assert owner[tr["registry_ref"]] == tr["expected_entity"]
        rec = small.resolve(tr["registry_ref"])
        assert isinstance(rec, dict) and q["last_name"] == rec["names"][0]["last"]
    assert sum(1 for q in req if not q["ssn"]) > 0  # agencies leave columns blank
    absconders = {a["entity"] for a in small.truth["absconders"]}
    assert any(tr["expected_entity"] in absconders for tr in truth)
    for tr in truth:
        if tr["expected_entity"] in absconders:
            assert tr["address_differs"] == "yes", tr


def test_quickhit_sample_from_files(small: Loaded) -> None:
    rows = quickhit_sample(small.scenario.out_dir, n=20, seed=3)
    assert len(rows) == 20
    owner = {r: e for e, rs in small.truth["entities"].items() for r in rs}
    for row in rows:
        assert owner[row["registry_ref"]] == row["expected_entity"]
        assert row["registry_status"] != "deceased"
    assert rows == quickhit_sample(small.scenario.out_dir, n=20, seed=3)


def test_unknown_scale_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, scale="huge")


def test_progress_reports_every_record(tmp_path: Path) -> None:
    seen: list[int] = []
    s = generate(tmp_path, scale="small", seed=11, progress=seen.append)
    assert sum(seen) == sum(s.counts.values())


@pytest.mark.slow
def test_medium_scale_streams_gzip(tmp_path: Path) -> None:
    s = generate(tmp_path, scale="medium", seed=7)
    assert all(p.name.endswith(".jsonl.gz") for p in s.files)
    assert 90_000 <= s.counts["person"] <= 110_000
    first = next(lines(s.files[1]))
    assert orjson.loads(first)["source"].startswith("registry:")
    assert 0.85 * estimated_records("medium") <= sum(s.counts.values()) <= 1.15 * estimated_records("medium")
