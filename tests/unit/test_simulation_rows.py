"""The row the decide bot keeps with each decision (robots/simulation_rows.py): unpacked, it gives the batch
the features parsing the application gives, and the digest of the decision as recorded."""

import numpy as np

from robots import simulation_rows
from robots.decide import decided_case
from robots.rules import batch
from tests.unit.test_batch import DECIDED_AT, PARAMS, households

PERIOD = "2023-11"


def test_a_row_unpacked_is_the_cases_features_and_its_decisions_digest():
    decided = [(application, *decided_case(application, answers, PARAMS, decided_at=DECIDED_AT, granted_elsewhere=elsewhere))
               for application, answers, elsewhere in households(200, 7, PERIOD)]
    decided.append(({"application_id": "B-bad", "period": PERIOD, "household": {}},
                    *decided_case({"application_id": "B-bad", "period": PERIOD, "household": {}}, [], PARAMS, decided_at=DECIDED_AT)))
    rows = simulation_rows.unpack([simulation_rows.row_for(a, case, d) for a, d, case in decided])
    assert rows.shape == (201, simulation_rows.WIDTH) and decided[-1][2] is None

    table, policy = PARAMS.for_period(PERIOD)
    from_rows = batch.evaluate(batch.from_rows(PERIOD, rows[:, :batch.WIDTH]), table, policy)
    parsed = batch.evaluate(batch.features(PERIOD, [case for _, _, case in decided]), table, policy)
    for name in ("granted", "amount", "norm", "need", "deficit", "made", "reasons"):
        assert np.array_equal(getattr(from_rows, name), getattr(parsed, name)), name

    digest = dict(zip(simulation_rows.DIGEST, rows[:, batch.WIDTH:].T))
    assert list(digest["granted"]) == [d["outcome"] == "granted" for _, d, _ in decided]
    assert list(digest["amount"]) == [d.get("amount", 0) for _, d, _ in decided]
    assert [set(batch.CODES[j] for j in range(len(batch.CODES)) if bits >> j & 1) for bits in digest["reasons"]] == [
        {r["code"] for r in d["reasons"]} for _, d, _ in decided]
    assert list(digest["made"])[-1] == 0 and list(digest["adults"])[-1] == list(digest["children"])[-1] == -1


def test_a_decision_with_a_reason_the_batch_has_no_bit_for_has_no_row():
    application, answers, elsewhere = next(households(1, 3, PERIOD))
    decision, case = decided_case(application, answers, PARAMS, decided_at=DECIDED_AT, granted_elsewhere=elsewhere)
    assert simulation_rows.row_for(application, case, decision) is not None
    older = decision | {"outcome": "referred", "reasons": [{"code": "A_REASON_OF_OLDER_RULES"}]}
    assert simulation_rows.row_for(application, case, older) is None
