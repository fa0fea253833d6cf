"""casebot: the worker that decides repeat applications for försörjningsstöd."""

__version__ = "0.1.0"
