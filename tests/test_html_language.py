"""The page's language reaches trafilatura's full cascade (its jusText fallback), and a
page that declares none gets the language its text reads as (told by its function words)."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest

import cleaning.html.extract as html_mode
from cleaning.html.extract import guess_language

ENGLISH = (
    "The council said on Tuesday that the harbour wall would be rebuilt before the winter, "
    "and that the work would be paid for by the port authority. Residents who have been "
    "waiting for the repairs since the storm in March told us they were relieved, but some "
    "of them said that they would believe it when they saw the first stones being laid."
)
GERMAN = (
    "Der Stadtrat hat am Dienstag beschlossen, die Hafenmauer noch vor dem Winter neu zu "
    "bauen. Die Kosten trägt die Hafenbehörde, teilte ein Sprecher mit. Anwohner, die seit "
    "dem Sturm im März auf die Reparatur warten, zeigten sich erleichtert, doch einige "
    "sagten, sie glaubten es erst, wenn die ersten Steine gesetzt seien, und nicht früher."
)
SPANISH = (
    "El consejo dijo el martes que el muro del puerto se reconstruirá antes del invierno y "
    "que las obras serán pagadas por la autoridad portuaria. Los vecinos que esperan las "
    "reparaciones desde la tormenta de marzo dijeron que estaban aliviados, aunque algunos "
    "de ellos dijeron que lo creerán cuando vean colocar las primeras piedras del muro."
)


def test_a_page_without_a_declared_language_gets_the_language_of_its_prose():
    assert guess_language(ENGLISH) == "en"
    assert guess_language(GERMAN) == "de"
    assert guess_language(SPANISH) == "es"
    # too few words to tell
    assert guess_language("The harbour wall and the port") is None
    # a menu has no function words to tell a language by
    assert guess_language(" ".join(["Home News Sport Weather Contact Login"] * 10)) is None


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record trafilatura.bare_extraction's keyword arguments, with the language it is
    asked for (``target_language``, or the ``lang`` of the options it is given); it returns
    nothing when asked for one, as when its language check discards a page."""
    seen: list[dict[str, Any]] = []

    def fake(tree: Any, **kwargs: Any) -> Any:
        options = kwargs.get("options")
        language = options.lang if options is not None else kwargs.get("target_language")
        seen.append({**kwargs, "target_language": language})
        if language:
            return None
        return {"text": "Extracted text."}

    monkeypatch.setattr(html_mode.trafilatura, "bare_extraction", fake)
    return seen


def test_the_full_cascade_gets_the_language_and_falls_back_without_it(calls):
    root = lxml.html.fromstring(f"<html><body><p>{ENGLISH}</p></body></html>")
    assert html_mode._extract(root, None, fast=False, language="de") == "Extracted text."
    assert [c.get("target_language") for c in calls] == ["de", None]
    calls.clear()
    # the fast pass never gets one (trafilatura would check the page's meta language)
    html_mode._extract(root, None, fast=True, language="de")
    assert [c.get("target_language") for c in calls] == [None]
