"""The satisfaction index (IKM) of PermenPAN-RB 14/2017 from the nine elements' scores.

Per element: the total of the scores given (1-4), the number who answered it, and the average (NRR, nilai
rata-rata); weighted by the same weight for every element, the weighted averages add up to the IKM (1-4),
which times 25 is the converted index (25-100) whose interval gives the service quality grade A-D.

Offices weight and round differently: the regulation defines the weight as the sum of the weights over the
number of elements, 1/9 (the default here), and prints it rounded; many offices multiply by 0.111 or 0.11,
and some round each average first. A grade can flip at a boundary between conventions, so the convention
is a setting (the office's ``survey:``), printed on every report."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

ELEMENTS = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
WEIGHTS = {"1/9": Fraction(1, 9), "0.111": Fraction(111, 1000), "0.11": Fraction(11, 100)}

# (lowest converted index of the interval, grade, performance) from the regulation's table of perception
# values, index intervals, converted intervals, quality and performance of the service unit.
GRADES = ((Decimal("88.31"), "A", "Sangat baik"), (Decimal("76.61"), "B", "Baik"),
          (Decimal("65.00"), "C", "Kurang baik"), (Decimal("25.00"), "D", "Tidak baik"))
GRADE_TABLE = (("1", "1,00 - 2,5996", "25,00 - 64,99", "D", "Tidak baik"),
               ("2", "2,60 - 3,064", "65,00 - 76,60", "C", "Kurang baik"),
               ("3", "3,0644 - 3,532", "76,61 - 88,30", "B", "Baik"),
               ("4", "3,5324 - 4,00", "88,31 - 100,00", "A", "Sangat baik"))


@dataclass(frozen=True)
class Convention:
    weight: str = "1/9"
    round_nrr: int | None = None

    def __post_init__(self):
        if self.weight not in WEIGHTS:
            raise ValueError(f"bobot '{self.weight}' tidak dikenal; pilih 1/9, 0.111 atau 0.11")
        if self.round_nrr is not None and not 1 <= self.round_nrr <= 4:
            raise ValueError("pembulatan NRR 1 sampai 4 desimal")

    @classmethod
    def of_office(cls, office_data: dict | None) -> "Convention":
        survey = (office_data or {}).get("survey") or {}
        return cls(str(survey.get("weight") or "1/9"), survey.get("round_nrr"))

    def describe(self) -> str:
        text = {"1/9": "bobot 1/9 (jumlah bobot dibagi jumlah unsur)", "0.111": "bobot 0,111",
                "0.11": "bobot 0,11"}[self.weight]
        if self.round_nrr:
            text += f"; NRR tiap unsur dibulatkan {self.round_nrr} desimal sebelum dibobot"
        return text + "; IKM konversi dibulatkan 2 desimal"


@dataclass
class Result:
    respondents: int
    totals: dict[str, int]
    answered: dict[str, int]
    nrr: dict[str, float]
    weighted: dict[str, float]
    ikm: float           # 1-4
    converted: float     # 25-100, rounded to 2 decimals as published
    grade: str
    performance: str
    convention: Convention
    lowest: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"respondents": self.respondents, "totals": self.totals, "answered": self.answered,
                "nrr": self.nrr, "weighted": self.weighted, "ikm": self.ikm, "converted": self.converted,
                "grade": self.grade, "performance": self.performance, "lowest": self.lowest,
                "convention": {"weight": self.convention.weight, "round_nrr": self.convention.round_nrr,
                               "text": self.convention.describe()}}


def grade_of(converted: Decimal) -> tuple[str, str]:
    for lowest, grade, performance in GRADES:
        if converted >= lowest:
            return grade, performance
    return "D", "Tidak baik"


def compute(totals: dict[str, int], answered: dict[str, int], respondents: int,
            convention: Convention = Convention()) -> Result | None:
    """The index from each element's total score and number of answers (None when nobody answered)."""
    if respondents <= 0 or not any(answered.get(e) for e in ELEMENTS):
        return None
    weight = WEIGHTS[convention.weight]
    nrr, weighted, ikm = {}, {}, Fraction(0)
    for element in ELEMENTS:
        if not answered.get(element):
            continue
        average = Fraction(totals[element], answered[element])
        if convention.round_nrr:
            average = Fraction(_round(average, convention.round_nrr))
        nrr[element] = float(average)
        part = average * weight
        weighted[element] = float(part)
        ikm += part
    converted = _round(ikm * 25, 2)
    grade, performance = grade_of(converted)
    lowest = sorted(nrr, key=lambda e: (nrr[e], e))[:3]
    return Result(respondents, {e: int(totals.get(e, 0)) for e in ELEMENTS},
                  {e: int(answered.get(e, 0)) for e in ELEMENTS}, nrr, weighted, float(ikm), float(converted),
                  grade, performance, convention, lowest)


def of_responses(responses, convention: Convention = Convention()) -> Result | None:
    """The index of a list of responses, each a mapping of element id to score (1-4)."""
    totals = {e: 0 for e in ELEMENTS}
    answered = {e: 0 for e in ELEMENTS}
    count = 0
    for response in responses:
        count += 1
        for element in ELEMENTS:
            score = response.get(element)
            if score is not None:
                totals[element] += int(score)
                answered[element] += 1
    return compute(totals, answered, count, convention)


def _round(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
