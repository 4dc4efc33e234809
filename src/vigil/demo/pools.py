"""Vocabulary the generator samples from: names, streets, employers, vehicles, offenses.

Names come from Faker's en_US provider lists, sampled directly with their
weights (calling a Faker instance per field is far too slow at a million rows).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Generic, TypeVar

from faker.providers.person.en_US import Provider as _Person
from nicknames import NickNamer

T = TypeVar("T")


class Weighted(Generic[T]):
    """Fast weighted choice: one random() and a bisect."""

    __slots__ = ("_cw", "_total", "items")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self._cw = list(accumulate(weights))
        self._total = self._cw[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.items[bisect(self._cw, rng.random() * self._total)]


def rr(rng: random.Random, a: int, b: int | None = None) -> int:
    """randrange(a) / randrange(a, b) without its checks, several times faster; an empty range gives a."""
    if b is None:
        return int(rng.random() * a)
    return a + int(rng.random() * (b - a)) if b > a else a


def _from_od(od: dict[str, float]) -> Weighted[str]:
    return Weighted(list(od), list(od.values()))


FIRST_M = _from_od(_Person.first_names_male)
FIRST_F = _from_od(_Person.first_names_female)
LAST = _from_od(_Person.last_names)
# The most common surnames: look-alike distractors are drawn from these.
COMMON_LAST = LAST.items[:60]


@lru_cache(maxsize=1)
def nickname_table() -> dict[str, list[str]]:
    """First name -> nicknames (sorted: set order would make runs irreproducible)."""
    nn = NickNamer()
    out: dict[str, list[str]] = {}
    for name in FIRST_M.items + FIRST_F.items:
        nicks = sorted(n.title() for n in nn.nicknames_of(name.lower()) if len(n) >= 3)
        if nicks:
            out[name] = nicks
    return out


STREETS = (
    "Maple",
    "Oak",
    "Cedar",
    "Elm",
    "Pine",
    "Walnut",
    "Willow",
    "Birch",
    "Hickory",
    "Magnolia",
    "Pecan",
    "Sycamore",
    "Cypress",
    "Juniper",
    "Laurel",
    "Aspen",
    "Chestnut",
    "Dogwood",
    "Mesquite",
    "Live Oak",
    "Washington",
    "Jefferson",
    "Lincoln",
    "Madison",
    "Jackson",
    "Monroe",
    "Adams",
    "Franklin",
    "Grant",
    "Main",
    "Church",
    "Mill",
    "Lake",
    "Hill",
    "Park",
    "River",
    "Spring",
    "Meadow",
    "Ridge",
    "Valley",
    "Forest",
    "Sunset",
    "Highland",
    "Prairie",
    "Canyon",
    "Creek",
    "Harbor",
    "Orchard",
    "Garden",
    "Summit",
    "Crescent",
    "Fairview",
    "Lakeview",
    "Rosewood",
    "Brookside",
    "Stonegate",
    "Windmill",
    "Bluebonnet",
    "Cardinal",
    "Mockingbird",
    "Quail",
    "Heron",
    "Falcon",
    "Eagle",
    "Redbud",
    "Sagebrush",
    "Timber",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Twelfth",
    "Old Mill",
    "Country Club",
    "Shady Grove",
    "Pleasant Valley",
    "Indian Trail",
    "Cherry Hill",
)
# (abbreviation, full word) - vendors disagree on which one they print
STREET_SUFFIXES = (
    ("St", "Street"),
    ("Ave", "Avenue"),
    ("Rd", "Road"),
    ("Dr", "Drive"),
    ("Ln", "Lane"),
    ("Blvd", "Boulevard"),
    ("Ct", "Court"),
    ("Way", "Way"),
    ("Pl", "Place"),
    ("Cir", "Circle"),
    ("Pkwy", "Parkway"),
    ("Trl", "Trail"),
)
DIRECTIONS = ("N", "S", "E", "W")

INDUSTRIES = (
    "Logistics",
    "Construction",
    "Roofing",
    "Auto Repair",
    "Landscaping",
    "Plumbing",
    "Electric",
    "Staffing",
    "Cleaning Services",
    "Moving",
    "Warehouse",
    "Concrete",
    "HVAC",
    "Trucking",
    "Painting",
    "Auto Parts",
    "Restaurant Group",
    "Diner",
    "Car Wash",
    "Tire",
    "Pallet",
    "Fabrication",
    "Welding",
    "Salvage",
    "Flooring",
    "Lawn Care",
    "Pest Control",
    "Storage",
    "Towing",
    "Printing",
    "Fencing",
    "Drywall",
)
COMPANY_SUFFIXES = ("LLC", "Inc", "Co", "Group", "Services", "& Sons", "Enterprises", "")

# make -> [(model, body)]
VEHICLES: dict[str, list[tuple[str, str]]] = {
    "Ford": [
        ("F-150", "pickup"),
        ("Explorer", "suv"),
        ("Focus", "sedan"),
        ("Escape", "suv"),
        ("Econoline", "van"),
        ("Ranger", "pickup"),
        ("Taurus", "sedan"),
        ("Transit", "van"),
    ],
    "Chevrolet": [
        ("Silverado", "pickup"),
        ("Malibu", "sedan"),
        ("Impala", "sedan"),
        ("Tahoe", "suv"),
        ("Express", "van"),
        ("Equinox", "suv"),
        ("Cruze", "sedan"),
        ("Astro", "van"),
    ],
    "Toyota": [
        ("Camry", "sedan"),
        ("Corolla", "sedan"),
        ("Tacoma", "pickup"),
        ("Sienna", "van"),
        ("RAV4", "suv"),
        ("Tundra", "pickup"),
        ("4Runner", "suv"),
    ],
    "Honda": [("Accord", "sedan"), ("Civic", "sedan"), ("Odyssey", "van"), ("CR-V", "suv"), ("Pilot", "suv")],
    "Nissan": [
        ("Altima", "sedan"),
        ("Sentra", "sedan"),
        ("Frontier", "pickup"),
        ("Rogue", "suv"),
        ("Quest", "van"),
    ],
    "Dodge": [("Ram 1500", "pickup"), ("Grand Caravan", "van"), ("Charger", "sedan"), ("Durango", "suv")],
    "Chrysler": [("Town & Country", "van"), ("300", "sedan"), ("Pacifica", "van")],
    "Jeep": [("Cherokee", "suv"), ("Wrangler", "suv"), ("Grand Cherokee", "suv")],
    "GMC": [("Sierra", "pickup"), ("Savana", "van"), ("Yukon", "suv")],
    "Hyundai": [("Elantra", "sedan"), ("Sonata", "sedan"), ("Tucson", "suv")],
    "Kia": [("Optima", "sedan"), ("Soul", "hatchback"), ("Sorento", "suv")],
    "Buick": [("LeSabre", "sedan"), ("Enclave", "suv")],
    "Pontiac": [("Grand Prix", "sedan"), ("Montana", "van")],
}
MAKES = list(VEHICLES)
# canonical colour -> how witnesses and records also say it
COLORS: dict[str, tuple[str, ...]] = {
    "white": ("white", "off-white", "cream"),
    "black": ("black", "dark"),
    "silver": ("silver", "gray", "grey", "light gray"),
    "gray": ("gray", "grey", "silver", "charcoal"),
    "blue": ("blue", "navy", "dark blue", "light blue"),
    "navy": ("navy", "dark blue", "blue", "navy blue"),
    "red": ("red", "maroon", "burgundy", "dark red"),
    "maroon": ("maroon", "burgundy", "dark red", "red"),
    "green": ("green", "dark green", "teal"),
    "tan": ("tan", "beige", "gold", "champagne"),
    "brown": ("brown", "tan", "bronze"),
}
COLOR_WEIGHTS = Weighted(list(COLORS), [22, 18, 15, 10, 7, 3, 9, 3, 4, 6, 3])

RACES = Weighted(["white", "black", "hispanic", "asian", "american_indian"], [58, 20, 16, 5, 1])
EYES = Weighted(["brown", "blue", "hazel", "green", "gray", "black"], [45, 27, 10, 9, 2, 7])
HAIR = Weighted(["brown", "black", "blonde", "red", "gray", "bald", "white"], [40, 30, 12, 3, 9, 4, 2])

MARK_LOCATIONS = (
    "left forearm",
    "right forearm",
    "left hand",
    "right hand",
    "neck",
    "chest",
    "back",
    "left arm",
    "right arm",
    "left leg",
    "right leg",
    "left shoulder",
    "right shoulder",
    "face",
    "left wrist",
    "right wrist",
    "abdomen",
    "left calf",
)
TATTOOS = (
    "skull",
    "cross",
    "rose",
    "eagle",
    "dragon",
    "snake",
    "tribal band",
    "name 'Maria'",
    "star",
    "barbed wire",
    "praying hands",
    "spider web",
    "lettering 'FAMILY'",
    "teardrop",
    "heart",
    "clock",
    "anchor",
    "wolf",
    "dice",
    "crown",
)
SCARS = ("3-inch scar", "surgical scar", "burn scar", "small round scar", "jagged scar")

OFFENSES: dict[str, tuple[str, ...]] = {
    "TX": (
        "Indecency with a child by contact",
        "Aggravated sexual assault of a child",
        "Sexual assault",
        "Possession of child pornography",
        "Online solicitation of a minor",
        "Indecency with a child by exposure",
        "Sexual performance by a child",
        "Continuous sexual abuse of a young child",
    ),
    "OK": (
        "Lewd or indecent proposals to a child",
        "Child sexual abuse",
        "Rape in the first degree",
        "Possession of child pornography",
        "Sexual battery",
        "Soliciting a minor by electronic means",
    ),
    "FL": (
        "Lewd or lascivious molestation",
        "Sexual battery on a child under 12",
        "Lewd or lascivious exhibition",
        "Possession of child pornography",
        "Traveling to meet a minor",
        "Sexual battery",
        "Lewd or lascivious battery",
    ),
    "OH": (
        "Gross sexual imposition",
        "Rape",
        "Sexual battery",
        "Pandering sexually oriented matter involving a minor",
        "Importuning",
        "Unlawful sexual conduct with a minor",
    ),
    "CA": (
        "Lewd or lascivious acts with a child under 14",
        "Continuous sexual abuse of a child",
        "Possession of child pornography",
        "Rape",
        "Annoying or molesting a child",
        "Sexual battery",
        "Contacting a minor with intent to commit a sexual offense",
    ),
}


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]
