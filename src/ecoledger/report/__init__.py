"""The GEP report: a run's outputs as bilingual, self-contained HTML (and PDF) for readers in
statistics and development-and-reform offices — headline figures, maps, charts, the method
tables, parameters with sources, data quality and a comparison with published figures."""

from ecoledger.report.build import write_report
from ecoledger.report.figures import ReportWarning

__all__ = ["ReportWarning", "write_report"]
