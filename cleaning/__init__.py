"""The cleaning core: pure functions from text or HTML to a :class:`CleanedRecord`.

No scrapy, no pyarrow, no I/O, no module state: the same input and the same
rules give the same record.
"""

from cleaning.record import CleanedRecord, Removal
from cleaning.rules import Rule, RuleError, RuleSet

__version__ = "0.1.0"

__all__ = ["CleanedRecord", "Removal", "Rule", "RuleError", "RuleSet", "__version__", "clean_html", "clean_text"]


def __getattr__(name: str):  # lazy: keep `import cleaning` cheap for worker processes
    if name == "clean_text":
        from cleaning.text.clean import clean_text

        return clean_text
    if name == "clean_html":
        from cleaning.html.extract import clean_html

        return clean_html
    raise AttributeError(name)
