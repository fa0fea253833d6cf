"""Decisions in plain words for operators' terminals. Personnummer are masked: this is operator output."""

from __future__ import annotations

from robots.privacy import mask
from robots.rules.reasons import kr


def explain(decision: dict) -> str:
    c = decision["calculation"]
    head = f"{decision['application_id']}  {decision['period']}  "
    if decision["outcome"] == "granted":
        head += f"GRANTED {kr(decision['amount'])}"
    else:
        head += f"REFERRED to a caseworker ({', '.join(sorted({r['code'] for r in decision['reasons']}))})"
    if c.get("made") is False:
        lines = [head, f"    no calculation: {c['why']}"]
    else:
        norm = c["norm"]
        table = f" ({norm['table']}{', PROVISIONAL amounts' if norm.get('provisional') else ''})"
        lines = [
            head,
            f"    norm{table} {kr(norm['total'])} + costs {kr(sum(c['costs'].values()))} = need {kr(c['need'])}",
            f"    income {kr(sum(c['income'].values()))} - left out {kr(sum(c['disregarded_income'].values()))}"
            f" = counted {kr(c['counted_income'])}; deficit {kr(c['deficit'])}",
        ]
    for r in decision["reasons"]:
        who = f" [{mask(r['personnummer'])}]" if "personnummer" in r else ""
        lines.append(f"    - {r['code']}{who}: {mask(r['text'])}")
    return "\n".join(lines)
