"""Impedance: R0 + (R1 || C1) fit, Lin-KK validity test, R_CT upper bound.

Impedance convention: Z = Z' + j Z'' with the physical sign (capacitive
arcs have Z'' < 0; EC-Lab writes -Im(Z)). Frequencies in Hz, impedances in
ohm.
"""
from __future__ import annotations

import dataclasses
import logging

import numpy as np
from numpy.typing import ArrayLike

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = [
    "LinKKResult",
    "RCFit",
    "charge_transfer_resistance_bound",
    "fit_rc",
    "kk_frequency_cutoff",
    "lin_kk",
    "rc_impedance",
]


def _check_spectrum(frequency_Hz, z):
    f = np.asarray(frequency_Hz, dtype=float).ravel()
    z = np.asarray(z, dtype=complex).ravel()
    if f.shape != z.shape:
        raise InputError(f"frequency_Hz ({f.size} values) and impedance "
                         f"({z.size} values) must have the same length")
    ok = np.isfinite(f) & np.isfinite(z.real) & np.isfinite(z.imag)
    if np.any(f[ok] <= 0):
        raise InputError("frequencies must be positive (Hz)")
    f, z = f[ok], z[ok]
    if f.size < 4:
        raise InputError(f"an impedance analysis needs at least 4 finite "
                         f"points; got {f.size}")
    return f, z


def rc_impedance(
    frequency_Hz: ArrayLike,
    r0_ohm: float,
    r1_ohm: float,
    c1_F: float,
    *,
    cpe_exponent: float = 1.0,
) -> np.ndarray:
    """Impedance of R0 + (R1 || C1), or R0 + (R1 || CPE) if ``cpe_exponent`` < 1.

    Z = R0 + R1 / (1 + R1 Q (j w)^n), w = 2 pi f; Q = C1 for n = 1 (a CPE
    with Q in F s^(n-1)).

    Returns
    -------
    ndarray of complex
        Impedance in ohm, same shape as ``frequency_Hz``.
    """
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    return r0_ohm + r1_ohm / (1.0 + r1_ohm * c1_F * (1j * w) ** cpe_exponent)


@dataclasses.dataclass
class RCFit:
    """Result of :func:`fit_rc`.

    Attributes
    ----------
    r0_ohm, r1_ohm : float
        Series and parallel resistance.
    c1_F : float
        Capacitance (or CPE parameter Q in F s^(n-1) when ``cpe_exponent`` < 1).
    cpe_exponent : float
        1.0 for an ideal capacitor.
    r0_stderr_ohm, r1_stderr_ohm, c1_stderr_F, cpe_exponent_stderr : float
        One-sigma standard errors from the Jacobian (modulus-weighted).
    frequency_range_Hz : tuple of float
        Lowest and highest frequency used.
    n_points : int
    relative_residual_rms : float
        RMS of |Z - Z_fit| / |Z| over the fitted points.
    """

    r0_ohm: float
    r1_ohm: float
    c1_F: float
    cpe_exponent: float
    r0_stderr_ohm: float
    r1_stderr_ohm: float
    c1_stderr_F: float
    cpe_exponent_stderr: float
    frequency_range_Hz: tuple
    n_points: int
    relative_residual_rms: float

    @property
    def dc_resistance_ohm(self):
        """Re(Z) for f -> 0: R0 + R1."""
        return self.r0_ohm + self.r1_ohm

    def impedance(self, frequency_Hz):
        """Model impedance at ``frequency_Hz`` (complex ohm)."""
        return rc_impedance(frequency_Hz, self.r0_ohm, self.r1_ohm, self.c1_F,
                            cpe_exponent=self.cpe_exponent)


