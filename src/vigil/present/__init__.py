"""Presentation: files and pictures people open (CSV/XLSX, PDF, HTML, maps, charts)."""
