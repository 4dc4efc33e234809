"""USPS Publication 28 abbreviation tables (street suffixes, directionals, units).

No maintained PyPI package ships these tables offline (usaddress only lists
the suffix spellings it recognizes, not their standard forms), so the
standard forms are kept here: every Appendix C1 primary suffix name, the
common variant spellings, the C2 secondary unit designators and the
directionals.
"""

from __future__ import annotations

# Primary street suffix name -> Pub 28 standard abbreviation (Appendix C1).
_SUFFIX_PRIMARY = {
    "ALLEY": "ALY", "ANEX": "ANX", "ARCADE": "ARC", "AVENUE": "AVE", "BAYOU": "BYU", "BEACH": "BCH",
    "BEND": "BND", "BLUFF": "BLF", "BLUFFS": "BLFS", "BOTTOM": "BTM", "BOULEVARD": "BLVD", "BRANCH": "BR",
    "BRIDGE": "BRG", "BROOK": "BRK", "BROOKS": "BRKS", "BURG": "BG", "BURGS": "BGS", "BYPASS": "BYP",
    "CAMP": "CP", "CANYON": "CYN", "CAPE": "CPE", "CAUSEWAY": "CSWY", "CENTER": "CTR", "CENTERS": "CTRS",
    "CIRCLE": "CIR", "CIRCLES": "CIRS", "CLIFF": "CLF", "CLIFFS": "CLFS", "CLUB": "CLB", "COMMON": "CMN",
    "COMMONS": "CMNS", "CORNER": "COR", "CORNERS": "CORS", "COURSE": "CRSE", "COURT": "CT", "COURTS": "CTS",
    "COVE": "CV", "COVES": "CVS", "CREEK": "CRK", "CRESCENT": "CRES", "CREST": "CRST", "CROSSING": "XING",
    "CROSSROAD": "XRD", "CROSSROADS": "XRDS", "CURVE": "CURV", "DALE": "DL", "DAM": "DM", "DIVIDE": "DV",
    "DRIVE": "DR", "DRIVES": "DRS", "ESTATE": "EST", "ESTATES": "ESTS", "EXPRESSWAY": "EXPY",
    "EXTENSION": "EXT", "EXTENSIONS": "EXTS", "FALL": "FALL", "FALLS": "FLS", "FERRY": "FRY",
    "FIELD": "FLD", "FIELDS": "FLDS", "FLAT": "FLT", "FLATS": "FLTS", "FORD": "FRD", "FORDS": "FRDS",
    "FOREST": "FRST", "FORGE": "FRG", "FORGES": "FRGS", "FORK": "FRK", "FORKS": "FRKS", "FORT": "FT",
    "FREEWAY": "FWY", "GARDEN": "GDN", "GARDENS": "GDNS", "GATEWAY": "GTWY", "GLEN": "GLN", "GLENS": "GLNS",
    "GREEN": "GRN", "GREENS": "GRNS", "GROVE": "GRV", "GROVES": "GRVS", "HARBOR": "HBR", "HARBORS": "HBRS",
    "HAVEN": "HVN", "HEIGHTS": "HTS", "HIGHWAY": "HWY", "HILL": "HL", "HILLS": "HLS", "HOLLOW": "HOLW",
    "INLET": "INLT", "ISLAND": "IS", "ISLANDS": "ISS", "ISLE": "ISLE", "JUNCTION": "JCT",
    "JUNCTIONS": "JCTS", "KEY": "KY", "KEYS": "KYS", "KNOLL": "KNL", "KNOLLS": "KNLS", "LAKE": "LK",
    "LAKES": "LKS", "LAND": "LAND", "LANDING": "LNDG", "LANE": "LN", "LIGHT": "LGT", "LIGHTS": "LGTS",
    "LOAF": "LF", "LOCK": "LCK", "LOCKS": "LCKS", "LODGE": "LDG", "LOOP": "LOOP", "MALL": "MALL",
    "MANOR": "MNR", "MANORS": "MNRS", "MEADOW": "MDW", "MEADOWS": "MDWS", "MEWS": "MEWS", "MILL": "ML",
    "MILLS": "MLS", "MISSION": "MSN", "MOTORWAY": "MTWY", "MOUNT": "MT", "MOUNTAIN": "MTN",
    "MOUNTAINS": "MTNS", "NECK": "NCK", "ORCHARD": "ORCH", "OVAL": "OVAL", "OVERPASS": "OPAS",
    "PARK": "PARK", "PARKS": "PARK", "PARKWAY": "PKWY", "PARKWAYS": "PKWY", "PASS": "PASS",
    "PASSAGE": "PSGE", "PATH": "PATH", "PIKE": "PIKE", "PINE": "PNE", "PINES": "PNES", "PLACE": "PL",
    "PLAIN": "PLN", "PLAINS": "PLNS", "PLAZA": "PLZ", "POINT": "PT", "POINTS": "PTS", "PORT": "PRT",
    "PORTS": "PRTS", "PRAIRIE": "PR", "RADIAL": "RADL", "RAMP": "RAMP", "RANCH": "RNCH", "RAPID": "RPD",
    "RAPIDS": "RPDS", "REST": "RST", "RIDGE": "RDG", "RIDGES": "RDGS", "RIVER": "RIV", "ROAD": "RD",
    "ROADS": "RDS", "ROUTE": "RTE", "ROW": "ROW", "RUE": "RUE", "RUN": "RUN", "SHOAL": "SHL",
    "SHOALS": "SHLS", "SHORE": "SHR", "SHORES": "SHRS", "SKYWAY": "SKWY", "SPRING": "SPG",
    "SPRINGS": "SPGS", "SPUR": "SPUR", "SPURS": "SPUR", "SQUARE": "SQ", "SQUARES": "SQS", "STATION": "STA",
    "STRAVENUE": "STRA", "STREAM": "STRM", "STREET": "ST", "STREETS": "STS", "SUMMIT": "SMT",
    "TERRACE": "TER", "THROUGHWAY": "TRWY", "TRACE": "TRCE", "TRACK": "TRAK", "TRAFFICWAY": "TRFY",
    "TRAIL": "TRL", "TRAILER": "TRLR", "TUNNEL": "TUNL", "TURNPIKE": "TPKE", "UNDERPASS": "UPAS",
    "UNION": "UN", "UNIONS": "UNS", "VALLEY": "VLY", "VALLEYS": "VLYS", "VIADUCT": "VIA", "VIEW": "VW",
    "VIEWS": "VWS", "VILLAGE": "VLG", "VILLAGES": "VLGS", "VILLE": "VL", "VISTA": "VIS", "WALK": "WALK",
    "WALKS": "WALK", "WALL": "WALL", "WAY": "WAY", "WAYS": "WAYS", "WELL": "WL", "WELLS": "WLS",
}  # fmt: skip