def fit_rc(
    frequency_Hz: ArrayLike,
    z: ArrayLike,
    *,
    f_min_Hz: float | None = None,
    f_max_Hz: float | None = None,
    cpe: bool = False,
) -> RCFit:
    """Fit R0 + (R1 || C1) (or a CPE) by nonlinear least squares.

    Parameters
    ----------
    frequency_Hz : (N,) array_like
    z : (N,) array_like of complex
        Impedance in ohm with the physical sign of the imaginary part.
    f_min_Hz, f_max_Hz : float, optional
        Fit only points in this frequency range (inclusive), e.g. above the
        Lin-KK cutoff from :func:`kk_frequency_cutoff`.
    cpe : bool
        Replace C1 by a constant phase element (fits its exponent n in
        [0.3, 1]).

    Returns
    -------
    RCFit

    Notes
    -----
    Residuals are weighted by 1/|Z| (modulus weighting), parameters are
    fitted in log space (all positive), with ``scipy.optimize.least_squares``
    (trust region reflective). Start values come from the spectrum: R0 from
    the high-frequency real part, R1 from the width of the arc, C1 from the
    apex frequency.
    """
    f, zz = _check_spectrum(frequency_Hz, z)
    sel = np.ones(f.size, bool)
    if f_min_Hz is not None:
        sel &= f >= f_min_Hz
    if f_max_Hz is not None:
        sel &= f <= f_max_Hz
    n_par = 4 if cpe else 3
    if sel.sum() < n_par + 1:
        raise InputError(f"only {int(sel.sum())} point(s) in the frequency range "
                         f"[{f_min_Hz}, {f_max_Hz}] Hz; widen the range")
    f, zz = f[sel], zz[sel]
    order = np.argsort(f)
    f, zz = f[order], zz[order]
    r0 = max(float(np.min(zz.real)), 1e-3 * float(np.max(np.abs(zz))), 1e-12)
    r1 = max(float(np.max(zz.real)) - r0, 1e-3 * r0, 1e-12)
    k_apex = int(np.argmax(-zz.imag))
    c1 = 1.0 / (2 * np.pi * f[k_apex] * r1)
    p0 = [np.log(r0), np.log(r1), np.log(c1)] + ([0.9] if cpe else [])
    weight = 1.0 / np.abs(zz)

    def residual(p):
        n = p[3] if cpe else 1.0
        model = rc_impedance(f, np.exp(p[0]), np.exp(p[1]), np.exp(p[2]), cpe_exponent=n)
        d = (zz - model) * weight
        return np.concatenate([d.real, d.imag])

    lower = [-np.inf] * 3 + ([0.3] if cpe else [])
    upper = [np.inf] * 3 + ([1.0] if cpe else [])
    from scipy.optimize import least_squares  # scipy.optimize when a fit is made

    res = least_squares(residual, p0, bounds=(lower, upper), method="trf",
                        x_scale="jac", max_nfev=2000)
    if not res.success:
        raise InputError(f"the R0 + (R1||C1) fit did not converge ({res.message}); "
                         "check the frequency range")
    p = res.x
    dof = max(2 * f.size - n_par, 1)
    s2 = float(np.sum(res.fun ** 2)) / dof
    try:
        cov = np.linalg.inv(res.jac.T @ res.jac) * s2
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(n_par, np.nan)
    vals = np.exp(p[:3])
    n = float(p[3]) if cpe else 1.0
    model = rc_impedance(f, *vals, cpe_exponent=n)
    rel = np.abs(zz - model) / np.abs(zz)
    return RCFit(
        r0_ohm=float(vals[0]), r1_ohm=float(vals[1]), c1_F=float(vals[2]),
        cpe_exponent=n,
        r0_stderr_ohm=float(vals[0] * se[0]), r1_stderr_ohm=float(vals[1] * se[1]),
        c1_stderr_F=float(vals[2] * se[2]),
        cpe_exponent_stderr=float(se[3]) if cpe else 0.0,
        frequency_range_Hz=(float(f[0]), float(f[-1])), n_points=int(f.size),
        relative_residual_rms=float(np.sqrt(np.mean(rel ** 2))),
    )


