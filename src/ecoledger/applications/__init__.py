"""Using the accounts: fiscal transfers, ecological compensation, assessment, asset valuation (VEP)."""
