"""Coverage of the effects stage's 95% intervals for a known year effect, beside naive intervals.

    .venv/bin/python benchmarks/bench_effects_coverage.py [--simulations 200] [--documents 200]
        [--bootstrap 200] [--seed 0]

Each simulation draws a corpus like a panel of local reports: `--documents` documents in 40
localities (documents spread over 2013-2022 inside each locality), and for document d in
locality l with year t
    logit(pi_d) = a + b (t - 2017.5) + u_l,       u_l ~ N(0, 0.3^2)   (locality effect)
    share pi_d  ~ Beta(mu_d 30, (1 - mu_d) 30),   mu_d = logistic(logit above)  (documents vary)
    passages: 10-40 per document, 1-8 sentences each; each passage's classifier probability
    q ~ Beta(pi_d 2, (1 - pi_d) 2), its sentences' true themes ~ Bernoulli(q) (calibrated noise).
a = logit(0.08), b = 0.15 per year. The fractional logit's target is the population-averaged
slope (the locality effect flattens it slightly): b_pa, computed once by quadrature over u.
Rows (coverage = share of simulations whose interval holds b_pa; MC s.e. ~1.5 points):
  passage GLM, model SE     passages as independent rows, binomial scale 1 (no clustering)
  document GLM, model SE    the stage's fit, quasi-binomial (Pearson X2) model-based interval
  two-stage: loc., then docs  localities resampled, then documents inside them; no composition
  bootstrap localities      localities resampled, each with all its documents; no composition
  + composition (stage)     the stage as it runs: localities, documents, drawn sentence themes
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit, logit

from policytopics.analysis.composition import Units
from policytopics.analysis.effects import Replicates, estimate_effects

N_LOCALITIES = 40
YEARS = np.arange(2013, 2023)
INTERCEPT = float(logit(0.08))
SLOPE = 0.15
LOCALITY_SD = 0.3
DOC_PRECISION = 30.0
PASSAGE_PRECISION = 2.0
Z95 = 1.959963984540054


def population_slope() -> float:
    """The population-averaged slope: a logit fitted to E_u[logistic(a + b x + u)] per year."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    weights = weights / weights.sum()
    x = YEARS - 2017.5
    mean = np.array(
        [np.sum(weights * expit(INTERCEPT + SLOPE * v + LOCALITY_SD * nodes)) for v in x]
    )
    design = np.column_stack([np.ones_like(x), x])
    fit = sm.GLM(mean, design, family=sm.families.Binomial()).fit(tol=1e-12)
    return float(fit.params[1])


def simulate(
    n_docs: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, Units, np.ndarray, pd.DataFrame]:
    """Documents (locality, year), passage units, locality codes, passage rows for the naive fit."""
    locality = np.arange(n_docs) % N_LOCALITIES
    year = rng.choice(YEARS, size=n_docs)
    u = rng.normal(0.0, LOCALITY_SD, N_LOCALITIES)[locality]
    mu = expit(INTERCEPT + SLOPE * (year - 2017.5) + u)
    pi = rng.beta(mu * DOC_PRECISION, (1 - mu) * DOC_PRECISION)
    n_passages = rng.integers(10, 41, n_docs)
    doc = np.repeat(np.arange(n_docs), n_passages)
    q = rng.beta(pi[doc] * PASSAGE_PRECISION, (1 - pi[doc]) * PASSAGE_PRECISION)
    q = np.clip(q, 1e-6, 1 - 1e-6)
    pieces = rng.integers(1, 9, len(doc))
    weight = pieces * rng.uniform(30, 60, len(doc))
    units = Units(doc=doc, weight=weight, probs=np.column_stack([q, 1 - q]), pieces=pieces)
    documents = pd.DataFrame({"year": year - 2017.5, "locality": locality})
    rows = pd.DataFrame({"q": q, "weight": weight, "year": (year - 2017.5)[doc]})
    return documents, units, locality, rows


def model_interval(
    response: np.ndarray, x: np.ndarray, weight: np.ndarray, scale: str | None
) -> tuple[float, float]:
    """GLM estimate +- 1.96 model-based s.e. of the slope."""
    design = np.column_stack([np.ones_like(x), x])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(
            response, design, family=sm.families.Binomial(), var_weights=weight / weight.mean()
        ).fit(scale=scale)
    estimate, se = float(fit.params[1]), float(fit.bse[1])
    return estimate - Z95 * se, estimate + Z95 * se


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--simulations", type=int, default=200)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    truth = population_slope()
    rng = np.random.default_rng(args.seed)
    names = [
        "passage GLM, model SE",
        "document GLM, model SE",
        "two-stage: loc., then docs",
        "bootstrap localities",
        "+ composition (stage)",
    ]
    hits = {n: 0 for n in names}
    widths: dict[str, list[float]] = {n: [] for n in names}
    estimates = []
    start = time.perf_counter()
    for simulation in range(args.simulations):
        documents, units, locality, rows = simulate(args.documents, rng)
        shares = np.bincount(units.doc, weights=units.weight * units.probs[:, 0])
        doc_weight = np.bincount(units.doc, weights=units.weight)
        intervals = {
            names[0]: model_interval(
                rows["q"].to_numpy(), rows["year"].to_numpy(), rows["weight"].to_numpy(), None
            ),
            names[1]: model_interval(
                shares / doc_weight, documents["year"].to_numpy(), doc_weight, "X2"
            ),
        }
        runs = ((names[2], False, True), (names[3], False, False), (names[4], True, False))
        for name, composition, within in runs:
            result = estimate_effects(
                documents[["year"]],
                units,
                ["theme", "rest"],
                ["~ year"],
                doc_weights=doc_weight,
                clusters=locality,
                replicates=Replicates(args.bootstrap, 0.95, simulation, composition=composition),
                within_clusters=within,
            )
            row = result.effects.iloc[0]
            intervals[name] = (float(row["ci_low"]), float(row["ci_high"]))
            estimate = float(row["estimate"])
        estimates.append(estimate)
        for name, (low, high) in intervals.items():
            hits[name] += int(low <= truth <= high)
            widths[name].append(high - low)
    elapsed = time.perf_counter() - start
    n = args.simulations
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} {platform.system()}, "
        f"{n} simulations x {args.documents} documents in {N_LOCALITIES} localities, "
        f"{args.bootstrap} bootstrap replicates, seed {args.seed}: {elapsed:.0f} s"
    )
    print(
        f"true slope b {SLOPE}, population-averaged b_pa {truth:.4f}; mean estimate "
        f"{np.mean(estimates):.4f} (bias {np.mean(estimates) - truth:+.4f}), "
        f"s.d. over simulations {np.std(estimates, ddof=1):.4f}"
    )
    print(f"{'interval':28s} {'coverage':>9s} {'MC s.e.':>8s} {'mean width':>11s}")
    for name in names:
        share = hits[name] / n
        print(
            f"{name:28s} {share:9.3f} {np.sqrt(share * (1 - share) / n):8.3f} "
            f"{np.mean(widths[name]):11.4f}"
        )


if __name__ == "__main__":
    main()
