"""The annual report to the People's Congress on the decision on the ecological-civilisation
highland (issue 20, item 4): zh first and en, HTML and PDF, a section per goal of the decision,
the scorecard of the province and its cities, and the gaps. See ``build.write_congress_report``."""

from ecoledger.congress.build import write_congress_report
from ecoledger.congress.inputs import CongressInputError, Inputs

__all__ = ["CongressInputError", "Inputs", "write_congress_report"]
