"""The what-if's report (robots/simulate.py) three ways: a terminal table, an xlsx (pandas) and one HTML
page with its charts drawn in inline SVG, so that it opens offline and can be mailed as one file.
Households appear by pseudonym and type only."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from robots.rules.reasons import kr
from robots.simulate import Simulation, pseudonym, type_label


def _signed(n: int) -> str:
    return ("+" if n > 0 else "") + kr(n)


def terminal(sim: Simulation) -> str:
    t = sim.totals()
    lines = [
        f"What-if for {sim.period}: {sim.alternative}",
        f"{t['households']} households re-decided" + (f"; {len(sim.not_rerun)} could not be re-run" if sim.not_rerun else ""),
        "",
        f"{'':34s}{'as decided':>14s}{'what-if':>14s}{'change':>14s}",
        f"{'entitlement, month':34s}{kr(t['entitlement_before']):>14s}{kr(t['entitlement_after']):>14s}{_signed(t['entitlement_change']):>14s}",
        f"{'entitlement, year (×12)':34s}{kr(12 * t['entitlement_before']):>14s}{kr(12 * t['entitlement_after']):>14s}"
        f"{_signed(t['entitlement_change_per_year']):>14s}",
        f"{'granted by the robot, month':34s}{kr(t['granted_before']):>14s}{kr(t['granted_after']):>14s}{_signed(t['granted_change']):>14s}",
        f"{'grants':34s}{t['grants_before']:>14d}{t['grants_after']:>14d}{t['grants_after'] - t['grants_before']:>+14d}",
        f"{'referred to a caseworker':34s}{t['referred_before']:>14d}{t['referred_after']:>14d}{t['referred_after'] - t['referred_before']:>+14d}",
        "",
        f"households that gain {t['gain']}, lose {t['lose']}, unchanged {t['same']}, without a calculation on both sides "
        f"{t['not_calculated']} (left out of the entitlement totals)",
        "change in a household's monthly entitlement: " + ", ".join(f"{label}: {n}" for label, n in sim.histogram()),
    ]
    if sim.drift:
        lines += [f"note: today's parameters already decide {sim.drift} households otherwise than recorded; that part of the "
                  "change is not the alternative's"]
    changed = [r for r in sim.referrals() if r[1] != r[2]]
    if changed:
        lines += ["", "referrals by reason (recorded → what-if):"] + [f"  {r:28s}{b:>6d} → {a:<6d}{a - b:>+6d}" for r, b, a in changed]
    types = [row for row in sim.household_types() if row[2]][:5]  # only types whose entitlement changes
    if types:
        lines += ["", "household types most affected (households, total change, mean change):"]
        lines += [f"  {t_:20s}{n:>6d}{_signed(total):>14s}{_signed(mean):>12s}" for t_, n, total, mean in types]
    return "\n".join(lines)


def frames(sim: Simulation, households: bool = True) -> dict[str, pd.DataFrame]:
    t = sim.totals()
    summary = pd.DataFrame([
        ("Hushåll", t["households"], t["households"], 0),
        ("Beräknat bistånd, månad (kr)", t["entitlement_before"], t["entitlement_after"], t["entitlement_change"]),
        ("Beräknat bistånd, år ×12 (kr)", 12 * t["entitlement_before"], 12 * t["entitlement_after"], t["entitlement_change_per_year"]),
        ("Beviljat av roboten, månad (kr)", t["granted_before"], t["granted_after"], t["granted_change"]),
        ("Bifall", t["grants_before"], t["grants_after"], t["grants_after"] - t["grants_before"]),
        ("Till handläggare", t["referred_before"], t["referred_after"], t["referred_after"] - t["referred_before"]),
    ], columns=["", "Robotens beslut", "Simulerat", "Förändring"])
    table = {"Hushåll": household_table(sim)} if households else {}
    referrals = pd.DataFrame(sim.referrals(), columns=["Skäl", "Robotens beslut", "Simulerat"])
    types = pd.DataFrame(sim.household_types(), columns=["Hushållstyp", "Hushåll", "Förändring totalt (kr)", "Förändring i snitt (kr)"])
    histogram = pd.DataFrame(sim.histogram(), columns=["Förändring per månad (kr)", "Hushåll"])
    return {"Sammanfattning": summary, **table, "Skäl": referrals, "Hushållstyper": types, "Fördelning": histogram}


def household_table(sim: Simulation, which: list[int] | None = None) -> pd.DataFrame:
    """One row a household (all, or those of `which`), built from the simulation's columns: a month is 100 000."""
    rows = np.arange(len(sim)) if which is None else np.asarray(which, dtype=np.int64)
    b, a = sim.before, sim.after
    both = b.made[rows] & a.made[rows]
    types = {kind: type_label(*kind) for kind in set(zip(sim.adults[rows].tolist(), sim.children[rows].tolist()))}
    reasons = {bits: ", ".join(sim.codes_of(bits)) for bits in set(b.reasons[rows].tolist()) | set(a.reasons[rows].tolist())}
    return pd.DataFrame({
        "Hushåll": [pseudonym(sim.application_ids[i]) for i in rows.tolist()],
        "Typ": [types[kind] for kind in zip(sim.adults[rows].tolist(), sim.children[rows].tolist())],
        "Beslut": np.where(b.granted[rows], "granted", "referred"), "Beslut (simulerat)": np.where(a.granted[rows], "granted", "referred"),
        "Beräknat (kr)": pd.arrays.IntegerArray(b.entitlement[rows], ~b.made[rows]),
        "Beräknat, simulerat (kr)": pd.arrays.IntegerArray(a.entitlement[rows], ~a.made[rows]),
        "Förändring (kr)": pd.arrays.IntegerArray(sim.change[rows], ~both),
        "Beviljat (kr)": b.amount[rows], "Beviljat, simulerat (kr)": a.amount[rows],
        "Skäl": [reasons[bits] for bits in b.reasons[rows].tolist()], "Skäl (simulerat)": [reasons[bits] for bits in a.reasons[rows].tolist()],
    })