@dataclasses.dataclass
class LinKKResult:
    """Result of :func:`lin_kk`, arrays in the order of the input.

    Attributes
    ----------
    frequency_Hz : (N,) ndarray
    z_fit_ohm : (N,) ndarray of complex
        The Kramers-Kronig-compliant model (R0 + L + M RC elements).
    residual_real, residual_imag : (N,) ndarray
        (Z - Z_fit) / |Z|, real and imaginary part (dimensionless).
    n_rc : int
        Number M of RC elements chosen by the mu criterion.
    mu : float
        1 - sum|R_k<0| / sum|R_k>=0| for the chosen M.
    """

    frequency_Hz: np.ndarray
    z_fit_ohm: np.ndarray
    residual_real: np.ndarray
    residual_imag: np.ndarray
    n_rc: int
    mu: float

    @property
    def max_residual(self):
        """Largest |residual| over real and imaginary parts."""
        return float(max(np.max(np.abs(self.residual_real)), np.max(np.abs(self.residual_imag))))


def _kk_design(w, taus, weight):
    # columns: R0, L (j w L), R_k / (1 + j w tau_k)
    cols = [np.ones_like(w, dtype=complex), 1j * w]
    for tau in taus:
        cols.append(1.0 / (1.0 + 1j * w * tau))
    a = np.stack(cols, axis=1) * weight[:, None]
    return np.concatenate([a.real, a.imag], axis=0)


def lin_kk(
    frequency_Hz: ArrayLike,
    z: ArrayLike,
    *,
    mu_criterion: float = 0.85,
    max_rc: int | None = None,
    inductance: bool = True,
) -> LinKKResult:
    """Lin-KK validity test after Schoenleber et al. (2014).

    Fits a series of M RC elements with time constants spaced
    logarithmically from 1/w_max to 1/w_min (plus R0 and, optionally, a
    series inductance) by *linear* least squares to the real and imaginary
    parts together (weights 1/|Z|). M grows until
    mu = 1 - sum|R_k<0| / sum|R_k>=0| falls below ``mu_criterion``
    (overfitting shows as negative resistances). M starts at three elements
    per decade of frequency: on coarser grids mu is erratic (the grid of
    time constants aliases against a single narrow arc and gives negative
    R_k without any overfitting), which stopped the search too early with
    residuals of several percent on an exact R0 + (R1||C1) spectrum. Residuals larger than a
    few percent mark points that are not Kramers-Kronig compliant
    (drift, nonlinearity, noise).

    Parameters
    ----------
    frequency_Hz : (N,) array_like
    z : (N,) array_like of complex
    mu_criterion : float
        Schoenleber's c, 0.85 by default.
    max_rc : int, optional
        Upper limit of M (default: N - 2, at most 50).
    inductance : bool
        Include a series inductance (for cable effects at high frequency).

    Returns
    -------
    LinKKResult

    References
    ----------
    M. Schoenleber, D. Klotz, E. Ivers-Tiffee, Electrochim. Acta 131 (2014)
    20-27, doi:10.1016/j.electacta.2014.01.034.
    """
    f, zz = _check_spectrum(frequency_Hz, z)
    w = 2 * np.pi * f
    weight = 1.0 / np.abs(zz)
    b = np.concatenate([(zz * weight).real, (zz * weight).imag])
    n_max = max_rc if max_rc is not None else min(50, f.size - 2)
    n_max = max(3, int(n_max))
    decades = np.log10(w.max() / w.min())
    n_min = min(n_max, max(3, int(np.ceil(3 * decades))))
    tau_min, tau_max = 1.0 / w.max(), 1.0 / w.min()
    best = None
    for m in range(n_min, n_max + 1):
        taus = np.geomspace(tau_min, tau_max, m)
        a = _kk_design(w, taus, weight)
        if not inductance:
            a = np.delete(a, 1, axis=1)
        coef, *_ = np.linalg.lstsq(a, b, rcond=None)
        rk = coef[2:] if inductance else coef[1:]
        pos = np.sum(np.abs(rk[rk >= 0]))
        neg = np.sum(np.abs(rk[rk < 0]))
        mu = 1.0 - neg / pos if pos > 0 else 0.0
        best = (m, mu, taus, coef)
        if mu <= mu_criterion:
            break
    m, mu, taus, coef = best
    cols = [np.ones_like(w, dtype=complex)] + ([1j * w] if inductance else [])
    cols += [1.0 / (1.0 + 1j * w * t) for t in taus]
    z_fit = np.stack(cols, axis=1) @ coef
    d = (zz - z_fit) / np.abs(zz)
    logger.debug("lin_kk: M=%d mu=%.3f max residual %.3g", m, mu, np.max(np.abs(d)))
    return LinKKResult(frequency_Hz=f, z_fit_ohm=z_fit, residual_real=d.real,
                       residual_imag=d.imag, n_rc=int(m), mu=float(mu))