# Common misspellings and informal abbreviations seen in source data.
_SUFFIX_VARIANTS = {
    "ALLEE": "ALY", "ALLY": "ALY", "ANNEX": "ANX", "ANNX": "ANX", "AV": "AVE", "AVEN": "AVE",
    "AVENU": "AVE", "AVN": "AVE", "AVNUE": "AVE", "BOT": "BTM", "BOTTM": "BTM", "BOUL": "BLVD",
    "BOULV": "BLVD", "BLV": "BLVD", "BRNCH": "BR", "BRDGE": "BRG", "BYPA": "BYP", "BYPAS": "BYP",
    "BYPS": "BYP", "CANYN": "CYN", "CNYN": "CYN", "CAUSWA": "CSWY", "CEN": "CTR", "CENT": "CTR",
    "CENTR": "CTR", "CENTRE": "CTR", "CNTER": "CTR", "CNTR": "CTR", "CIRC": "CIR", "CIRCL": "CIR",
    "CRCL": "CIR", "CRCLE": "CIR", "CRSENT": "CRES", "CRSNT": "CRES", "CRSSNG": "XING", "CRT": "CT",
    "DRIV": "DR", "DRV": "DR", "EXP": "EXPY", "EXPR": "EXPY", "EXPRESS": "EXPY", "EXPW": "EXPY",
    "EXTN": "EXT", "EXTNSN": "EXT", "FRWAY": "FWY", "FRWY": "FWY", "FREEWY": "FWY", "GATEWY": "GTWY",
    "GATWAY": "GTWY", "GTWAY": "GTWY", "HT": "HTS", "HIGHWY": "HWY", "HIWAY": "HWY", "HIWY": "HWY",
    "HWAY": "HWY", "HLLW": "HOLW", "HOLLOWS": "HOLW", "HOLWS": "HOLW", "JCTION": "JCT", "JCTN": "JCT",
    "JUNCTN": "JCT", "JUNCTON": "JCT", "MNT": "MT", "MNTAIN": "MTN", "MNTN": "MTN", "MOUNTIN": "MTN",
    "MTIN": "MTN", "PKY": "PKWY", "PARKWY": "PKWY", "PKWAY": "PKWY", "PKWYS": "PKWY", "PLZA": "PLZ",
    "PRR": "PR", "RAD": "RADL", "RADIEL": "RADL", "SQR": "SQ", "SQRE": "SQ", "SQU": "SQ", "STR": "ST",
    "STRT": "ST", "TERR": "TER", "TRAILS": "TRL", "TRLS": "TRL", "TRNPK": "TPKE", "TURNPK": "TPKE",
    "VLLY": "VLY", "VALLY": "VLY", "VILL": "VLG", "VILLAG": "VLG", "VILLG": "VLG", "VILLIAGE": "VLG",
    "VST": "VIS", "VIST": "VIS", "VSTA": "VIS",
}  # fmt: skip