def write_xlsx(sim: Simulation, path: Path) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames(sim).items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def _bars(rows: list[tuple[str, list[int]]], series: list[str], colours: list[str], width: int = 640) -> str:
    """A horizontal bar chart in SVG: one group of bars per row, one bar per series."""
    top = max([v for _, values in rows for v in values] + [1])
    bar, gap, label_w = 14, 8, 240
    height = len(rows) * (len(series) * bar + gap) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    y = 4
    for label, values in rows:
        out.append(f'<text x="{label_w - 6}" y="{y + bar * len(series) / 2 + 4:.0f}" text-anchor="end" font-size="12">{escape(label)}</text>')
        for value, colour in zip(values, colours):
            w = (width - label_w - 60) * value / top
            out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{colour}"/>'
                       f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 4}" font-size="11">{value}</text>')
            y += bar
        y += gap
    legend_x = label_w
    for name, colour in zip(series, colours):
        out.append(f'<rect x="{legend_x}" y="{y + 4}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{legend_x + 14}" y="{y + 13}" font-size="11">{escape(name)}</text>')
        legend_x += 14 + 8 * len(name) + 20
    out.append("</svg>")
    return "".join(out)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, na_rep="–", border=0, escape=True)


def write_html(sim: Simulation, path: Path) -> Path:
    t = sim.totals()
    f = frames(sim, households=False)
    histogram = _bars([(label, [n]) for label, n in sim.histogram()], ["hushåll"], ["#2d4a6b"])
    drift = (f" Med dagens parametrar beslutas redan {sim.drift} hushåll annorlunda än robotens beslut: den delen av "
             "förändringen kommer inte från alternativet." if sim.drift else "")
    referrals = _bars([(r, [b, a]) for r, b, a in sim.referrals()], ["robotens beslut", "simulerat"], ["#9aa9bb", "#c0392b"])
    html = f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Simulering {escape(sim.period)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:1rem auto;color:#222}} table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}
th,td{{border:1px solid #bbb;padding:.2rem .5rem;text-align:right}} th:first-child,td:first-child{{text-align:left}}
.big{{font-size:1.4rem}} .note{{color:#555;font-size:.9rem}}</style></head><body>
<h1>Simulering av {escape(sim.period)}</h1>
<p>Alternativ: {escape(sim.alternative)}. {t['households']} hushåll beslutade på nytt på de uppgifter som
registrerades ({len(sim.not_rerun)} kunde inte köras om).</p>
<p class="big">Beräknat bistånd per månad: {kr(t['entitlement_before'])} → {kr(t['entitlement_after'])}
(<b>{_signed(t['entitlement_change'])}</b>, {_signed(t['entitlement_change_per_year'])} per år).<br>
Beviljat av roboten per månad: {kr(t['granted_before'])} → {kr(t['granted_after'])}
(<b>{_signed(t['granted_change'])}</b>, {_signed(t['granted_change_per_year'])} per år).<br>
Till handläggare: {t['referred_before']} → {t['referred_after']}.</p>
<p>Hushåll som får mer: {t['gain']}, mindre: {t['lose']}, oförändrat: {t['same']}, utan beräkning före eller efter:
{t['not_calculated']} (räknas inte i summorna).{drift}</p>
<h2>Sammanfattning</h2>{_table(f["Sammanfattning"])}
<h2>Förändring per hushåll och månad</h2>{histogram}
<h2>Till handläggare, efter skäl</h2>{referrals}{_table(f["Skäl"])}
<h2>Hushållstyper</h2>{_table(f["Hushållstyper"])}
<h2>Mest påverkade hushåll</h2>{_table(household_table(sim, sim.most_affected()))}
<p class="note">Hushållen anges med pseudonym (en kontrollsumma av ärendenumret), aldrig med personnummer.
Beräknat bistånd är underskottet enligt beräkningen (behov minus räknade inkomster, aldrig under noll),
vare sig roboten beviljade det eller lämnade ärendet till en handläggare.</p>
</body></html>"""
    path.write_text(html, encoding="utf-8")
    return path
