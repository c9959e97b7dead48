"""The survey's results for an office and a period: per service (and for the office as a whole) the nine
elements' totals summed by the database, the index and grade under the office's convention, the people
served in the period (the population) against the minimum sample, the profile of the respondents, the
suggestions, and the follow-up plan."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from engine.skm.index import ELEMENTS, Convention, Result, compute
from engine.skm.periods import Period
from engine.skm.questionnaire import questionnaire
from engine.skm.sample import minimum_sample
from engine.store.db import Store
from engine.store.models import Case, SurveyFollowUp, SurveyResponse

R = SurveyResponse
SCORE_COLUMNS = [getattr(R, f"u{n}") for n in range(1, 10)]
MAX_SUGGESTIONS = 200


def _in_period(office_id: str, period: Period):
    return and_(R.office_id == office_id, R.year == period.year, R.quarter.in_(period.quarters))


def _sums(s, where, by):
    """[*by, respondents, the nine totals] per group (every response answers all nine)."""
    columns = [func.count()] + [func.sum(c) for c in SCORE_COLUMNS]
    query = select(*by, *columns).where(where)
    if by:
        query = query.group_by(*by)
    return s.execute(query).all()


def _result(row, convention: Convention) -> Result | None:
    count, sums = int(row[0]), row[1:10]
    return compute({e: int(v or 0) for e, v in zip(ELEMENTS, sums)}, {e: count for e in ELEMENTS}, count, convention)


def _served(s, office_id: str, period: Period, tz: ZoneInfo) -> dict[str | None, int]:
    """Cases closed as done in the period, per standard (None: the office)."""
    since = datetime.combine(period.start, time(0), tzinfo=tz)
    until = datetime.combine(period.end, time(0), tzinfo=tz)
    rows = s.execute(select(Case.standard_id, func.count()).where(
        Case.office_id == office_id, Case.status == "done", Case.closed_at >= since, Case.closed_at < until)
        .group_by(Case.standard_id)).all()
    served = {standard: n for standard, n in rows}
    served[None] = sum(served.values())
    return served


def results(store: Store, office, period: Period, *, standard_id: str | None = None,
            titles: dict[str, str] | None = None) -> dict:
    """Everything the SKM report shows. ``office`` is the office's model (its data carries the convention and
    the questionnaire)."""
    convention = Convention.of_office(office.data)
    q = questionnaire(office.data)
    where = _in_period(office.id, period)
    if standard_id:
        where = and_(where, R.standard_id == standard_id)
    titles = titles or {}
    with store.read() as s:
        (overall,) = _sums(s, where, [])
        per_standard = _sums(s, where, [R.standard_id])
        per_unit = _sums(s, where, [R.unit_id])
        per_channel = dict(s.execute(select(R.channel, func.count()).where(where).group_by(R.channel)).all())
        served = _served(s, office.id, period, ZoneInfo(office.timezone))
        profile = {key: Counter(dict(s.execute(select(getattr(R, key), func.count()).where(
            where, getattr(R, key).is_not(None)).group_by(getattr(R, key))).all()))
            for key in ("sex", "education", "occupation")}
        ages = s.execute(select(R.age, func.count()).where(where, R.age.is_not(None)).group_by(R.age)).all()
        suggestions = s.scalars(select(R.suggestion).where(where, R.suggestion.is_not(None))
                                .order_by(R.id.desc()).limit(MAX_SUGGESTIONS)).all()
        extra_rows = [e for e in s.scalars(select(R.extra).where(where, R.extra.is_not(None))) if e] if q.extra else []
        plan = s.scalars(select(SurveyFollowUp).where(SurveyFollowUp.office_id == office.id,
                                                       SurveyFollowUp.period == period.label)
                         .order_by(SurveyFollowUp.id)).all()
    population = served.get(standard_id) if standard_id else served[None]
    services = []
    for row in per_standard:
        result = _result(row[1:], convention)
        if result is None:
            continue
        services.append({"standard": row[0], "title": titles.get(row[0], row[0] or "Kantor (tanpa layanan)"),
                         "result": result, "population": served.get(row[0], 0),
                         "minimum": minimum_sample(served.get(row[0], 0))})
    services.sort(key=lambda g: g["title"])
    unit_names = {u["id"]: u.get("name", u["id"]) for u in office.data.get("units") or [] if isinstance(u, dict)}
    units = [{"unit": row[0], "name": unit_names.get(row[0], row[0]) if row[0] else office.name,
              "result": _result(row[1:], convention)} for row in per_unit]
    units = sorted((u for u in units if u["result"] is not None), key=lambda u: u["name"])
    profile["age"] = Counter()
    for age, count in ages:
        profile["age"][_age_band(age)] += count
    extra = {}
    for question in q.extra:
        values = [e.get(question.id) for e in extra_rows if e.get(question.id) is not None]
        extra[question.id] = ({"question": question.question, "count": len(values),
                               "average": sum(values) / len(values) if values else None}
                              if question.scored else
                              {"question": question.question, "count": len(values), "texts": values[-50:]})
    return {"office": office, "period": period, "convention": convention, "questionnaire": q,
            "overall": _result(overall, convention), "services": services, "units": units,
            "channels": per_channel,
            "population": population or 0, "minimum": minimum_sample(population or 0), "profile": profile,
            "suggestions": Counter(t.strip() for t in suggestions if t and t.strip()).most_common(), "extra": extra, "plan": plan,
            "standard_id": standard_id}


def _age_band(age: int) -> str:
    for top, band in ((20, "di bawah 20"), (30, "20-29"), (40, "30-39"), (50, "40-49"), (60, "50-59")):
        if age < top:
            return band
    return "60 ke atas"


def year_table(store: Store, office, year: int) -> dict[tuple[str | None, int], Result]:
    """The index of every service in every quarter of a year, from one grouped sum in the database:
    {(standard id, quarter): Result}."""
    convention = Convention.of_office(office.data)
    with store.read() as s:
        rows = _sums(s, and_(R.office_id == office.id, R.year == year), [R.standard_id, R.quarter])
    table = {}
    for row in rows:
        result = _result(row[2:], convention)
        if result is not None:
            table[(row[0], row[1])] = result
    return table
