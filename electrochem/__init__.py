"""Potentiostat file readers and electrochemical analysis."""
from ._cv import CVLinearFit, cv_hysteresis, cv_linear_fit
from ._delimited import parse_column_options
from ._eis import (
    LinKKResult,
    RCFit,
    charge_transfer_resistance_bound,
    fit_rc,
    kk_frequency_cutoff,
    lin_kk,
    rc_impedance,
)
from ._format import format_summary
from ._mpt import write_mpt
from ._physics import (
    charge_from_volume,
    constriction_resistance,
    contact_area_cm2,
    current_density_from_growth_rate,
    current_density_from_initial_overpotential,
    diameter_from_constriction_resistance,
    electrode_area_from_initial_overpotential,
    exchange_current_density,
    growth_rate_from_current_density,
    thickness_from_areal_charge,
    volume_from_charge,
)
from ._registry import (
    KNOWN_EXTENSIONS,
    TRACE_EXTENSIONS,
    TRACE_READERS,
    EmptyTraceError,
    TraceReader,
    known_trace_formats,
    read_trace,
)
from ._steps import detect_short_circuit, split_steps
from ._stripping import (
    LI_CONCENTRATION_PAPER_MOL_CM3,
    MONOLAYER_THICKNESS_NM,
    depletion_time,
    initial_overpotential,
    sand_analysis,
    stripped_charge,
)
from ._summary import summarize_trace
from ._trace import TECHNIQUES, Trace

__all__ = [
    "CVLinearFit",
    "EmptyTraceError",
    "KNOWN_EXTENSIONS",
    "LI_CONCENTRATION_PAPER_MOL_CM3",
    "LinKKResult",
    "MONOLAYER_THICKNESS_NM",
    "RCFit",
    "TECHNIQUES",
    "TRACE_EXTENSIONS",
    "TRACE_READERS",
    "Trace",
    "TraceReader",
    "charge_from_volume",
    "charge_transfer_resistance_bound",
    "constriction_resistance",
    "contact_area_cm2",
    "current_density_from_growth_rate",
    "current_density_from_initial_overpotential",
    "cv_hysteresis",
    "cv_linear_fit",
    "depletion_time",
    "detect_short_circuit",
    "diameter_from_constriction_resistance",
    "electrode_area_from_initial_overpotential",
    "exchange_current_density",
    "fit_rc",
    "format_summary",
    "growth_rate_from_current_density",
    "initial_overpotential",
    "kk_frequency_cutoff",
    "known_trace_formats",
    "lin_kk",
    "parse_column_options",
    "rc_impedance",
    "read_trace",
    "sand_analysis",
    "split_steps",
    "stripped_charge",
    "summarize_trace",
    "thickness_from_areal_charge",
    "volume_from_charge",
    "write_mpt",
]
