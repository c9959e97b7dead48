"""layanan: a workflow engine for Indonesian public services driven by declarative service standards."""

__version__ = "0.1.0"
