"""Covariate effects on theme shares: a fractional logit per theme, composed bootstrap intervals.

Model (Papke and Wooldridge's fractional logit, a quasi-binomial GLM): for document d with
covariates x_d and share y_dk of its text on theme k,
    E[y_dk | x_d] = logistic(x_d' beta_k),    Var[y_dk | x_d] = phi_k mu_dk (1 - mu_dk) / w_d
fitted by statsmodels (GLM, Binomial family, var_weights w_d; the dispersion phi_k, Pearson's
X2 / (n - p), does not change the coefficients and the intervals do not use it).
Intervals: percentile bootstrap over `composition` replicates (documents or localities
resampled; themes drawn from the classifier's probabilities). Replicates are refitted by a
batched IRLS (all replicates and themes in one numpy solve), checked against statsmodels.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm

from policytopics.analysis.composition import (
    Units,
    chunk_seeds,
    cluster_counts,
    composed_shares,
    document_shares,
)
from policytopics.compute import Executor, SerialExecutor, Shared, map_with_progress
from policytopics.errors import UserError
from policytopics.precision import single_threaded

EFFECT_COLUMNS: tuple[str, ...] = (
    "formula",
    "theme",
    "term",
    "estimate",
    "ci_low",
    "ci_high",
    "n_documents",
    "n_replicates_failed",
)
MARGINAL_COLUMNS: tuple[str, ...] = (
    "formula",
    "theme",
    "covariate",
    "value",
    "share",
    "ci_low",
    "ci_high",
)
MAX_VALUES = 25  # a numeric covariate with more distinct values gets 11 quantiles instead
_MAX_ITER = 30  # converged fits take < 10; separated ones run to the end (|logit| ~ 30)
_TOL = 1e-10
_RUNNING = 1e-6  # relative last step of a coefficient that runs off (separation)
_MIN_EIGEN = 1e-12  # relative: a replicate whose weighted design is flatter is not identified
_HUGE = 1e300
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV = patsy.EvalEnvironment([{"np": np}])


@dataclass(frozen=True)
class Design:
    """A formula's design matrix over the documents it can use."""

    formula: str
    matrix: np.ndarray  # (n_rows, p), columns `columns`
    columns: list[str]
    rows: np.ndarray  # positions of the documents used (no missing covariate)
    covariates: list[str]  # document columns the formula names
    data: pd.DataFrame  # those documents' covariates
    info: Any  # patsy DesignInfo, rebuilds the matrix for new covariate values


@dataclass(frozen=True)
class Skipped:
    """A formula left out, and why."""

    formula: str
    reason: str


@dataclass(frozen=True)
class Replicates:
    """How replicates are drawn."""

    n_bootstrap: int
    confidence: float
    seed: int
    composition: bool = True  # draw themes from the probabilities (else: fixed shares)


@dataclass(frozen=True)
class EffectsResult:
    effects: pd.DataFrame  # EFFECT_COLUMNS
    marginal: pd.DataFrame  # MARGINAL_COLUMNS
    skipped: list[Skipped]
    fitted: list[dict[str, Any]]  # per formula: documents, parameters, failed replicates


def formula_covariates(formula: str, columns: list[str]) -> list[str]:
    """The document columns a one-sided formula names, in order; a one-line error otherwise."""
    text = formula.strip()
    if not text.startswith("~"):
        raise UserError(
            f"prevalence.effects: {formula!r} must be one-sided, starting with '~' "
            "(the response is always the theme share), e.g. '~ year + admin_level'"
        )
    names = [name for name in _IDENTIFIER.findall(text) if name in columns]
    return list(dict.fromkeys(names))


