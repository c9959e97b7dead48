"""Reports for auditors: service against the standard, per office, standard, variant, channel and period."""
