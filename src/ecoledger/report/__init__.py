"""The GEP report: a run's outputs as bilingual, self-contained HTML (and PDF) for readers in
statistics and development-and-reform offices — headline figures, maps, charts, the method
tables, parameters with sources, data quality and a comparison with published figures.

``write_report`` and ``ReportWarning`` are imported on first use, so that the text helpers
(``report.words``, ``report.numbers``) that the platform's pages use do not load matplotlib."""

__all__ = ["ReportWarning", "write_report"]


def __getattr__(name: str):
    if name == "write_report":
        from ecoledger.report.build import write_report

        return write_report
    if name == "ReportWarning":
        from ecoledger.report.figures import ReportWarning

        return ReportWarning
    raise AttributeError(f"module 'ecoledger.report' has no attribute {name!r}")