STREET_SUFFIXES: dict[str, str] = {
    **{abbr: abbr for abbr in _SUFFIX_PRIMARY.values()},
    **_SUFFIX_VARIANTS,
    **_SUFFIX_PRIMARY,
}

DIRECTIONALS: dict[str, str] = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW",
    "SOUTHEAST": "SE", "SOUTHWEST": "SW", "N": "N", "S": "S", "E": "E", "W": "W", "NE": "NE", "NW": "NW",
    "SE": "SE", "SW": "SW",
}  # fmt: skip

# Secondary unit designators (Appendix C2) and common variants.
UNIT_DESIGNATORS: dict[str, str] = {
    "APARTMENT": "APT", "APT": "APT", "APPT": "APT", "APART": "APT", "BASEMENT": "BSMT", "BSMT": "BSMT",
    "BUILDING": "BLDG", "BLDG": "BLDG", "BLDNG": "BLDG", "DEPARTMENT": "DEPT", "DEPT": "DEPT",
    "FLOOR": "FL", "FL": "FL", "FLR": "FL", "FRONT": "FRNT", "FRNT": "FRNT", "HANGAR": "HNGR",
    "HNGR": "HNGR", "KEY": "KEY", "LOBBY": "LBBY", "LBBY": "LBBY", "LOT": "LOT", "LOWER": "LOWR",
    "LOWR": "LOWR", "OFFICE": "OFC", "OFC": "OFC", "PENTHOUSE": "PH", "PH": "PH", "PIER": "PIER",
    "REAR": "REAR", "ROOM": "RM", "RM": "RM", "SIDE": "SIDE", "SLIP": "SLIP", "SPACE": "SPC", "SPC": "SPC",
    "STOP": "STOP", "SUITE": "STE", "STE": "STE", "SUIT": "STE", "TRAILER": "TRLR", "TRLR": "TRLR",
    "UNIT": "UNIT", "UPPER": "UPPR", "UPPR": "UPPR", "#": "#",
}  # fmt: skip

PO_BOX = "PO BOX"
