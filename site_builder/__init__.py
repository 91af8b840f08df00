"""site_builder: a static website generator for Pathway Figure OCR figure pages."""

__version__ = "0.1.0"