def prepare_covariates(documents: pd.DataFrame) -> pd.DataFrame:
    """Covariates as patsy reads them: nullable integers as int (or float when missing)."""
    out = documents.copy()
    for column in out.columns:
        if pd.api.types.is_integer_dtype(out[column].dtype):
            has_na = bool(out[column].isna().any())
            out[column] = out[column].astype("float64" if has_na else "int64")
        elif not pd.api.types.is_numeric_dtype(out[column].dtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def build_design(formula: str, covariates: pd.DataFrame) -> Design | Skipped:
    """The design for `formula`, or why it cannot be fitted (a user's typo is a UserError)."""
    names = formula_covariates(formula, list(covariates.columns))
    try:
        matrix = patsy.dmatrix(
            formula, covariates, eval_env=_ENV, NA_action="drop", return_type="dataframe"
        )
    except patsy.PatsyError as error:
        cause = error.__cause__
        if isinstance(cause, NameError):
            known = ", ".join(covariates.columns)
            raise UserError(
                f"prevalence.effects: {formula!r}: {cause}; document covariates are: {known}"
            ) from None
        message = str(error).splitlines()[0]
        raise UserError(f"prevalence.effects: {formula!r}: {message}") from None
    except (ValueError, TypeError, np.linalg.LinAlgError) as error:
        return Skipped(formula, f"cannot build the design: {error}")
    rows = covariates.index.get_indexer(matrix.index)
    data = covariates.iloc[rows]
    reason = _skip_reason(matrix, data, names)
    if reason:
        return Skipped(formula, reason)
    return Design(
        formula=formula,
        matrix=matrix.to_numpy(dtype=float),
        columns=[str(c) for c in matrix.columns],
        rows=rows,
        covariates=names,
        data=data[names],
        info=matrix.design_info,
    )


def _skip_reason(matrix: pd.DataFrame, data: pd.DataFrame, names: list[str]) -> str:
    n_rows, n_params = matrix.shape
    if not names:
        return "names no document covariate"
    if n_rows == 0:
        return f"no document has a value for all of {names}"
    for name in names:
        values = data[name].drop_duplicates()
        if len(values) < 2:
            shown = values.iloc[0] if len(values) else "none"
            return f"covariate {name} has one value ({shown}) in the {n_rows} documents"
    if n_params >= n_rows:
        return (
            f"{n_params} parameters for {n_rows} documents "
            "(a fit needs more documents than parameters)"
        )
    rank = int(np.linalg.matrix_rank(matrix.to_numpy(dtype=float)))
    if rank < n_params:
        return (
            f"collinear design (rank {rank} of {n_params} columns "
            f"{list(matrix.columns)}): covariates that determine each other in these documents"
        )
    return ""


def fit_point(
    matrix: np.ndarray, shares: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels fractional logit per theme: coefficients (n_themes, p), converged (n_themes,)."""
    n_themes = shares.shape[1]
    coefficients = np.full((n_themes, matrix.shape[1]), np.nan)
    converged = np.zeros(n_themes, dtype=bool)
    var_weights = weights / weights.mean()
    for theme in range(n_themes):
        model = sm.GLM(
            shares[:, theme], matrix, family=sm.families.Binomial(), var_weights=var_weights
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # separation / domain warnings: judged below
            try:
                # the quasi-binomial scale (Pearson X2) leaves the coefficients as they are and
                # is undefined on a perfect fit, so the fit keeps the binomial scale of 1
                result = model.fit(maxiter=100, tol=_TOL)
            except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
                continue
        params = np.asarray(result.params, dtype=float)
        if bool(result.converged) and np.all(np.isfinite(params)):
            coefficients[theme] = params
            converged[theme] = True
    return coefficients, converged


@dataclass(frozen=True)
class BatchFit:
    """Batched IRLS result on an orthonormal basis (b replicates, k themes, p columns)."""

    gamma: np.ndarray  # (b, k, p) coefficients on the basis
    step: np.ndarray  # (b, k, p) the last IRLS step: large where a coefficient runs off
    identified: np.ndarray  # (b, k) information matrix not flat (every term has data)
    fitted: np.ndarray  # (b, k) fitted shares converged (also under separation)


def batched_fractional_logit(
    basis: np.ndarray, shares: np.ndarray, weights: np.ndarray
) -> BatchFit:
    """IRLS for many replicates and themes at once: the same iteration statsmodels runs.

    basis (n, p): an orthonormal design basis; shares (b, n, k); weights (b, n).
    Under separation (a level whose drawn shares are all 0) the coefficients run off towards
    infinity while the fitted shares converge; `step` shows which coefficients run.
    """
    n_rep, n_rows, n_themes = shares.shape
    n_params = basis.shape[1]
    # one problem per (replicate, theme): y (m, n), w (m, n)
    y = shares.transpose(0, 2, 1).reshape(-1, n_rows)
    w = np.repeat(weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300), n_themes, 0)
    structural = np.einsum("mn,ni,nj->mij", w, basis, basis)
    eigen = np.linalg.eigvalsh(structural)
    identified = eigen[:, 0] > _MIN_EIGEN * np.maximum(eigen[:, -1], 1e-300)
    eta = np.log((y + 0.5) / (1.5 - y))  # logit((y + 0.5) / 2), statsmodels' start
    mu = 1.0 / (1.0 + np.exp(-eta))
    gamma = np.zeros((len(y), n_params))
    step = np.full_like(gamma, np.inf)
    fitted = np.zeros(len(y), dtype=bool)
    active = np.flatnonzero(identified)
    for _ in range(_MAX_ITER):
        if not len(active):
            break
        wa, ya, eta_a, mu_a = w[active], y[active], eta[active], mu[active]
        variance = np.clip(mu_a * (1.0 - mu_a), 1e-300, None)
        wv = wa * variance
        info = np.einsum("mn,ni,nj->mij", wv, basis, basis)
        rhs = np.einsum("mn,ni->mi", wv * (eta_a + (ya - mu_a) / variance), basis)
        try:
            new = np.linalg.solve(info, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:  # an exactly flat direction: least squares instead
            new = (np.linalg.pinv(info) @ rhs[..., None])[..., 0]
        step[active] = new - gamma[active]
        gamma[active] = new
        eta[active] = new @ basis.T
        with np.errstate(over="ignore"):  # exp(-eta) = inf gives mu = 0, as it should
            new_mu = 1.0 / (1.0 + np.exp(-eta[active]))
        fitted[active] = np.where(wa > 0, np.abs(new_mu - mu_a), 0.0).max(axis=1) <= _TOL
        mu[active] = new_mu
        size = np.abs(step[active]).max(axis=1)
        converged = size <= _TOL * (1.0 + np.abs(new).max(axis=1))
        active = active[~converged]
    shape = (n_rep, n_themes)
    return BatchFit(
        gamma=gamma.reshape(*shape, n_params),
        step=step.reshape(*shape, n_params),
        identified=identified.reshape(shape),
        fitted=fitted.reshape(shape),
    )


def coefficients(fit: BatchFit, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients on the design's columns (beta = R^-1 gamma): (b, k, p), twice.

    First as fitted (for predicted shares, which converge under separation), then as reported:
    a coefficient still moving after the last iteration (separation) is +-inf. A replicate not
    identified or not converged is NaN in both.
    """
    n_params = r.shape[0]

    def solve(values: np.ndarray) -> np.ndarray:
        return np.linalg.solve(r, values.reshape(-1, n_params).T).T.reshape(values.shape)

    beta = solve(fit.gamma)
    step = solve(np.where(np.isfinite(fit.step), fit.step, 0.0))
    running = np.abs(step) > _RUNNING * (1.0 + np.abs(beta))
    beta[~(fit.identified & fit.fitted)] = np.nan
    return beta, np.where(running, np.copysign(np.inf, step), beta)


def marginal_values(values: pd.Series) -> list[Any]:
    """Values at which a covariate's predicted share is shown: its distinct values, or quantiles."""
    distinct = sorted(values.dropna().unique().tolist())
    if pd.api.types.is_numeric_dtype(values.dtype) and len(distinct) > MAX_VALUES:
        quantiles = np.quantile(values.dropna().to_numpy(dtype=float), np.linspace(0, 1, 11))
        return sorted(set(quantiles.tolist()))
    return distinct


def estimate_effects(
    covariates: pd.DataFrame,
    units: Units,
    themes: list[str],
    formulas: list[str],
    *,
    doc_weights: np.ndarray,
    clusters: np.ndarray,
    replicates: Replicates,
    within_clusters: bool = False,
    executor: Executor | None = None,
    progress: bool = False,
) -> EffectsResult:
    """Effects and marginal shares for every formula and theme, with bootstrap intervals.

    `covariates`: one row per document (row i = document code i of `units.doc`); `doc_weights`:
    each document's weight in the fit; `clusters`: a code per document; clusters are resampled,
    each bringing all its documents (a code per document = plain document resampling);
    `within_clusters` also resamples documents inside each drawn cluster (for comparison only:
    it counts within-cluster variance twice). The replicates are fixed chunks with a seed each
    (`replicate_chunk`), run on `executor` (default: in this process); the result does not
    depend on where they ran. `progress`: a bar of the chunks done.
    """
    n_docs = len(covariates)
    if len(themes) != units.n_themes:
        raise UserError(f"{len(themes)} theme names for {units.n_themes} probability columns")
    data = prepare_covariates(covariates.reset_index(drop=True))
    for formula in formulas:
        formula_covariates(formula, list(data.columns))
    shares = document_shares(units, n_docs)
    built = [build_design(f, data) for f in formulas]
    designs = [d for d in built if isinstance(d, Design)]
    skipped = [d for d in built if isinstance(d, Skipped)]
    bases = [np.linalg.qr(d.matrix) for d in designs]
    gammas = [  # coefficients per replicate, theme, column
        np.empty((replicates.n_bootstrap, len(themes), d.matrix.shape[1])) for d in designs
    ]
    predicting = [np.empty_like(g) for g in gammas]
    row_weights = [np.empty((replicates.n_bootstrap, len(d.rows))) for d in designs]
    if designs:
        inputs = ReplicateInputs(
            units=units,
            n_docs=n_docs,
            shares=shares,
            clusters=clusters,
            within_clusters=within_clusters,
            composition=replicates.composition,
            doc_weights=doc_weights,
            designs=[(d.rows, q, r) for d, (q, r) in zip(designs, bases, strict=True)],
        )
        chunks = chunk_seeds(replicates.seed, replicates.n_bootstrap)
        runner = executor if executor is not None else SerialExecutor()
        task = partial(replicate_chunk, Shared(inputs))
        drawn_chunks = map_with_progress(
            runner, task, chunks, "effects bootstrap (chunks)", progress
        )
        for (begin, stop, _), parts in zip(chunks, drawn_chunks, strict=True):
            for index, (reported, fitted_betas, weights) in enumerate(parts):
                gammas[index][begin:stop] = reported
                predicting[index][begin:stop] = fitted_betas
                row_weights[index][begin:stop] = weights

    effect_rows: list[dict[str, Any]] = []
    marginal_rows: list[dict[str, Any]] = []
    fitted: list[dict[str, Any]] = []
    alpha = 1.0 - replicates.confidence
    for index, design in enumerate(designs):
        weights = doc_weights[design.rows]
        point, converged = fit_point(design.matrix, shares[design.rows], weights)
        betas = gammas[index]
        failed = np.isnan(betas).any(axis=2).sum(axis=0)
        separated = np.isinf(betas).any(axis=2).sum(axis=0)
        low, high = _interval(betas, alpha)
        for theme_index, theme in enumerate(themes):
            for column_index, column in enumerate(design.columns):
                if column == "Intercept":
                    continue
                effect_rows.append(
                    {
                        "formula": design.formula,
                        "theme": theme,
                        "term": column,
                        "estimate": point[theme_index, column_index],
                        "ci_low": low[theme_index, column_index],
                        "ci_high": high[theme_index, column_index],
                        "n_documents": len(design.rows),
                        "n_replicates_failed": int(failed[theme_index]),
                    }
                )
        marginal_rows += _marginal_rows(
            design, themes, point, predicting[index], row_weights[index], weights, alpha
        )
        fitted.append(
            {
                "formula": design.formula,
                "n_documents": len(design.rows),
                "n_parameters": len(design.columns),
                "columns": design.columns,
                "themes_not_converged": [
                    t for t, c in zip(themes, converged, strict=True) if not c
                ],
                "replicates_failed_max": int(failed.max()),
                "replicates_separated_max": int(separated.max()),
                "terms_in_one_cluster": single_cluster_terms(design, clusters),
            }
        )
    return EffectsResult(
        effects=pd.DataFrame(effect_rows, columns=list(EFFECT_COLUMNS)),
        marginal=pd.DataFrame(marginal_rows, columns=list(MARGINAL_COLUMNS)),
        skipped=skipped,
        fitted=fitted,
    )


@dataclass(frozen=True)
class ReplicateInputs:
    """What every chunk of bootstrap replicates needs (sent once per worker, as `Shared`)."""

    units: Units
    n_docs: int
    shares: np.ndarray  # (n_docs, n_themes) observed document shares
    clusters: np.ndarray
    within_clusters: bool
    composition: bool
    doc_weights: np.ndarray
    designs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per design: rows, Q, R


def replicate_chunk(
    inputs: Shared[ReplicateInputs], chunk: tuple[int, int, np.random.SeedSequence]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One chunk of replicates: per design, the reported and the fitted coefficients and the
    row weights. Module-level so it pickles; BLAS on one thread, as in every place it runs."""
    data = inputs.get()
    begin, stop, seed = chunk
    rng = np.random.default_rng(seed)
    size = stop - begin
    with single_threaded():
        counts = cluster_counts(data.clusters, size, rng, within=data.within_clusters)
        drawn = (
            composed_shares(data.units, data.n_docs, size, rng)
            if data.composition
            else np.broadcast_to(data.shares, (size, *data.shares.shape))
        )
        out = []
        for rows, q, r in data.designs:
            weights = counts[:, rows] * data.doc_weights[rows]
            fit = batched_fractional_logit(q, drawn[:, rows], weights)
            fitted_betas, reported = coefficients(fit, r)
            out.append((reported, fitted_betas, weights))
    return out


def single_cluster_terms(design: Design, clusters: np.ndarray) -> list[str]:
    """Indicator columns whose documents all sit in one cluster: their interval is conditional
    on that cluster being drawn (the replicates without it fail)."""
    codes = clusters[design.rows]
    found = []
    for index, column in enumerate(design.columns):
        values = design.matrix[:, index]
        if column == "Intercept" or not np.isin(values, (0.0, 1.0)).all():
            continue
        if len(np.unique(codes[values == 1.0])) == 1:
            found.append(column)
    return found


def _interval(draws: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bounds over axis 0, ignoring failed (NaN) replicates; NaN if all failed."""
    finite = np.clip(draws, -_HUGE, _HUGE)  # quantiles cannot interpolate between infinities
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
        low, high = np.nanquantile(finite, [alpha / 2, 1 - alpha / 2], axis=0)

    def unbounded(bound: np.ndarray) -> np.ndarray:
        return np.where(np.abs(bound) >= _HUGE / 2, np.copysign(np.inf, bound), bound)

    return unbounded(np.asarray(low)), unbounded(np.asarray(high))


def _predict(matrix: np.ndarray, betas: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean predicted share: betas (..., k, p), weights (..., n) -> (..., k)."""
    eta = np.einsum("...kp,np->...kn", betas, matrix)
    mu = 1.0 / (1.0 + np.exp(-eta))
    return np.asarray(np.einsum("...kn,...n->...k", mu, weights) / weights.sum(axis=-1)[..., None])


def _marginal_rows(
    design: Design,
    themes: list[str],
    point: np.ndarray,
    betas: np.ndarray,
    replicate_weights: np.ndarray,
    weights: np.ndarray,
    alpha: float,
) -> list[dict[str, Any]]:
    """Average predicted share with one covariate set to each value (others as observed)."""
    rows: list[dict[str, Any]] = []
    for covariate in design.covariates:
        for value in marginal_values(design.data[covariate]):
            counterfactual = design.data.assign(**{covariate: value})
            (matrix,) = patsy.build_design_matrices([design.info], counterfactual)
            matrix = np.asarray(matrix, dtype=float)
            share = _predict(matrix, point, weights)
            with np.errstate(invalid="ignore"):
                draws = _predict(matrix, betas, replicate_weights)
            low, high = _interval(draws, alpha)
            for theme_index, theme in enumerate(themes):
                rows.append(
                    {
                        "formula": design.formula,
                        "theme": theme,
                        "covariate": covariate,
                        "value": value,
                        "share": share[theme_index],
                        "ci_low": low[theme_index],
                        "ci_high": high[theme_index],
                    }
                )
    return rows
