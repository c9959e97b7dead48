"""SLA monitoring: marks cases at risk or late and escalates them along the office's supervision line."""
