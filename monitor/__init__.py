"""claimwatch: a claim-diff change monitor with alerts."""

__version__ = "0.1.0"
