"""Accountability (issue 20, items 5–6): natural-resource-asset departure audits of leaders
(``departure``) and the duties of river/lake and forest chiefs (``chiefs``)."""

from ecoledger.accountability.departure import AuditError, DepartureAudit, departure_audit

__all__ = ["AuditError", "DepartureAudit", "departure_audit"]