def kk_frequency_cutoff(kk: LinKKResult, *, max_residual: float = 0.02) -> tuple[float, np.ndarray]:
    """Lowest frequency to keep: excludes bad low-frequency points.

    Points whose Lin-KK residual (real or imaginary) exceeds
    ``max_residual`` are bad. Going up from the lowest frequency, the
    excluded block ends at the last bad point (in the lower log-half of the
    spectrum) below which at least half of the points are bad. So a
    low-frequency region spoiled by drift or nonlinearity is dropped whole,
    while isolated noisy points (and any bad points at high frequency,
    which are reported by :func:`lin_kk` but not removed) do not cut the
    spectrum.

    Parameters
    ----------
    kk : LinKKResult
    max_residual : float
        Relative residual limit (0.02 = 2 %).

    Returns
    -------
    f_min_Hz : float
        Lowest frequency of the valid range (the lowest frequency measured
        when no low-frequency block is bad).
    excluded_Hz : ndarray
        Frequencies below the cutoff, descending.
    """
    if not max_residual > 0:
        raise InputError(f"max_residual must be positive; got {max_residual!r}")
    order = np.argsort(kk.frequency_Hz)
    f = kk.frequency_Hz[order]
    bad = ((np.abs(kk.residual_real) > max_residual)
           | (np.abs(kk.residual_imag) > max_residual))[order]
    log_mid = 0.5 * (np.log10(f[0]) + np.log10(f[-1]))
    frac_bad = np.cumsum(bad) / np.arange(1, f.size + 1)
    cand = np.flatnonzero(bad & (frac_bad >= 0.5) & (np.log10(f) < log_mid))
    if cand.size == 0:
        return float(f[0]), np.array([])
    last = int(cand[-1])
    if last + 1 >= f.size:
        raise InputError("every point fails the Lin-KK test; the spectrum is "
                         "not usable")
    return float(f[last + 1]), f[:last + 1][::-1].copy()


def charge_transfer_resistance_bound(
    fit: RCFit,
    frequency_Hz: ArrayLike,
    z: ArrayLike,
    *,
    f_min_Hz: float | None,
) -> tuple[float | None, float | None]:
    """Upper bound of the charge-transfer resistance from the fit residual.

    As in the reference paper: |Re Z(f_low) - (R0 + R1)| at the lowest
    excluded frequency f_low (the last point measured, below the fit range),
    i.e. how much resistance could hide at low frequency without being
    resolved.

    Parameters
    ----------
    fit : RCFit
    frequency_Hz, z : array_like
        The whole spectrum.
    f_min_Hz : float
        Lowest frequency used in the fit.

    Returns
    -------
    resistance_ohm : float or None
        None when no point lies below ``f_min_Hz``.
    frequency_Hz : float or None
        The point used.
    """
    f, zz = _check_spectrum(frequency_Hz, z)
    below = f < f_min_Hz
    if not below.any():
        return None, None
    k = np.flatnonzero(below)[np.argmin(f[below])]
    return float(abs(zz[k].real - fit.dc_resistance_ohm)), float(f[k])
