import pytest

from vigil.normalize.addresses import NormalizedAddress, normalize_address
from vigil.normalize.geocode import (
    Geocoder,
    GeoPoint,
    ZipCentroidGeocoder,
    all_zip_records,
    get_geocoder,
    haversine_miles,
    source_point,
    zip_info,
)

AUSTIN = (30.2672, -97.7431)


class FixedGeocoder:
    """A plug-in geocoder, loaded by get_geocoder from its "module:Class" spec."""

    name = "fixed"

    def geocode(self, address: NormalizedAddress) -> GeoPoint | None:
        return GeoPoint(1.0, 2.0, "rooftop")


class NotAGeocoder:
    pass


@pytest.fixture(scope="module")
def geocoder() -> ZipCentroidGeocoder:
    return ZipCentroidGeocoder()


def test_known_zip_lands_near_austin(geocoder: ZipCentroidGeocoder):
    point = geocoder.geocode(normalize_address("100 Congress Ave, Austin, TX 78701"))
    assert point is not None
    assert point.precision == "zip"
    assert point.lat == pytest.approx(30.27, abs=0.02)
    assert point.lon == pytest.approx(-97.74, abs=0.02)


def test_unknown_zip_falls_back_to_city(geocoder: ZipCentroidGeocoder):
    point = geocoder.geocode(
        normalize_address({"line1": "1 Main St", "city": "Austin", "state": "TX", "zip": "00000"})
    )
    assert point is not None
    assert point.precision == "city"
    assert haversine_miles(point.lat, point.lon, *AUSTIN) < 15


@pytest.mark.parametrize("city", ["St. Louis", "Saint Louis", "ST LOUIS"])
def test_city_abbreviations_find_the_city(geocoder: ZipCentroidGeocoder, city: str):
    point = geocoder.geocode(normalize_address({"city": city, "state": "MO"}))
    assert point is not None
    assert point.precision == "city"
    assert haversine_miles(point.lat, point.lon, 38.63, -90.20) < 15


def test_unknown_city_falls_back_to_state(geocoder: ZipCentroidGeocoder):
    point = geocoder.geocode(normalize_address({"city": "Nowhereville", "state": "Texas"}))
    assert point is not None
    assert point.precision == "state"
    assert 25 < point.lat < 37 and -107 < point.lon < -93  # inside Texas' bounding box


@pytest.mark.parametrize(
    "value",
    [{}, {"city": "Austin"}, {"city": "Nowhere", "state": "ZZ"}, {"line1": "1 Main St", "zip": "00000"}],
)
def test_nothing_to_go_on_gives_none(geocoder: ZipCentroidGeocoder, value: dict):
    assert geocoder.geocode(normalize_address(value)) is None


def test_zip_info():
    city, state, lat, lon = zip_info("78701")  # type: ignore[misc]
    assert (city.upper(), state) == ("AUSTIN", "TX")
    assert haversine_miles(lat, lon, *AUSTIN) < 3
    assert zip_info("00000") is None


def test_all_zip_records_are_standard_with_coordinates():
    records = all_zip_records()
    assert len(records) > 25_000
    by_zip = {r[0]: r for r in records}
    assert by_zip["78701"][1:3] == ("Austin", "TX")
    assert all(len(z) == 5 and z.isdigit() for z, *_ in records)
    assert all(-90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0) for *_, lat, lon in records)
    assert not {"AA", "AE", "AP"} & {r[2] for r in records}  # no military "states"
    records.clear()  # callers get a copy
    assert len(all_zip_records()) > 25_000


@pytest.mark.parametrize(
    ("a", "b", "miles"),
    [
        ((30.2672, -97.7431), (29.4241, -98.4936), 74.0),  # Austin - San Antonio
        ((40.7128, -74.0060), (34.0522, -118.2437), 2445.0),  # New York - Los Angeles
        ((10.0, 20.0), (10.0, 20.0), 0.0),
    ],
)
def test_haversine_miles(a: tuple[float, float], b: tuple[float, float], miles: float):
    assert haversine_miles(*a, *b) == pytest.approx(miles, rel=0.01, abs=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (30.1, -97.7, GeoPoint(30.1, -97.7, "source")),
        ("30.1", "-97.7", GeoPoint(30.1, -97.7, "source")),
        (None, -97.7, None),
        ("x", "y", None),
        (91, 0, None),
        (0, 0, None),
    ],
)
def test_source_point(lat: object, lon: object, expected: GeoPoint | None):
    assert source_point(lat, lon) == expected


def test_default_geocoder_is_cached_zip_centroid(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("VIGIL_GEOCODER", raising=False)
    g = get_geocoder()
    assert isinstance(g, ZipCentroidGeocoder)
    assert isinstance(g, Geocoder)
    assert get_geocoder() is g


def test_plugin_geocoder_from_spec_and_env(monkeypatch: pytest.MonkeyPatch):
    spec = f"{__name__}:FixedGeocoder"
    g = get_geocoder(spec)
    assert g.name == "fixed"
    assert g.geocode(normalize_address("1 Main St")) == GeoPoint(1.0, 2.0, "rooftop")
    assert get_geocoder(spec) is g
    monkeypatch.setenv("VIGIL_GEOCODER", spec)
    assert get_geocoder() is g


@pytest.mark.parametrize(
    "spec", ["no_colon", "no.such.module:Geocoder", f"{__name__}:Missing", f"{__name__}:NotAGeocoder"]
)
def test_bad_geocoder_spec_is_reported(spec: str):
    with pytest.raises(ValueError):
        get_geocoder(spec)
