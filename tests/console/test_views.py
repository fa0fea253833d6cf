"""What the case page makes of register answers: an agency's error is shown as an error, never as no
income; an agency not asked is shown as not asked."""

from robots.console.views import _answers
from robots.rules.agencies import AGENCIES


def test_each_agency_is_shown_as_it_answered():
    answer = {"personnummer": "19890314-2381", "sources": {
        "FK": {"status": "ok", "payments": []},
        "SKV": {"status": "error", "error": "timeout at Skatteverket"},
        "CSN": "garbage",
    }}
    rows = {r["agency"]: r for r in _answers([answer])[0]["agencies"]}
    assert set(rows) == set(AGENCIES)
    assert (rows["FK"]["ok"], rows["FK"]["text"]) == (True, '{"payments": []}')
    assert (rows["SKV"]["ok"], rows["SKV"]["text"]) == (False, "FEL: timeout at Skatteverket")
    assert (rows["CSN"]["ok"], rows["CSN"]["text"]) == (False, "FEL: oläsbart svar")
    assert (rows["AF"]["ok"], rows["AF"]["text"]) == (True, "inte efterfrågad")


def test_an_answer_that_cannot_be_read_is_an_error_for_every_agency():
    for broken in ("not an answer", {"personnummer": "19890314-2381"}, {"sources": []}):
        assert [(r["ok"], r["text"]) for r in _answers([broken])[0]["agencies"]] == [(False, "FEL: oläsbart svar")] * len(AGENCIES)
