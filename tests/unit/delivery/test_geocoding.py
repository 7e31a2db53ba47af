"""geopy's real BANFrance and Nominatim classes against a local server answering like them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from delivery.geocoding import (
    AddressQuery,
    GeocoderUnavailable,
    GeopyGeocoder,
    commune_centre,
    make_geocoder,
)

from .fake_http import Answer, FakeService, serving


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], FakeService]]:
    """``serve(answer)`` starts a fake service on 127.0.0.1, stopped after the test."""
    with ExitStack() as stack:
        yield lambda answer: stack.enter_context(serving(answer))


def ban_feature(kind: str, score: float, citycode: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "label": "3 Rue des Tilleuls 62130 Saint-Pol-sur-Ternoise",
            "score": score,
            "type": kind,
            "citycode": citycode,
            "postcode": "62130",
            "city": "Saint-Pol-sur-Ternoise",
        },
    }


QUERY = AddressQuery("3 rue des Tilleuls", "62130", "Saint-Pol-sur-Ternoise", "62767")


def ban(service: FakeService) -> GeopyGeocoder:
    geocoder = make_geocoder("ban", domain=service.domain, scheme="http", min_delay_seconds=0)
    assert isinstance(geocoder, GeopyGeocoder)
    return geocoder


def test_ban_house_number_match_is_a_precise_position(
    serve: Callable[[Answer], FakeService],
) -> None:
    service = serve(
        lambda path, q: (
            200,
            {"features": [ban_feature("housenumber", 0.93, "62767", 50.3841, 2.329)]},
        )
    )

    found = ban(service).find(QUERY)

    assert found is not None
    assert (found.lat, found.lon, found.approximate, found.source) == (50.3841, 2.329, False, "ban")
    assert service.requests == [
        ("/search", {"q": ["3 rue des Tilleuls 62130 Saint-Pol-sur-Ternoise"]})
    ]


def test_ban_street_or_weak_match_is_flagged_approximate(
    serve: Callable[[Answer], FakeService],
) -> None:
    service = serve(
        lambda path, q: (200, {"features": [ban_feature("street", 0.9, "62767", 50.38, 2.33)]})
    )
    found = ban(service).find(QUERY)
    assert found is not None and found.approximate


def test_ban_match_in_another_commune_is_no_match(serve: Callable[[Answer], FakeService]) -> None:
    service = serve(
        lambda path, q: (200, {"features": [ban_feature("housenumber", 0.9, "59350", 50.63, 3.06)]})
    )
    assert ban(service).find(QUERY) is None


def test_ban_without_result_is_no_match(serve: Callable[[Answer], FakeService]) -> None:
    service = serve(lambda path, q: (200, {"type": "FeatureCollection", "features": []}))
    assert ban(service).find(QUERY) is None


def test_a_server_error_means_the_geocoder_is_unavailable(
    serve: Callable[[Answer], FakeService],
) -> None:
    service = serve(lambda path, q: (503, {"error": "maintenance"}))
    with pytest.raises(GeocoderUnavailable):
        ban(service).find(QUERY)


def test_an_unreachable_server_means_the_geocoder_is_unavailable() -> None:
    geocoder = make_geocoder(
        "ban", domain="127.0.0.1:9", scheme="http", timeout=1, min_delay_seconds=0
    )
    assert geocoder is not None
    with pytest.raises(GeocoderUnavailable):
        geocoder.find(QUERY)


def test_nominatim_is_selectable_and_asks_for_french_addresses(
    serve: Callable[[Answer], FakeService],
) -> None:
    place = {
        "lat": "50.3841",
        "lon": "2.3290",
        "display_name": "3, Rue des Tilleuls, Saint-Pol-sur-Ternoise, 62130, France",
        "class": "place",
        "type": "house",
        "addresstype": "place",
        "address": {"postcode": "62130"},
    }
    service = serve(lambda path, q: (200, [place]))
    geocoder = make_geocoder(
        "nominatim", domain=service.domain, scheme="http", user_agent="cabas-tests"
    )
    assert geocoder is not None and geocoder.provider == "nominatim"

    found = geocoder.find(QUERY)

    assert found is not None
    assert (found.lat, found.lon, found.approximate) == (50.3841, 2.329, False)
    path, query = service.requests[0]
    assert path == "/search"
    assert query["countrycodes"] == ["fr"] and query["addressdetails"] == ["1"]


def test_geocoder_none_and_unknown_names() -> None:
    assert make_geocoder("none") is None
    with pytest.raises(ValueError, match="unknown geocoder"):
        make_geocoder("google")


def test_the_commune_centre_is_the_approximate_fallback() -> None:
    centre = commune_centre(AddressQuery("Lieu-dit inconnu", "62270", "Frévent"))
    assert centre is not None
    assert centre.approximate and centre.source == "commune"
    assert abs(centre.lat - 50.276) < 0.05
    assert commune_centre(AddressQuery("x", "99999", "Nulle part")) is None


def test_addresses_differing_in_case_and_accents_share_a_cache_key() -> None:
    a = AddressQuery("3, Rue des Tilleuls", "62130", "SAINT-POL-SUR-TERNOISE")
    b = AddressQuery("3 rue des tilleuls", "62130", "Saint Pol sur Ternoise")
    assert a.key == b.key == "3 rue des tilleuls 62130 saint pol sur ternoise"
