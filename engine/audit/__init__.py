"""The auditors' side: verifying the event chain, exporting trails."""
