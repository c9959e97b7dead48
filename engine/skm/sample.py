"""The minimum number of respondents for a population, by the Krejcie & Morgan table that PermenPAN-RB
14/2017 prescribes (Krejcie, R. V. & Morgan, D. W., 1970, "Determining Sample Size for Research
Activities", Educational and Psychological Measurement 30: 607-610; 95 % confidence, 5 % margin, P = 0.5).

The printed table is encoded as printed (``TABLE``). A population between two rows takes the sample of the
next larger population printed (never fewer respondents than the table asks); a population below the first
row is surveyed whole; above the last row the sample stays 384."""

from __future__ import annotations

from bisect import bisect_left

# (population N, sample S) as printed in Krejcie & Morgan (1970), Table 1.
TABLE: tuple[tuple[int, int], ...] = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40), (50, 44), (55, 48),
    (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70), (90, 73), (95, 76), (100, 80), (110, 86),
    (120, 92), (130, 97), (140, 103), (150, 108), (160, 113), (170, 118), (180, 123), (190, 127), (200, 132),
    (210, 136), (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162),
    (290, 165), (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196), (420, 201),
    (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234), (650, 242), (700, 248),
    (750, 254), (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278), (1100, 285), (1200, 291),
    (1300, 297), (1400, 302), (1500, 306), (1600, 310), (1700, 313), (1800, 317), (1900, 320), (2000, 322),
    (2200, 327), (2400, 331), (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351), (4500, 354),
    (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368), (10000, 370), (15000, 375),
    (20000, 377), (30000, 379), (40000, 380), (50000, 381), (75000, 382), (1000000, 384),
)
_POPULATIONS = [n for n, _s in TABLE]


def minimum_sample(population: int) -> int:
    """The respondents needed for ``population`` people served in the period."""
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError("populasi harus bilangan bulat 0 atau lebih")
    if population < TABLE[0][0]:
        return population
    position = bisect_left(_POPULATIONS, population)
    return TABLE[position][1] if position < len(TABLE) else TABLE[-1][1]


def formula(population: int) -> float:
    """The formula the table was printed from: s = X²NP(1-P) / (d²(N-1) + X²P(1-P))."""
    chi, p, d = 3.841, 0.5, 0.05
    return chi * population * p * (1 - p) / (d * d * (population - 1) + chi * p * (1 - p))
